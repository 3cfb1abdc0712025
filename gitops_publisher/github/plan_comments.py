"""The plan as pull request comments: one sticky comment, continued in more when it is long.

A reviewer approves by merging what the plan comment showed (design §12), so the reviewed
plan a comment records may approve only posts whose details (what the platform will
receive: caption, video, settings, schedule) are in the pull request's conversation. Until
2026-12-05 a plan longer than one comment (65,536 characters) was cut at a line and its
reviewed plan still approved every post, also those whose details only the run summary held.

Now a long plan continues in more comments (up to :data:`MAX_COMMENTS` in all), each
starting with its own marker (:func:`continuation_marker`) and written, updated and deleted
with the sticky one. The plan is split between blocks, never inside a post's details, and
the table's header is repeated where it continues. What still does not fit is cut: those
posts are *not approved*, the sticky comment says so and what to do, and the reviewed plan
leaves them out.

The sticky comment records, beside the reviewed plan, a digest of each continuation
(:func:`continued_line`). The merge run (:func:`shown_reviewed`) keeps an approval only for a
post whose complete details block it finds in the sticky comment or in a continuation whose
digest matches: a continuation missing (deleted, or never written because GitHub refused it),
edited, or left over from an earlier push approves nothing. Comments written before this
change have no digests; their merge approves the posts the sticky comment itself shows, so a
plan cut by an older version of the Action no longer approves what it did not show either.

A post's details block is found by its first line, which the Markdown view writes as
``<details><summary><code>ADDRESS</code>: …`` (``cli/views/plan_markdown.py``); user text in
the plan is escaped, so no caption can start a line with ``<details>`` or ``</details>``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitops_publisher.core.reviewed import ReviewedPlan
from gitops_publisher.escape import html_text, md_code
from gitops_publisher.github.api import GitHubApi, GitHubApiError
from gitops_publisher.github.report import COMMENT_LIMIT, marker, reviewed_line

#: The sticky comment and its continuations: a plan of about 1,000 posts (what a reviewed
#: plan can record) at about 1,200 characters each, under GitHub's limit of 80
#: content-creating requests a minute. A longer plan is cut after the last of them.
MAX_COMMENTS = 20
REVIEWED_BUDGET = COMMENT_LIMIT - 5_000  # the reviewed plan first; the plan text gets the rest
CUT = "- … cut here: the rest is in the run summary"
_CONTINUED = "<!-- gitops-publisher:continued "
_PART = "<!-- gitops-publisher:plan-part:"
_END = " -->"
_BLOCK = re.compile(r"<details><summary><code>([^<]*)</code>:")
_DIGEST_HEX = 16


@dataclass(frozen=True)
class PlanComments:
    """What the Action writes on a pull request for one working directory.

    Attributes:
        bodies: the sticky comment's body, then each continuation's, in order.
        reviewed: the reviewed plan recorded (only posts whose details the bodies hold).
        not_shown: addresses the plan publishes whose details no comment holds: not approved.
    """

    bodies: list[str]
    reviewed: ReviewedPlan | None
    not_shown: list[str] = field(default_factory=list)


def continuation_marker(working_directory: str, part: int) -> str:
    """The marker a continuation (``part`` 2, 3, …) of this directory's plan starts with.

    The number comes first, so a directory named ``a:2`` cannot pass for part 2 of ``a``;
    it never starts with :func:`report.marker`'s text, so the sticky comment is never taken
    for a continuation or the other way round.
    """
    return f"{_PART}{part}:{html_text(working_directory)}{_END}"


def part_number(body: str, working_directory: str) -> int | None:
    """The part a continuation ``body`` of this directory's plan is (2, 3, …), or None."""
    first = body.split("\n", 1)[0]
    match = re.fullmatch(re.escape(_PART) + r"([0-9]{1,4}):(.*)" + re.escape(_END), first)
    if match is None or match[2] != html_text(working_directory) or int(match[1]) < 2:
        return None
    return int(match[1])


def digest(body: str) -> str:
    """A continuation's digest: line ends and trailing blanks do not count (GitHub's may)."""
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines).strip("\n")
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:_DIGEST_HEX]


def continued_line(digests: Sequence[str]) -> str:
    """The sticky comment's hidden line listing each continuation's digest, in order."""
    return f"{_CONTINUED}{json.dumps(list(digests))}{_END}"


def continued_in(body: str) -> list[str] | None:
    """The continuation digests a sticky comment lists, or None (an older comment: none)."""
    for line in body.split("\n"):  # not splitlines: U+2028 in a caption is no line break
        if line.startswith(_CONTINUED) and line.endswith(_END):
            try:
                value = json.loads(line[len(_CONTINUED) : -len(_END)])
            except ValueError:
                return []
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return value
            return []
    return None


def shown_blocks(body: str) -> set[str]:
    """The addresses (as :func:`html_text` wrote them) whose details ``body`` holds whole.

    A block cut short (:data:`CUT`) or never closed does not count: the reviewer did not
    see all that will be sent.
    """
    shown: set[str] = set()
    current: str | None = None
    for line in body.replace("\r\n", "\n").split("\n"):
        match = _BLOCK.match(line)
        if match:
            current = match[1]
        elif line == CUT:
            current = None
        elif line == "</details>" and current is not None:
            shown.add(current)
            current = None
    return shown


def shown_reviewed(
    reviewed: ReviewedPlan, sticky: str, continuations: Mapping[int, Iterable[str]]
) -> tuple[ReviewedPlan, list[str]]:
    """``reviewed`` keeping only posts whose details the merge finds in the comments.

    Args:
        reviewed: the reviewed plan the sticky comment ``sticky`` records.
        sticky: the sticky comment's body.
        continuations: part number -> bodies of this token's continuation comments with it.

    Returns the reviewed plan to approve, and the addresses dropped from it. A continuation
    counts only with the digest the sticky comment lists for its part.
    """
    seen = shown_blocks(sticky)
    for index, expected in enumerate(continued_in(sticky) or [], start=2):
        for body in continuations.get(index, ()):
            if digest(body) == expected:
                seen |= shown_blocks(body)
                break
    kept = {a: f for a, f in reviewed.posts.items() if html_text(a) in seen}
    dropped = sorted(set(reviewed.posts) - set(kept))
    return reviewed.model_copy(update={"posts": kept}), dropped


def plan_comments(
    working_directory: str,
    plan_markdown: str,
    *,
    notes: Iterable[str] = (),
    run_url: str = "",
    reviewed: ReviewedPlan | None = None,
    limit: int = COMMENT_LIMIT,
    max_comments: int = MAX_COMMENTS,
) -> PlanComments:
    """The sticky comment and its continuations, each at most ``limit`` characters.

    A plan that fits in one comment gives one body, as before continuations existed: the
    marker, the reviewed plan, the notes, the plan. A longer one is split (module docstring);
    the reviewed plan, right after the marker and never cut, then approves only what the
    bodies show, and a note names what they do not.
    """
    head = [marker(working_directory)]
    notes = list(notes)
    line = reviewed_line(reviewed) if reviewed is not None else ""
    if reviewed is not None and len(line) > REVIEWED_BUDGET:
        notes.append(
            f"⚠️ This plan publishes too many posts ({len(reviewed.posts)}) to record for "
            "review in a comment: merging it publishes none of them. Split the pull request."
        )
        reviewed, line = None, ""
    whole = _head([*head, line], notes) + plan_markdown
    if len(whole) <= limit:
        return PlanComments([whole], reviewed)
    # Budgets before the split, so the longest head and footers the split may lead to.
    widest = [continued_line([digest("")] * (max_comments - 1))]
    widest.append(_continued_note(len(plan_markdown), max_comments))
    if reviewed is not None:
        widest.append(_not_shown_note(len(reviewed.posts), max_comments))
    footer = max(
        len(_footer_text(max_comments - 1, max_comments, cut, run_url)) for cut in (True, False)
    )
    title = f"**publisher plan: {md_code(working_directory)} (continued)**\n\n"
    first = limit - len(_head([*head, line, *widest], notes)) - footer
    rest = limit - len(continuation_marker(working_directory, max_comments)) - 1 - len(title)
    parts, cut = _split(plan_markdown, first, rest - footer, max_comments)
    total = len(parts)
    bodies = [
        f"{continuation_marker(working_directory, n)}\n{title}{text}"
        + _footer_text(n, total, cut and n == total, run_url)
        for n, text in enumerate(parts[1:], start=2)
    ]
    main_text = parts[0] + _footer_text(1, total, cut and total == 1, run_url)
    not_shown: list[str] = []
    if reviewed is not None:
        seen = shown_blocks(main_text).union(*(shown_blocks(b) for b in bodies))
        kept = {a: f for a, f in reviewed.posts.items() if html_text(a) in seen}
        not_shown = sorted(set(reviewed.posts) - set(kept))
        reviewed = reviewed.model_copy(update={"posts": kept})
        line = reviewed_line(reviewed)
    if total > 1:
        notes.append(_continued_note(len(plan_markdown), total))
    if not_shown:
        notes.append(_not_shown_note(len(not_shown), total))
    extra = [continued_line([digest(b) for b in bodies])] if bodies else []
    main = _head([*head, line, *extra], notes) + main_text
    return PlanComments([main, *bodies], reviewed, not_shown)


def _head(lines: Sequence[str], notes: Sequence[str]) -> str:
    shown = [line for line in lines if line]
    return "\n".join([*shown, *(f"> {note}" for note in notes)]) + "\n\n"


def _continued_note(size: int, comments: int) -> str:
    return (
        f"📄 This plan is too long for one comment ({size:,} characters): it continues in "
        f"the next {comments - 1} comment(s) of this workflow, each titled “(continued)”. "
        "Merging approves each post whose details are in these comments."
    )


def _not_shown_note(count: int, comments: int) -> str:
    return (
        f"⛔ **{count} post(s) this plan publishes are NOT approved by merging**: their "
        f"details did not fit in the {comments} comment(s) a plan may take, so no reviewer "
        "saw them here (the run summary lists them, and has the whole plan). "
        "Merging publishes the others and reports these as not reviewed. To publish them, "
        "split the pull request; or, once it is merged, open another pull request from a "
        "branch of this repository (an empty commit will do): its plan shows what is left."
    )


def _footer_text(part: int, total: int, cut: bool, run_url: str) -> str:
    if cut:
        where = f"the [run summary]({run_url})" if run_url else "the workflow run's summary"
        return (
            f"\n\n---\n**The plan is too long for {total} comment(s); it was cut here. The "
            f"full plan is in {where}. Posts not shown above are not approved by merging.**\n"
        )
    if part < total:
        return f"\n\n---\n_Continued in the next comment (part {part + 1} of {total})._\n"
    return ""


@dataclass
class _Part:
    budget: int
    lines: list[str] = field(default_factory=list)
    size: int = 0

    def fits(self, lines: Sequence[str]) -> bool:
        return self.size + sum(len(line) + 1 for line in lines) <= self.budget

    def add(self, lines: Sequence[str]) -> None:
        self.lines.extend(lines)
        self.size += sum(len(line) + 1 for line in lines)


def _split(markdown: str, first: int, rest: int, max_parts: int) -> tuple[list[str], bool]:
    """``markdown`` split between blocks in at most ``max_parts`` texts; whether it was cut.

    The first text holds at most ``first`` characters, the others ``rest``. A post's
    details block is never split; one longer than a whole continuation is cut short with
    :data:`CUT` (its post is then not shown). A table continued in another part gets its
    header again.
    """
    parts = [_Part(first)]
    header: list[str] = []
    previous = ""
    for segment in _segments(markdown):
        part = parts[-1]
        if not part.fits(segment):
            if part.lines or len(parts) == 1:  # a fresh part may hold it
                if len(parts) == max_parts:
                    return [_text(p) for p in parts], True
                table = segment[0].startswith("|") and previous.startswith("|")
                parts.append(part := _Part(rest))
                part.add(header if table else [])
            if not part.fits(segment):  # longer than a whole continuation: cut short
                part.add(_shortened(segment, part.budget - part.size))
                previous = segment[-1]
                continue
        if segment[0].startswith("|---") and previous.startswith("|"):
            header = [previous, segment[0]]
        part.add(segment)
        previous = segment[-1]
    return [_text(p) for p in parts], False


def _text(part: _Part) -> str:
    return "\n".join(part.lines)


def _segments(markdown: str) -> list[list[str]]:
    """Lines grouped so that each post's details block is one segment."""
    segments: list[list[str]] = []
    block: list[str] | None = None
    for line in markdown.split("\n"):  # not splitlines: U+2028, U+0085 are not breaks
        if block is not None:
            block.append(line)
            if line == "</details>":
                segments.append(block)
                block = None
        elif line.startswith("<details>"):
            block = [line]
        else:
            segments.append([line])
    if block is not None:
        segments.append(block)
    return segments


def _shortened(block: list[str], budget: int) -> list[str]:
    """The lines of ``block`` that fit in ``budget``, said to be cut, then closed."""
    closing = [CUT, "</details>"] if block[0].startswith("<details>") else []
    room = budget - sum(len(line) + 1 for line in closing)
    kept: list[str] = []
    for line in block:
        if room < len(line) + 1:
            break
        kept.append(line)
        room -= len(line) + 1
    return [*kept, *closing] if kept else []


def write_plan_comments(
    api: GitHubApi,
    number: int,
    working_directory: str,
    bodies: Sequence[str],
    *,
    say: Callable[[str], None],
    warn: Callable[[str], None],
) -> None:
    """Write ``bodies`` as this directory's sticky comment and its continuations.

    The sticky comment first (on a new pull request it comes first in the conversation),
    each continuation updated in place or created, and continuations no longer needed (a
    shorter plan, a duplicate) deleted. A continuation GitHub refuses is a warning: the
    sticky comment's digests then find it missing at merge, and its posts are not approved.

    Raises:
        GitHubApiError: the comments cannot be listed or the sticky comment cannot be written.
    """
    own = api.own_comments(number)
    sticky_marker = marker(working_directory)
    sticky = next((c for c in own if str(c.get("body", "")).startswith(sticky_marker)), None)
    parts: dict[int, list[dict[str, Any]]] = {}
    for comment in own:
        part = part_number(str(comment.get("body", "")), working_directory)
        if part is not None:
            parts.setdefault(part, []).append(comment)
    if sticky is None:
        say(f"plan comment created: {api.create_comment(number, bodies[0])}")
    else:
        say(f"plan comment updated: {api.update_comment(sticky, bodies[0])}")
    for part, body in enumerate(bodies[1:], start=2):
        found = parts.get(part, [])
        try:
            if found:
                url, done = api.update_comment(found.pop(0), body), "updated"
            else:
                url, done = api.create_comment(number, body), "created"
        except GitHubApiError as exc:
            warn(
                f"could not write part {part} of the plan comment: {exc}; merging will not "
                "publish the posts whose details it holds (re-run the job to write it)"
            )
            continue
        say(f"plan comment part {part} {done}: {url}")
    for comment in (c for found in parts.values() for c in found):
        try:
            api.delete_comment(comment)
        except GitHubApiError as exc:
            if exc.status != 404:  # gone already is what was wanted
                warn(f"could not delete an old part of the plan comment: {exc}")
            continue
        say(f"plan comment part {part_number(str(comment['body']), working_directory)} deleted")
