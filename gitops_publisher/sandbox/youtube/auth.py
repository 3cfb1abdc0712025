"""Who is calling the YouTube API: bearer tokens and scopes (reference §1.5, §5.2)."""

from __future__ import annotations

from starlette.requests import Request

from gitops_publisher.sandbox.service import SandboxService
from gitops_publisher.sandbox.youtube import grants
from gitops_publisher.sandbox.youtube.envelope import GoogleApiError
from gitops_publisher.sandbox.youtube.models import SCOPE_PREFIX, Channel, GoogleToken

#: Scopes each method accepts (discovery document ``scopes``), short names.
UPLOAD_SCOPES = ("youtube.upload", "youtube", "youtube.force-ssl", "youtubepartner")
READ_SCOPES = ("youtube.readonly", "youtube", "youtube.force-ssl", "youtubepartner")
DELETE_SCOPES = ("youtube", "youtube.force-ssl", "youtubepartner")

_INVALID_MESSAGE = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)


def bearer_of(request: Request) -> str | None:
    """The access token of a request: ``Authorization: Bearer`` or the ``access_token`` query."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("access_token") or None


def authenticate(service: SandboxService, request: Request) -> tuple[GoogleToken, Channel]:
    """Return the access token's record and its channel.

    Raises:
        GoogleApiError: 401 ``required`` ("Login Required.") without credentials, 401
            ``authError`` ("Invalid Credentials") for an unknown, expired or revoked token,
            with ``WWW-Authenticate`` as Google sends it.
    """
    data = service.world.data.youtube
    value = bearer_of(request)
    if value is None:
        raise GoogleApiError(
            401,
            "required",
            "Login Required.",
            "global",
            location="Authorization",
            location_type="header",
            headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
        )
    record = grants.find_live(data, value, "access", service.clock.now())
    channel = None if record is None else grants.find_channel(data, channel_id=record.channel_id)
    if record is None or channel is None:
        error = GoogleApiError(
            401,
            "authError",
            "Invalid Credentials",
            "global",
            location="Authorization",
            location_type="header",
            headers={
                "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                'error="invalid_token"'
            },
        )
        error.top_message = _INVALID_MESSAGE
        raise error
    return record, channel


def require_scope(record: GoogleToken, accepted: tuple[str, ...]) -> None:
    """Require one of ``accepted`` (short names) among the token's granted scopes.

    Raises:
        GoogleApiError: 403 ``insufficientPermissions`` (UNCERTAIN text, reference §1.5).
    """
    if not any(SCOPE_PREFIX + scope in record.scopes for scope in accepted):
        error = GoogleApiError(403, "insufficientPermissions", "Insufficient Permission", "global")
        error.top_message = "Request had insufficient authentication scopes."
        raise error
