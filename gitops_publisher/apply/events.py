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
    """Bytes sent so far of one upload."""

    address: str
    sent: int
    total: int


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
