"""Clocks, and the serve command's refusals (no server is started for these)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_publisher.cli.main import cli
from gitops_publisher.sandbox import ManualClock, ScaledClock
from gitops_publisher.sandbox.clock import clock_for_scale


def test_manual_clock_moves_only_forward() -> None:
    clock = ManualClock(start=100.0)
    assert clock.advance(5) == 105.0 and clock.now() == 105.0
    with pytest.raises(ValueError):
        clock.advance(-1)


@pytest.mark.anyio
async def test_manual_sleep_advances_instead_of_waiting() -> None:
    clock = ManualClock(start=0.0)
    await clock.sleep(3_600)
    assert clock.now() == 3_600


def test_scaled_clock_runs_faster_than_real_time() -> None:
    clock = ScaledClock(1_000_000)
    first = clock.now()
    second = clock.now()
    assert second >= first
    assert isinstance(clock_for_scale(1), ScaledClock) and clock_for_scale(1).time_scale == 1
    assert isinstance(clock_for_scale(60), ScaledClock)
    with pytest.raises(ValueError):
        ScaledClock(0)


@pytest.mark.parametrize("scale", ["inf", "nan"])
def test_serve_refuses_a_time_scale_that_is_not_a_finite_number(tmp_path: Path, scale: str) -> None:
    # An infinite scale made every sandbox time infinite: world.json was written with null
    # times and no later run could read it.
    result = CliRunner().invoke(
        cli, ["sandbox", "serve", "--time-scale", scale, "--dir", str(tmp_path / "w")]
    )
    assert result.exit_code == 1 and "--time-scale" in result.output
    assert not (tmp_path / "w").exists()
    with pytest.raises(ValueError):
        ScaledClock(float(scale))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_serve_reports_a_bad_world_file(tmp_path: Path) -> None:
    world = tmp_path / "world.yaml"
    world.write_text("accounts:\n  - {username: bob, colour: red}\n")
    result = CliRunner().invoke(
        cli, ["sandbox", "serve", "--world", str(world), "--dir", str(tmp_path / "w")]
    )
    assert result.exit_code == 1
    assert "world.yaml" in result.output and "colour" in result.output


def test_serve_reports_bad_options(tmp_path: Path) -> None:
    options = tmp_path / "options.json"
    options.write_text('{"daily_post_cap": -1}')
    result = CliRunner().invoke(
        cli, ["sandbox", "serve", "--options", str(options), "--dir", str(tmp_path / "w")]
    )
    assert result.exit_code == 1 and "daily_post_cap" in result.output
    # A fault for an endpoint that does not exist (the options file --sandbox runs read too).
    options.write_text('{"faults": {"uploads": {"fail_chunk": 1}}}')
    result = CliRunner().invoke(
        cli, ["sandbox", "serve", "--options", str(options), "--dir", str(tmp_path / "w")]
    )
    assert result.exit_code == 1 and "faults" in result.output and "'uploads'" in result.output


def test_serve_refuses_a_world_another_process_serves(tmp_path: Path) -> None:
    # Each process holds the whole world in memory and writes all of it: a `serve` of the
    # project's world beside an `apply --sandbox` silently dropped the run's posts and tokens.
    from gitops_publisher.compose import serving_world

    world = tmp_path / "w"
    with serving_world(world):  # what a `--sandbox` run (or another serve) holds
        result = CliRunner().invoke(cli, ["sandbox", "serve", "--dir", str(world)])
    assert result.exit_code == 1, result.output
    assert "another process" in result.output and "--dir" in result.output
    assert not (world / "world.json").exists()


def test_serve_reports_a_busy_port(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["sandbox", "serve", "--port", str(port), "--dir", str(tmp_path / "w")]
        )
    assert result.exit_code == 1 and "cannot listen" in result.output
    assert "pass another --port, or --port 0 for any free one" in result.output


def test_scaled_time_never_goes_back_across_restarts(tmp_path: Path) -> None:
    from gitops_publisher.sandbox import SandboxWorld

    first = ScaledClock(60)
    world = SandboxWorld.load_or_create(tmp_path / "w", clock=first)
    world.data.last_time = first.now() + 86_400  # a long first run, in sandbox time
    world.save()
    second = ScaledClock(60)
    SandboxWorld.load_or_create(tmp_path / "w", clock=second)
    assert second.now() >= world.data.last_time


def test_serving_at_real_speed_resumes_a_world_a_faster_run_moved_ahead(tmp_path: Path) -> None:
    # `publisher sandbox serve` (scale 1) over the world of an accelerated `apply --sandbox`:
    # the posts that run saw published must not read "processing" again.
    from gitops_publisher.sandbox import SandboxWorld

    fast = ScaledClock(60)
    world = SandboxWorld.load_or_create(tmp_path / "w", clock=fast)
    world.data.last_time = fast.now() + 86_400
    world.save()
    serve = clock_for_scale(1)
    SandboxWorld.load_or_create(tmp_path / "w", clock=serve)
    assert serve.now() >= world.data.last_time


def test_the_sandbox_imports_no_client_code(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys, pathlib\n"
        "from gitops_publisher.sandbox import create_app\n"
        f"create_app(pathlib.Path({str(tmp_path / 'w')!r}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('gitops_publisher.')"
        " and not m.startswith('gitops_publisher.sandbox')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_bad_world_file_entry_never_echoes_its_token(tmp_path: Path) -> None:
    # pydantic's own text quoted the whole entry, its initial refresh token included.
    world = tmp_path / "world.yaml"
    world.write_text(
        "accounts:\n  - {usernme: bob, refresh_token: rft.do-not-print-me}\n"
        "youtube:\n  channels:\n    - {handel: '@b', refresh_token: 1//do-not-print-me}\n"
    )
    result = CliRunner().invoke(
        cli, ["sandbox", "serve", "--world", str(world), "--dir", str(tmp_path / "w")]
    )
    assert result.exit_code == 1
    assert "accounts[0]: username: Field required" in result.output
    assert "usernme: Extra inputs are not permitted" in result.output
    assert "do-not-print-me" not in result.output and "errors.pydantic.dev" not in result.output
    world.write_text(
        "youtube:\n  channels:\n    - {handel: '@b', refresh_token: 1//do-not-print}\n"
    )
    result = CliRunner().invoke(
        cli, ["sandbox", "serve", "--world", str(world), "--dir", str(tmp_path / "w2")]
    )
    assert result.exit_code == 1 and "youtube.channels[0]: handle: Field required" in result.output
    assert "do-not-print" not in result.output


def test_serve_reports_a_world_directory_it_cannot_write(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    where = tmp_path / "a-file" / "world"
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--port", "0", "--dir", str(where)])
    assert result.exit_code == 1, result.output
    assert f"cannot keep the world in {where}" in result.output
    assert "pass --dir a directory you can write to" in result.output
