"""What apply tells the outside world while it runs; the CLI renders these (design §6.6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """How one address ended in this run."""

    PUBLISHED = "published"
    SCHEDULED = "scheduled"  # uploaded; YouTube keeps it private until its publishAt
    INBOX = "inbox"  # draft delivered to the creator's inbox
    PENDING = "pending"  # still processing at TikTok; the next run resumes it
    FAILED = "failed"  # TikTok or the network refused it; see message
    NOT_ATTEMPTED = "not attempted"  # an earlier error stopped this account's queue


@dataclass(frozen=True)
class Log:
    """A line of progress, e.g. ``launch-teaser@brand-us: init ok (v_pub_file~...)``."""

    address: str
    message: str
    level: str = "info"


@dataclass(frozen=True)
class UploadProgress:
    """Bytes sent so far of one upload: never fewer than an earlier event of it said.

    Attributes:
        address: the post's address.
        sent: the most bytes of the video sent so far in this run (:class:`UploadGauge`).
        total: the video's size.
        resending: bytes already counted are going out again (a chunk whose answer was lost,
            a resumed or restarted upload): ``sent`` holds until they pass it.
    """

    address: str
    sent: int
    total: int
    resending: bool = False


class UploadGauge:
    """One upload's progress events from its transfers' positions, which may go back.

    A transfer reports where the platform's copy ends as bytes leave, and goes back to the
    last confirmed offset when a chunk is sent again (``providers/streaming.py``). A user
    reads a bar that shrinks as lost work, or a restart from 0 %; the events hold the highest
    figure instead and say ``resending`` until the transfer has passed it again.
    """

    def __init__(self, address: str) -> None:
        self.address = address
        self._highest = 0

    def at(self, position: int, total: int) -> UploadProgress:
        """The event for a transfer at ``position`` of ``total`` bytes."""
        self._highest = max(self._highest, position)
        return UploadProgress(self.address, self._highest, total, position < self._highest)


@dataclass(frozen=True)
class Result:
    """The end of one address in this run."""

    address: str
    action: str
    outcome: Outcome
    publish_id: str | None = None
    url: str | None = None
    message: str = ""

    @property
    def detail(self) -> str:
        """What outputs print after the outcome: the URL, the message, or both."""
        if self.url and self.message:
            return f"{self.url} ({self.message})"
        return self.url or self.message


Event = Log | UploadProgress | Result
Emit = Callable[[Event], None]
