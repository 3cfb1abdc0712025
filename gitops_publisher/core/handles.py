"""How outputs show a platform's handle of one publish attempt (pure).

TikTok's handle (a ``publish_id``) is an opaque id and may be shown. YouTube's is the
resumable session URI: a capability (whoever holds it can upload into the channel), kept in
the state but never printed. Every output that names a recorded handle without an open
provider (``state list``/``show``, plan text, calendars) goes through :func:`shown`; with a
provider open, :meth:`core.ports.Platform.label` says the same thing.
"""

from __future__ import annotations


def is_capability(handle: str) -> bool:
    """True for a handle that grants access by itself (a URL, such as a session URI)."""
    return "://" in handle


def shown(handle: str) -> str:
    """``handle`` as outputs may show it: a capability becomes ``upload session …abcd``."""
    if not is_capability(handle):
        return handle
    tail = handle.rsplit("upload_id=", 1)[-1].split("&", 1)[0] if "upload_id=" in handle else ""
    return f"upload session …{tail[-4:]}" if tail else "upload session"
