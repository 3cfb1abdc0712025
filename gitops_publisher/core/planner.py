"""``plan(desired, state, now) -> Plan``: the pure heart of the product (design §4).

Each (post, account) pair, and each state record without a manifest, gets exactly one
action. The rules that keep the first promise, never post twice:

* a record whose publish_id has an unknown outcome is always ``resume`` (ask TikTok first),
  even when its manifest is gone;
* a published record is never ``create``: only ``--replace`` publishes it anew;
* ``initiating`` records (init may or may not have answered, no byte sent) are ``retry``:
  an upload that never started cannot publish, so a new init is safe;
* a renamed post's record moves with it (``previous_ids``), and a create of an orphan's
  video on its account is flagged as a probable rename (``core/renames.py``).
"""

from __future__ import annotations

import difflib
import math
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from gitops_publisher.core import drift, handles
from gitops_publisher.core.address import Address, matches
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.models import AccountConfig, YouTubeAccount, YouTubeQuotaModel
from gitops_publisher.core.plan import (
    ACTING,
    PUBLISHING,
    AccountQuota,
    Action,
    Change,
    MediaSummary,
    Plan,
    YouTubeRequest,
)
from gitops_publisher.core.ports import Platform, Quota
from gitops_publisher.core.renames import (
    apply_moves,
    plan_moves,
    probable_reposts,
    repost_warning,
)
from gitops_publisher.core.reviewed import refuse_unreviewed
from gitops_publisher.core.state import (
    ABANDONED_REASONS,
    DONE,
    UNKNOWN_OUTCOME,
    Record,
    State,
)
from gitops_publisher.core.youtube import (
    not_a_short,
    scheduled_by_youtube,
    scheduled_text,
    testing_mode_warning,
)
from gitops_publisher.core.youtube_quota import youtube_quotas
from gitops_publisher.errors import AddressError

DAY = timedelta(hours=24)
MINUTE = timedelta(minutes=1)
#: A ``publish_at`` further in the past than this, with no ``not_after``, is published now
#: with a warning: a schedule missed by a cron tick is normal, one missed by days is a typo.
LATE_WARNING = timedelta(days=1)


def local_time(when: datetime, timezone: str) -> str:
    """``2026-12-01 09:00 EST (America/New_York)``: a schedule as the account sees it."""
    local = when.astimezone(zoneinfo.ZoneInfo(timezone))
    return f"{local:%Y-%m-%d %H:%M %Z} ({timezone})"


def plan(
    desired: Sequence[DesiredPost],
    state: State,
    now: datetime,
    *,
    accounts: Mapping[str, AccountConfig],
    targets: frozenset[str] = frozenset(),
    replace: frozenset[str] = frozenset(),
    media: Mapping[str, MediaSummary] | None = None,
    reviewed: Mapping[str, str] | None = None,
    youtube_quota: YouTubeQuotaModel | None = None,
    platforms: Mapping[str, Platform] | None = None,
) -> Plan:
    """Compute the plan. Pure: no I/O, no clock; ``now`` is passed in.

    Args:
        desired: every (post, account) pair the manifests declare.
        state: what is recorded as published or in flight.
        now: the time the plan is for (aware).
        accounts: the config's accounts (timezones, daily caps).
        targets: ``--target`` selectors (``POST@ACCOUNT`` or bare ``POST``); empty = all.
        replace: ``--replace`` selectors: publish these anew even if published.
        media: probed video facts by content id (media pre-flight), shown on each change
            with the chunk plan of the change's platform (``Platform.chunking``); None or
            a missing id leaves the change's ``media`` empty.
        reviewed: address -> fingerprint merged pull requests' plans showed (``apply
            --reviewed-only``): any other publish is ``unreviewed`` (``core/reviewed.py``).
            None: no restriction.
        youtube_quota: how YouTube charges uploads (``youtube.quota`` in publisher.yaml);
            None: YouTube's current model with its default limits.
        platforms: the registry (``provider:`` name -> platform, handed in by
            ``planning.py``): whether a platform's reason for a failed attempt allows a new
            one (the engine's own reasons, :data:`ABANDONED_REASONS`, always do), and the
            quotas an account's publishes count against. None: no platform is known (no
            platform reason is retryable; no account quotas).

    Raises:
        AddressError: a target or replace selector names no known address.
    """
    addressed = [(str(d.address), d) for d in desired]  # each post's address text, once
    declared = {address for address, _ in addressed}
    known = declared | set(state.resources)
    known_posts = {d.address.post_id for d in desired} | {
        r.post_id for r in state.resources.values()
    }
    named = {address.rpartition("@")[2] for address in known}  # the accounts posts are on
    for selector in sorted(targets | replace):
        if selector not in known and selector not in known_posts:
            whose = selector.removeprefix("@")
            if whose in named:  # selectors name posts; an account's are its addresses
                raise AddressError(
                    f"'{selector}' matches no post: {whose} is an account",
                    hint=f"name each of its posts as POST_ID@{whose} (`publisher plan` "
                    "lists them), or a POST_ID for all its accounts",
                )
            names = sorted(known if "@" in selector else known_posts)
            close = difflib.get_close_matches(selector, names, n=3, cutoff=0.75)
            meant = f"did you mean {', '.join(close)}? " if close else ""
            raise AddressError(
                f"'{selector}' matches no post",
                hint=meant + "addresses are POST_ID@ACCOUNT; `publisher plan` lists them all",
            )
    moves, errors = plan_moves(desired, state, declared)
    if targets:
        moves = {old: new for old, new in moves.items() if matches(Address.parse(new), targets)}
    before, state = state, apply_moves(state, sorted(moves.items()))
    moved_to = {new: old for old, new in moves.items()}
    changes: list[Change] = []
    shown: dict[tuple[str, str], MediaSummary] = {}
    for address, post in addressed:
        if targets and not matches(post.address, targets):
            continue
        record = state.resources.get(address)
        timezone = (
            accounts[post.address.account].timezone if post.address.account in accounts else "UTC"
        )
        account = accounts.get(post.address.account)
        platform = platforms.get(account.provider) if account is not None and platforms else None
        action, reason = _decide(
            post,
            record,
            now,
            matches(post.address, replace),
            platform.retryable if platform else _never,
            _title(post.provider, platforms),
        )
        if action is Action.FAILED and record is None:
            errors.append(f"{post.address}: {reason}")
        facts = media.get(post.video.content_id) if media else None
        if facts is not None and platform is not None:  # once per video and platform
            key = (post.video.content_id, platform.name)
            if key not in shown:
                shown[key] = chunked(facts, platform)
            facts = shown[key]
        change = _change(post, record, action, reason, timezone, facts)
        if address in moved_to:
            change = change.model_copy(update={"moved_from": moved_to[address]})
        changes.append(change)
    for address, record in sorted(state.resources.items()):
        if address in declared:
            continue
        parsed = Address(record.post_id, record.account)
        if targets and not matches(parsed, targets):
            continue
        account = accounts.get(record.account)
        provider = account.provider if account else "tiktok"
        changes.append(_orphan(record, _title(provider, platforms)))
    reposts = probable_reposts(
        changes, [r for a, r in state.resources.items() if a not in declared], accounts
    )
    changes = [
        c.model_copy(update={"repost_of": reposts[c.address]}) if c.address in reposts else c
        for c in changes
    ]
    changes.sort(key=lambda c: (c.post_id, c.account))
    refused: list[str] = []
    if reviewed is not None:
        changes, refused = refuse_unreviewed(changes, reviewed)
    quotas = _quotas(changes, state, now, accounts, platforms or {})
    # Google projects' quotas and testing mode are YouTube channels' own: a project without
    # a channel has neither, and its changes are not looked at for them.
    channels = {n: a for n, a in accounts.items() if isinstance(a, YouTubeAccount)}
    google = (
        youtube_quotas(changes, state, now, channels, youtube_quota or YouTubeQuotaModel())
        if channels
        else []
    )
    warnings = _selection_warnings(changes, targets, replace)
    warnings.extend(f"{q.account}: {w}" for q in quotas for w in q.warnings)
    warnings.extend(w for q in google for w in q.warnings)
    warnings.extend(_change_warnings(changes, now))
    if channels:
        warnings.extend(_testing_mode_warnings(changes, channels))
    warnings.extend(refused)
    return Plan(
        created_at=now,
        lineage=before.lineage,
        serial=before.serial,
        moves=moves,
        changes=changes,
        quotas=quotas,
        youtube_quotas=google,
        warnings=warnings,
        errors=errors,
        fingerprints={address: d.fingerprint for address, d in addressed},
        targets=sorted(targets),
        replace=sorted(replace),
    )


def _decide(
    post: DesiredPost,
    record: Record | None,
    now: datetime,
    replace: bool,
    retryable: Callable[[str], bool],
    title: str,
) -> tuple[Action, str]:
    """The change of ``post`` given its ``record``; ``title`` names its platform."""
    if record is None:
        return _decide_new(post, now)
    if record.status in UNKNOWN_OUTCOME:
        # A YouTube handle is its session URI, a capability: only ever shown shortened.
        return Action.RESUME, (
            f"publish {handles.shown(record.publish_id or '')} is {record.status} (the run "
            f"that started it stopped, or is still at it elsewhere): ask {title} for its "
            "outcome before anything else"
        )
    if record.status == "initiating":
        if _not_yet(post, now):
            return Action.WAIT, _again_later("never started uploading")
        if (late := _too_late(post, now, "never started uploading")) is not None:
            return late
        return Action.RETRY, (
            "the last start never recorded where to upload, so no byte was sent and "
            f"{title} cannot have published it: publish again"
        )
    changed = record.fingerprint != post.fingerprint
    if record.status == "failed":
        reason = record.fail_reason or "unknown"
        if replace:
            return Action.REPLACE, f"--replace: publish anew (last attempt failed: {reason})"
        if (reason in ABANDONED_REASONS or retryable(reason) or changed) and _not_yet(post, now):
            return Action.WAIT, _again_later(f"failed with {reason}")
        late = _too_late(post, now, f"failed with {reason}")
        if late is not None and (reason in ABANDONED_REASONS or retryable(reason) or changed):
            return late
        if reason in ABANDONED_REASONS or retryable(reason):
            return Action.RETRY, f"last attempt failed with {reason}, which is retryable"
        if changed:
            return (
                Action.RETRY,
                f"{title} rejected it ({reason}); the manifest or video changed since",
            )
        return Action.FAILED, (
            f"{title} rejected it ({reason}); fix the video or caption, or use --replace"
        )
    # A video YouTube still holds private keeps its publishAt: nothing here edits it.
    pending = scheduled_by_youtube(record, now)
    still = (
        f"; the uploaded video is still {scheduled_text(pending)}: it goes public then unless "
        "you delete it or change it in YouTube Studio"
        if pending is not None
        else ""
    )
    if replace:
        return Action.REPLACE, (
            f"--replace: publish a new post; the old one stays on {title}{still}"
        )
    if changed:
        return Action.DRIFT, (
            f"changed since it was published; {title} posts are never edited: nothing will be "
            f"done (--replace publishes a new post){still}"
        )
    done = "published" if record.status in DONE and record.mode == "direct" else "in the inbox"
    if pending is not None:
        done = scheduled_text(pending)  # uploaded, but private until then
    return Action.NOOP, f"{done}, unchanged"


def _too_late(
    post: DesiredPost, now: datetime, last: str | None = None
) -> tuple[Action, str] | None:
    """What ``on_missed`` decides once the publish window has closed: skip or refuse.

    For a post never tried, and for a new attempt after a failed or unstarted one (``last``:
    what became of it), which is a publish like the first (a retry after ``not_after`` with
    ``on_missed: skip`` published the post late). None: the window is open, or ``on_missed:
    publish`` lets it go late.
    """
    if not post.window_passed(now) or post.on_missed == "publish":
        return None
    attempt = f"; the last attempt {last}" if last else ""
    if post.on_missed == "skip":
        again = ": not tried again" if last else ""
        return Action.SKIP, f"its publish window passed (on_missed: skip){attempt}{again}"
    return Action.FAILED, (
        f"its publish window passed (on_missed: fail){attempt}: move publish_at/not_after, "
        "or set on_missed to skip or publish"
    )


def _not_yet(post: DesiredPost, now: datetime) -> bool:
    """Whether ``post`` has a publish_at still ahead that the publisher waits for.

    A new attempt after a failed one is a publish like the first (a fixed post rescheduled
    for next week goes out next week); YouTube, which schedules a video itself
    (private + publishAt), gets it uploaded at once, as a create.
    """
    if post.youtube is not None and post.youtube.publish_at is not None:
        return False
    return post.publish_at is not None and post.publish_at > now


def _again_later(what: str) -> str:
    return f"scheduled; the last attempt {what}: published again at publish_at"


def _decide_new(post: DesiredPost, now: datetime) -> tuple[Action, str]:
    scheduled = post.youtube is not None and post.youtube.publish_at is not None
    if scheduled and post.publish_at is not None and post.publish_at > now:
        # YouTube schedules it itself (private + publishAt): upload now, nothing to wait for.
        return Action.CREATE, "scheduled by YouTube: uploaded now as private, public at publish_at"
    if post.publish_at is not None and post.publish_at > now:
        return Action.WAIT, "scheduled"
    if (closed := _too_late(post, now)) is not None:
        return closed
    if post.window_passed(now):
        return Action.CREATE, "late: its publish window passed (on_missed: publish)"
    if post.publish_at is not None and _late(post.publish_at, post.not_after, now):
        inbox = post.mode == "draft" and post.youtube is None  # YouTube has no drafts
        done = "sent to the creator's inbox" if inbox else "published"
        return Action.CREATE, (
            f"late: publish_at was {_ago(now - post.publish_at)} ago and there is no "
            f"not_after, so it is {done} now (check the date; not_after with on_missed: skip "
            "drops late posts)"
        )
    if post.publish_at is not None:
        return Action.CREATE, "due: its publish time has come"
    return Action.CREATE, "new post"


def _late(publish_at: datetime | None, not_after: datetime | None, now: datetime) -> bool:
    """Whether a post is so late, with no window, that publishing it now deserves a warning."""
    return publish_at is not None and not_after is None and now - publish_at > LATE_WARNING


def _ago(delta: timedelta) -> str:
    days = delta.days
    if days >= 730:
        return f"{days // 365} years"
    if days >= 60:
        return f"{days // 30} months"
    return f"{days} day" if days == 1 else f"{days} days"


def _change(
    post: DesiredPost,
    record: Record | None,
    action: Action,
    reason: str,
    timezone: str,
    media: MediaSummary | None,
) -> Change:
    return Change(
        address=str(post.address),
        post_id=post.address.post_id,
        account=post.address.account,
        action=action,
        reason=reason,
        manifest=post.manifest_file,
        mode=post.mode,
        video=post.video.path,
        video_id=post.video.content_id,
        video_size=post.video.size,
        caption=post.caption if post.mode == "direct" else None,
        caption_utf16=post.caption_utf16 if post.mode == "direct" else None,
        privacy=post.privacy,
        post_info=post.post_info,
        publish_at=post.publish_at,
        publish_at_local=local_time(post.publish_at, timezone) if post.publish_at else None,
        not_after=post.not_after,
        not_after_local=local_time(post.not_after, timezone) if post.not_after else None,
        on_missed=post.on_missed if post.not_after else None,
        fingerprint=post.fingerprint,
        recorded_fingerprint=record.fingerprint if record else None,
        publish_id=_shown(record) if record else None,
        handle_digest=_digest(record),
        status=record.status if record else None,
        fail_reason=record.fail_reason if record else None,
        post_url=record.url if record else None,
        media=media,
        diff=drift.diff(record.sent, post) if record and action is Action.DRIFT else None,
        provider=post.provider,
        youtube=_youtube_request(post) if post.youtube is not None else None,
    )


def _youtube_request(post: DesiredPost) -> YouTubeRequest | None:
    """What YouTube receives for ``post`` as the plan shows it (None for TikTok)."""
    if post.youtube is None:
        return None
    return YouTubeRequest(
        resource=post.youtube.resource,
        notify_subscribers=post.youtube.notify_subscribers,
        derived=list(post.youtube.derived),
    )


def _shown(record: Record) -> str | None:
    """The record's handle as a plan may hold it (never a capability: ``core/handles.py``)."""
    return handles.shown(record.publish_id) if record.publish_id else None


def _digest(record: Record | None) -> str | None:
    """What a plan keeps of a capability handle, for ``apply PLANFILE`` to check."""
    return handles.digest(record.publish_id) if record and record.publish_id else None


def chunked(facts: MediaSummary, platform: Platform) -> MediaSummary:
    """``facts`` with the chunk plan of ``platform``'s upload (the same object when it has it).

    A video is summarized once, whatever platforms its posts go to; each platform splits
    its upload its own way (TikTok's chunks at init, YouTube's resumable chunk PUTs).
    """
    if facts.size <= 0:
        return facts
    chunks = platform.chunking(facts.size)
    if (chunks.size, chunks.count) == (facts.chunk_size, facts.chunk_count):
        return facts
    return facts.model_copy(update={"chunk_size": chunks.size, "chunk_count": chunks.count})


def _title(provider: str, platforms: Mapping[str, Platform] | None) -> str:
    """How the reasons name ``provider``'s platform: its title, else its ``provider:`` name."""
    platform = platforms.get(provider) if platforms else None
    return platform.title if platform is not None else provider


def _orphan(record: Record, title: str) -> Change:
    """The change of a record no manifest declares; ``title``: its account's platform."""
    if record.status in UNKNOWN_OUTCOME:
        action, reason = (
            Action.RESUME,
            (
                f"manifest removed, but publish {_shown(record)} was {record.status}: ask "
                f"{title} for its outcome"
            ),
        )
    else:
        action, reason = (
            Action.ORPHAN,
            (
                f"in state but no manifest declares it; nothing will be done ({title} posts are "
                "never deleted); `publisher state rm` forgets it"
            ),
        )
    return Change(
        address=record.address,
        post_id=record.post_id,
        account=record.account,
        action=action,
        reason=reason,
        mode=record.mode,
        video=record.video,
        recorded_fingerprint=record.fingerprint,
        publish_id=_shown(record),
        handle_digest=_digest(record),
        status=record.status,
        fail_reason=record.fail_reason,
        post_url=record.url,
    )


def _never(_reason: str) -> bool:
    return False


def _quotas(
    changes: Sequence[Change],
    state: State,
    now: datetime,
    accounts: Mapping[str, AccountConfig],
    platforms: Mapping[str, Platform],
) -> list[AccountQuota]:
    """Each publishing account's use of its platform's per-account quotas (:func:`_roles`).

    The rate limit gives the minutes the publishes need at least; the caps of direct posts
    and of drafts are compared with this plan's publishes plus the state's in their window.
    A platform without account quotas (YouTube's are the Cloud project's:
    ``core/youtube_quota.py``) has no line.
    """
    out = []
    publishes: dict[str, list[Change]] = {}  # each account's, in the plan's order
    for change in changes:
        if change.action in PUBLISHING:
            publishes.setdefault(change.account, []).append(change)
    # one pass over the state, not one per account: each account's records and their times
    published: dict[str, list[tuple[Record, datetime]]] = {}
    for record in state.resources.values():
        if record.published_at is not None:
            published.setdefault(record.account, []).append((record, record.published_at))
    for name in sorted(publishes):
        config = accounts.get(name)
        platform = platforms.get(config.provider) if config is not None else None
        if config is None or platform is None:
            continue
        rate, posts, drafts_cap = _roles(platform.quotas(config))
        if rate is None and posts is None and drafts_cap is None:
            continue
        mine = publishes[name]
        direct = sum(1 for c in mine if c.mode == "direct")
        drafts = len(mine) - direct
        posted = pending = 0
        for r, published_at in published.get(name, []):
            age = now - published_at
            if posts and r.mode == "direct" and r.status == "published" and age < posts.window:
                posted += 1
            if drafts_cap and r.mode == "draft" and r.status == "inbox" and age < drafts_cap.window:
                pending += 1
        warnings = []
        if posts is not None and direct + posted > posts.limit:
            fails = f"; the rest will fail with {posts.refusal}" if posts.refusal else ""
            warnings.append(
                f"{direct} direct post(s) plus {posted} in the last 24 h exceed the daily cap "
                f"of {posts.limit}{fails}: spread them with publish_at"
            )
        if drafts_cap is not None and drafts + pending > drafts_cap.limit:
            code = f" ({drafts_cap.refusal})" if drafts_cap.refusal else ""
            warnings.append(
                f"{drafts} draft(s) plus {pending} pending exceed {platform.title}'s "
                f"{drafts_cap.limit} pending drafts per 24 h{code}"
            )
        minutes = 0
        if rate is not None:
            minutes = max(0, math.ceil(len(mine) / rate.limit) - 1) * round(rate.window / MINUTE)
        out.append(
            AccountQuota(
                account=name,
                timezone=config.timezone,
                inits=len(mine),
                min_minutes=minutes,
                direct_posts=direct,
                posted_last_24h=posted,
                daily_cap=posts.limit if posts is not None else 0,
                drafts=drafts,
                pending_drafts_24h=pending,
                draft_cap=drafts_cap.limit if drafts_cap is not None else 0,
                warnings=warnings,
            )
        )
    return out


def _roles(quotas: Sequence[Quota]) -> tuple[Quota | None, Quota | None, Quota | None]:
    """A platform's per-account quotas as the plan shows them: (rate, post cap, draft cap).

    The rate limit is the tightest quota under a day that counts every publish (TikTok's 6
    inits a minute); the caps are the first over a day or more that count direct posts
    (TikTok's daily cap) and drafts (its 5 pending drafts).
    """
    rate = posts = drafts = None
    for quota in quotas:
        if quota.scope != "account":
            continue
        if quota.window < DAY:
            tighter = rate is None or quota.limit * rate.window < rate.limit * quota.window
            if not quota.modes and tighter:
                rate = quota
            continue
        if posts is None and quota.counts("direct"):
            posts = quota
        if drafts is None and quota.counts("draft"):
            drafts = quota
    return rate, posts, drafts


def _selection_warnings(
    changes: Sequence[Change], targets: frozenset[str], replace: frozenset[str]
) -> list[str]:
    """Say that ``--target`` hides the rest, and which ``--replace`` replaces nothing."""
    out = []
    if targets:
        out.append(
            f"partial plan: only {', '.join(sorted(targets))} (--target); other posts are "
            "neither shown nor applied. Use it for exceptions, not routinely"
        )
    for change in changes:
        if matches(Address(change.post_id, change.account), replace) and (
            change.action is not Action.REPLACE
        ):
            out.append(
                f"{change.address}: --replace has no effect: nothing published to replace "
                f"({change.action.value}: {change.reason})"
            )
    return out


def _testing_mode_warnings(
    changes: Sequence[Change], channels: Mapping[str, YouTubeAccount]
) -> list[str]:
    """One warning per YouTube channel in testing mode that this plan uploads to, now or later."""
    busy = {c.account for c in changes if c.action in ACTING or c.action is Action.WAIT}
    return [
        testing_mode_warning(name, channel.refresh_token_env)
        for name, channel in sorted(channels.items())
        if name in busy and channel.testing_mode
    ]


def _change_warnings(changes: Sequence[Change], now: datetime) -> list[str]:
    out = []
    for change in changes:
        if change.repost_of:
            out.append(repost_warning(change))
        if change.action in (Action.DRIFT, Action.ORPHAN, Action.FAILED):
            out.append(f"{change.address}: {change.reason}")
        elif change.action is Action.CREATE and _late(change.publish_at, change.not_after, now):
            out.append(f"{change.address}: {change.reason}")
        if change.youtube is not None and change.media is not None and change.action in PUBLISHING:
            problem = not_a_short(change.media.width, change.media.height, change.media.duration_ms)
            if problem is not None:
                out.append(f"{change.address}: {problem}")
    return out
