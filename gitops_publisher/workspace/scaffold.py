"""``publisher init``: the files of a new content repository, and writing them without surprises.

:func:`scaffold_files` is the whole repository as ``{relative path: bytes}``; :func:`write_scaffold`
refuses to overwrite anything unless forced, and then says what it replaced. The account is a
TikTok account or a YouTube channel (``provider``); either publishes the example post to the
embedded sandbox as written.

Editor schemas travel with the repository: the config and post schemas are written under
``.publisher/schema/`` and associated by path (``.vscode/settings.json`` globs, and a
``yaml-language-server`` modeline relative to each file), so they keep working wherever the
repository is cloned, offline, and match the version of the tool that wrote them. A URL would
need a host that serves every version; the schemas' ``$id`` is a URN for that reason.
"""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path

from gitops_publisher.core.models import TikTokAccount
from gitops_publisher.core.schemas import render_schema, schema_file_name
from gitops_publisher.errors import PublisherError
from gitops_publisher.providers.registry import DEFAULT_PROVIDER, PLATFORMS
from gitops_publisher.providers.tiktok.endpoint import CLIENT_KEY_ENV
from gitops_publisher.providers.tiktok.platform import CLIENT_SECRET_ENV as TIKTOK_SECRET_ENV
from gitops_publisher.providers.token_store import KEY_ENV
from gitops_publisher.providers.youtube.urls import CLIENT_ID_ENV, CLIENT_SECRET_ENV

SCHEMA_DIR = ".publisher/schema"
EXAMPLE_POST = "posts/example.yaml"
EXAMPLE_VIDEO = "media/example.mp4"
VIDEO_SUFFIXES = ("mp4", "mov", "webm")
_SECRET_ENV_LINE = "            __SECRET_ENV__\n"  # in the apply step's secret-env

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


def token_env(account: str, provider: str = DEFAULT_PROVIDER) -> str:
    """``brand-us`` -> ``TIKTOK_REFRESH_TOKEN_BRAND_US`` (``YOUTUBE_…`` for a channel)."""
    name = "".join(c if c.isalnum() else "_" for c in account.upper())
    return f"{PLATFORMS[provider].title.upper()}_REFRESH_TOKEN_{name}"


def _config(account: str, username: str | None, timezone: str) -> str:
    if username and "username" in TikTokAccount.model_fields:
        identity = f"    username: {username}            # the TikTok handle this account must be\n"
    elif username:
        identity = f"    # TikTok handle: @{username}\n"
    else:
        identity = ""
    return f"""\
{_CONFIG_HEAD}
  {account}:
    provider: tiktok
{identity}    refresh_token_env: {token_env(account)}
    timezone: {timezone}
defaults:
  privacy: SELF_ONLY                # until TikTok audits your app, every post is private
  interactions: {{comments: true, duet: false, stitch: false}}
  mode: direct
"""


_CONFIG_HEAD = f"""\
# yaml-language-server: $schema={SCHEMA_DIR}/config.schema.json
# gitops-publisher project config. Secrets never live here: each account names the
# environment variable that holds its refresh token (a GitHub secret in CI).
version: 1
state:
  backend: file
  path: .publisher/state.json
accounts:"""

_POST_HEAD = f"""\
# yaml-language-server: $schema=../{SCHEMA_DIR}/post.schema.json
# One post, published once per account below. Try it: `publisher apply --sandbox`.
version: 1
id: example                        # stable identity: renaming this file never re-posts"""


def _youtube_config(account: str, handle: str | None, timezone: str) -> str:
    identity = f'    handle: "@{handle}"              # the channel this account must be\n'
    return f"""\
{_CONFIG_HEAD}
  {account}:
    provider: youtube
{identity if handle else ""}    refresh_token_env: {token_env(account, "youtube")}
    # client_id_env: {CLIENT_ID_ENV}          the Google "Desktop app" OAuth client
    # client_secret_env: {CLIENT_SECRET_ENV}  (docs/youtube.md shows how to create it)
    # testing_mode: true    the client's consent screen is in Testing: tokens last 7 days
    timezone: {timezone}
defaults:
  youtube:
    privacy: private                # public | unlisted | private: private until you choose
"""


def _accounts_line(account: str) -> str:
    """The example post's ``accounts:`` line, its comment in the column of the lines around."""
    line = f"accounts: [{account}]".ljust(_COMMENT_COLUMN - 1)
    return f"{line} # fan-out: one post per account, addressed example@{account}"


#: Where the example post's comments start (``id: example ...# stable identity``).
_COMMENT_COLUMN = 35


def example_publish_at(timezone: str, today: date) -> str:
    """The example post's ``publish_at``: a week after ``today``, 09:00 in ``timezone``.

    A date to come (uncommented as it is, it publishes later, not at once as a past time
    would), with the offset the account's zone has on that day.
    """
    day = today + timedelta(days=7)
    at = datetime.combine(day, time(9), tzinfo=zoneinfo.ZoneInfo(timezone))
    return at.isoformat()


def _post(account: str, publish_at: str) -> str:
    return f"""\
{_POST_HEAD}
{_accounts_line(account)}
video: {EXAMPLE_VIDEO}           # inside the repository (Git LFS is set up for videos)
caption: "Hello from gitops-publisher #first"
# privacy: PUBLIC_TO_EVERYONE      # defaults.privacy in publisher.yaml applies otherwise
# cover_timestamp_ms: 1000         # the cover frame
# publish_at: {publish_at}   # publish later (a time zone is required)
# mode: draft                      # send to the creator's inbox instead of posting
"""


def _youtube_post(account: str, publish_at: str) -> str:
    return f"""\
{_POST_HEAD}
{_accounts_line(account)}
video: {EXAMPLE_VIDEO}           # inside the repository (Git LFS is set up for videos)
caption: "Hello from gitops-publisher #first #Shorts"
# youtube:                         # what YouTube receives (defaults.youtube fills the rest)
#   title: Hello                   # default: the caption's first line
#   privacy: public                # public | unlisted | private
#   made_for_kids: false
# publish_at: {publish_at}   # YouTube makes it public then (privacy: private)
"""


#: Per platform: its ``publisher.yaml`` and its example post.
_TEMPLATES: dict[str, tuple[Callable[[str, str | None, str], str], Callable[[str, str], str]]]
_TEMPLATES = {
    "tiktok": (_config, _post),
    "youtube": (_youtube_config, _youtube_post),
}
#: The platforms ``publisher init --provider`` scaffolds.
SCAFFOLDED = tuple(_TEMPLATES)
#: Per platform, the secrets CI needs beside each account's refresh token. YouTube's
#: ``PUBLISHER_TOKEN_KEY`` seals its upload sessions in the state, so that a job resumes an
#: upload the last one left unfinished (``providers/sealing.py``).
_SECRETS = {
    "tiktok": [CLIENT_KEY_ENV, TIKTOK_SECRET_ENV, KEY_ENV],
    "youtube": [CLIENT_ID_ENV, CLIENT_SECRET_ENV, KEY_ENV],
}


def secrets_to_set(account: str, provider: str = DEFAULT_PROVIDER) -> list[str]:
    """The variables a new repository's CI needs as secrets (names only, never values)."""
    return [*_SECRETS[provider], token_env(account, provider)]


def workflow(secrets: list[str]) -> str:
    """The GitHub workflow (plan on pull requests, apply on merge and every 10 minutes).

    ``secrets``: the variables the apply step is given from the repository's secrets, in
    order (:func:`secrets_to_set` for a new repository): only those its platforms need.
    """
    template = (
        resources.files("gitops_publisher")
        .joinpath("scaffold", "publish.yml")
        .read_text(encoding="utf-8")
    )
    lines = "".join(f"            {name}=${{{{ secrets.{name} }}}}\n" for name in secrets)
    return template.replace(_SECRET_ENV_LINE, lines)


def _editor_settings() -> str:
    settings = {
        "yaml.schemas": {
            f"{SCHEMA_DIR}/config.schema.json": "publisher.yaml",
            f"{SCHEMA_DIR}/post.schema.json": "posts/**/*.y*ml",
        }
    }
    return json.dumps(settings, indent=2) + "\n"


def scaffold_files(
    account: str,
    username: str | None = None,
    timezone: str = "UTC",
    provider: str = DEFAULT_PROVIDER,
    today: date | None = None,
) -> dict[str, bytes]:
    """Every file of a new content repository, by path relative to its root.

    ``provider``: the account's platform (``tiktok``, ``youtube``); ``username`` its handle
    (a TikTok username, a channel's @handle), without ``@``; ``today``: the day the example's
    ``publish_at`` counts from (:func:`example_publish_at`; default: today in ``timezone``).
    """
    if today is None:
        today = datetime.now(zoneinfo.ZoneInfo(timezone)).date()
    video = resources.files("gitops_publisher").joinpath("scaffold", "example.mp4").read_bytes()
    attributes = "".join(f"*.{s} filter=lfs diff=lfs merge=lfs -text\n" for s in VIDEO_SUFFIXES)
    config, post = _TEMPLATES[provider]
    text = {
        "publisher.yaml": config(account, username, timezone),
        EXAMPLE_POST: post(account, example_publish_at(timezone, today)),
        "media/.gitkeep": "",
        ".gitignore": GITIGNORE,
        ".gitattributes": "# Videos go to Git LFS (`git lfs install` once per machine).\n"
        + attributes,
        ".github/workflows/publish.yml": workflow(secrets_to_set(account, provider)),
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
        PublisherError: some of them exist and ``force`` is not set (nothing is written), one
            is in the way as a directory, or ``root`` cannot be written.
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
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        except OSError as exc:
            raise PublisherError(
                f"cannot write {target}: {exc.strerror}",
                hint="run `publisher init DIR` with a directory you can write to",
            ) from exc
    return existing
