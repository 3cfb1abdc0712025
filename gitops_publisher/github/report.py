"""What the Action writes: outputs, the step summary, masks, and the sticky comment's marks.

The comment's second line is the reviewed plan (``core/reviewed.py``) as hidden JSON: what a
merge of the pull request may publish. The merge run reads it back (:func:`reviewed_in`).
The comments themselves, and what a plan too long for one becomes, are
``github/plan_comments.py``'s.

``$GITHUB_OUTPUT`` takes ``name<<DELIMITER`` blocks so that multi-line values (the plan's
JSON) survive. Lines are read at LF only: the Markdown renderers escaped user text so that
no other character breaks a line, and Python's ``splitlines`` would break at U+2028 or
U+0085 inside a caption.
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
