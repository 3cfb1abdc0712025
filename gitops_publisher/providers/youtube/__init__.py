"""YouTube Data API v3 client: Google OAuth, channels.list, resumable videos.insert, videos.list."""
