"""Notifications after an apply (``notify:`` in ``publisher.yaml``): Slack and JSON webhooks.

``message.py`` builds the payloads (pure); ``send.py`` posts them with httpx and reports each
delivery without ever showing its URL, which is a secret.

May import ``apply`` (the results it reports), ``core`` and the layers below them; never
``github`` or ``cli``.
"""
