"""The state binding covers YouTube: Google's endpoint and OAuth client (design §12, issue 14).

Reproduction: a project with a YouTube channel applied against a served sandbox
(``PUBLISHER_YOUTUBE_API_URL``) wrote ``.publisher/state.json`` bound for TikTok only; a
later run against another Google endpoint (another sandbox, or Google itself) read it as its
own state, so a post published in the sandbox planned ``noop`` and would never have been
published on YouTube. Now the state records the YouTube endpoint and app too, and another
endpoint is refused before any request, naming both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from apply.harness import (
    Emulator,
    PostSpec,
    SecretScan,
    committed_project,
    fast_options,
    publisher_env,
    run_publisher,
    served_emulator,
)

from gitops_publisher.core.binding import app_fingerprint
from gitops_publisher.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_GOOGLE_CLIENT_ID

GOOGLE = "https://youtube.googleapis.com"


@contextmanager
def google(
    tmp_path: Path, name: str, scan: SecretScan
) -> Iterator[tuple[Emulator, dict[str, str]]]:
    """A served sandbox and the environment of a run against it (a login of every channel)."""
    with served_emulator(tmp_path / name, fast_options(), 1.0, scan) as em:
        world = em.service.world
        secrets = {
            "shorts": world.ensure_channel("@shorts"),
            "brand-us": world.ensure_account("brand-us"),
        }
        scan.secrets.update(secrets.values())
        yield em, publisher_env(tmp_path / name, em.base_url, secrets)


def videos(em: Emulator) -> list[dict[str, object]]:
    return list(em.get("/_sandbox/youtube/videos")["videos"])


def refused(root: Path, env: dict[str, str], scan: SecretScan, *command: str) -> str:
    """Run ``command``; it must fail cleanly (exit 1, no traceback); its stderr."""
    done = run_publisher(root, *command, env=env)
    scan.add_output(" ".join(command), done.stdout + done.stderr)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "noop" not in done.stdout
    return done.stderr


def test_a_youtube_state_of_a_sandbox_is_refused_against_another_google_endpoint(
    tmp_path: Path, scan: SecretScan
) -> None:
    root = committed_project(
        tmp_path / "repo", [], [PostSpec("first", ["shorts"])], youtube=["shorts"]
    )
    state_path = root / ".publisher" / "state.json"
    with google(tmp_path, "sandbox", scan) as (em, env):
        done = run_publisher(root, "apply", "--yes", env=env)
        scan.add_output("apply", done.stdout + done.stderr)
        assert done.returncode == 0, done.stdout + done.stderr
        assert len(videos(em)) == 1
        written = state_path.read_bytes()
        assert json.loads(written)["endpoints"] == {  # a YouTube-only project: no TikTok
            "youtube": {"api_url": em.base_url, "app": app_fingerprint(SANDBOX_GOOGLE_CLIENT_ID)}
        }
        assert SANDBOX_GOOGLE_CLIENT_ID.encode() not in written

        with google(tmp_path, "other", scan) as (other, other_env):
            for command in (["apply", "--yes"], ["plan"], ["state", "rm", "--yes", "first@shorts"]):
                message = refused(root, other_env, scan, *command)
                assert f"YouTube at {em.base_url}" in message, message
                assert f"YouTube at {other.base_url}" in message, message
                assert f"PUBLISHER_YOUTUBE_API_URL={em.base_url}" in message
                assert "publisher state bind" in message
            assert other.requests() == [] and videos(other) == []  # refused before any request

        # Google itself (an offline plan, no client id): refused too, naming both.
        real = refused(root, publisher_env(tmp_path / "real"), scan, "plan", "--offline")
        assert f"YouTube at {GOOGLE}" in real and em.base_url in real and "move it away" in real

        # The same URL with another Google OAuth client: another app.
        before = len(em.requests())
        another = {**env, "YOUTUBE_CLIENT_ID": "another-client.apps.googleusercontent.com"}
        message = refused(root, another, scan, "apply", "--yes")
        assert "Google OAuth client id" in message and "another-client" not in message
        assert len(em.requests()) == before and len(videos(em)) == 1
    assert state_path.read_bytes() == written  # untouched by every refused run
    scan.check()


def test_a_mixed_project_binds_both_and_yesterdays_youtube_records_need_binding(
    tmp_path: Path, scan: SecretScan
) -> None:
    root = committed_project(
        tmp_path / "repo",
        ["brand-us"],
        [PostSpec("launch", ["brand-us", "shorts"])],
        youtube=["shorts"],
    )
    state_path = root / ".publisher" / "state.json"
    with google(tmp_path, "sandbox", scan) as (em, env):
        done = run_publisher(root, "apply", "--yes", env=env)
        scan.add_output("apply", done.stdout + done.stderr)
        assert done.returncode == 0, done.stdout + done.stderr
        assert len(em.posts()) == 1 and len(videos(em)) == 1
        state = json.loads(state_path.read_text())
        assert state["endpoints"] == {
            "tiktok": {"api_url": em.base_url, "app": app_fingerprint(SANDBOX_CLIENT_KEY)},
            "youtube": {"api_url": em.base_url, "app": app_fingerprint(SANDBOX_GOOGLE_CLIENT_ID)},
        }

        # What yesterday's code wrote: TikTok bound, the channel's records unbound.
        del state["endpoints"]["youtube"]
        yesterday = json.dumps(state, indent=2, sort_keys=True).encode() + b"\n"
        state_path.write_bytes(yesterday)
        before = len(em.requests())
        message = refused(root, env, scan, "apply", "--yes")
        assert "1 record(s) of YouTube accounts from before states recorded their endpoint" in (
            message
        )
        assert em.base_url in message and "publisher state bind" in message
        assert len(em.requests()) == before and state_path.read_bytes() == yesterday

        bind = run_publisher(root, "state", "bind", "--yes", env=env)
        scan.add_output("bind", bind.stdout + bind.stderr)
        assert bind.returncode == 0, bind.stdout + bind.stderr
        assert f"youtube: nothing (unbound) -> YouTube at {em.base_url}" in bind.stderr
        rebound = json.loads(state_path.read_text())["endpoints"]
        assert (
            rebound["youtube"]["api_url"] == em.base_url
            and rebound["tiktok"] == state["endpoints"]["tiktok"]
        )
        again = run_publisher(root, "plan", "--detailed-exitcode", env=env)
        assert again.returncode == 0, again.stdout + again.stderr  # nothing to do

    # A YouTube-only project: yesterday's code bound TikTok from the environment anyway.
    youtube_only = committed_project(
        tmp_path / "yt-only", [], [PostSpec("launch", ["shorts"])], youtube=["shorts"]
    )
    adopted = youtube_only / ".publisher" / "state.json"
    adopted.parent.mkdir(parents=True)
    records = {a: r for a, r in state["resources"].items() if a.endswith("@shorts")}
    real = publisher_env(tmp_path / "real")
    # Written beside TikTok's served sandbox: the channel's records were made there too, so
    # Google does not adopt them, though the project has no TikTok account.
    beside_sandbox = json.dumps({**state, "resources": records}).encode()
    adopted.write_bytes(beside_sandbox)
    message = refused(youtube_only, real, scan, "plan", "--offline")
    assert f"beside records that describe TikTok at {em.base_url}" in message, message
    assert f"YouTube at {GOOGLE}" in message and "publisher state bind" in message
    assert adopted.read_bytes() == beside_sandbox
    # Written beside TikTok itself: Google adopts them (the rule of version 1 states).
    tiktok = {"api_url": "https://open.tiktokapis.com", "app": None}
    adopted.write_text(json.dumps({**state, "endpoints": {"tiktok": tiktok}, "resources": records}))
    plan = run_publisher(youtube_only, "plan", "--offline", "--detailed-exitcode", env=real)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    forget = run_publisher(youtube_only, "state", "rm", "--yes", "launch@shorts", env=real)
    assert forget.returncode == 0, forget.stdout + forget.stderr
    assert json.loads(adopted.read_text())["endpoints"] == {
        "tiktok": tiktok,  # kept as it was: the project has no TikTok account to check it
        "youtube": {"api_url": GOOGLE, "app": None},
    }
    scan.check()


def test_the_embedded_sandbox_binds_both_in_its_own_file(tmp_path: Path, scan: SecretScan) -> None:
    root = committed_project(
        tmp_path / "repo",
        ["brand-us"],
        [PostSpec("launch", ["brand-us", "shorts"])],
        youtube=["shorts"],
    )
    env = publisher_env(tmp_path)
    done = run_publisher(root, "--sandbox", "apply", "--yes", env=env)
    scan.add_output("sandbox apply", done.stdout + done.stderr)
    assert done.returncode == 0, done.stdout + done.stderr
    sandbox_state = root / ".publisher" / "sandbox" / "state.json"
    embedded = {"api_url": "embedded-sandbox", "app": None}
    assert json.loads(sandbox_state.read_text())["endpoints"] == {
        "tiktok": embedded,
        "youtube": embedded,
    }
    assert not (root / ".publisher" / "state.json").exists()
    # Put where the real state belongs, it is refused against Google, saying what to do.
    (root / ".publisher" / "state.json").write_bytes(sandbox_state.read_bytes())
    message = refused(root, env, scan, "plan", "--offline")
    assert "the embedded TikTok sandbox" in message and "move it back" in message
    scan.check()
