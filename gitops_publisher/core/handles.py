"""How outputs show a platform's handle of one publish attempt, and how plans refer to it (pure).

TikTok's handle (a ``publish_id``) is an opaque id and may be shown. YouTube's is the
resumable session URI: a capability (whoever holds it can upload into the channel), kept in
the state but never printed. Every output that names a recorded handle without an open
provider (``state list``/``show``, plans in every format, saved plan files, calendars, error
messages) goes through :func:`shown`; with a provider open, :meth:`core.ports.Platform.label`
says the same thing.

A plan does not copy a capability either: it carries the shown form and the handle's
:func:`digest`, which ``apply PLANFILE`` compares with the state's handle (a saved plan then
still proves which upload session it was reviewed with, without holding it).
"""

from __future__ import annotations

import hashlib


def is_capability(handle: str) -> bool:
    """True for a handle that grants access by itself (a URL, such as a session URI)."""
    return "://" in handle


def shown(handle: str) -> str:
    """``handle`` as outputs may show it: a capability becomes ``upload session …abcd``."""
    if not is_capability(handle):
        return handle
    tail = handle.rsplit("upload_id=", 1)[-1].split("&", 1)[0] if "upload_id=" in handle else ""
    return f"upload session …{tail[-4:]}" if tail else "upload session"


def named(handle: str, label: str | None = None) -> str:
    """``handle`` in a sentence: ``publish_id v_pub_1`` (TikTok), ``upload session …abcd``.

    ``label``: how an open provider shows it (:meth:`core.ports.Named.label`); default
    :func:`shown`. A capability's label already says what it is; a publish_id's does not.
    """
    label = shown(handle) if label is None else label
    return label if is_capability(handle) else f"publish_id {label}"


def digest(handle: str) -> str | None:
    """``sha256:…`` of a capability handle (what plans keep of it); None for a shown id."""
    if not is_capability(handle):
        return None
    return "sha256:" + hashlib.sha256(handle.encode()).hexdigest()
