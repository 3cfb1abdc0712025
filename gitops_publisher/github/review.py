"""The reviewed plan on GitHub: found for a merge, and what the Action says about it.

A pull request's plan comment records what merging it may publish (``report.reviewed_line``).
On a push to the default branch, :func:`merged_reviewed_plan` finds the pull request merged as
exactly that commit and reads the reviewed plan from this workflow's own comment, keeping
only the posts whose details its comments show (``github/plan_comments.py``); the apply
then publishes only what approvals cover (``core/reviewed.py``) and reports the rest, in the
log (:func:`warnings`) and the run summary (:func:`summary`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx

from gitops_publisher.core.plan import Action, Plan
from gitops_publisher.core.reviewed import NOT_REVIEWED, ReviewedPlan
from gitops_publisher.escape import md_code, md_text
from gitops_publisher.github.api import GitHubApi, GitHubApiError
from gitops_publisher.github.commands import command
from gitops_publisher.github.event import Inputs, Run
from gitops_publisher.github.plan_comments import part_number, shown_reviewed
from gitops_publisher.github.report import marker, reviewed_in

FORK_NOTE = (
    "A fork's pull request cannot record its plan for review (its token is read-only), so "
    "merging it publishes none of its posts: to publish them, a maintainer opens a pull "
    "request with them from a branch of this repository and merges that."
)
REVIEWED_NOTE = (
    "🔏 Merging publishes the posts this plan shows, as shown here, and nothing else: a post "
    "changed or added after this plan is reported as not reviewed, not published."
)
NOT_SHOWN_HELP = (
    "_Merging publishes the posts the comments show, and reports these as not reviewed. "
    "Split the pull request, or, once it is merged, open another pull request from a branch "
    "of this repository (an empty commit will do): its plan shows what is left._"
)
HELP = (
    "_Merging publishes only what the pull request's plan comment showed. Open a pull "
    "request from a branch of this repository with these posts as they are now; merging it "
    "publishes them._"
)


def merged_reviewed_plan(
    run: Run,
    inputs: Inputs,
    workdir: str,
    say: Callable[[str], None],
    *,
    transport: httpx.BaseTransport | None = None,
) -> tuple[int | None, ReviewedPlan | None]:
    """The pull request merged as this commit, and the reviewed plan its comment records.

    Only a push has one (a schedule or a manual run approves nothing new). The comment must
    be this token's own (:meth:`GitHubApi.find_comment`) and name the same pull request.
    What was found, or why nothing was, goes to the log (``say``).
    """
    if run.event_name != "push" or not run.sha:
        say(f"{run.event_name}: publishing only what merged pull requests' plans showed")
        return None, None
    if not inputs.github_token:
        say(
            command(
                "warning",
                "no github-token: the merged pull request and its reviewed plan cannot "
                "be found, so this push approves nothing new",
            )
        )
        return None, None
    api = GitHubApi(run.api_url, run.repository, inputs.github_token, transport=transport)
    try:
        number = api.merged_pull_request(run.sha)
        if number is None:
            say(
                f"no pull request was merged as {run.sha[:12]}: a push that skipped pull "
                "requests approves nothing new"
            )
            return None, None
        own = api.own_comments(number)
    except GitHubApiError as exc:
        say(
            command(
                "warning",
                f"cannot read the merged pull request's reviewed plan ({exc}); "
                "this push approves nothing new",
            )
        )
        return None, None
    finally:
        api.close()
    sticky = next((str(c.get("body", "")) for c in own if _starts(c, marker(workdir))), "")
    reviewed = reviewed_in(sticky) if sticky else None
    if reviewed is None or reviewed.pull_request != number:
        say(
            command(
                "warning",
                f"pull request #{number} has no reviewed plan for `{workdir}` "
                "(no plan comment by this workflow's token, or its plan failed): this merge "
                "approves nothing new",
            )
        )
        return number, None
    continuations: dict[int, list[str]] = {}
    for comment in own:
        body = str(comment.get("body", ""))
        if (part := part_number(body, workdir)) is not None:
            continuations.setdefault(part, []).append(body)
    reviewed, dropped = shown_reviewed(reviewed, sticky, continuations)
    say(f"pull request #{number}: its reviewed plan shows {len(reviewed.posts)} post(s)")
    if dropped:
        say(
            command(
                "warning",
                f"pull request #{number}: {len(dropped)} post(s) of its reviewed plan are not "
                "approved: their details are not in its plan comments as the plan wrote them "
                "(cut short, or in a continuation comment that is missing or was edited)",
            )
        )
    return number, reviewed


def _starts(comment: dict[str, object], text: str) -> bool:
    return str(comment.get("body", "")).startswith(text)


def not_shown_warning(count: int) -> str:
    """The pull request run's warning when a plan's comments could not show every post."""
    return (
        f"{count} post(s) of this plan are not approved by merging: their details did not "
        "fit in the plan comments (the run summary lists them)"
    )


def not_shown_summary(addresses: Sequence[str]) -> list[str]:
    """Markdown lines for the run summary: the posts a merge will not publish, and why."""
    lines = [
        f"**{len(addresses)} post(s) not approved by merging: their details did not fit in "
        "the pull request's plan comments**",
        "",
    ]
    lines.extend(f"- {md_code(address)}" for address in addresses)
    return [*lines, "", NOT_SHOWN_HELP]


def warnings(plan: Plan) -> list[str]:
    """One ``::warning::`` command (escaped) per publish the plan refuses as not reviewed."""
    return [
        command("warning", f"{c.address}: {c.reason}")
        for c in plan.changes
        if c.action is Action.UNREVIEWED
    ]


def summary(plan: Plan) -> list[str]:
    """Markdown lines for the run summary: what was not published, why, what to do."""
    refused = [c for c in plan.changes if c.action is Action.UNREVIEWED]
    if not refused:
        return []
    lines = ["", f"**{len(refused)} post(s) not reviewed: open a pull request**", ""]
    lines.extend(
        f"- {md_code(c.address)}: {md_text(c.reason.removeprefix(NOT_REVIEWED + ': '))}"
        for c in refused
    )
    return [*lines, "", HELP]
