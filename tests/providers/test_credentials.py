from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import SecretStr

from gitops_publisher.providers.tiktok.credentials import AccountTokens, writeback_from_env
from gitops_publisher.providers.tiktok.token_store import TokenStore
from gitops_publisher.providers.tiktok.tokens import TokenSet

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


def test_local_store_used_without_env(tmp_path: Path) -> None:
    TokenStore(tmp_path / "tokens.json").save(API, "brand-uk", rotated(3))
    tokens, _ = make(tmp_path, {})
    assert tokens.load("brand-uk") == rotated(3).to_storage()
    assert tokens.sources["brand-uk"] == "store"
    assert tokens.load("brand-us") is None
    tokens.save_set("brand-uk", rotated(4))
    assert TokenStore(tmp_path / "tokens.json").load(API, "brand-uk") == rotated(4)
