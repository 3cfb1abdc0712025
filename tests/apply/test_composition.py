"""Wiring at the top: ``apply/`` sees platforms only through the port; the registry picks them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from gitops_publisher import compose
from gitops_publisher.errors import AuthError, ProviderError
from gitops_publisher.providers.fake import FakePlatform, FakeProvider
from gitops_publisher.providers.registry import PLATFORMS
from gitops_publisher.providers.tiktok.adapter import TikTokProvider
from tests.preflight.test_layers import imported

APPLY = Path(compose.__file__).parent / "apply"


def test_apply_imports_no_platform_no_sandbox_and_no_composition() -> None:
    found = {
        (path.name, module)
        for path in sorted(APPLY.glob("*.py"))
        for module in imported(path)
        if module.startswith(
            (
                "gitops_publisher.providers.tiktok",
                "gitops_publisher.sandbox",
                "gitops_publisher.compose",
                "gitops_publisher.workspace.token_sync",
                "gitops_publisher.github",
                "gitops_publisher.cli",
            )
        )
    }
    assert found == set()


def connection() -> compose.Connection:
    tokens: dict[str, dict[str, Any]] = {"a": {"refresh_token": "rft.only-for-this-test"}}
    return compose.Connection(
        api_url="http://127.0.0.1:9",
        client_key="key",
        client_secret="secret",
        load_tokens=tokens.get,
        save_tokens=tokens.__setitem__,
    )


def open_accounts(accounts: dict[str, Any], names: list[str]) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        async with connection().open(accounts, names) as opened:
            return dict(opened)

    return asyncio.run(go())


def test_the_accounts_provider_field_picks_the_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeProvider()
    monkeypatch.setitem(PLATFORMS, "fake", FakePlatform(fake))
    accounts = {
        "a": SimpleNamespace(provider="tiktok", refresh_token_env="A"),
        "b": SimpleNamespace(provider="fake", refresh_token_env="B"),
    }
    opened = open_accounts(accounts, ["a", "b"])
    assert isinstance(opened["a"], TikTokProvider) and opened["b"] is fake


def test_an_unknown_provider_is_a_clear_error() -> None:
    accounts = {"a": SimpleNamespace(provider="myspace", refresh_token_env="A")}
    with pytest.raises(ProviderError, match="provider myspace is not available"):
        open_accounts(accounts, ["a"])


def test_an_account_without_tokens_says_how_to_log_in() -> None:
    accounts = {"z": SimpleNamespace(provider="tiktok", refresh_token_env="TT_Z")}
    with pytest.raises(AuthError) as error:
        open_accounts(accounts, ["z"])
    assert "TT_Z" in error.value.hint and "auth login --account z" in error.value.hint
