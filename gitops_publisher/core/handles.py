"""How outputs show a platform's handle of one publish attempt, how the state keeps it (pure).

TikTok's handle (a ``publish_id``) is an opaque id and may be shown. YouTube's is the
resumable session URI: a capability (whoever holds it can upload into the channel until the
session completes or expires, about a week), so it is never printed and never written to
the state as it is. Every output that names a recorded handle without an open provider
(``state list``/``show``, plans in every format, saved plan files, calendars, error
messages) goes through :func:`shown`; with a provider open, :meth:`core.ports.Platform.label`
says the same thing.

**At rest.** The state (committed to git, perhaps in a public repository) holds a session
in one of two forms, both shown as ``upload session …abcd``:

- ``sealed:v1:KEY:TAIL:SHA256:TOKEN`` while the session may still be needed (an upload
  under way, or being processed): TOKEN is the URI encrypted (Fernet) with a key of the
  run that started it, which ``providers/sealing.py`` keeps; KEY says which kind of key
  (``env``: derived from ``PUBLISHER_TOKEN_KEY``; ``local``: the key file of the machine);
  TAIL the last 4 characters of its ``upload_id`` (what outputs show); SHA256 the URI's
  hash (its :func:`digest`, so plans made before and after the seal agree).
- ``closed:v1:TAIL:SHA256`` once the post is recorded (published): the capability itself
  is dropped, the shown form and digest stay so history reads the same.

A plain URI in a state written before 2026-12-04 is read as it is and sealed (or closed)
when its record is next written.

A plan does not copy a capability either: it carries the shown form and the handle's
:func:`digest`, which ``apply PLANFILE`` compares with the state's handle (a saved plan then
still proves which upload session it was reviewed with, without holding it).
"""

from __future__ import annotations

import hashlib
import re
from typing import Protocol

SEALED = "sealed:v1:"
CLOSED = "closed:v1:"
KEYS = ("env", "local")
_SEALED = re.compile(
    r"^sealed:v1:(env|local):([A-Za-z0-9_-]{0,4}):([0-9a-f]{64}):([A-Za-z0-9_=-]+)$"
)
_CLOSED = re.compile(r"^closed:v1:([A-Za-z0-9_-]{0,4}):([0-9a-f]{64})$")
_TAIL = re.compile(r"^[A-Za-z0-9_-]{0,4}$")


class Sealer(Protocol):
    """Seals session URIs for the state and opens them again (``providers/sealing.py``)."""

    def seal(self, handle: str) -> str:
        """``handle`` (a session URI) in its :data:`SEALED` form.

        The same URI gives the same sealed text for as long as the sealer lives (one run),
        and a URI this sealer unsealed gives back the very text it was read from, so a
        record rewritten in a run keeps its bytes.

        Raises:
            SealError: no key can be made here (an invalid ``PUBLISHER_TOKEN_KEY``, an
                unwritable key file).
        """
        ...

    def unseal(self, handle: str) -> str:
        """The session URI a :data:`SEALED` handle holds; any other handle as it is.

        Raises:
            SealError: this run has not the key that sealed it, or it is :data:`CLOSED`;
                the message says which key it needs.
        """
        ...


def is_capability(handle: str) -> bool:
    """True for a handle that grants access by itself (a URL, such as a session URI)."""
    return "://" in handle


def is_sealed(handle: str) -> bool:
    """True for a session URI kept encrypted (:data:`SEALED` form)."""
    return _SEALED.match(handle) is not None


def is_closed(handle: str) -> bool:
    """True for a session whose capability was dropped (:data:`CLOSED` form)."""
    return _CLOSED.match(handle) is not None


def is_session(handle: str) -> bool:
    """True for a capability handle in any form: plain, sealed or closed (never shown)."""
    return is_capability(handle) or is_sealed(handle) or is_closed(handle)


def _tail(uri: str) -> str:
    """The last 4 characters of the URI's ``upload_id`` (what outputs show), or ""."""
    if "upload_id=" not in uri:
        return ""
    tail = uri.rsplit("upload_id=", 1)[-1].split("&", 1)[0][-4:]
    return tail if _TAIL.match(tail) else ""


def _parts(handle: str) -> tuple[str, str] | None:
    """``(tail, sha256 hex)`` of a session handle in any form; None for another handle."""
    if is_capability(handle):
        return _tail(handle), hashlib.sha256(handle.encode()).hexdigest()
    sealed = _SEALED.match(handle)
    if sealed is not None:
        return sealed.group(2), sealed.group(3)
    closed = _CLOSED.match(handle)
    if closed is not None:
        return closed.group(1), closed.group(2)
    return None


def tail(handle: str) -> str:
    """The last 4 characters of a session's ``upload_id``, in any form ("" when none)."""
    parts = _parts(handle)
    return "" if parts is None else parts[0]


def shown(handle: str) -> str:
    """``handle`` as outputs may show it: a capability becomes ``upload session …abcd``."""
    parts = _parts(handle)
    if parts is None:
        return handle
    return f"upload session …{parts[0]}" if parts[0] else "upload session"


def named(handle: str, label: str | None = None) -> str:
    """``handle`` in a sentence: ``publish_id v_pub_1`` (TikTok), ``upload session …abcd``.

    ``label``: how an open provider shows it (:meth:`core.ports.Named.label`); default
    :func:`shown`. A label that is not the handle itself already says what it is (a
    capability's, never shown as it is); one that is (a publish_id, no secret) gets the word.
    :func:`shown` changes a handle exactly when it is a session, so the label answers
    :func:`is_session` for a handle from the state, and a provider's for one it just gave:
    no sealed or closed form is looked for in TikTok's publish_ids.
    """
    label = shown(handle) if label is None else label
    return f"publish_id {label}" if label == handle else label


def digest(handle: str) -> str | None:
    """``sha256:…`` of a session URI, in any form (what plans keep); None for a shown id."""
    parts = _parts(handle)
    return None if parts is None else "sha256:" + parts[1]


def same(one: str | None, other: str | None) -> bool:
    """Whether two recorded handles name the same attempt (a session in any of its forms)."""
    if one == other:
        return True
    if one is None or other is None:
        return False
    ours = digest(one)
    return ours is not None and ours == digest(other)


def sealed_form(uri: str, key: str, token: str) -> str:
    """The :data:`SEALED` text of ``uri`` encrypted as ``token`` with a ``key`` kind key."""
    assert key in KEYS and is_capability(uri)
    tail, sha = _parts(uri) or ("", "")
    return f"{SEALED}{key}:{tail}:{sha}:{token}"


def sealed_parts(handle: str) -> tuple[str, str, str] | None:
    """``(key kind, sha256 hex, token)`` of a :data:`SEALED` handle; None for another."""
    sealed = _SEALED.match(handle)
    return None if sealed is None else (sealed.group(1), sealed.group(3), sealed.group(4))


def closed(handle: str) -> str:
    """``handle`` without its capability (:data:`CLOSED` form); another handle as it is."""
    parts = _parts(handle)
    return handle if parts is None else f"{CLOSED}{parts[0]}:{parts[1]}"
