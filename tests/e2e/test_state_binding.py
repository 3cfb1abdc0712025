"""The state is bound to the endpoint it describes (issue 10 item 2, design §12).

Reproduction: an apply pointed at a served sandbox through ``PUBLISHER_TIKTOK_API_URL`` wrote
``.publisher/state.json``; a later real ``plan --offline`` showed the post as ``noop
published``, so it would never have been published on TikTok. Now the state records the
endpoint it describes and the real plan refuses it, naming both; and the reverse, a served
sandbox meeting the real state, is refused before any request.
"""

from __future__ import annotations

import json
from pathlib import Path

from apply.harness import (
    PostSpec,
    SecretScan,
    committed_project,
    fast_options,
    publisher_env,
    run_publisher,
    served_emulator,
)

from gitops_publisher.core.binding import app_fingerprint
from gitops_publisher.sandbox import SANDBOX_CLIENT_KEY

V1_GOLDEN = Path(__file__).parent.parent / "golden" / "state" / "v1.json"


def clean_env(tmp_path: Path) -> dict[str, str]:
    """No TikTok endpoint, app or token inherited: a real, offline-capable environment."""
    return publisher_env(tmp_path)


def served_env(tmp_path: Path, base_url: str, token: str) -> dict[str, str]:
    return publisher_env(tmp_path, base_url, {"brand-us": token})


def test_a_served_sandbox_apply_is_never_read_as_the_real_state(
    tmp_path: Path, scan: SecretScan
) -> None:
    root = committed_project(tmp_path / "repo", ["brand-us"], [PostSpec("first", ["brand-us"])])
    with served_emulator(tmp_path / "world", fast_options(), 1.0, scan) as em:
        env = served_env(tmp_path, em.base_url, em.refresh_token("brand-us"))
        done = run_publisher(root, "apply", "--yes", env=env)
        scan.add_output("apply", done.stdout + done.stderr)
        assert done.returncode == 0, done.stdout + done.stderr
        assert len(em.posts()) == 1
        state = json.loads((root / ".publisher" / "state.json").read_text())
        assert state["endpoints"] == {
            "tiktok": {"api_url": em.base_url, "app": app_fingerprint(SANDBOX_CLIENT_KEY)}
        }
        assert SANDBOX_CLIENT_KEY not in json.dumps(state)

        real = run_publisher(root, "plan", "--offline", env=clean_env(tmp_path))
        scan.add_output("real plan", real.stdout + real.stderr)
        assert real.returncode == 1, real.stdout + real.stderr
        assert "noop" not in real.stdout
        assert em.base_url in real.stderr and "https://open.tiktokapis.com" in real.stderr
        assert "move it away" in real.stderr  # says what to do
        assert "Traceback" not in real.stderr
    scan.check()


def test_a_served_sandbox_meeting_the_real_state_is_refused_before_any_request(
    tmp_path: Path, scan: SecretScan
) -> None:
    root = committed_project(tmp_path / "repo", ["brand-us"], [PostSpec("first", ["brand-us"])])
    state_path = root / ".publisher" / "state.json"
    state_path.parent.mkdir(parents=True)
    state_path.write_bytes(V1_GOLDEN.read_bytes())  # a real state of an older version
    writing_rm = ["state", "rm", "--yes", "cafe-story@brand-uk"]
    with served_emulator(tmp_path / "world", fast_options(), 1.0, scan) as em:
        env = served_env(tmp_path, em.base_url, em.refresh_token("brand-us"))
        # Unbound (version 1) with records: only TikTok itself may adopt it.
        for command in (["apply", "--yes"], ["plan"], writing_rm):
            done = run_publisher(root, *command, env=env)
            scan.add_output(" ".join(command), done.stdout + done.stderr)
            assert done.returncode == 1, done.stdout + done.stderr
            assert "from before states recorded their endpoint" in done.stderr
            assert em.base_url in done.stderr and "publisher state bind" in done.stderr
        assert em.requests() == [] and em.posts() == []
        assert state_path.read_bytes() == V1_GOLDEN.read_bytes()

        bind = run_publisher(root, "state", "bind", "--yes", env=clean_env(tmp_path))
        assert bind.returncode == 0, bind.stdout + bind.stderr
        bound = state_path.read_bytes()
        tiktok = json.loads(bound)["endpoints"]["tiktok"]
        assert tiktok["api_url"] == "https://open.tiktokapis.com"
        # Bound to TikTok: the served sandbox is another endpoint, named in the refusal.
        for command in (["apply", "--yes"], ["plan"], writing_rm):
            done = run_publisher(root, *command, env=env)
            scan.add_output(" ".join(command), done.stdout + done.stderr)
            assert done.returncode == 1, done.stdout + done.stderr
            assert em.base_url in done.stderr and "https://open.tiktokapis.com" in done.stderr
        assert em.requests() == [] and em.posts() == []
    assert state_path.read_bytes() == bound
    scan.check()


def test_a_v1_state_is_bound_to_tiktok_by_its_first_real_write(tmp_path: Path) -> None:
    root = committed_project(tmp_path / "repo", ["brand-us"], [PostSpec("first", ["brand-us"])])
    state_path = root / ".publisher" / "state.json"
    state_path.parent.mkdir(parents=True)
    state_path.write_bytes(V1_GOLDEN.read_bytes())
    env = clean_env(tmp_path)
    plan = run_publisher(root, "plan", "--offline", env=env)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert state_path.read_bytes() == V1_GOLDEN.read_bytes()  # a plan writes nothing
    done = run_publisher(root, "state", "rm", "--yes", "cafe-story@brand-uk", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    written = json.loads(state_path.read_text(encoding="utf-8"))
    assert written["version"] == 2
    assert written["endpoints"] == {
        "tiktok": {"api_url": "https://open.tiktokapis.com", "app": None}
    }


def test_a_plan_made_with_the_sandbox_is_never_applied_to_another_endpoint(
    tmp_path: Path, scan: SecretScan
) -> None:
    """Both states empty, the binding has nothing to refuse: the saved plan names the
    endpoints it was made against, and ``apply PLANFILE`` that talks to others (here a
    served emulator standing for TikTok, with every credential) is refused before any
    request; applied as it was made, it publishes."""
    root = committed_project(tmp_path / "repo", ["brand-us"], [PostSpec("first", ["brand-us"])])
    saved = tmp_path / "sandbox.plan"
    planned = run_publisher(root, "plan", "--sandbox", "-o", str(saved), env=clean_env(tmp_path))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert json.loads(saved.read_text())["endpoints"]["tiktok"]["api_url"] == "embedded-sandbox"
    with served_emulator(tmp_path / "world", fast_options(), 1.0, scan) as em:
        env = served_env(tmp_path, em.base_url, em.refresh_token("brand-us"))
        refused = run_publisher(root, "apply", str(saved), env=env)
        scan.add_output("apply", refused.stdout + refused.stderr)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "the saved plan was made against the embedded sandbox for TikTok" in refused.stderr
        assert em.base_url in refused.stderr and "Traceback" not in refused.stderr
        assert em.requests() == [] and em.posts() == []
        assert not (root / ".publisher" / "state.json").exists()
    applied = run_publisher(root, "apply", "--sandbox", str(saved), env=clean_env(tmp_path))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "published" in applied.stdout
    scan.check()
