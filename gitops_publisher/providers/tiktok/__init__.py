"""TikTok: its Content Posting API client, OAuth (login, refresh, rotation), chunk plans.

Also its rate limits and error envelopes; what TikTok shares with other platforms (token
stores, retries, the bearer flow) is in ``providers/``.

Built from ``docs/reference/tiktok-content-posting-api.md``. HTTP goes through httpx with
``base_url=`` and ``transport=``; clocks and sleeps are injected. May import what
``providers/`` may (``core``, ``errors``, ``oslocks``, libraries), never ``sandbox/``.
"""
