"""``publisher validate``: config, manifests, content policy and media checks; no network."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from gitops_publisher.cli.main import AppContext, format_option, no_media_checks_option

if TYPE_CHECKING:
    from gitops_publisher.workspace.project import Project


@click.command()
@no_media_checks_option
@format_option("text", "json", help="json: every problem and the counts, valid or not.")
@click.pass_obj
def validate(app: AppContext, no_media_checks: bool, fmt: str) -> None:
    """Check publisher.yaml, every manifest and every video. No network, nothing posted.

    Lists what each post's video is (duration, resolution, codecs, size, upload chunks);
    problems are printed as `file:line:col field: message` and fail with exit 1.
    """
    from gitops_publisher.cli.errors import echo_warnings
    from gitops_publisher.workspace.project import load_project

    project = load_project(app.project_dir, check_media=not no_media_checks)
    if fmt == "json":
        from gitops_publisher.cli.views.problems_json import problems_document

        document = problems_document(
            "validate",
            project.warnings,
            posts=len(project.manifest_files),
            addresses=len(project.posts),
            accounts=len(project.config.accounts),
        )
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    echo_warnings(project.warnings, app.project_dir)
    if no_media_checks:
        click.echo("Media checks skipped (--no-media-checks): videos were not inspected.", err=True)
    elif project.media:
        click.echo(media_listing(project))
    accounts = len(project.config.accounts)
    manifests = len(project.manifest_files)
    click.echo(
        f"Valid: {manifests} post(s) in {len(set(project.manifest_files.values()))} file(s), "
        f"{len(project.posts)} address(es) across {accounts} account(s)."
    )


def media_listing(project: Project) -> str:
    """One line per post: its id, video and the video's facts (the chunk plan included).

    The chunk plan is that of the platform of the post's first account.
    """
    from gitops_publisher.cli.views.plan_text import media_text
    from gitops_publisher.escape import terminal
    from gitops_publisher.preflight.media import media_summary
    from gitops_publisher.providers.registry import rules_named

    rows: dict[str, tuple[str, str]] = {}
    texts: dict[tuple[str, str], str] = {}
    for post in project.posts:
        post_id = post.address.post_id
        if post_id in rows:
            continue
        # The chunk plan of the platform of the post's first account (each splits its own way).
        key = (post.video.content_id, post.provider)
        if key not in texts:
            report = project.media.get(post.video.content_id)
            facts = report.facts if report is not None else None
            texts[key] = media_text(media_summary(facts, post.provider)) if facts else "not probed"
        rows[post_id] = (terminal(post.video.path), texts[key])
    width = max(len(post_id) for post_id in rows)
    video_width = max(len(video) for video, _ in rows.values())
    used = {project.providers.get(post.address.account, "tiktok") for post in project.posts}
    lines = [f"Videos ({len(project.media)} distinct, checked against {rules_named(used)}):"]
    for post_id, (video, text) in sorted(rows.items()):
        lines.append(f"  {post_id.ljust(width)}  {video.ljust(video_width)}  {text}")
    return "\n".join(lines)
