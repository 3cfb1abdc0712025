"""YouTube Data API v3 client: Google OAuth, channels.list, resumable videos.insert, videos.list.

Built from ``docs/reference/youtube-data-api.md``, with its adapter to the provider port
(``adapter.py``). May import what ``providers/`` may (``core``, ``errors``, the shared
``providers`` modules, libraries); never ``sandbox/`` (its emulator) nor the TikTok client.
"""
