"""TikTok behind the provider port (``core/ports.py``): one account's :class:`TikTokProvider`.

The port speaks of accounts, handles and outcomes; this module translates to TikTok's Content
Posting API (reference §3): creator_info is the account check, a direct or inbox init with a
FILE_UPLOAD source is the start (the handle is the publish_id; the upload_url is the run's
upload target, never stored), the chunk PUTs are the transfer, and status/fetch is the
outcome. TikTok's codes keep their meaning here: which init answers stop an account
(:data:`ACCOUNT_STOPPERS`), which status is which outcome (:func:`to_outcome`), what a
creator's options refuse (:meth:`TikTokProvider.post_problems`). TikTok's quotas and
retryable reasons are its registry entry's (``platform.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gitops_publisher.core.identity import Identity
from gitops_publisher.core.ports import (
    AccountLimits,
    AccountReport,
    Attempt,
    Drafted,
    Failed,
    Media,
    Outcome,
    PostProblem,
    Processing,
    Progress,
    Published,
    Refusal,
    Started,
    Transferring,
)
from gitops_publisher.errors import ApiError
from gitops_publisher.providers.errors import NoUploadTarget
from gitops_publisher.providers.tiktok.api_models import (
    FAILED,
    PROCESSING_UPLOAD,
    PUBLISH_COMPLETE,
    SEND_TO_USER_INBOX,
    CreatorInfo,
    InitResult,
    PostInfo,
    PublishStatus,
    SourceInfo,
)
from gitops_publisher.providers.tiktok.chunks import ChunkPlan, plan_chunks

if TYPE_CHECKING:
    from gitops_publisher.core.desired import DesiredPost

# Init answers after which nothing else in this account's queue can succeed now.
ACCOUNT_STOPPERS = frozenset(
    {
        "spam_risk_user_banned_from_posting",
        "reached_active_user_cap",
        "spam_risk_too_many_posts",
        "spam_risk_too_many_pending_share",
        "scope_not_authorized",
        "access_token_invalid",
        "unaudited_client_can_only_post_to_private_accounts",
    }
)
PUBLIC = "PUBLIC_TO_EVERYONE"


class TikTokApi(Protocol):
    """The TikTok calls the adapter makes, per account (:class:`TikTokClient` has them)."""

    async def creator_info(self) -> CreatorInfo:
        """Fresh posting options of the creator."""
        ...

    async def init_direct(self, post_info: PostInfo, source_info: SourceInfo) -> InitResult:
        """Start a direct post."""
        ...

    async def init_inbox(self, source_info: SourceInfo) -> InitResult:
        """Start an inbox draft."""
        ...

    async def upload(
        self,
        upload_url: str,
        path: Path,
        plan: ChunkPlan,
        *,
        content_type: str | None = None,
        on_progress: Progress | None = None,
    ) -> None:
        """PUT every chunk."""
        ...

    async def fetch_status(self, publish_id: str) -> PublishStatus:
        """The publish_id's processing status."""
        ...


def post_url(username: str | None, post_ids: list[str] | tuple[str, ...]) -> str | None:
    """``https://www.tiktok.com/@USER/video/ID`` when both are known."""
    if post_ids and username:
        return f"https://www.tiktok.com/@{username}/video/{post_ids[0]}"
    return None


def no_url(privacy: str | None) -> str:
    """Why a published post has no URL (TikTok returns post ids for public posts only)."""
    if privacy and privacy != PUBLIC:
        return (
            f"no public URL: TikTok gives a post id only for posts public to everyone, and this "
            f"one is {privacy}; the creator finds it on their profile"
        )
    return (
        "no URL yet: TikTok had not given the post id when polling stopped (moderation can "
        "take longer); the creator finds it on their profile"
    )


def to_outcome(
    status: PublishStatus, size: int, privacy: str | None, username: str | None
) -> Outcome:
    """TikTok's status/fetch answer as an outcome of the port (reference §3.5).

    ``PROCESSING_UPLOAD`` means bytes are still expected while fewer than ``size`` arrived;
    the upload_url lived only in the run that received it, so it is never resumable.
    """
    if status.status == PUBLISH_COMPLETE:
        url = post_url(username, status.post_ids)
        return Published(
            tuple(status.post_ids),
            url,
            status.status,
            ids_pending=privacy == PUBLIC and not status.post_ids,
            note="" if url else no_url(privacy),
        )
    if status.status == SEND_TO_USER_INBOX:
        return Drafted(status.status)
    if status.status == FAILED:
        return Failed(status.fail_reason or "unknown", status.retryable_failure, status.status)
    if status.status == PROCESSING_UPLOAD and (status.uploaded_bytes or 0) < size:
        return Transferring(status.uploaded_bytes or 0, False, status.status)
    return Processing(status.status)


def limits_of(creator: CreatorInfo) -> AccountLimits:
    """The creator's options as the port's account limits."""
    disabled = {
        name
        for name, off in (
            ("comments", creator.comment_disabled),
            ("duet", creator.duet_disabled),
            ("stitch", creator.stitch_disabled),
        )
        if off
    }
    seconds = creator.max_video_post_duration_sec
    return AccountLimits(
        max_duration_ms=seconds * 1000 if seconds else None,
        privacy_options=tuple(creator.privacy_level_options),
        disabled_interactions=frozenset(disabled),
    )


@contextmanager
def _classified() -> Iterator[None]:
    """Mark TikTok's refusals after which the account's queue cannot go on."""
    try:
        yield
    except ApiError as exc:
        if exc.code in ACCOUNT_STOPPERS:
            exc.stops_account = True
        raise


def _no_identity() -> str:
    return ""


def _no_notices() -> tuple[str, ...]:
    return ()


@dataclass
class TikTokProvider:
    """One TikTok account behind the port (satisfies ``core.ports.Provider``).

    Attributes:
        api: the account's client (:class:`TikTokClient`, or a fake in tests).
        open_id: the open_id of the user behind the token (the auth flow knows it).
        notices: warnings about the account's tokens (a refresh token expiring soon).
        username: the creator's handle, learned at :meth:`check_account`, for post URLs.
    """

    api: TikTokApi
    open_id: Callable[[], str] = _no_identity
    notices: Callable[[], tuple[str, ...]] = _no_notices
    username: str | None = None
    name: str = field(default="tiktok", init=False)
    title: str = field(default="TikTok", init=False)

    def label(self, handle: str) -> str:
        """The publish_id itself (it is no credential)."""
        return handle

    async def check_account(self) -> AccountReport:
        """creator_info: the creator's handle and options; its refusals are a refusal.

        Raises:
            AuthError: no usable token.
            ProviderError: the network or TikTok failed (not a refusal).
        """
        try:
            creator = await self.api.creator_info()
        except ApiError as exc:
            return AccountReport(
                Identity(self.open_id(), ""),
                refusal=Refusal(exc.code, exc.api_message),
                notices=self.notices(),
            )
        self.username = creator.creator_username or None
        return AccountReport(
            Identity(self.open_id(), creator.creator_username),
            creator.creator_nickname or creator.creator_username,
            limits=limits_of(creator),
            notices=self.notices(),
        )

    def post_problems(
        self, post: DesiredPost, account: AccountReport, duration_ms: int | None
    ) -> list[PostProblem]:
        """What the creator's options refuse in ``post`` (privacy, interactions, duration)."""
        out = []
        limits = account.limits
        who = f"{post.address.account} ({account.display_name})"
        if post.mode == "direct":
            options = limits.privacy_options
            if post.privacy is not None and options and post.privacy not in options:
                out.append(
                    PostProblem(
                        "privacy",
                        f"{post.address}: {who} offers {', '.join(options)}, not {post.privacy}",
                    )
                )
            info = post.post_info
            for flag, name in (
                ("disable_comment", "comments"),
                ("disable_duet", "duet"),
                ("disable_stitch", "stitch"),
            ):
                if name in limits.disabled_interactions and info.get(flag) is False:
                    out.append(
                        PostProblem(
                            f"interactions.{name}",
                            f"{post.address}: {who} has {name} disabled in the app; set "
                            f"{name}: false (TikTok would turn it off anyway)",
                        )
                    )
        limit = limits.max_duration_ms
        if duration_ms is not None and limit and duration_ms > limit:
            out.append(
                PostProblem(
                    "video",
                    f"{post.address}: video lasts {duration_ms / 1000:.1f} s; "
                    f"{who} may post at most {limit // 1000} s",
                )
            )
        return out

    def start_summary(self, post: DesiredPost) -> str:
        """``init (direct, 2 chunk(s))``."""
        return f"init ({post.mode}, {plan_chunks(post.video.size).total_chunk_count} chunk(s))"

    async def start(self, post: DesiredPost, *, content_type: str | None = None) -> Started:
        """A direct or inbox init with a FILE_UPLOAD source sized by the chunk plan.

        TikTok's init takes no media type; each chunk PUT carries it (:meth:`transfer`).

        Raises:
            InitOutcomeUnknown, RateLimited, ApiError (``stops_account`` for
            :data:`ACCOUNT_STOPPERS`), AuthError, ProviderError: see ``core/ports.py``.
        """
        chunks = plan_chunks(post.video.size)
        source = SourceInfo.file_upload(
            post.video.size, chunks.chunk_size, chunks.total_chunk_count
        )
        with _classified():
            if post.mode == "direct":
                init = await self.api.init_direct(PostInfo.model_validate(post.post_info), source)
            else:
                init = await self.api.init_inbox(source)
        return Started(init.publish_id, init.upload_url)

    async def transfer(
        self,
        started: Started,
        media: Media,
        *,
        offset: int = 0,
        on_progress: Progress | None = None,
    ) -> tuple[str, ...]:
        """PUT every chunk to the run's upload_url (TikTok cannot resume from a handle).

        Returns ``()``: TikTok names the post only in its status answers (after moderation).

        Raises:
            UploadUrlExpired, UploadError, ProviderNetworkError: see ``core/ports.py``.
            NoUploadTarget: no upload_url (the init's answer lacked one, or a resume).
        """
        if started.upload_target is None:
            raise NoUploadTarget("TikTok's init answer had no upload_url for FILE_UPLOAD")
        with _classified():
            await self.api.upload(
                started.upload_target,
                media.path,
                plan_chunks(media.size),
                content_type=media.content_type,
                on_progress=on_progress,
            )
        return ()

    async def outcome(
        self,
        handle: str,
        size: int,
        *,
        privacy: str | None = None,
        attempt: Attempt | None = None,
    ) -> Outcome:
        """status/fetch of the publish_id, as an outcome (see :func:`to_outcome`).

        ``attempt`` changes nothing: TikTok does not forget a publish_id it gave.

        Raises:
            ApiError: ``invalid_publish_id``, ``token_not_authorized_for_specified_publish_id``.
        """
        with _classified():
            status = await self.api.fetch_status(handle)
        return to_outcome(status, size, privacy, self.username)
