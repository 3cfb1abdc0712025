"""Apply: execute a plan against TikTok, recording every transition durably."""
