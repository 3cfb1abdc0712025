"""Reviewed plans: publish only what a merged pull request's plan showed (design §12).

A pull request's plan is summarised as a :class:`ReviewedPlan`: per address it would publish
(now or when its ``publish_at`` comes), a short form of the post's fingerprint. The merge run
records those as :class:`Approval` s in the state (so a scheduled post's approval survives
until it comes due), and a plan restricted to reviewed posts (the planner's ``reviewed``,
:func:`refuse_unreviewed`) turns every publish whose fingerprint no approval matches into
``unreviewed``: nothing is sent for it, and
it is reported as "not reviewed: open a pull request".

Everything here is pure: the GitHub glue finds the reviewed plan, the state stores keep the
approvals, and the engine gets the approvals as a value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gitops_publisher.core.address import Address
from gitops_publisher.core.plan import PUBLISHING, Action, Change, Plan
from gitops_publisher.core.state import Approval
from gitops_publisher.errors import AddressError

#: What a reviewer approves by merging: posts the plan publishes now, or when they come due.
REVIEWABLE: frozenset[Action] = frozenset({*PUBLISHING, Action.WAIT})

NOT_REVIEWED = "not reviewed: open a pull request"
_SHORT_HEX = 16  # 64 bits of the fingerprint's SHA-256: a comment holds ~1,000 addresses


def review_fingerprint(fingerprint: str) -> str:
    """The short form of a post's fingerprint kept in reviewed plans and approvals.

    ``sha256:`` and the first 16 hex digits: changing a caption, a setting or the video
    changes it (finding another post with the same 64 bits would take about 2**64 tries),
    and a pull request comment, limited to 65,536 characters, can list about 1,000 posts.
    """
    digest = fingerprint.removeprefix("sha256:")
    return f"sha256:{digest[:_SHORT_HEX]}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReviewedPlan(_Model):
    """What a pull request's plan would publish, as its sticky comment records it."""

    format: Literal[1] = 1
    pull_request: int | None = Field(None, description="the pull request the plan was made for")
    head: str | None = Field(None, description="the commit planned (the pull request's head)")
    plan_hash: str = Field(description="Plan.plan_hash() of the plan shown")
    posts: dict[str, str] = Field(
        default_factory=dict,
        description="address -> review_fingerprint of every post it publishes now or later",
    )

    @field_validator("posts")
    @classmethod
    def _addresses(cls, posts: dict[str, str]) -> dict[str, str]:
        for address in posts:
            try:
                Address.parse(address)
            except AddressError as exc:
                raise ValueError(str(exc)) from None
        return posts


def reviewed_from_plan(
    plan: Plan, *, pull_request: int | None = None, head: str | None = None
) -> ReviewedPlan:
    """Summarise ``plan`` as shown to reviewers: each post it publishes now or later."""
    posts = {
        change.address: review_fingerprint(change.fingerprint)
        for change in plan.changes
        if change.action in REVIEWABLE and change.fingerprint
    }
    return ReviewedPlan(
        pull_request=pull_request, head=head, plan_hash=plan.plan_hash(), posts=posts
    )


def approvals_of(reviewed: ReviewedPlan) -> dict[str, Approval]:
    """The approvals a merged ``reviewed`` plan gives, by address."""
    return {
        address: Approval(
            fingerprint=fingerprint,
            pull_request=reviewed.pull_request,
            plan_hash=reviewed.plan_hash,
        )
        for address, fingerprint in sorted(reviewed.posts.items())
    }


def merge_approvals(
    current: Mapping[str, Approval],
    reviewed: ReviewedPlan,
    keep: Callable[[str], bool] = lambda _address: True,
) -> dict[str, Approval]:
    """``current`` with the approvals of ``reviewed`` whose address ``keep`` accepts.

    A later merge's approval of an address replaces an earlier one (the post was reviewed
    again, as it is now).
    """
    merged = dict(current)
    for address, approval in approvals_of(reviewed).items():
        if keep(address):
            merged[address] = approval
    return merged


def refuse_unreviewed(
    changes: Sequence[Change], approved: Mapping[str, str]
) -> tuple[list[Change], list[str]]:
    """``changes`` where each publish that no approval matches becomes ``unreviewed``.

    Args:
        changes: a plan's changes (the planner calls this before counting quotas).
        approved: address -> review_fingerprint of what merged pull requests' plans showed.

    Returns the changes and one warning per refused publish. ``resume`` is kept: it finishes
    a publish that already started (asking TikTok, sending nothing new). Scheduled posts
    (``wait``) do nothing yet; they are checked when they come due.
    """
    out: list[Change] = []
    warnings: list[str] = []
    for change in changes:
        if change.action in PUBLISHING and not is_approved(change, approved):
            why = _why_unreviewed(change, approved)
            out.append(change.model_copy(update={"action": Action.UNREVIEWED, "reason": why}))
            warnings.append(f"{change.address}: {why}")
        else:
            out.append(change)
    return out, warnings


def is_approved(change: Change, approved: Mapping[str, str]) -> bool:
    """Whether a merged pull request's plan showed ``change``'s post exactly as it is now."""
    if not change.fingerprint:
        return False
    return approved.get(change.address) == review_fingerprint(change.fingerprint)


def _why_unreviewed(change: Change, approved: Mapping[str, str]) -> str:
    if change.address in approved:
        return (
            f"{NOT_REVIEWED}: it changed after the reviewed plan (caption, settings or video "
            "differ from what the merged pull request showed)"
        )
    return f"{NOT_REVIEWED}: no merged pull request's plan showed it"


def unreviewed(plan: Plan) -> list[str]:
    """Addresses the plan refuses to publish because no reviewed plan showed them."""
    return [c.address for c in plan.changes if c.action is Action.UNREVIEWED]
