"""What the Action writes: outputs, the step summary, masks, and the sticky comment's body.

The comment's second line is the reviewed plan (``core/reviewed.py``) as hidden JSON: what a
merge of the pull request may publish. The merge run reads it back (:func:`reviewed_in`).

``$GITHUB_OUTPUT`` takes ``name<<DELIMITER`` blocks so that multi-line values (the plan's
JSON) survive. A PR comment is limited to 65,536 characters: a longer plan is cut at a line
(closing any open ``<details>``) and ends with a link to the run summary, which has it all.
Lines are cut at LF only: the Markdown renderers escaped user text so that no other character
breaks a line, and Python's ``splitlines`` would break at U+2028 or U+0085 inside a caption.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

from gitops_publisher.core.reviewed import ReviewedPlan
from gitops_publisher.escape import html_text
from gitops_publisher.github.commands import command

COMMENT_LIMIT = 65_536
OUTPUTS = ("has_changes", "plan_json", "published", "not_reviewed")
_REVIEWED = "<!-- gitops-publisher:reviewed "
_REVIEWED_END = " -->"
REVIEWED_BUDGET = COMMENT_LIMIT - 5_000  # the reviewed plan first; the plan text gets the rest


def marker(working_directory: str) -> str:
    """The hidden marker that finds this working directory's comment again.

    Only a comment of ours that *starts* with it is ever updated (``GitHubApi.find_comment``).
    """
    return f"<!-- gitops-publisher:plan:{html_text(working_directory)} -->"


def reviewed_line(reviewed: ReviewedPlan) -> str:
    """The reviewed plan as one hidden line of the comment (``-->`` cannot occur in it)."""
    payload = reviewed.model_dump_json(exclude_none=True).replace(">", "\\u003e")
    return f"{_REVIEWED}{payload}{_REVIEWED_END}"


def reviewed_in(body: str) -> ReviewedPlan | None:
    """The reviewed plan a comment body holds, or None (none, or not readable).

    Raises nothing: a comment without a readable reviewed plan approves nothing.
    """
    from pydantic import ValidationError

    for line in body.split("\n"):  # not splitlines: U+2028 in a caption is no line break
        if line.startswith(_REVIEWED) and line.endswith(_REVIEWED_END):
            text = line[len(_REVIEWED) : -len(_REVIEWED_END)]
            try:
                return ReviewedPlan.model_validate_json(text)
            except ValidationError:
                return None
    return None


def write_outputs(path: Path | None, values: Mapping[str, str], out: TextIO) -> None:
    """Append ``values`` to ``$GITHUB_OUTPUT`` (or print them when it is not set)."""
    if path is None:
        for name, value in values.items():
            out.write(f"output {name}: {value if len(value) < 200 else value[:200] + '...'}\n")
        return
    with path.open("a", encoding="utf-8") as handle:
        for name, value in values.items():
            delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def append_summary(path: Path | None, markdown: str) -> None:
    """Append Markdown to ``$GITHUB_STEP_SUMMARY`` (nothing when it is not set)."""
    if path is None:
        return
    with path.open("a", encoding="utf-8") as handle:
        handle.write(markdown if markdown.endswith("\n") else markdown + "\n")


def mask(values: Iterable[str], out: TextIO) -> None:
    """Tell the runner to hide each secret value from every later log line."""
    for value in sorted({v.strip() for v in values if v and v.strip()}):
        for line in value.splitlines():
            if line.strip():
                out.write(command("add-mask", line.strip()) + "\n")
    out.flush()


def comment_body(
    working_directory: str,
    plan_markdown: str,
    *,
    notes: Iterable[str] = (),
    run_url: str = "",
    limit: int = COMMENT_LIMIT,
    reviewed: ReviewedPlan | None = None,
) -> str:
    """The sticky comment: marker, reviewed plan, notes, the plan; at most ``limit`` characters.

    The reviewed plan (what a merge may publish) comes right after the marker and is never
    cut; one too long for a comment is left out, and a note says so.
    """
    head = [marker(working_directory)]
    notes = list(notes)
    if reviewed is not None:
        line = reviewed_line(reviewed)
        if len(line) <= REVIEWED_BUDGET:
            head.append(line)
        else:
            notes.append(
                f"⚠️ This plan publishes too many posts ({len(reviewed.posts)}) to record for "
                "review in a comment: merging it publishes none of them. Split the pull request."
            )
    head.extend(f"> {note}" for note in notes)
    head_text = "\n".join(head) + "\n\n"
    full = head_text + plan_markdown
    if len(full) <= limit:
        return full
    where = f"the [run summary]({run_url})" if run_url else "the workflow run's summary"
    footer = (
        f"\n\n---\n**The plan is too long for a comment ({len(plan_markdown):,} characters); "
        f"it was shortened here. The full plan is in {where}.**\n"
    )
    # A post's details cut short say so, or a missing row would read as nothing sent.
    cut = "- … cut here: the rest is in the run summary"
    budget = limit - len(head_text) - len(footer) - len("</details>\n") * 2 - len(cut) - 1
    kept: list[str] = []
    size, open_details = 0, 0
    for line in plan_markdown.split("\n"):  # not splitlines: U+2028, U+0085 are not breaks
        if size + len(line) + 1 > budget:
            break
        kept.append(line)
        size += len(line) + 1
        open_details += line.count("<details>") - line.count("</details>")
    if open_details > 0:
        kept.extend([cut, "</details>"])
    return head_text + "\n".join(kept) + footer
