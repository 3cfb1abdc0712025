"""providers/tiktok."""
