"""``publisher state import``: adopt a post published elsewhere, after its platform confirms it."""

from __future__ import annotations

import asyncio
import difflib
from datetime import UTC, datetime

from gitops_publisher.apply import records
from gitops_publisher.core import handles, sessions
from gitops_publisher.core.identity import expected_of, mismatch
from gitops_publisher.core.ports import (
    AccountReport,
    Drafted,
    Failed,
    NotStarted,
    Outcome,
    Providers,
)
from gitops_publisher.core.state import Provenance, Record, State
from gitops_publisher.errors import AddressError, ApiError, PublisherError
from gitops_publisher.planning import Planned

# HTTP statuses of a platform's refusal of the id itself (TikTok: 400 invalid_publish_id,
# token_not_authorized_for_specified_publish_id), not of the token (401, or YouTube's 403
# insufficientPermissions) or of a limit.
_ID_REFUSED = (400, 404)


def already_imported(state: State, address: str, handle: str) -> Record | None:
    """The record of ``address`` when it already records ``handle``, else None.

    Importing it again is nothing to do (a script run again after a partial failure), not
    an error.

    ``handle`` as :func:`adopt` takes it: the attempt's handle, or the post's id (a YouTube
    video imported by its id).
    """
    record = state.resources.get(address)
    return record if record is not None and _records(record, handle) else None


def _records(record: Record, handle: str) -> bool:
    """Whether ``record`` holds ``handle``: as its attempt's handle, or as a post it made."""
    return handles.same(record.publish_id, handle) or handle in (
        *record.post_ids,
        *(record.made_ids or ()),
    )


def adopt(planned: Planned, providers: Providers, address: str, handle: str) -> Record:
    """Ask the platform about ``handle`` and record it for ``address``.

    ``handle``: TikTok's publish_id; YouTube's video id (a video published elsewhere) or an
    upload session this tool opened.

    The caller holds the lock. The record takes the manifest's current fingerprint, so the
    address plans as ``noop`` (or ``resume`` while the platform still processes it). A
    session URI is recorded sealed, or closed once its post is published (``core/handles.py``).

    Raises:
        AddressError: no manifest declares ``address``.
        PublisherError: already recorded (at this or another address), the platform says the
            publish failed or holds nothing, a draft for a direct post, or the account's
            token belongs to another user than the account is (core/identity.py).
        PublisherError: the platform does not know the handle for this account's token
            (a typo, another account's post): its error, and which account to check.
        ApiError: any other refusal (credentials, limits).
        SealError: no key to seal a session URI with.
    """
    posts = {str(p.address): p for p in planned.project.posts}
    post = posts.get(address)
    if post is None:
        close = difflib.get_close_matches(address, list(posts), n=3, cutoff=0.75)
        raise AddressError(
            f"no manifest declares {address}",
            hint=(f"did you mean {', '.join(close)}? " if close else "")
            + "import needs the manifest first, so the plan can compare against it",
        )
    existing = planned.state.resources.get(address)
    if existing is not None:
        raise PublisherError(
            f"{address} is already recorded ({existing.status}, "
            f"{handles.shown(existing.publish_id) if existing.publish_id else 'not started'})",
            hint=f"`publisher state rm {address}` first if the record is wrong",
        )
    # One post is one address: adopting another address's publish would record this one as
    # published while nothing was ever posted for it.
    # A video imported by its id (YouTube) is another record's post, not its handle.
    holder = next((r for r in planned.state.resources.values() if _records(r, handle)), None)
    if holder is not None:
        made = (*holder.post_ids, *(holder.made_ids or ()))
        what = f"video {handle}" if handle in made else handles.named(handle)
        raise PublisherError(
            f"{what} is already recorded for {holder.address}",
            hint=f"check the id: it is {holder.address}'s post; `publisher state show "
            f"{holder.address}` shows it",
        )
    account = post.address.account

    async def fetch() -> tuple[Outcome, AccountReport, str, str]:
        async with providers.open(planned.project.config.accounts, [account]) as opened:
            provider = opened[account]
            report = await provider.check_account()  # first: its handle makes the post URL
            answer = await provider.outcome(handle, post.video.size, privacy=post.privacy)
            return answer, report, provider.title, provider.label(handle)

    config = planned.project.config.accounts[account]
    try:
        answer, report, title, shown = asyncio.run(fetch())
    except ApiError as exc:
        if exc.stops_account or exc.status not in _ID_REFUSED:
            raise  # credentials, limits, the platform down: its own message says what to do
        # The platform does not know the id for this account's token: a typo, or (an
        # agency's usual slip) the id of another account's post.
        handle_text = config.identity_handle
        named_as = f"@{handle_text.lstrip('@')}" if handle_text else config.identity_id
        raise PublisherError(
            f"not imported: {address}: {exc}",
            hint=f"check the id and the address's account ({account}"
            f"{', ' + named_as if named_as else ''}): a post is imported for the account that "
            "published it, under an address of that account",
        ) from exc
    who = report.identity
    problem = mismatch(account, expected_of(planned.state, account, config), who)
    if problem is not None:
        raise PublisherError(f"not imported: {problem}")
    if isinstance(answer, Failed):
        raise PublisherError(
            f"{title} says {shown} failed ({answer.reason}); there is nothing to import",
            hint="`publisher apply` publishes the post",
        )
    if isinstance(answer, NotStarted):
        raise PublisherError(
            f"{title} holds nothing for {shown} that {account} can see; there is nothing to import",
            hint=f"check the id and the address's account ({account}); if the post was never "
            "published, `publisher apply` publishes it",
        )
    if isinstance(answer, Drafted) and post.mode == "direct":
        # Recorded, the direct post would plan as unchanged and never be posted.
        raise PublisherError(
            f"{handles.named(handle, shown)} went to the creator's inbox (a draft), but "
            f"{post.manifest_file} declares "
            f"{address} as mode: direct; nothing was imported",
            hint="import it for the draft post it was uploaded for; `publisher apply` "
            "publishes this one",
        )
    now = datetime.now(UTC)
    record = records.start(post, None, now, Provenance(), who)
    record = records.initialized(record, handle, None, now)
    # The attempt began elsewhere, at a time nobody recorded: not now (its post is older).
    record = records.uploaded(record.model_copy(update={"began_at": None}), now)
    return sessions.at_rest(records.settled(record, answer, now), providers.sealer)
