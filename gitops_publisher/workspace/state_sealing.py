"""The writes of the state outside apply leave no session URI in it either (``core/sessions.py``).

apply seals each record it puts and closes the sessions of recorded posts by its first write
(``apply/statebox.py``). The state commands (``state rm``, ``mv``, ``bind``, ``import``), the
moves of ``previous_ids`` and the Action's approvals write the state they read, records they
did not touch included: :func:`at_rest` gives them the same rule, so a state written before
2026-12-04 (session URIs in plain) holds none after any write. A recorded post's session is
closed; an unfinished upload's is sealed with the key apply would use
(``providers/sealing.py``: ``PUBLISHER_TOKEN_KEY``, else the machine's key file, the
sandbox's for ``--sandbox``). Without a usable key it is kept as it is, as apply keeps it:
the upload needs it to be resumed or asked about, and dropping it could post twice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gitops_publisher.core.sessions import state_at_rest, unsealed
from gitops_publisher.core.state import State
from gitops_publisher.errors import SealError
from gitops_publisher.workspace.state_stores import SANDBOX_STATE


def key_dir(project_dir: Path, *, sandbox: bool) -> Path | None:
    """Where the key file that seals sessions is: the sandbox's, else None (the machine's)."""
    return project_dir / SANDBOX_STATE.parent if sandbox else None


def at_rest(state: State, *, key_dir: Path | None, warn: Callable[[str], None]) -> State:
    """``state`` as a write may leave it: sessions closed or sealed (the serial bumps if any).

    ``state`` itself when it holds no session URI. ``warn`` is told which addresses keep a
    plain session when no key can seal it (an invalid ``PUBLISHER_TOKEN_KEY``, a key file
    that cannot be written), and what to do; the write goes on with them as they are.
    """
    plain = unsealed(state)
    if not plain:
        return state_at_rest(state, None)  # closing needs no key: none is made
    from gitops_publisher.providers.sealing import SessionSealer

    try:
        return state_at_rest(state, SessionSealer.from_environment(key_dir=key_dir))
    except SealError as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        warn(
            f"warning: the upload session of {', '.join(plain)} stays in plain in the state: "
            f"no key can seal it here: {exc}{hint}. The upload needs it, so it is kept; the "
            "next write with a key seals it"
        )
        return state_at_rest(state, None)
