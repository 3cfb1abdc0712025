"""Which Google endpoint and OAuth client this run talks to, for the state binding (design §12).

Read from the environment at the edge, as the client reads its own base URL
(``providers/youtube/urls.py``): the Data API base (``PUBLISHER_YOUTUBE_API_URL`` or
Google's) and a fingerprint of the Google OAuth client id the project's YouTube accounts
name (``client_id_env``, ``YOUTUBE_CLIENT_ID`` by default) when it is set; never the id or
its secret. ``--sandbox`` is the embedded sandbox, whose port changes every run.

When the accounts name different Google clients (one per Google Cloud project), no single
app describes the state's records: the binding then holds the URL only, as an offline plan
without the client id checks.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from pydantic import ValidationError

from gitops_publisher.core.binding import EMBEDDED_SANDBOX, app_fingerprint
from gitops_publisher.core.state import Endpoint
from gitops_publisher.errors import PublisherError
from gitops_publisher.providers.youtube import urls

PLATFORM = "youtube"


def current_endpoint(
    *,
    sandbox: bool,
    client_id_envs: Iterable[str] = (urls.CLIENT_ID_ENV,),
    env: Mapping[str, str] | None = None,
) -> Endpoint:
    """The endpoint a command with these options and ``env`` (default ``os.environ``) uses.

    ``client_id_envs`` are the variables the project's YouTube accounts take their Google
    client id from; the app is known when they hold exactly one id between them.

    Raises:
        PublisherError: ``PUBLISHER_YOUTUBE_API_URL`` is not an http(s) URL.
    """
    if sandbox:
        return Endpoint(api_url=EMBEDDED_SANDBOX)
    env = os.environ if env is None else env
    ids = {env.get(name, "").strip() for name in client_id_envs} - {""}
    app = app_fingerprint(ids.pop()) if len(ids) == 1 else None
    try:
        return Endpoint(api_url=urls.api_url(env), app=app)
    except ValidationError:
        raise PublisherError(
            f"{urls.API_URL_ENV} is not an http(s) URL (spaces and control characters are "
            "not allowed)",
            hint="set it to the API base URL, e.g. http://127.0.0.1:8765 for "
            f"`publisher sandbox serve`, or unset it for Google ({urls.DEFAULT_API_URL})",
        ) from None


def adopts_unbound(endpoint: Endpoint) -> bool:
    """Whether ``endpoint`` may bind a state whose YouTube records predate its binding.

    The rule of TikTok's version 1 states (``providers/tiktok/endpoint.py``): Google's own
    API, where such records were most likely made, and the embedded sandbox (whose state
    file has always been its own); not a served sandbox or another override.
    """
    return endpoint.api_url in (urls.DEFAULT_API_URL, EMBEDDED_SANDBOX)
