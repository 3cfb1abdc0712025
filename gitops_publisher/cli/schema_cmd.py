"""``publisher schema``: print (or write) the JSON Schemas generated from the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import click

from gitops_publisher.core.schemas import (
    SCHEMA_NAMES,
    SchemaName,
    build_schema,
    render_schema,
    write_schemas,
)
from gitops_publisher.errors import PublisherError


@click.command()
@click.option(
    "--name",
    type=click.Choice(SCHEMA_NAMES),
    help="Only this schema. Without it, all of them as one JSON object keyed by name.",
)
@click.option(
    "--write",
    "write_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Write <name>.schema.json files into DIR instead of printing (e.g. schema/).",
)
def schema(name: str | None, write_dir: Path | None) -> None:
    """Print the JSON Schemas of publisher.yaml, post manifests, state, plan and calendar JSON.

    Editors use them through a `# yaml-language-server: $schema=...` first line in each YAML
    file; `publisher plan --format json` output validates against the plan schema.
    """
    names = (cast(SchemaName, name),) if name else SCHEMA_NAMES
    if write_dir is not None:
        try:
            paths = write_schemas(write_dir, names)
        except OSError as exc:
            raise PublisherError(
                f"cannot write the schemas to {write_dir}: {exc.strerror}",
                hint="pass a writable directory to --write",
            ) from exc
        for path in paths:
            click.echo(f"wrote {path}")
        return
    if name:
        click.echo(render_schema(cast(SchemaName, name)), nl=False)
        return
    everything = {each: build_schema(each) for each in SCHEMA_NAMES}
    click.echo(json.dumps(everything, indent=2, ensure_ascii=False))
