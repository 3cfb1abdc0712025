"""``publisher apply`` records where it came from: the CI run's variables, else git's HEAD.

The command reads them (the edge) and hands them to the engine, which reads no variable.
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
from pinned_git import git


def test_a_ci_apply_records_its_commit_run_and_pull_request(
    tmp_path: Path, scan: SecretScan
) -> None:
    root = committed_project(tmp_path / "repo", ["brand-us"], [PostSpec("first", ["brand-us"])])
    with served_emulator(tmp_path / "world", fast_options(), 1.0, scan) as em:
        env = publisher_env(
            tmp_path,
            em.base_url,
            {"brand-us": em.refresh_token("brand-us")},
            GITHUB_SHA="c" * 40,
            GITHUB_REPOSITORY="acme/content",
            GITHUB_RUN_ID="42",
            PUBLISHER_PULL_REQUEST="7",
        )
        done = run_publisher(root, "apply", "--yes", env=env)
        scan.add_output("apply", done.stdout + done.stderr)
        assert done.returncode == 0, done.stdout + done.stderr
    record = json.loads((root / ".publisher" / "state.json").read_text())["resources"]
    provenance = record["first@brand-us"]["provenance"]
    assert provenance["commit"] == "c" * 40
    assert provenance["run_url"] == "https://github.com/acme/content/actions/runs/42"
    assert provenance["pull_request"] == 7
    assert provenance["plan_hash"]


def test_a_local_apply_records_the_checked_out_commit(tmp_path: Path, scan: SecretScan) -> None:
    root = committed_project(tmp_path / "repo", ["brand-us"], [PostSpec("first", ["brand-us"])])
    with served_emulator(tmp_path / "world", fast_options(), 1.0, scan) as em:
        env = publisher_env(tmp_path, em.base_url, {"brand-us": em.refresh_token("brand-us")})
        done = run_publisher(root, "apply", "--yes", env=env)
        scan.add_output("apply", done.stdout + done.stderr)
        assert done.returncode == 0, done.stdout + done.stderr
    record = json.loads((root / ".publisher" / "state.json").read_text())["resources"]
    provenance = record["first@brand-us"]["provenance"]
    assert provenance["commit"] == git(root, "rev-parse", "HEAD").strip()
    assert provenance["run_url"] is None and provenance["pull_request"] is None
