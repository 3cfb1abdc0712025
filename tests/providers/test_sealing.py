"""The keys that seal upload session URIs for the state (``providers/sealing.py``)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gitops_publisher.core import handles
from gitops_publisher.errors import SealError
from gitops_publisher.providers.sealing import KEY_FILE, SessionSealer, _create_key, derived_key
from gitops_publisher.providers.token_store import FernetBox

URI = (
    "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable"
    "&upload_id=Zq9sessionSecret-xyzW"
)
# The secret part is long: a 3-letter probe matched random Fernet text about 1 run in 1,000.


def machine(tmp_path: Path, name: str = "laptop", **env: str) -> SessionSealer:
    store = tmp_path / name / "gitops-publisher" / "tokens.json"
    return SessionSealer.from_environment({"PUBLISHER_TOKEN_STORE": str(store), **env})


def test_without_a_key_a_0600_key_file_is_made_beside_the_token_store_on_first_seal(
    tmp_path: Path,
) -> None:
    laptop = machine(tmp_path)
    key_file = tmp_path / "laptop" / "gitops-publisher" / KEY_FILE
    assert laptop.unseal("v_pub_1") == "v_pub_1" and not key_file.exists()  # TikTok: as is
    sealed = laptop.seal(URI)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert sealed.startswith("sealed:v1:local:xyzW:") and "Zq9sessionSecret" not in sealed
    assert laptop.seal(URI) == sealed  # the same text all run long: records keep their bytes
    again = machine(tmp_path)  # the next run of the same machine
    assert again.unseal(sealed) == URI
    assert again.seal(URI) == sealed  # what it opened seals back to the very same text
    assert machine(tmp_path).seal(URI) != sealed  # a new run seals anew (random IV)


def test_xdg_config_home_places_the_key_file_as_it_places_the_token_store(
    tmp_path: Path,
) -> None:
    sealer = SessionSealer.from_environment({"XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    sealer.seal(URI)
    assert (tmp_path / "xdg" / "gitops-publisher" / KEY_FILE).exists()


def test_another_machine_cannot_open_it_and_says_what_to_do(tmp_path: Path) -> None:
    sealed = machine(tmp_path).seal(URI)
    with pytest.raises(SealError) as none_here:
        machine(tmp_path, "ci").unseal(sealed)
    assert "sealed with the key file of the machine that started it" in str(none_here.value)
    assert "PUBLISHER_TOKEN_KEY" in none_here.value.hint
    other = machine(tmp_path, "desktop")
    other.seal(URI.replace("Zq9", "Other"))  # it has a key file of its own
    with pytest.raises(SealError, match="another machine's key file"):
        other.unseal(sealed)


def test_the_token_key_seals_with_a_key_derived_for_this_use_alone(tmp_path: Path) -> None:
    key = FernetBox.new_key().decode()
    ci = machine(tmp_path, "ci", PUBLISHER_TOKEN_KEY=key)
    sealed = ci.seal(URI)
    assert sealed.startswith("sealed:v1:env:xyzW:")
    assert not (tmp_path / "ci" / "gitops-publisher" / KEY_FILE).exists()
    assert machine(tmp_path, "laptop", PUBLISHER_TOKEN_KEY=key).unseal(sealed) == URI
    kind, _sha, token = handles.sealed_parts(sealed) or ("", "", "")
    assert FernetBox(key.encode()).decrypt(token.encode()) is None  # not the raw key
    assert FernetBox(derived_key(key)).decrypt(token.encode()) == URI.encode()
    with pytest.raises(SealError, match="with another PUBLISHER_TOKEN_KEY than this run's"):
        machine(tmp_path, "x", PUBLISHER_TOKEN_KEY=FernetBox.new_key().decode()).unseal(sealed)
    with pytest.raises(SealError, match="with PUBLISHER_TOKEN_KEY, which is not set here"):
        machine(tmp_path, "laptop").unseal(sealed)


def test_a_bad_token_key_or_a_closed_session_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SealError, match="not a valid Fernet key"):
        machine(tmp_path, PUBLISHER_TOKEN_KEY="not-a-key")
    laptop = machine(tmp_path)
    with pytest.raises(SealError, match="closed"):
        laptop.unseal(handles.closed(laptop.seal(URI)))


def test_a_sealed_text_whose_digest_was_edited_is_not_opened(tmp_path: Path) -> None:
    laptop = machine(tmp_path)
    sealed = laptop.seal(URI)
    kind, sha, token = handles.sealed_parts(sealed) or ("", "", "")
    other = "0" * 64 if sha != "0" * 64 else "1" * 64
    forged = f"sealed:v1:{kind}:xyzW:{other}:{token}"
    with pytest.raises(SealError):
        machine(tmp_path).unseal(forged)


def test_two_runs_making_the_key_file_at_once_agree_on_one_key(tmp_path: Path) -> None:
    """Each made a key of its own; the second to link it into place takes the first's."""
    path = tmp_path / "gitops-publisher" / KEY_FILE
    first, second = _create_key(path), _create_key(path)
    assert first == second == path.read_bytes().strip()
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE]  # no temporary file left
