"""When a run may give up an upload that another run started and only that run can finish.

A resumed attempt whose platform still expects bytes, and whose bytes only the run that
started it can send (TikTok: the upload_url is never stored, reference §3.2), is not
necessarily dead: the run that started it may be alive elsewhere, still uploading (two
clones applying one state branch at once, the Action on merge and on schedule). Giving it
up then records ``failed`` (retryable); the next run publishes the post again while the
first upload completes: two posts for one address.

So such an attempt is given up only when no run can still be sending its bytes:

* **The upload target has expired.** The platform states how long it lives
  (:attr:`~gitops_publisher.core.ports.Platform.upload_target_lifetime`: TikTok's upload_url,
  1 hour from init). It was issued before the handle was recorded, and an ``uploading``
  record changes only when it leaves that status, so its ``updated_at`` is at or after the
  issue. After ``updated_at`` + lifetime + :data:`CLOCK_SKEW`, nobody can complete it.
* **The run that started it is known to have ended.** This run holds the state's exclusive
  lock and the attempt was started under that same lock (``provenance.lock`` equals
  :meth:`~gitops_publisher.core.state.StateStore.held_lock`): that run has released it, so
  its apply is over (``workspace/locking.py`` says what the lock proves and for which
  stores). A rerun after a crash on the same machine and clone is not kept waiting.

Until then the attempt is left as it is and reported pending. Pure: no clock of its own.

A handle that can transfer by itself (a YouTube session URI) has no such window: any run
holding the record goes on with it at once. If the run that started it is still sending, the
upload server keeps none of the second sender's bytes (``UploadContended``), and the engine
leaves the attempt to the first, pending, instead of failing it (``Publishing.upload_failed``).
Unless this run cannot open it: the state keeps it sealed (``core/handles.py``), and sealed
with another key (another machine's, another ``PUBLISHER_TOKEN_KEY``) only the runs with
that key can send the rest. It is then such an attempt too, whose target lives as long as its
platform says a sealed handle does
(:attr:`~gitops_publisher.core.ports.Platform.sealed_handle_lifetime`: YouTube's session, a
week); a platform that states none leaves it undecided until the run that started it is
known to have ended (``apply/resume.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gitops_publisher.core.state import Record

CLOCK_SKEW = timedelta(minutes=15)
"""Added to the platform's upload window before an attempt started elsewhere is given up.

It covers a clock of the starting run behind this run's (the record's ``updated_at`` is the
starting run's clock; machines synchronised by NTP differ by far less, an unsynchronised
laptop by minutes) and a platform that honours a target a little past its stated lifetime
(the reference states 1 hour, not how strictly). The cost is only a later retry of an upload
that really was abandoned.
"""


def started_by_ended_run(record: Record, held_lock: str | None) -> bool:
    """Whether the run that started ``record``'s attempt is known to have ended.

    ``held_lock``: the id of the exclusive state lock this run holds (None: none, or one
    that proves nothing).
    """
    return held_lock is not None and record.provenance.lock == held_lock


def undecided_until(
    record: Record,
    lifetime: timedelta | None,
    *,
    held_lock: str | None,
    now: datetime,
    time_scale: float = 1.0,
) -> datetime | None:
    """Until when another run may still be sending ``record``'s bytes; None: give it up now.

    Args:
        record: an ``uploading`` record whose platform still expects bytes that only the
            run that started it can send.
        lifetime: how long its bytes may be sent from the start: the platform's upload
            target lifetime, or its sealed handle lifetime for a handle this run cannot
            open (None: nothing to wait for, as when the handle itself can transfer and so
            no target outlives a run; a sealed handle without one is never given up on time
            alone, which ``apply/resume.py`` decides before asking).
        held_lock: the id of the exclusive state lock this run holds (or None).
        now: this run's wall clock.
        time_scale: how much faster than real time the platform's clock runs (the
            embedded sandbox): its upload window is that much shorter in real time.

    Returns:
        The time after which a run may give it up (real time), or None when this run may.
    """
    if lifetime is None or started_by_ended_run(record, held_lock):
        return None
    until = record.updated_at + (lifetime + CLOCK_SKEW) / time_scale
    return until if now < until else None
