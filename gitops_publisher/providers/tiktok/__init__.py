"""TikTok: its Content Posting API client and its adapter to the provider port.

Also OAuth (login, refresh, rotation), chunk plans, retries, rate limits and token stores.

Built from ``docs/reference/tiktok-content-posting-api.md``. HTTP goes through httpx with
``base_url=`` and ``transport=``; clocks and sleeps are injected. May import what
``providers/`` may (``core``, ``errors``, ``oslocks``, libraries), never ``sandbox/``.
"""
