from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from gitops_publisher.errors import AuthError
from gitops_publisher.providers.tiktok.credentials import AccountTokens, writeback_from_env
from gitops_publisher.providers.token_store import TokenStore, seed_fingerprint
from gitops_publisher.providers.tokens import TokenSet

API = "https://open.tiktokapis.com"
NOW = datetime(2026, 11, 25, tzinfo=UTC)


@dataclass
class Account:
    refresh_token_env: str


def rotated(n: int) -> TokenSet:
    return TokenSet(
        access_token=SecretStr(f"act.{n}"),
        access_expires_at=NOW + timedelta(hours=2),
        refresh_token=SecretStr(f"rft.{n}"),
        refresh_expires_at=NOW + timedelta(days=180),
    )


def make(tmp_path: Path, env: dict[str, str], key: bool = True) -> tuple[AccountTokens, list[str]]:
    warnings: list[str] = []
    env = {**env, **({"PUBLISHER_TOKEN_KEY": Fernet.generate_key().decode()} if key else {})}
    tokens = AccountTokens(
        accounts={"brand-us": Account("TT_US"), "brand-uk": Account("TT_UK")},
        api_url=API,
        store=TokenStore(tmp_path / "tokens.json"),
        writeback=writeback_from_env(tmp_path / ".publisher" / "tokens.enc", env),
        env=env,
        warn=warnings.append,
    )
    return tokens, warnings


def test_ci_chain_survives_rotation_across_runs(tmp_path: Path) -> None:
    env = {"TT_US": "rft.SEED"}
    key = Fernet.generate_key().decode()
    env_with_key = {**env, "PUBLISHER_TOKEN_KEY": key}

    def run_once() -> AccountTokens:
        return AccountTokens(
            accounts={"brand-us": Account("TT_US")},
            api_url=API,
            store=TokenStore(tmp_path / "tokens.json"),
            writeback=writeback_from_env(tmp_path / "w.enc", env_with_key),
            env=env_with_key,
        )

    first = run_once()
    assert first.load_set("brand-us").refresh_token.get_secret_value() == "rft.SEED"
    assert first.sources["brand-us"] == "env"
    first.save_set("brand-us", rotated(1))
    second = run_once()  # next CI run, same (now stale) secret
    assert second.load_set("brand-us") == rotated(1)
    assert second.sources["brand-us"] == "writeback"
    assert not (tmp_path / "tokens.json").exists()


def test_without_key_the_rotation_warns_and_lands_in_the_local_store(tmp_path: Path) -> None:
    tokens, warnings = make(tmp_path, {"TT_US": "rft.SEED"}, key=False)
    tokens.load_set("brand-us")
    tokens.save("brand-us", rotated(2).to_storage())
    assert warnings and "PUBLISHER_TOKEN_KEY" in warnings[0] and "rft." not in warnings[0]
    assert TokenStore(tmp_path / "tokens.json").load(API, "brand-us") == rotated(2)


def test_without_key_the_kept_rotation_wins_until_the_secret_changes(tmp_path: Path) -> None:
    tokens, warnings = make(tmp_path, {"TT_US": "rft.SEED"}, key=False)
    tokens.load_set("brand-us")
    tokens.save_set("brand-us", rotated(1))
    tokens.save_set("brand-us", rotated(2))  # a second rotation in the run: warned once
    assert len(warnings) == 1 and "TT_US" in warnings[0] and "--for-ci" in warnings[0]
    again, warned = make(tmp_path, {"TT_US": "rft.SEED"}, key=False)  # the next command
    assert again.load_set("brand-us") == rotated(2)
    assert again.sources["brand-us"] == "kept"
    again.save_set("brand-us", rotated(3))
    assert warned == []  # the secret was retired before, not by this command
    changed, _ = make(tmp_path, {"TT_US": "rft.NEW"}, key=False)  # logged in again
    assert changed.load_set("brand-us") == TokenSet.from_refresh_token("rft.NEW")
    assert changed.sources["brand-us"] == "env"


def test_in_ci_without_key_a_refresh_of_the_secret_is_refused(tmp_path: Path) -> None:
    tokens, _ = make(tmp_path, {"TT_US": "rft.SEED", "CI": "true"}, key=False)
    with pytest.raises(AuthError, match="PUBLISHER_TOKEN_KEY") as info:
        tokens.load("brand-us")
    assert "rft." not in str(info.value) + str(info.value.hint)
    assert tokens.load_set("brand-us") is not None  # status may still show it
    with_key, _ = make(tmp_path, {"TT_US": "rft.SEED", "CI": "true"})
    assert with_key.load("brand-us") is not None
    local, _ = make(tmp_path, {"TT_US": "rft.SEED"}, key=False)
    assert local.load("brand-us") is not None
    TokenStore(tmp_path / "tokens.json").save(API, "brand-uk", rotated(4))  # a login: no env
    assert tokens.load("brand-uk") == rotated(4).to_storage()


def test_a_token_minted_for_ci_is_not_refreshed_locally(tmp_path: Path) -> None:
    TokenStore(tmp_path / "tokens.json").mark_for_ci(API, "brand-us", seed_fingerprint("rft.CI"))
    tokens, _ = make(tmp_path, {"TT_US": "rft.CI"}, key=False)
    with pytest.raises(AuthError, match="--for-ci"):
        tokens.load("brand-us")
    in_ci, _ = make(tmp_path, {"TT_US": "rft.CI", "CI": "true"})
    assert in_ci.load("brand-us") is not None
    other, _ = make(tmp_path, {"TT_US": "rft.OTHER"}, key=False)
    assert other.load("brand-us") is not None


def test_local_store_used_without_env(tmp_path: Path) -> None:
    TokenStore(tmp_path / "tokens.json").save(API, "brand-uk", rotated(3))
    tokens, _ = make(tmp_path, {})
    assert tokens.load("brand-uk") == rotated(3).to_storage()
    assert tokens.sources["brand-uk"] == "store"
    assert tokens.load("brand-us") is None
    tokens.save_set("brand-uk", rotated(4))
    assert TokenStore(tmp_path / "tokens.json").load(API, "brand-uk") == rotated(4)
