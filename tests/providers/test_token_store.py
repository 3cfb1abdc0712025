import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from gitops_publisher.errors import AuthError
from gitops_publisher.providers.token_store import (
    EncryptedTokenFile,
    StoredCiTokens,
    TokenStore,
    choose_ci_tokens,
    default_store_path,
    refresh_expiry_warnings,
)
from gitops_publisher.providers.tokens import TokenSet

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
API = "https://open.tiktokapis.com"


def tokens(n: int = 1, refresh_days: float | None = 180) -> TokenSet:
    return TokenSet(
        access_token=SecretStr(f"act.A{n}"),
        access_expires_at=NOW + timedelta(hours=2),
        refresh_token=SecretStr(f"rft.R{n}"),
        refresh_expires_at=None if refresh_days is None else NOW + timedelta(days=refresh_days),
        open_id="OPEN",
        scope="user.info.basic,video.publish",
    )


def test_default_path_follows_env(tmp_path: Path) -> None:
    assert default_store_path({"PUBLISHER_TOKEN_STORE": str(tmp_path / "t.json")}) == (
        tmp_path / "t.json"
    )
    assert default_store_path({"XDG_CONFIG_HOME": "/x"}) == Path("/x/gitops-publisher/tokens.json")
    assert default_store_path({}).parts[-3:] == (".config", "gitops-publisher", "tokens.json")


def test_store_round_trip_mode_0600_and_keyed_by_host(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "cfg" / "tokens.json")
    assert store.load(API, "brand-us") is None
    store.save(API, "brand-us", tokens(1))
    store.save("http://127.0.0.1:9999/", "brand-us", tokens(2))
    assert store.load(API + "/", "brand-us") == tokens(1)
    assert store.load("http://127.0.0.1:9999", "brand-us") == tokens(2)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert [p.name for p in store.path.parent.iterdir() if p.suffix == ".tmp"] == []
    assert store.delete(API, "brand-us") and store.load(API, "brand-us") is None
    assert store.load("http://127.0.0.1:9999", "brand-us") == tokens(2)


def test_corrupt_store_is_a_clear_auth_error(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    with pytest.raises(AuthError, match="not valid JSON"):
        TokenStore(path).load(API, "a")
    path.write_text(json.dumps({"version": 1, "tokens": {API: {"a": {"access_token": "act.X"}}}}))
    with pytest.raises(AuthError) as info:
        TokenStore(path).load(API, "a")
    assert "act.X" not in str(info.value)


def test_encrypted_file_round_trip(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    path = tmp_path / ".publisher" / "tokens.enc"
    enc = EncryptedTokenFile(path, key)
    enc.save(API, "brand-us", StoredCiTokens(tokens(3), origin="o1"))
    blob = path.read_bytes()
    assert b"rft.R3" not in blob and b"brand-us" not in blob
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = EncryptedTokenFile(path, key.decode()).load(API, "brand-us")
    assert loaded == StoredCiTokens(tokens(3), origin="o1")
    with pytest.raises(AuthError, match="cannot be decrypted"):
        EncryptedTokenFile(path, Fernet.generate_key()).load(API, "brand-us")
    with pytest.raises(AuthError, match="not a valid Fernet key"):
        EncryptedTokenFile(path, "short")


def test_ci_uses_the_written_back_token_until_the_secret_changes() -> None:
    first = choose_ci_tokens("rft.SECRET1", None)
    assert first.tokens.refresh_token.get_secret_value() == "rft.SECRET1"
    rotated = StoredCiTokens(tokens(7), origin=first.origin)
    assert choose_ci_tokens("rft.SECRET1", rotated) == rotated
    fresh = choose_ci_tokens("rft.SECRET2", rotated)  # user logged in again, updated secret
    assert fresh.tokens.refresh_token.get_secret_value() == "rft.SECRET2"
    assert "SECRET" not in first.origin


def test_store_keeps_the_origin_of_a_rotation_and_the_ci_mark(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.save(API, "brand-us", tokens(1), origin="o1")
    store.save(API, "brand-uk", tokens(2))  # a login: no origin
    assert store.load_entry(API, "brand-us") == StoredCiTokens(tokens(1), origin="o1")
    assert store.load_entry(API + "/", "brand-uk") == StoredCiTokens(tokens(2), origin="")
    assert store.load(API, "brand-us") == tokens(1)
    assert store.minted_for_ci(API, "brand-us") == ""
    store.mark_for_ci(API, "brand-us", "o9")
    assert store.minted_for_ci(API + "/", "brand-us") == "o9"
    assert store.load_entry(API, "brand-us") == StoredCiTokens(tokens(1), origin="o1")
    document = json.loads(store.path.read_text())
    assert "rft.R" not in json.dumps(document["for_ci"])  # a tag, never the token


def test_a_kept_rotation_wins_while_it_descends_from_the_secret() -> None:
    origin = choose_ci_tokens("rft.SECRET1").origin
    later = tokens(2).model_copy(update={"access_expires_at": NOW + timedelta(hours=3)})
    in_store = StoredCiTokens(tokens(1), origin=origin)
    written_back = StoredCiTokens(later, origin=origin)
    assert choose_ci_tokens("rft.SECRET1", None, in_store) is in_store
    assert choose_ci_tokens("rft.SECRET1", written_back, in_store) is written_back  # later one
    assert choose_ci_tokens("rft.SECRET1", in_store, written_back) is written_back
    login = StoredCiTokens(tokens(3), origin="")  # a local login never shadows a secret
    assert choose_ci_tokens("rft.SECRET1", None, login).tokens.access_expires_at.year == 1970
    changed = choose_ci_tokens("rft.SECRET2", written_back, in_store)
    assert changed.tokens.refresh_token.get_secret_value() == "rft.SECRET2"


def test_refresh_expiry_warnings() -> None:
    sets = {
        "far": tokens(1, 30),
        "soon": tokens(2, 3),
        "gone": tokens(3, -1),
        "unknown": tokens(4, None),
        "edge": tokens(5, 14),
    }
    warnings = refresh_expiry_warnings(sets, NOW)
    assert [w.account for w in warnings] == ["edge", "gone", "soon"]
    soon = warnings[2]
    assert "expires in 3 day(s)" in soon.message and "auth login --account soon" in soon.message
    assert "expired on" in warnings[1].message
