"""Which TikTok endpoint and app this run talks to, for the state binding (design §12).

Read from the environment at the edge, like the client's own base URL: the API base URL
(``PUBLISHER_TIKTOK_API_URL`` or TikTok's) and a fingerprint of ``TIKTOK_CLIENT_KEY`` when set
(an offline plan may have none); ``--sandbox`` is the embedded sandbox, whose port changes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import ValidationError

from gitops_publisher.core.binding import EMBEDDED_SANDBOX, app_fingerprint
from gitops_publisher.core.state import Endpoint
from gitops_publisher.errors import PublisherError
from gitops_publisher.providers.tiktok import urls

PLATFORM = "tiktok"
CLIENT_KEY_ENV = "TIKTOK_CLIENT_KEY"


def current_endpoint(*, sandbox: bool, env: Mapping[str, str] | None = None) -> Endpoint:
    """The endpoint a command with these options and ``env`` (default ``os.environ``) uses.

    Raises:
        PublisherError: ``PUBLISHER_TIKTOK_API_URL`` is not an http(s) URL.
    """
    if sandbox:
        return Endpoint(api_url=EMBEDDED_SANDBOX)
    env = os.environ if env is None else env
    key = env.get(CLIENT_KEY_ENV, "").strip()
    try:
        return Endpoint(api_url=urls.api_url(env), app=app_fingerprint(key) if key else None)
    except ValidationError:
        raise PublisherError(
            "PUBLISHER_TIKTOK_API_URL is not an http(s) URL (spaces and control characters "
            "are not allowed)",
            hint="set it to the API base URL, e.g. http://127.0.0.1:8765 for "
            "`publisher sandbox serve`, or unset it for TikTok",
        ) from None


def adopts_unbound(endpoint: Endpoint) -> bool:
    """Whether ``endpoint`` may bind a state written before states recorded theirs.

    TikTok's own API (where version 1 states' records were most likely made) and the
    embedded sandbox (whose state file has always been its own); not a served sandbox.
    """
    return endpoint.api_url in (urls.DEFAULT_API_URL, EMBEDDED_SANDBOX)
