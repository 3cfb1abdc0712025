"""``publisher sandbox serve --manual-clock``: sandbox time that moves only when told.

``POST /_sandbox/clock/advance`` was documented but needed a ``ManualClock``, which neither
``serve`` nor ``--sandbox`` offered: no user could call it. Served over a real loopback
socket here; nothing sleeps for real time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from gitops_publisher.cli.main import cli
from gitops_publisher.sandbox import ManualClock, SandboxOptions, create_app, serve_in_thread
from gitops_publisher.sandbox.clock import manual_clock
from gitops_publisher.sandbox.world import TIME_FILE, WORLD_FILE, SandboxWorld, resume_time

from .conftest import KB, direct_body, video_bytes
from .test_server import login, upload

CREATOR_INFO = "/v2/post/publish/creator_info/query/"
STATUS = "/v2/post/publish/status/fetch/"


def advance(client: httpx.Client, seconds: float) -> float:
    response = client.post("/_sandbox/clock/advance", json={"seconds": seconds})
    assert response.status_code == 200, response.text
    assert response.json()["clock"] == "ManualClock"
    now: float = response.json()["now"]
    return now


def test_serve_refuses_a_manual_clock_with_a_time_scale(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["sandbox", "serve", "--manual-clock", "--time-scale", "60", "--dir", str(tmp_path / "w")],
    )
    assert result.exit_code == 1, result.output
    assert "--manual-clock and --time-scale exclude each other" in result.output
    assert not (tmp_path / "w").exists()


def test_the_embedded_sandbox_says_where_a_manual_clock_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An apply waits on the sandbox's time: a clock standing still would never end it.
    from gitops_publisher.compose import SANDBOX_TIME_SCALE_ENV, sandbox_time_scale
    from gitops_publisher.errors import ConfigError

    monkeypatch.setenv(SANDBOX_TIME_SCALE_ENV, "manual")
    with pytest.raises(ConfigError) as refused:
        sandbox_time_scale()
    [diagnostic] = refused.value.diagnostics
    assert "publisher sandbox serve --manual-clock" in diagnostic.message


def test_a_manual_clock_resumes_where_the_worlds_time_stands(tmp_path: Path) -> None:
    directory = tmp_path / "w"
    assert resume_time(directory) == 0.0
    assert manual_clock(resume_time(directory), wall=lambda: 1_900_000_000.0).now() == 1.9e9
    world = SandboxWorld.load_or_create(directory, clock=manual_clock(0.0, lambda: 1.9e9))
    world.clock.advance(3_600)  # type: ignore[attr-defined]
    world.keep_time()  # what each answer does before it leaves
    # A day later in real time: a manual clock has not moved meanwhile.
    clock = manual_clock(resume_time(directory), wall=lambda: 1.9e9 + 86_400)
    assert clock.now() == 1.9e9 + 3_600
    # world.json's time, if later than the time file's, wins (time never goes back).
    world.data.last_time = 1.9e9 + 7_200
    world.save()
    SandboxWorld.load_or_create(directory, clock=clock)
    assert clock.now() == 1.9e9 + 7_200
    # A time file beside no world.json is a deleted world's: a new world starts from now.
    (directory / WORLD_FILE).unlink()
    assert (directory / TIME_FILE).exists() and resume_time(directory) == 0.0


@contextmanager
def served_manually(directory: Path) -> Iterator[httpx.Client]:
    """The app as ``serve --manual-clock`` builds it, on a loopback socket."""
    clock = manual_clock(resume_time(directory))
    app = create_app(directory, SandboxOptions(mb_bytes=KB), clock)
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url) as client:
        yield client


def test_processing_tokens_and_windows_follow_the_advanced_clock(tmp_path: Path) -> None:
    with served_manually(tmp_path / "w") as client:
        start = client.get("/_sandbox/clock").json()["now"]
        headers = {"Authorization": f"Bearer {login(client)}"}
        # creator_info's window: 20 a minute, then 429 until the clock is advanced.
        codes = [client.post(CREATOR_INFO, headers=headers).status_code for _ in range(21)]
        assert codes == [200] * 20 + [429]
        assert client.get("/_sandbox/clock").json()["now"] == start  # time stood still
        advance(client, 60)
        assert client.post(CREATOR_INFO, headers=headers).status_code == 200
        # Processing ends only once the clock has moved past it.
        init = client.post(
            "/v2/post/publish/video/init/", json=direct_body(6_000), headers=headers
        ).json()["data"]
        assert upload(client, init["upload_url"], video_bytes(6_000), 6_000, 1) == [201]
        body = {"publish_id": init["publish_id"]}
        fetched = client.post(STATUS, json=body, headers=headers).json()["data"]
        assert fetched["status"] == "PROCESSING_UPLOAD"
        advance(client, 60)
        fetched = client.post(STATUS, json=body, headers=headers).json()["data"]
        assert fetched["status"] == "PUBLISH_COMPLETE"
        # The access token (2 hours) expires on the sandbox's time.
        assert advance(client, 7_200) == start + 60 + 60 + 7_200
        expired = client.post(CREATOR_INFO, headers=headers)
        assert expired.status_code == 401
        assert expired.json()["error"]["code"] == "access_token_invalid"


def test_a_restarted_manual_sandbox_goes_on_from_the_time_it_was_advanced_to(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "w"
    with served_manually(directory) as client:
        moved = advance(client, 86_400)
    with served_manually(directory) as client:
        assert client.get("/_sandbox/clock").json()["now"] == moved


@contextmanager
def publisher_serve(*args: str) -> Iterator[tuple[str, list[str]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "gitops_publisher", "sandbox", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(14)]
        yield lines[0].split()[-1], lines
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err


def test_publisher_sandbox_serve_manual_clock(tmp_path: Path) -> None:
    directory = str(tmp_path / "w")
    with publisher_serve("--manual-clock", "--dir", directory) as (base_url, lines):
        assert any(line.startswith("Clock:           manual, at ") for line in lines), lines
        with httpx.Client(base_url=base_url) as client:
            clock = client.get("/_sandbox/clock").json()
            assert clock["clock"] == "ManualClock"
            moved = advance(client, 3_600)
            assert moved == clock["now"] + 3_600
    with publisher_serve("--manual-clock", "--dir", directory) as (base_url, lines):
        with httpx.Client(base_url=base_url) as client:
            assert client.get("/_sandbox/clock").json()["now"] == moved
    with publisher_serve("--time-scale", "60", "--dir", directory) as (base_url, lines):
        assert any(line.startswith("Clock:           60x real time") for line in lines), lines
        with httpx.Client(base_url=base_url) as client:
            assert client.get("/_sandbox/clock").json()["now"] >= moved  # never back
            refused = client.post("/_sandbox/clock/advance", json={"seconds": 1})
            assert refused.status_code == 409
            assert "--manual-clock" in refused.json()["error"]["message"]


def test_manual_clock_advance_to_never_goes_back() -> None:
    clock = ManualClock(start=100.0)
    clock.advance_to(50.0)
    assert clock.now() == 100.0
    clock.advance_to(150.0)
    assert clock.now() == 150.0
