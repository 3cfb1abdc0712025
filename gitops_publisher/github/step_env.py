"""What the Action's ``publisher`` step, and only it, gets: the secrets and git's credentials.

* ``secret-env`` (``INPUT_SECRET_ENV``): ``NAME=VALUE`` lines, typically
  ``TIKTOK_CLIENT_SECRET=${{ secrets.TIKTOK_CLIENT_SECRET }}``. Given to the Action as an
  input, the secrets reach the one step that runs ``publisher``; a workflow's job or step
  ``env:`` would also reach every other step of the composite action (setup-python, the
  cache, pip and the build hooks of whatever it installs).
* git's credentials: with ``actions/checkout``'s ``persist-credentials: false`` the clone
  keeps no token on disk (where a later step or an uploaded artifact could find it). The
  state branch still has to be fetched and pushed, so the Action hands the ``github-token``
  input to the git processes of this step only, as an ``http.<server>/.extraheader`` in
  ``GIT_CONFIG_*`` environment variables (git 2.31+): the header ``actions/checkout`` itself
  writes into ``.git/config`` when it persists credentials.
"""

from __future__ import annotations

import base64
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from gitops_publisher.errors import PublisherError

_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


def secret_env(text: str) -> dict[str, str]:
    """Parse the ``secret-env`` input: one ``NAME=VALUE`` per line.

    Blank lines and ``#`` comments are skipped, and so is a line with an empty value (a
    secret that is not set).

    Raises:
        PublisherError: a line is not ``NAME=VALUE`` with an environment variable name;
            the message gives the line number and never the line (it holds a secret).
    """
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, equals, value = stripped.partition("=")
        name = name.strip()
        if not equals or not _NAME.fullmatch(name):
            raise PublisherError(
                f"the Action's secret-env input, line {number}, is not NAME=VALUE (the line "
                "is not shown: it may hold a secret)",
                hint=f"write one line per variable, e.g. {_example_line()}",
            )
        if value.strip():
            values[name] = value.strip()
    return values


def _example_line() -> str:
    """A ``secret-env`` line for the hint: the default platform's first secret of its own.

    ``Platform.secret_variables``: TikTok's app secret; a platform with none (each account
    names its own) leaves the example to the token key.
    """
    from gitops_publisher.providers.registry import DEFAULT_PROVIDER, PLATFORMS
    from gitops_publisher.providers.token_store import KEY_ENV

    name = (*PLATFORMS[DEFAULT_PROVIDER].secret_variables(), KEY_ENV)[0]
    return f"{name}=${{{{ secrets.{name} }}}}"


def git_auth_env(
    repo_dir: Path, token: str, server_url: str, env: Mapping[str, str]
) -> dict[str, str]:
    """Environment that lets this step's git fetch and push with ``token``.

    Empty when there is no token, when ``repo_dir`` is not in a git clone, or when the
    clone already holds an ``extraheader`` for the server (checkout persisted its
    credentials: a second Authorization header would make GitHub refuse the request).
    Existing ``GIT_CONFIG_COUNT`` entries in ``env`` are kept.
    """
    if not token or not server_url:
        return {}
    key = f"http.{server_url.rstrip('/')}/.extraheader"
    try:
        found = subprocess.run(
            ["git", "config", "--get-all", key],
            cwd=repo_dir,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return {}
    if found.returncode not in (0, 1) or found.stdout.strip():
        return {}  # not a clone (128), or credentials are persisted already
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    given = env.get("GIT_CONFIG_COUNT", "")
    count = int(given) if given.isascii() and given.isdigit() else 0
    return {
        "GIT_CONFIG_COUNT": str(count + 1),
        f"GIT_CONFIG_KEY_{count}": key,
        f"GIT_CONFIG_VALUE_{count}": f"AUTHORIZATION: basic {basic}",
    }
