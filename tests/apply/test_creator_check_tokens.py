"""Which accounts ``publisher plan`` runs the creator checks for: those with a token here.

The rule is :meth:`AccountTokens.has_credentials`, the same lookup order as the tokens apply
starts from (the account's secret, else the local store of ``auth login``), without
decrypting anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

from gitops_publisher.cli.main import cli
from gitops_publisher.providers.tiktok.credentials import AccountTokens, writeback_from_env
from gitops_publisher.providers.token_store import TokenStore
from gitops_publisher.providers.tokens import TokenSet

from .harness import PostSpec, SecretScan, cli_env

API = "https://open.tiktokapis.com"


@dataclass
class Account:
    refresh_token_env: str


@pytest.mark.parametrize(
    ("env", "in_store", "expected"),
    [
        ({"TT_US": "rft.secret"}, False, True),
        ({}, True, True),
        ({}, False, False),
        ({"TT_US": ""}, False, False),  # an empty secret is no secret (an unset one in CI)
    ],
    ids=["secret", "local-store", "none", "empty-secret"],
)
def test_has_credentials_agrees_with_the_tokens_a_run_starts_from(
    tmp_path: Path, env: dict[str, str], in_store: bool, expected: bool
) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    if in_store:
        store.save(API, "brand-us", TokenSet.from_refresh_token("rft.stored"))
    tokens = AccountTokens({"brand-us": Account("TT_US")}, API, store, env=env)
    assert tokens.has_credentials("brand-us") is expected
    assert (tokens.load_set("brand-us") is not None) is expected
    assert tokens.has_credentials("nobody") is False


def test_has_credentials_decrypts_nothing(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    writeback = writeback_from_env(tmp_path / "tokens.enc", {"PUBLISHER_TOKEN_KEY": key})
    assert writeback is not None
    writeback.path.write_bytes(b"written with another key")
    tokens = AccountTokens(
        {"brand-us": Account("TT_US")},
        API,
        TokenStore(tmp_path / "tokens.json"),
        writeback=writeback,
        env={"TT_US": "rft.secret"},
    )
    assert tokens.has_credentials("brand-us")  # the cheap answer; load_set would decrypt


def test_plan_checks_the_accounts_with_a_token_and_names_the_others(
    project: Callable[..., Path],
    emulator: Callable[..., Any],
    scan: SecretScan,
    tmp_path: Path,
) -> None:
    accounts = ["brand-uk", "brand-us"]
    root = project(accounts, [PostSpec("launch", accounts)])
    with emulator(scale=1.0) as em:
        tokens = {"brand-us": em.refresh_token("brand-us"), "brand-uk": None}
        env = cli_env(em, tmp_path / "store" / "tokens.json", tokens)
        done = CliRunner().invoke(cli, ["-C", str(root), "plan"], env=env)
        scan.add_output("plan", done.output)
        scan.harvest(tmp_path / "store" / "tokens.json")
        assert done.exit_code == 0, done.output
        skipped = [line for line in done.output.splitlines() if "checks skipped" in line]
        assert skipped == [  # it names what to set
            "Notice: creator checks skipped for brand-uk: no token for it here (set "
            "TT_RT_BRAND_UK, or run `publisher auth login --account brand-uk`)"
        ]
        asked = [r for r in em.requests() if r["path"].endswith("/creator_info/query/")]
        assert len(asked) == 1  # brand-us, with its secret
