"""The state: the durable record of what was published, one record per address.

A versioned JSON envelope ``{version, lineage, serial, endpoints, resources: {ADDRESS: record}}``.
``lineage`` identifies one state's history (a saved plan is only valid for its lineage);
``serial`` bumps on every real change; ``endpoints`` says, per platform, which API endpoint and
app the records describe (``core/binding.py``: another endpoint is refused). The models here
are pure values; reading, writing and locking live in the workspace's state stores, behind
:class:`StateStore`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
)

STATE_VERSION = 2
"""2 (December 2026) added ``endpoints``; version 1 files are migrated when read
(``workspace/state_file.py``), and bound to their endpoint by their first write."""

# initiating: intent recorded, init not known to have answered. No byte was sent (the
#   write-ahead rule records publish_id before the first chunk), so TikTok cannot publish it.
# uploading / processing: publish_id recorded; the outcome is unknown until a status fetch.
# published: PUBLISH_COMPLETE.  inbox: SEND_TO_USER_INBOX (a draft awaits the creator).
# failed: TikTok said FAILED (fail_reason) or the upload was abandoned without publishing.
Status = Literal["initiating", "uploading", "processing", "published", "inbox", "failed"]

UNKNOWN_OUTCOME: frozenset[str] = frozenset({"uploading", "processing"})
DONE: frozenset[str] = frozenset({"published", "inbox"})

# The engine's own fail_reason values, for an attempt it abandoned before the platform could
# publish it: publishing again is safe on every platform. Whether a platform's own reason
# (TikTok's ``fail_reason``) allows a new attempt is its platform's to say
# (``Platform.retryable``), asked by the planner through the registry ``planning.py`` hands it.
ABANDONED_REASONS: frozenset[str] = frozenset({"upload_expired", "upload_failed", "init_failed"})


class Provenance(BaseModel):
    """Where a publish came from, for audits, and which state lock its run held.

    ``lock`` is stamped on an attempt when it starts: the id of the exclusive state lock
    the starting run held (:meth:`StateStore.held_lock`). A later run holding the same lock
    knows that run has ended, so an upload only it could finish never will (the engine gives
    it up at once instead of waiting out the platform's upload window; ``apply/inflight.py``).
    """

    model_config = ConfigDict(extra="forbid")

    commit: str | None = None
    plan_hash: str | None = None
    pull_request: int | None = None
    run_url: str | None = None
    # Left out of the file while null, so states written before it keep their bytes.
    lock: str | None = Field(
        None,
        description="opaque id (sha256:...) of the state lock held by the run that started "
        "this attempt: the machine's boot, the lock's directory and file, hashed",
        pattern=r"^sha256:[0-9a-f]{16}$",
        exclude_if=lambda v: v is None,
    )


class PriorPublish(BaseModel):
    """An earlier publish of the same address (kept when ``--replace`` or a retry starts over).

    TikTok cannot delete posts, so a replaced post still exists: its record must not be lost.
    """

    model_config = ConfigDict(extra="forbid")

    publish_id: str = Field(description="the attempt's handle, as in Record.publish_id")
    status: Status
    fail_reason: str | None = None
    post_ids: list[str] = Field(default_factory=list)
    url: str | None = None
    published_at: AwareDatetime | None = None
    began_at: AwareDatetime | None = Field(
        None,
        description="when that attempt's handle was recorded (its Record.began_at); absent "
        "for attempts archived before 2026-12-05 and for records that never kept it",
        exclude_if=lambda v: v is None,
    )


class SentInteractions(BaseModel):
    """The interactions a post was sent with (the manifest's names, not TikTok's negations)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    comments: bool
    duet: bool
    stitch: bool


class SentDisclosure(BaseModel):
    """The disclosure toggles a post was sent with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    brand_content: bool
    brand_organic: bool
    ai_generated: bool


class Sent(BaseModel):
    """What an attempt sent to TikTok, kept so that drift can show a field-level diff.

    Only what a reviewer wrote in the manifest and the video's identity: never a token, an
    upload URL or anything else the API answered. A draft sends no post_info (the creator
    finishes it in the app), so its caption and settings are null.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["direct", "draft"]
    video_id: str = Field(description="the video's content id (git blob, LFS sha256...)")
    video_size: int
    caption: str | None = None
    privacy: str | None = None
    interactions: SentInteractions | None = None
    disclosure: SentDisclosure | None = None
    cover_timestamp_ms: int | None = None
    youtube: dict[str, Any] | None = Field(
        None,
        description="YouTube accounts: what videos.insert received (resource: the snippet "
        "and status; notifySubscribers); absent for TikTok",
        exclude_if=lambda v: v is None,  # TikTok records keep their bytes
    )


class Record(BaseModel):
    """One address's record. Never holds a token or secret (a session URI only sealed).

    ``open_id`` and ``username`` name the TikTok user the account was checked to be when
    the attempt started (before init); the account's newest record with an ``open_id`` is
    its pin (``core/identity.py``). ``sent`` is what the attempt sent (null in records
    written before December 2026, which kept only the fingerprint).
    """

    model_config = ConfigDict(extra="forbid")

    post_id: str
    account: str
    status: Status
    fingerprint: str
    mode: Literal["direct", "draft"]
    video: str
    open_id: str | None = None
    # Fields added in December 2026 are left out of the file while null, so a state written
    # before them re-serialises byte for byte (a state branch's diff stays readable).
    username: str | None = Field(
        None, description="the TikTok handle, without @", exclude_if=lambda v: v is None
    )
    publish_id: str | None = Field(
        None,
        description="the platform's handle of the last attempt: TikTok's publish_id; a "
        "YouTube upload session sealed (sealed:v1:...) while it may be needed, closed "
        "(closed:v1:...) once its post is recorded, never its URI (core/handles.py)",
    )
    fail_reason: str | None = None
    post_ids: list[str] = Field(default_factory=list)
    made_ids: list[str] | None = Field(
        None,
        description="the platform's ids of the post the last attempt made, recorded as soon "
        "as the platform names them, while it still processes the post (YouTube: the video "
        "id its upload's last answer gave): a later run asks about them, even once the "
        "handle is forgotten. Absent until then, and once the outcome is recorded (post_ids)",
        exclude_if=lambda v: v is None,
    )
    url: str | None = None
    attempts: int = 0
    created_at: AwareDatetime
    updated_at: AwareDatetime
    began_at: AwareDatetime | None = Field(
        None,
        description="when the last attempt's handle was recorded, before its first byte: "
        "no post of it is older. Kept by every later write of the attempt (updated_at is "
        "the last write's, maybe a later run's); absent in records written before "
        "2026-12-05 and in imported ones",
        exclude_if=lambda v: v is None,
    )
    published_at: AwareDatetime | None = None
    provenance: Provenance = Field(default_factory=Provenance)
    sent: Sent | None = Field(
        None,
        description="what the last attempt sent; absent in older records",
        exclude_if=lambda v: v is None,
    )
    history: list[PriorPublish] = Field(
        default_factory=list, description="earlier publishes of this address, oldest first"
    )

    @property
    def address(self) -> str:
        """``POST_ID@ACCOUNT``."""
        return f"{self.post_id}@{self.account}"

    def as_prior(self) -> PriorPublish | None:
        """This record's own attempt as a ``history`` entry.

        None when it never got a handle (intent only: nothing was sent, by the write-ahead
        rule, so no post can exist).
        """
        if self.publish_id is None:
            return None
        return PriorPublish(
            publish_id=self.publish_id,
            status=self.status,
            fail_reason=self.fail_reason,
            post_ids=self.post_ids,
            url=self.url,
            published_at=self.published_at,
            began_at=self.began_at,
        )


class Endpoint(BaseModel):
    """Which API endpoint and app a state's records of one platform describe.

    Never a secret: the app is kept as a truncated, salted SHA-256 of its client key
    (:func:`gitops_publisher.core.binding.app_fingerprint`), which cannot be turned back into
    the key.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Patterns, not free text: a state file can come from a pull request, and these values
    # end up in messages (no control character, no newline can get through).
    api_url: str = Field(
        pattern=r"^(embedded-sandbox|https?://[!-~]+)$",
        description="the API base URL, or 'embedded-sandbox' for `--sandbox` (its port changes)",
    )
    app: str | None = Field(
        default=None,
        pattern=r"^sha256:[0-9a-f]{16}$",
        description="fingerprint of the app's client key (sha256:...), when it was known",
    )


class Approval(BaseModel):
    """A post as a merged pull request's plan showed it (``core/reviewed.py``, design §12).

    Kept in the envelope from the merge on, so that a scheduled post approved by a merge is
    published when it comes due (and a failed one retried), and nothing else is.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    fingerprint: str = Field(description="short fingerprint (review_fingerprint) reviewed")
    pull_request: int | None = None
    plan_hash: str | None = None


class State(BaseModel):
    """The state envelope."""

    model_config = ConfigDict(extra="forbid")

    version: int = STATE_VERSION
    lineage: str = Field(default_factory=lambda: str(uuid.uuid4()))
    serial: int = 0
    endpoints: dict[str, Endpoint] = Field(
        default_factory=dict,
        description="per platform (tiktok, ...), the endpoint these records describe; "
        "set by the first write, refused when another endpoint is used",
    )
    resources: dict[str, Record] = Field(default_factory=dict)
    reviewed: dict[str, Approval] = Field(
        default_factory=dict,
        description="address -> what a merged pull request's plan showed (reviewed applies)",
        exclude_if=lambda reviewed: not reviewed,  # a state without approvals keeps its bytes
    )

    def with_reviewed(self, reviewed: dict[str, Approval]) -> State:
        """Return a new state with these approvals; serial bumps only if they changed."""
        if reviewed == self.reviewed:
            return self
        return self.model_copy(update={"reviewed": reviewed, "serial": self.serial + 1})

    def with_record(self, record: Record) -> State:
        """Return a new state with ``record`` set; serial bumps only if something changed."""
        address = record.address
        current = self.resources.get(address)
        if current is not None and current == record:
            return self
        resources = dict(self.resources)
        resources[address] = record
        return self.model_copy(update={"resources": resources, "serial": self.serial + 1})

    def moved(self, old: str, new: str) -> State:
        """Return a new state whose record of ``old`` is now ``new``'s (a renamed post id).

        The caller checked that ``old`` is recorded and ``new`` is not, on the same account.
        """
        record = self.resources[old]
        post_id = new.partition("@")[0]
        resources = {k: v for k, v in self.resources.items() if k != old}
        resources[new] = record.model_copy(update={"post_id": post_id})
        return self.model_copy(update={"resources": resources, "serial": self.serial + 1})

    def without(self, address: str) -> State:
        """Return a new state without ``address`` (serial bumps if it was there)."""
        if address not in self.resources:
            return self
        resources = {k: v for k, v in self.resources.items() if k != address}
        return self.model_copy(update={"resources": resources, "serial": self.serial + 1})


class StateStore(Protocol):
    """Where a state lives. Implementations: file (workspace), git-branch, in-memory fake."""

    def read(self) -> State:
        """Return the current state (an empty one if none exists yet).

        Raises:
            StateError: unreadable, corrupt, or written by a newer version.
        """
        ...

    def write(self, state: State) -> None:
        """Durably replace the state (atomic; a backup of the previous version is kept)."""
        ...

    def lock(self, *, purpose: str) -> AbstractContextManager[None]:
        """Hold the state lock for a whole apply (or state edit).

        Raises:
            StateLockedError: another run holds it; the message says who and since when.
        """
        ...

    def describe(self) -> str:
        """Human description for messages (``.publisher/state.json``)."""
        ...

    def held_lock(self) -> str | None:
        """While this process holds :meth:`lock`: an id of it that proves who wrote what.

        The same for every run that holds this lock, different for any run that does not
        (another clone, directory or machine), and held by one run at a time until its apply
        has ended. A run holding it that finds a record whose ``provenance.lock`` is this id
        knows the run that started that attempt has ended (``workspace/locking.py``). None
        while the lock is not held, or when the store cannot prove that much.
        """
        ...


class MemoryStateStore:
    """An in-memory :class:`StateStore` for unit tests and dry runs."""

    def __init__(self, state: State | None = None) -> None:
        self.state = state or State()
        self.writes = 0
        self._locked = False
        self._lock_id = "sha256:" + uuid.uuid4().hex[:16]

    def read(self) -> State:
        """Return the held state."""
        return self.state

    def write(self, state: State) -> None:
        """Replace the held state."""
        self.state = state
        self.writes += 1

    def lock(self, *, purpose: str) -> AbstractContextManager[None]:
        """A re-entrancy-checked lock."""
        from contextlib import contextmanager

        from gitops_publisher.errors import StateLockedError

        @contextmanager
        def held() -> Iterator[None]:
            if self._locked:
                raise StateLockedError("state is locked by another run in this process")
            self._locked = True
            try:
                yield
            finally:
                self._locked = False

        return held()

    def describe(self) -> str:
        """Describe the fake."""
        return "memory"

    def held_lock(self) -> str | None:
        """This store's id while its lock is held (one process: its runs take turns)."""
        return self._lock_id if self._locked else None
