"""``publisher validate``: config, manifests and media checks; no network."""

from __future__ import annotations

import click

from gitops_publisher.cli.main import AppContext


@click.command()
@click.pass_obj
def validate(app: AppContext) -> None:
    """Check publisher.yaml, every manifest and every video. No network, nothing posted."""
    from gitops_publisher.workspace.project import load_project

    project = load_project(app.project_dir)
    for warning in project.warnings:
        click.echo(warning.render(), err=True)
    accounts = len(project.config.accounts)
    manifests = len(project.manifest_files)
    click.echo(
        f"Valid: {manifests} post(s) in {len(set(project.manifest_files.values()))} file(s), "
        f"{len(project.posts)} address(es) across {accounts} account(s)."
    )
