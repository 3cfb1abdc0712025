"""YouTube behind the provider port (``core/ports.py``): one channel's :class:`YouTubeProvider`.

The port speaks of accounts, handles and outcomes; this module translates to the Data API:

- **check account**: channels.list ``mine=true`` is the identity (channel id + ``@handle``).
  The API has no call that reports quota left, so the quota state is what this run has
  seen: after ``quotaExceeded`` or ``uploadLimitExceeded`` the account is reported refused
  until the provider is closed (the next day's run starts afresh).
- **start**: the initiating POST; the handle is the resumable **session URI**, returned
  before any byte is sent (the engine records it write-ahead). It is a capability: outputs
  show :meth:`YouTubeProvider.label`, never the URI.
- **transfer**: the chunk PUTs, from the offset the session reports (``Started(handle)`` is
  enough: YouTube resumes from the handle alone).
- **outcome**: the video id the state recorded for the attempt (``Attempt.made``, from the
  last chunk's answer or an earlier status query) is asked about with videos.list at once;
  without one, the session's status query first (308 -> :class:`Transferring`, resumable;
  200/201 -> the video id, recovered even when the final answer was lost; 404/410 -> the
  channel's uploads, see below), then videos.list for processing (processed ->
  :class:`Published` with the Shorts URL; failed/rejected/deleted -> :class:`Failed`).
  A handle that is a video id (``publisher state import ADDR VIDEO_ID``: a video published
  elsewhere) is asked about with videos.list: a video of another channel is refused, one
  not listed is :class:`NotStarted` (an import) or :class:`Failed` (a recorded one, deleted
  since).

**An expired session** (404/410) no longer says whether it made a video: when the engine passes
the :class:`~gitops_publisher.core.ports.Attempt`, the video is looked for among the channel's
uploads (``lookup.py``). Exactly one: the session made it, and its outcome is answered. None:
:class:`NotStarted`. Several (or, with nothing to compare, any):
:class:`~gitops_publisher.providers.errors.OutcomeUnclear`; nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from gitops_publisher.core import handles
from gitops_publisher.core.identity import Identity
from gitops_publisher.core.ports import (
    AccountLimits,
    AccountReport,
    Attempt,
    Failed,
    Media,
    NotStarted,
    Outcome,
    PostProblem,
    Processing,
    Progress,
    Provider,
    Published,
    Refusal,
    Started,
    Transferring,
)
from gitops_publisher.errors import ApiError, ProviderError
from gitops_publisher.providers.youtube.api_models import (
    Channel,
    Completed,
    Gone,
    SessionStatus,
    Upload,
    VideoStatus,
)
from gitops_publisher.providers.youtube.envelope import (
    PLATFORM,
    QUOTA_EXCEEDED,
    UPLOAD_LIMIT_EXCEEDED,
)
from gitops_publisher.providers.youtube.lookup import Pay, made_by
from gitops_publisher.providers.youtube.platform import RETRYABLE_FAILURES
from gitops_publisher.providers.youtube.resumable import Progress as UploadProgress
from gitops_publisher.providers.youtube.urls import shorts_url

if TYPE_CHECKING:
    from gitops_publisher.core.desired import DesiredPost

PRIVACY_OPTIONS = ("public", "unlisted", "private")
# A video id as it appears in youtube.com/shorts/VIDEO_ID: 11 URL-safe base64 characters.
VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")


class YouTubeApi(Protocol):
    """What the adapter needs of :class:`~.client.YouTubeClient` (a fake in tests)."""

    chunk_size: int

    async def channel(self) -> Channel:
        """channels.list ``mine=true``."""
        ...

    async def start_upload(
        self,
        resource: dict[str, Any],
        *,
        size: int,
        content_type: str,
        notify_subscribers: bool = True,
    ) -> str:
        """The initiating POST; the session URI."""
        ...

    async def upload(
        self,
        session_uri: str,
        path: Path,
        *,
        size: int | None = None,
        start_at: int | None = None,
        on_progress: UploadProgress | None = None,
    ) -> Completed:
        """The chunk PUTs."""
        ...

    async def session_status(self, session_uri: str, size: int) -> SessionStatus:
        """The status query."""
        ...

    async def video_status(self, video_id: str) -> VideoStatus:
        """videos.list."""
        ...

    async def uploads_since(self, since: datetime, *, pay: Pay | None = None) -> list[Upload]:
        """channels.list ``contentDetails``, then playlistItems.list down to ``since``."""
        ...

    async def videos(self, video_ids: Sequence[str], *, pay: Pay | None = None) -> list[Upload]:
        """videos.list ``part=snippet`` of these ids (``pay``: as for uploads_since)."""
        ...


def to_outcome(status: VideoStatus) -> Outcome:
    """videos.list's answer for an uploaded video, as an outcome."""
    ids = (status.video_id,)
    if status.processed:
        return Published(ids, shorts_url(status.video_id), status.upload_status)
    if not status.found:
        # UNCERTAIN: videos.list answers items: [] for unknown, deleted and not-visible ids
        # (reference §4) and may lag an upload that just completed; the session already
        # proved the video was created, so this is not called a failure: poll again.
        return Processing("not listed yet", ids)
    if status.failed:
        reason = status.failure_reason or status.rejection_reason
        reason = reason or status.processing_failure_reason or status.upload_status
        retryable = (
            status.failure_reason in RETRYABLE_FAILURES
            or status.processing_failure_reason in RETRYABLE_FAILURES
        ) and status.upload_status != "rejected"
        return Failed(reason, retryable=retryable, status=status.upload_status)
    return Processing(status.processing_status or status.upload_status or "uploaded", ids)


@dataclass
class YouTubeProvider:
    """One YouTube channel behind the port (satisfies ``core.ports.Provider``).

    Attributes:
        api: the channel's client (:class:`~.client.YouTubeClient`, or a fake in tests).
        notices: warnings about the account's credentials, shown by plan.
        refused: the account's refusal this run has seen (``quotaExceeded``...), if any.
    """

    api: YouTubeApi
    notices: tuple[str, ...] = ()
    refused: Refusal | None = None
    name: str = field(default="youtube", init=False)
    title: str = field(default=PLATFORM, init=False)
    _videos: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _channel: str = field(default="", init=False, repr=False)

    def label(self, handle: str) -> str:
        """Never the session URI: it is a capability (reference §2.3)."""
        return handles.shown(handle)

    async def check_account(self) -> AccountReport:
        """channels.list ``mine=true``: the channel's id, handle and title.

        An account that cannot upload now (no channel, a permission missing, quota used up
        this run) is a refusal, not an error.

        Raises:
            AuthError: no usable token (a refresh refused: ``invalid_grant`` says why).
            ProviderError: the network or YouTube failed.
        """
        try:
            channel = await self.api.channel()
        except ApiError as exc:
            if not exc.stops_account:
                raise
            return AccountReport(
                Identity(), refusal=Refusal(exc.code, exc.api_message), notices=self.notices
            )
        self._channel = channel.id
        return AccountReport(
            Identity(channel.id, channel.handle),
            channel.title or channel.handle,
            refusal=self.refused,
            limits=AccountLimits(privacy_options=PRIVACY_OPTIONS),
            notices=self.notices,
        )

    def post_problems(
        self, post: DesiredPost, account: AccountReport, duration_ms: int | None
    ) -> list[PostProblem]:
        """None: YouTube's limits are checked on the manifest.

        A long or landscape video is still uploaded (it is then no Short: the plan warns).
        """
        return []

    def start_summary(self, post: DesiredPost) -> str:
        """``videos.insert (resumable, 3 chunk(s) of 16 MiB)``."""
        chunk = self.api.chunk_size
        chunks = max(1, -(-post.video.size // chunk))
        return f"videos.insert (resumable, {chunks} chunk(s) of {chunk / 2**20:g} MiB)"

    async def start(self, post: DesiredPost, *, content_type: str | None = None) -> Started:
        """The initiating POST with the post's video resource; the handle is the session URI.

        ``X-Upload-Content-Type`` is the probed container's type; YouTube also takes
        ``application/octet-stream`` (reference §2.1), sent when the probe gave none.

        Raises:
            InitOutcomeUnknown, RateLimited, ApiError (``stops_account`` for
            ``quotaExceeded``, ``uploadLimitExceeded``...), AuthError, ProviderError: see
            ``core/ports.py``.
        """
        upload = post.youtube
        if upload is None:
            raise ProviderError(f"{post.address}: no YouTube request for this post")
        try:
            session_uri = await self.api.start_upload(
                dict(upload.resource),
                size=post.video.size,
                content_type=content_type or "application/octet-stream",
                notify_subscribers=upload.notify_subscribers,
            )
        except ApiError as exc:
            self._remember(exc)
            raise
        return Started(session_uri)

    async def transfer(
        self,
        started: Started,
        media: Media,
        *,
        offset: int = 0,
        on_progress: Progress | None = None,
    ) -> tuple[str, ...]:
        """Send the bytes into the session from ``offset`` (the session's own, on a resume).

        Returns the id of the video the last chunk's answer says YouTube created (the
        engine records it with ``processing``).

        Raises:
            UploadSessionGone: the session expired (an ``UploadError``: ask :meth:`outcome`,
                which then answers :class:`NotStarted`).
            ApiError: an account-stopping refusal (``quotaExceeded``) on a chunk.
            UploadError, ProviderNetworkError: gave up after retries; ask :meth:`outcome`.
        """
        try:
            done = await self.api.upload(
                started.handle,
                media.path,
                size=media.size,
                start_at=offset,
                on_progress=on_progress,
            )
        except ApiError as exc:
            self._remember(exc)
            raise
        self._videos[started.handle] = done.video_id
        return (done.video_id,)

    async def outcome(
        self,
        handle: str,
        size: int,
        *,
        privacy: str | None = None,
        attempt: Attempt | None = None,
    ) -> Outcome:
        """The session's status, then the video's processing (see the module doc).

        ``privacy`` changes nothing here: YouTube gives the video id with the upload.
        ``attempt``: the recorded attempt, for an expired session (module doc); without it
        an expired session is :class:`NotStarted` at once.

        Raises:
            OutcomeUnclear: the session expired and several videos may be the one it made.
            LookupOverBudget: the lookup would spend more than the attempt's budget.
            ApiError: YouTube refused the status query, videos.list or the uploads' list
                (``insufficientPermissions`` for a token that cannot read).
            AuthError, ProviderError: see ``core/ports.py``.
        """
        video_id = self._videos.get(handle)
        if video_id is None and attempt is not None and attempt.made:
            # The video id the state recorded from YouTube's answer (the last chunk's, or the
            # session's status): asked by id, whether the session still answers or not. Not
            # listed (deleted since?): the session, else the channel's uploads, decide as
            # without it, so a video gone is not reported processing run after run.
            status = await self.api.video_status(attempt.made[0])
            if status.found:
                self._videos[handle] = attempt.made[0]
                return to_outcome(status)
        if video_id is None and handles.is_sealed(handle):
            # Sealed with a key this run has not (the engine opens the others): this run
            # cannot ask the session, as it cannot ask one that expired. Its video, if the
            # upload completed elsewhere, is looked for among the channel's uploads.
            why = "this run cannot open its upload session (another key sealed it)"
            found = await made_by(self.api, why, attempt)
            if isinstance(found, NotStarted):
                return found
            video_id = self._videos[handle] = found.video_id
        if video_id is None and not handles.is_capability(handle):  # `state import VIDEO_ID`
            return await self._video_of_channel(handle, imported=attempt is None)
        if video_id is None:
            session = await self.api.session_status(handle, size)
            if isinstance(session, Gone):
                why = f"the upload session answered HTTP {session.status}: it expired"
                found = await made_by(self.api, why, attempt)
                if isinstance(found, NotStarted):
                    return found
                video_id = self._videos[handle] = found.video_id
            elif not isinstance(session, Completed):
                return Transferring(session.offset, resumable=True)
            else:
                video_id = self._videos[handle] = session.video_id
        return to_outcome(await self.api.video_status(video_id))

    async def _video_of_channel(self, video_id: str, *, imported: bool) -> Outcome:
        """The outcome of a video named by its id, once videos.list says it is this channel's.

        ``imported``: asked by ``state import`` (not listed: :class:`NotStarted`, nothing to
        import); else a record of such an import (not listed any more: deleted since, a
        :class:`Failed` that is never uploaded again by itself).

        Raises:
            ProviderError: ``video_id`` is no video id, or the video is another channel's.
            ApiError: YouTube refused videos.list or channels.list.
        """
        if VIDEO_ID.fullmatch(video_id) is None:
            raise ProviderError(
                f"{video_id!r} is not a YouTube video id (11 letters, digits, '-' or '_', "
                "as in youtube.com/shorts/VIDEO_ID) nor an upload session; nothing was asked",
                hint="copy the id from the video's address, or from YouTube Studio",
            )
        listed = await self.api.videos([video_id])
        if not listed:
            if imported:
                return NotStarted()
            return Failed("the video is not listed any more (deleted?)", status="deleted")
        own = self._channel or (await self.api.channel()).id
        if listed[0].channel_id and listed[0].channel_id != own:
            raise ProviderError(
                f"video {video_id} is on another channel ({listed[0].channel_id}) than this "
                f"account's ({own}); nothing was imported",
                hint="check the id and the address's account: a video is imported for the "
                "account of the channel it was published on",
            )
        outcome = to_outcome(await self.api.video_status(video_id))
        if isinstance(outcome, Published):  # it went up then, not when it was imported
            return replace(outcome, published_at=listed[0].published_at)
        return outcome

    def _remember(self, exc: ApiError) -> None:
        """Keep a quota refusal for :meth:`check_account` (the API cannot be asked)."""
        if exc.code in (QUOTA_EXCEEDED, UPLOAD_LIMIT_EXCEEDED):
            self.refused = Refusal(exc.code, exc.api_message)


def _conforms(provider: YouTubeProvider) -> Provider:
    """Type-checked proof that the adapter satisfies the port (mypy fails here otherwise)."""
    return provider
