"""Renamed post ids: declared moves (``previous_ids``) and probable reposts (design §12).

A post's ``id`` is its identity: renaming ``hiring`` to ``hiring-2026`` would otherwise plan
``orphan hiring@acme`` + ``create hiring-2026@acme``, and the same video would be posted
again. ``previous_ids: [hiring]`` in the renamed manifest moves the record instead (like
Terraform's ``moved`` blocks); without it, an orphan and a create of the same video on the
same account are flagged as a probable rename, which apply refuses to publish unless told
(``--allow-repost ADDR``). Pure functions over values.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet

from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.identity import handle
from gitops_publisher.core.models import AccountConfig
from gitops_publisher.core.plan import Action, Change
from gitops_publisher.core.state import DONE, UNKNOWN_OUTCOME, Record, State
from gitops_publisher.errors import PublisherError

#: Actions of a new address that may post a video again (``wait`` will, once due).
_NEW_POSTS = frozenset({Action.CREATE, Action.WAIT})
#: Orphans whose post exists (or may) on TikTok.
_LIVE = DONE | UNKNOWN_OUTCOME


def plan_moves(
    desired: Sequence[DesiredPost], state: State, declared: AbstractSet[str]
) -> tuple[dict[str, str], list[str]]:
    """The records to move (``old address -> new address``) and the problems found.

    A previous id moves its account's record when that record exists and the new address
    has none. Nothing moves for an id no longer recorded (already moved: previous_ids may
    stay in the manifest). Problems (each stops apply, like any plan error): the old address
    is still declared by a manifest (``declared``: the addresses of ``desired``, as the
    planner has them), both addresses are recorded, or two posts claim one.
    """
    moves: dict[str, str] = {}
    errors: list[str] = []
    for post in desired:
        for previous in post.previous_ids:
            old = f"{previous}@{post.address.account}"
            if old not in state.resources:
                continue
            new = str(post.address)
            where = f"{post.manifest_file}: previous_ids: {previous}"
            if old in declared:
                errors.append(
                    f"{where}: {old} is still declared by a manifest, so it was not renamed; "
                    "remove it from previous_ids or remove the other manifest"
                )
            elif new in state.resources:
                errors.append(
                    f"{where}: both {old} and {new} are recorded, so the record cannot move; "
                    "`publisher state rm` the one that is wrong (the posts stay published)"
                )
            elif old in moves:
                errors.append(f"{where}: {old} is also claimed by {moves[old]}; keep one")
            elif new in moves.values():
                errors.append(f"{where}: another previous id of {new} is recorded too; keep one")
            else:
                moves[old] = new
    return moves, errors


def apply_moves(state: State, moves: Iterable[tuple[str, str]]) -> State:
    """``state`` with each ``(old, new)`` record moved (serial bumps once per move)."""
    for old, new in moves:
        state = state.moved(old, new)
    return state


def probable_reposts(
    changes: Sequence[Change],
    orphans: Iterable[Record],
    accounts: Mapping[str, AccountConfig] | None = None,
) -> dict[str, str]:
    """New addresses that would post the video of an orphan of their account again.

    Their account is the account's name, or the user it names in ``accounts``
    (``publisher.yaml``: its platform id or handle, the ones the records keep): an account
    renamed in ``publisher.yaml`` leaves its records orphans under the old name, and its
    posts, new under the new one, would each post the video to the same user again. A
    handle is compared within the platform of the orphan's account (any, when its account is
    no longer configured); ids never collide across platforms. Records written before
    ``sent`` existed are matched by account name only.

    ``orphans`` are the records no manifest declares (all of them, whatever ``--target``
    selects: a targeted create must still be checked). Returns ``new address -> orphan
    address``, one to one: an orphan is the probable old name of one new address at most
    (two manifests told to take one record would both be refused by ``previous_ids``), and
    as many new addresses as can be are paired (:func:`_pair`), a create before a wait.

    The same video is the content id the record's ``sent.video_id`` names, whatever the file
    is called now and whatever else changed (a caption, a privacy): a renamed post whose video
    file moved too is still the same video, and a new video saved over the old file is not.
    """
    # Orphans by what a new post must share with them, so each new post looks up its own
    # (account, key) instead of comparing itself with every orphan of its account (10,000
    # posts planned against 5,000 orphans made that 5 million comparisons).
    by_video: dict[tuple[str, str], list[str]] = {}  # (account, sent.video_id) -> orphans
    # Records written before ``sent`` existed keep no content id of their own: the same
    # fingerprint (which covers the content id) or the same video path stands in for it.
    unsent_by_fingerprint: dict[tuple[str, str], list[str]] = {}
    unsent_by_path: dict[tuple[str, str], list[str]] = {}
    known = accounts or {}
    by_user: dict[tuple[str, str], list[str]] = {}  # (who, sent.video_id) -> orphans
    for orphan in (r for r in orphans if r.status in _LIVE):
        if orphan.sent is not None:
            by_video.setdefault((orphan.account, orphan.sent.video_id), []).append(orphan.address)
            config = known.get(orphan.account)
            for who in _users(orphan.open_id, orphan.username, config.provider if config else "*"):
                by_user.setdefault((who, orphan.sent.video_id), []).append(orphan.address)
        else:
            key = (orphan.account, orphan.fingerprint)
            unsent_by_fingerprint.setdefault(key, []).append(orphan.address)
            unsent_by_path.setdefault((orphan.account, orphan.video), []).append(orphan.address)
    users: dict[str, set[str]] = {}  # each account's user keys, once per account
    candidates: dict[str, list[str]] = {}
    # Creates claim first: an orphan goes to a ``wait`` only when no create of its video is
    # left without one, since a create posts in this very apply and a wait does not yet.
    for change in sorted(changes, key=lambda c: (c.action is not Action.CREATE, c.address)):
        if change.action not in _NEW_POSTS:
            continue
        found = set(by_video.get((change.account, change.video_id or ""), ()))
        if (config := known.get(change.account)) is not None and change.video_id:
            if (mine := users.get(change.account)) is None:
                ids, handles = config.identity_id, config.identity_handle
                mine = {*_users(ids, handles, config.provider), *_users(None, handles, "*")}
                users[change.account] = mine
            for who in mine:
                found.update(by_user.get((who, change.video_id), ()))
        if change.fingerprint is not None:
            found.update(unsent_by_fingerprint.get((change.account, change.fingerprint), ()))
        if change.video is not None:
            found.update(unsent_by_path.get((change.account, change.video), ()))
        if found:
            candidates[change.address] = sorted(found)
    return _pair(candidates)


def _users(open_id: str | None, username: str | None, provider: str) -> list[str]:
    """The keys a user is known by: its platform id, its handle on ``provider``."""
    keys = [f"id:{open_id}"] if open_id else []
    if name := handle(username):
        keys.append(f"handle:{provider}:{name}")
    return keys


def _pair(candidates: dict[str, list[str]]) -> dict[str, str]:
    """A largest one-to-one pairing of new addresses with their candidate orphans.

    Each new address in turn looks for an alternating path to an unclaimed orphan (a
    breadth-first search, so no recursion however many posts share one video) and takes
    it, moving earlier claims along the path: with orphans ``a`` and ``b`` of one video and
    new addresses ``x`` (``a`` or ``b``) and ``y`` (``a`` only), ``x`` gets ``b`` and ``y``
    gets ``a``, so neither create goes unflagged while an orphan is left over.
    """
    claimed: dict[str, str] = {}  # new address -> orphan
    owner: dict[str, str] = {}  # orphan -> new address
    for start in candidates:
        reached_from: dict[str, str] = {}  # orphan -> the new address that reached it
        queue, free = deque([start]), None
        while queue and free is None:
            new = queue.popleft()
            for orphan in candidates[new]:
                if orphan in reached_from:
                    continue
                reached_from[orphan] = new
                if orphan not in owner:
                    free = orphan
                    break
                queue.append(owner[orphan])
        while free is not None:  # flip the path: each new address takes the orphan it reached
            new = reached_from[free]
            previous = claimed.get(new)
            claimed[new], owner[free] = free, new
            free = previous
    return claimed


def repost_warning(change: Change) -> str:
    """The warning every plan format shows for a probable rename."""
    old, _, account = (change.repost_of or "").partition("@")
    if account != change.account:
        return (
            f"{change.address}: probable repost of {change.repost_of} (same video, same user: "
            f"records are kept by account name, and {account} is not {change.account}): this "
            f"would post the same video to that user again; if the account was renamed in "
            f"publisher.yaml, give it its old name back, or pass `apply --allow-repost "
            f"{change.address}` to post it again on purpose"
        )
    return (
        f"{change.address}: probable rename of {change.repost_of} (same video, same account): "
        f"this would post the same video again; add `previous_ids: [{old}]` to its manifest if it "
        f"was renamed (then --replace publishes it anew if you want a new post), or pass "
        f"`apply --allow-repost {change.address}` to post it again on purpose"
    )


def unused_allowances(changes: Sequence[Change], allowed: frozenset[str]) -> list[str]:
    """The addresses of ``allowed`` (``--allow-repost``) that allow no create of this plan.

    A mistyped address, or one whose post is not a probable repost (already published, or
    declared with ``previous_ids``), allows nothing; apply says so instead of taking it
    silently.
    """
    reposts = {c.address for c in changes if c.action is Action.CREATE and c.repost_of}
    return sorted(allowed - reposts)


def refuse_reposts(changes: Sequence[Change], allowed: frozenset[str]) -> None:
    """Stop apply before it creates a probable repost that was not allowed.

    Raises:
        PublisherError: a ``create`` has ``repost_of`` and its address is not in ``allowed``;
            nothing was sent.
    """
    blocked = [
        c for c in changes if c.action is Action.CREATE and c.repost_of and c.address not in allowed
    ]
    if not blocked:
        return
    names = ", ".join(f"{c.address} (same video as {c.repost_of})" for c in blocked)
    first = blocked[0]
    old, _, account = (first.repost_of or "").partition("@")
    again = " ".join(f"--allow-repost {c.address}" for c in blocked)
    if account != first.account:  # the same user under another account name
        raise PublisherError(
            f"refusing to post the same video again: {names} looks like a post of a renamed "
            "account (the same user)",
            hint=f"if {account} was renamed {first.account} in publisher.yaml, give it its old "
            f"name back (records are kept by account name); to post it again on purpose, pass "
            + again,
        )
    raise PublisherError(
        f"refusing to post the same video again: {names} looks like a renamed post",
        hint=f"if it was renamed, add `previous_ids: [{old}]` to its manifest "
        f"({first.manifest}) and plan again; to post it again on purpose, pass " + again,
    )
