"""Cover previews on pull requests: PNG files for a workflow artifact, one line for the comment.

With the Action's ``previews: true`` input, a pull request's plan run writes the cover frame of
every address the plan publishes (create, replace, retry) into a directory under
``$RUNNER_TEMP``; ``action.yml`` then uploads that directory with ``actions/upload-artifact``
under :func:`artifact_name`, and the sticky comment says how many frames are there and links
the run. A preview problem (a cover time past the video's end, an undecodable video, PyAV
missing) is one warning line in the comment: it never hides or fails the plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gitops_publisher.errors import PublisherError
from gitops_publisher.escape import md_code
from gitops_publisher.github.commands import command

if TYPE_CHECKING:
    from gitops_publisher.core.plan import Plan
    from gitops_publisher.core.shard import Shard
    from gitops_publisher.workspace.project import Project

#: Step outputs of the ``publisher`` step, read by action.yml's upload step (not action outputs).
PREVIEW_OUTPUTS = ("preview_dir", "preview_artifact")
ARTIFACT_PREFIX = "cover-previews"


@dataclass
class PreviewReport:
    """What the preview run did, for the comment, the job log and the upload step.

    Attributes:
        notes: the comment's lines (frames and where; a warning when some could not be made).
        log: lines for the job log (files written, escaped ``::warning::`` commands).
        count: PNG files written.
        directory: where they are (uploaded only when ``count`` > 0).
        artifact: the artifact's name.
    """

    notes: list[str]
    directory: Path
    artifact: str
    count: int = 0
    log: list[str] = field(default_factory=list)

    def outputs(self) -> dict[str, str]:
        """The step outputs that make action.yml upload the directory (empty: no upload)."""
        if not self.count:
            return {}
        return {"preview_dir": str(self.directory), "preview_artifact": self.artifact}


def artifact_name(working_directory: str, shard: Shard | None = None) -> str:
    """``cover-previews``, ``cover-previews-sites-team-b``, ``cover-previews-shard-2-of-4``.

    Artifact names are unique within a run, so several projects (and matrix shards) each get
    their own; ``/``, ``:`` and the other characters upload-artifact refuses become ``-``.
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", working_directory).strip("-.")
    name = f"{ARTIFACT_PREFIX}-{slug}" if slug else ARTIFACT_PREFIX
    return f"{name}-shard-{shard.index}-of-{shard.count}" if shard else name


def preview_directory(runner_temp: str, project: Path, artifact: str) -> Path:
    """Under ``$RUNNER_TEMP`` (emptied for every job); else the project's preview directory."""
    if runner_temp:
        return Path(runner_temp) / "gitops-publisher" / artifact
    from gitops_publisher.covers import PREVIEW_DIR

    return project / PREVIEW_DIR


def make_previews(
    project: Project, plan: Plan, *, directory: Path, artifact: str, run_url: str
) -> PreviewReport:
    """Write the cover frames of what ``plan`` publishes into ``directory``; never raises.

    A frame that cannot be decoded leaves the others written; PyAV missing or an unwritable
    directory writes nothing. Each case is a warning line in :attr:`PreviewReport.notes`.
    """
    from gitops_publisher.covers import publishing_addresses, uncovered_note, write_previews

    report = PreviewReport(notes=[], directory=directory, artifact=artifact)
    addresses = publishing_addresses(plan)
    if not addresses:
        report.notes.append("🖼️ Cover previews: none (nothing in this plan uploads a video).")
        report.log.append("cover previews: nothing in this plan uploads a video")
        return report
    try:
        outcome = write_previews(project, addresses, directory)
    except PublisherError as exc:
        message = str(exc)
        report.notes.append(f"⚠️ Cover previews were not made: {md_code(message)}")
        report.log.append(command("warning", f"cover previews were not made: {message}"))
        return report
    report.count = len(outcome.written)
    report.log.extend(f"Wrote {w.path}  {w.description}" for w in outcome.written)
    if outcome.uncovered:
        report.log.append(f"cover previews: {uncovered_note(outcome.uncovered)}")
        if not outcome.written and not outcome.problems:
            report.notes.append(
                "🖼️ Cover previews: none (what this plan uploads goes to platforms that pick "
                "their own thumbnail)."
            )
    report.log.extend(command("warning", f"cover preview: {d.render()}") for d in outcome.problems)
    if outcome.written:
        link = f"([workflow run]({run_url}))" if run_url else "(on the workflow run's page)"
        report.notes.append(
            f"🖼️ Cover previews: {report.count} frame(s) in the workflow artifact "
            f"{md_code(artifact)} {link}"
        )
    if outcome.problems:
        first = md_code(outcome.problems[0].render())
        more = len(outcome.problems) - 1
        also = f" (and {more} more problem(s) in the job log)" if more else ""
        report.notes.append(
            f"⚠️ Cover previews: no frame for {len(outcome.failed)} address(es) "
            f"({_listed([md_code(a) for a in outcome.failed])}): {first}{also}"
        )
    return report


def _listed(addresses: list[str], shown: int = 5) -> str:
    """``a, b, c`` or ``a, b, c, d, e and 7 more``: one line, however many failed."""
    text = ", ".join(addresses[:shown])
    return f"{text} and {len(addresses) - shown} more" if len(addresses) > shown else text
