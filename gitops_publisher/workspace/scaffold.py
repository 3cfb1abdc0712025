"""``publisher init``: the files of a new content repository, and writing them without surprises.

:func:`scaffold_files` is the whole repository as ``{relative path: bytes}``; :func:`write_scaffold`
refuses to overwrite anything unless forced, and then says what it replaced.

Editor schemas travel with the repository: the config and post schemas are written under
``.publisher/schema/`` and associated by path (``.vscode/settings.json`` globs, and a
``yaml-language-server`` modeline relative to each file), so they keep working wherever the
repository is cloned, offline, and match the version of the tool that wrote them. A URL would
need a host that serves every version; the schemas' ``$id`` is a URN for that reason.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from gitops_publisher.core.models import TikTokAccount
from gitops_publisher.core.schemas import render_schema, schema_file_name
from gitops_publisher.errors import PublisherError

SCHEMA_DIR = ".publisher/schema"
EXAMPLE_POST = "posts/example.yaml"
EXAMPLE_VIDEO = "media/example.mp4"
VIDEO_SUFFIXES = ("mp4", "mov", "webm")
_TOKEN_ENV_LINE = "            __REFRESH_TOKEN_ENV__\n"  # in the apply step's secret-env

GITIGNORE = """\
# Written by gitops-publisher and never committed:
.publisher/cache/
.publisher/sandbox/
.publisher/preview/
*.lock
*.backup
.publisher/.*.tmp
# Commit .publisher/state.json (the record of what was published) and .publisher/schema/.
"""


def token_env(account: str) -> str:
    """``brand-us`` -> ``TIKTOK_REFRESH_TOKEN_BRAND_US`` (an environment variable name)."""
    return "TIKTOK_REFRESH_TOKEN_" + "".join(c if c.isalnum() else "_" for c in account.upper())


def _config(account: str, username: str | None, timezone: str) -> str:
    if username and "username" in TikTokAccount.model_fields:
        identity = f"    username: {username}            # the TikTok handle this account must be\n"
    elif username:
        identity = f"    # TikTok handle: @{username}\n"
    else:
        identity = ""
    return f"""\
# yaml-language-server: $schema={SCHEMA_DIR}/config.schema.json
# gitops-publisher project config. Secrets never live here: each account names the
# environment variable that holds its refresh token (a GitHub secret in CI).
version: 1
state:
  backend: file
  path: .publisher/state.json
accounts:
  {account}:
    provider: tiktok
{identity}    refresh_token_env: {token_env(account)}
    timezone: {timezone}
defaults:
  privacy: SELF_ONLY                # until TikTok audits your app, every post is private
  interactions: {{comments: true, duet: false, stitch: false}}
  mode: direct
"""


def _post(account: str) -> str:
    return f"""\
# yaml-language-server: $schema=../{SCHEMA_DIR}/post.schema.json
# One post, published once per account below. Try it: `publisher apply --sandbox`.
version: 1
id: example                        # stable identity: renaming this file never re-posts
accounts: [{account}]              # fan-out: one post per account, addressed example@{account}
video: {EXAMPLE_VIDEO}           # inside the repository (Git LFS is set up for videos)
caption: "Hello from gitops-publisher #first"
# privacy: PUBLIC_TO_EVERYONE      # defaults.privacy in publisher.yaml applies otherwise
# cover_timestamp_ms: 1000         # the cover frame
# publish_at: 2026-12-01T09:00:00-05:00   # publish later (a time zone is required)
# mode: draft                      # send to the creator's inbox instead of posting
"""


def workflow(token_envs: list[str]) -> str:
    """The GitHub workflow (plan on pull requests, apply on merge and every 10 minutes)."""
    template = (
        resources.files("gitops_publisher")
        .joinpath("scaffold", "publish.yml")
        .read_text(encoding="utf-8")
    )
    lines = "".join(f"            {name}=${{{{ secrets.{name} }}}}\n" for name in token_envs)
    return template.replace(_TOKEN_ENV_LINE, lines)


def _editor_settings() -> str:
    settings = {
        "yaml.schemas": {
            f"{SCHEMA_DIR}/config.schema.json": "publisher.yaml",
            f"{SCHEMA_DIR}/post.schema.json": "posts/**/*.y*ml",
        }
    }
    return json.dumps(settings, indent=2) + "\n"


def scaffold_files(
    account: str, username: str | None = None, timezone: str = "UTC"
) -> dict[str, bytes]:
    """Every file of a new content repository, by path relative to its root."""
    video = resources.files("gitops_publisher").joinpath("scaffold", "example.mp4").read_bytes()
    attributes = "".join(f"*.{s} filter=lfs diff=lfs merge=lfs -text\n" for s in VIDEO_SUFFIXES)
    text = {
        "publisher.yaml": _config(account, username, timezone),
        EXAMPLE_POST: _post(account),
        "media/.gitkeep": "",
        ".gitignore": GITIGNORE,
        ".gitattributes": "# Videos go to Git LFS (`git lfs install` once per machine).\n"
        + attributes,
        ".github/workflows/publish.yml": workflow([token_env(account)]),
        ".vscode/settings.json": _editor_settings(),
        f"{SCHEMA_DIR}/{schema_file_name('config')}": render_schema("config"),
        f"{SCHEMA_DIR}/{schema_file_name('post')}": render_schema("post"),
    }
    files = {path: content.encode("utf-8") for path, content in text.items()}
    files[EXAMPLE_VIDEO] = video
    return dict(sorted(files.items()))


def write_scaffold(root: Path, files: dict[str, bytes], *, force: bool) -> list[str]:
    """Write ``files`` under ``root``; return the paths that existed and were replaced.

    Raises:
        PublisherError: some of them exist and ``force`` is not set (nothing is written), or
            one is in the way as a directory.
    """
    existing = [path for path in files if (root / path).exists()]
    in_the_way = [path for path in existing if not (root / path).is_file()]
    if in_the_way:
        raise PublisherError(
            f"cannot write {', '.join(in_the_way)} in {root}: a directory is in the way",
            hint="move it away and run `publisher init` again",
        )
    if existing and not force:
        raise PublisherError(
            f"{root} already has {', '.join(existing)}; nothing was written",
            hint="run `publisher init` in an empty directory, or pass --force to replace "
            "these files",
        )
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return existing
