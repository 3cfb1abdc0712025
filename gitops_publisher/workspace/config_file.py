"""``publisher.yaml``: read, validated, and what its invalid fields leave unknown to the posts.

An invalid field of ``publisher.yaml`` does not stop the manifests' checks: the config is
validated in part (``sources.validate_partial``), and :func:`unknown_in_post` says which of a
post's fields that leaves without a known value (``defaults.privacy`` is invalid: the privacy
of a post that does not set its own), so the checks reading them are skipped and every other
one runs in the same run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitops_publisher.core.models import Config, PostManifest
from gitops_publisher.core.policy import check_config
from gitops_publisher.errors import ConfigError, Diagnostic
from gitops_publisher.workspace.confined import escape_problem
from gitops_publisher.workspace.sources import read_source, reading_order, validate_partial

CONFIG_NAME = "publisher.yaml"
#: Stand-ins for required fields of publisher.yaml that are invalid (never shown or used).
_PLACEHOLDERS: dict[str, Any] = {"accounts.*.refresh_token_env": "UNKNOWN"}
#: The post's fields each of ``defaults:`` stands in for when the post leaves it out.
_DEFAULTED = ("privacy", "mode", "disclosure")


def load_config(root: Path) -> Config:
    """Read and validate ``publisher.yaml``.

    Raises:
        ConfigError: missing, unreadable or invalid, with positioned diagnostics.
    """
    diagnostics: list[Diagnostic] = []
    config, _ = read_config(root, diagnostics)
    if config is None or any(d.severity == "error" for d in diagnostics):
        raise ConfigError(reading_order(diagnostics))
    return config


def read_config(root: Path, out: list[Diagnostic]) -> tuple[Config | None, frozenset[str]]:
    """``publisher.yaml`` and its invalid fields (``validate_partial``); problems to ``out``.

    The config returned is valid only when the set is empty; otherwise it holds what did
    validate (for the checks that read none of the invalid fields), or is None.
    """
    path = root / CONFIG_NAME
    escape = escape_problem(root, CONFIG_NAME)
    if escape is not None:
        out.append(Diagnostic(CONFIG_NAME, None, None, "", escape))
        return None, frozenset()
    if not path.is_file():
        out.append(
            Diagnostic(
                CONFIG_NAME,
                None,
                None,
                "",
                f"no {CONFIG_NAME} in {root}: run in the content repository, or pass -C DIR "
                "(a new one: `publisher init`)",
            )
        )
        return None, frozenset()
    source, documents = read_source(path, CONFIG_NAME, out)
    if not documents:
        if not out:
            out.append(
                Diagnostic(CONFIG_NAME, 1, 1, "", "empty config: see examples/publisher.yaml")
            )
        return None, frozenset()
    if len(documents) > 1:
        out.append(source.diagnostic(1, (), "publisher.yaml holds one YAML document"))
        return None, frozenset()
    document = documents[0]
    if not isinstance(document, dict):
        out.append(source.diagnostic(0, (), "publisher.yaml must be a mapping of keys"))
        return None, frozenset()
    config, unknown = validate_partial(source, 0, document, Config, out, placeholders=_PLACEHOLDERS)
    if config is not None and "policy" not in unknown:
        problems = check_config(config.policy, list(config.accounts))
        out.extend(source.violation(0, item, key=True) for item in problems)
    return config, unknown


def unknown_in_post(config_unknown: frozenset[str], manifest: PostManifest) -> frozenset[str]:
    """The fields of ``manifest`` whose values the config's invalid fields leave unknown.

    ``config_unknown`` names what :func:`read_config` found invalid (``defaults.privacy``,
    ``accounts.brand-jp.caption``). A post's privacy, mode or disclosure is unknown when the
    post leaves it to an invalid default; its caption when caption defaults are invalid
    (``defaults.caption``, or the ``caption:`` of an account it publishes to); its YouTube
    fields when ``defaults.youtube`` is invalid. The rules of an invalid ``policy:`` entry
    are simply not checked (the entry is left out), and nothing else in ``publisher.yaml``
    (an account's time zone, ``state:``, ``notify:``) takes part in a post's checks.
    """
    found: set[str] = set()
    for name in config_unknown:
        top, _, rest = name.partition(".")
        if top == "accounts":
            account, _, field = rest.partition(".")
            if account in manifest.accounts and field.partition(".")[0] == "caption":
                found.add("caption")
        elif top == "defaults":
            field = rest.partition(".")[0]
            found.update(
                post_field
                for post_field in _DEFAULTED
                if field in ("", post_field) and getattr(manifest, post_field) is None
            )
            if field in ("", "caption"):
                found.add("caption")
            if field in ("", "youtube"):
                found.add("youtube")
    return frozenset(found)
