"""Shards: a stable partition of accounts, per-shard state files, and plans that see them all."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from gitops_publisher.core.shard import Shard, is_state_file_of, shard_of
from gitops_publisher.errors import PublisherError

Run = Callable[..., Result]


def test_shard_of_is_stable_across_processes_and_covers_every_shard() -> None:
    # Golden values: a change here re-partitions every agency's accounts.
    assert [shard_of(a, 2) for a in ("brand-us", "brand-uk", "devrel")] == [2, 2, 1]
    hits = {shard_of(f"account-{i}", 8) for i in range(200)}
    assert hits == set(range(1, 9))


def test_parse_and_paths() -> None:
    shard = Shard.parse(" 2/4 ")
    assert (shard.index, shard.count, str(shard)) == (2, 4, "2/4")
    assert shard.state_path(".publisher/state.json") == ".publisher/state.shard-2-of-4.json"
    for bad in ("0/4", "5/4", "2", "a/b", "2/0"):
        with pytest.raises(PublisherError, match="K/N"):
            Shard.parse(bad)
    assert is_state_file_of("s/state.shard-1-of-3.json", "s/state.json")
    assert is_state_file_of("s/state.json", "s/state.json")
    assert not is_state_file_of("s/state.json.backup", "s/state.json")
    assert not is_state_file_of("s/other.shard-1-of-3.json", "s/state.json")
    assert not is_state_file_of("t/state.shard-1-of-3.json", "s/state.json")


@pytest.fixture(autouse=True)
def _fast_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLISHER_SANDBOX_TIME_SCALE", "5000")


def addresses(path: Path) -> set[str]:
    return set(json.loads(path.read_text())["resources"])


def test_shards_write_their_own_files_and_plan_aggregates(
    content_repo: Any, publisher: Run
) -> None:
    root = content_repo.root
    one = publisher("-C", root, "apply", "--sandbox", "--yes", "--shard", "1/2")
    assert one.exit_code == 0, one.output
    two = publisher("-C", root, "apply", "--sandbox", "--yes", "--shard", "2/2")
    assert two.exit_code == 0, two.output
    sandbox = root / ".publisher" / "sandbox"
    first = addresses(sandbox / "state.shard-1-of-2.json")
    second = addresses(sandbox / "state.shard-2-of-2.json")
    assert first and second and not first & second
    assert {a.split("@")[1] for a in first} == {"devrel"}
    assert not (sandbox / "state.json").exists()

    plan = publisher("-C", root, "plan", "--sandbox", "--format", "json")
    changes = json.loads(plan.stdout)["changes"]
    acting = [c["address"] for c in changes if c["action"] in ("create", "retry", "resume")]
    assert acting == []
    assert {c["address"] for c in changes if c["action"] == "noop"} == first | second


def test_starting_to_shard_never_publishes_again(content_repo: Any, publisher: Run) -> None:
    root = content_repo.root
    assert publisher("-C", root, "apply", "--sandbox", "--yes").exit_code == 0
    for shard in ("1/3", "2/3", "3/3"):
        again = publisher("-C", root, "apply", "--sandbox", "--yes", "--shard", shard)
        assert again.exit_code == 0, again.output
        assert "Nothing to publish now" in again.stdout


def test_a_shard_writes_only_what_it_changed(content_repo: Any, publisher: Run) -> None:
    root = content_repo.root
    assert publisher("-C", root, "apply", "--sandbox", "--yes").exit_code == 0
    sandbox = root / ".publisher" / "sandbox"
    base = (sandbox / "state.json").read_bytes()
    assert publisher("-C", root, "apply", "--sandbox", "--yes", "--shard", "1/2").exit_code == 0
    assert not (sandbox / "state.shard-1-of-2.json").exists()  # nothing changed: no file
    assert (sandbox / "state.json").read_bytes() == base


def test_forgetting_a_record_kept_in_a_shard_file_is_refused_clearly(
    content_repo: Any, publisher: Run
) -> None:
    root = content_repo.root
    assert publisher("-C", root, "apply", "--sandbox", "--yes", "--shard", "1/2").exit_code == 0
    (root / ".publisher" / "sandbox" / "state.json").write_text(
        (root / ".publisher" / "sandbox" / "state.shard-1-of-2.json").read_text()
    )  # the same records in the base file and in the shard file
    listed = publisher("-C", root, "--sandbox", "state", "list", "--format", "json")
    assert "tutorial-part1@devrel" in listed.stdout
    result = publisher("-C", root, "--sandbox", "state", "rm", "--yes", "tutorial-part1@devrel")
    assert result.exit_code == 1
    assert "the same record in each" in result.stderr
    assert "state.shard-1-of-2.json" in result.stderr
    assert "publisher state migrate --shard 1/2 --sandbox" in " ".join(result.stderr.split())


def test_a_record_in_a_shard_file_is_forgotten_or_moved_with_its_shard(
    content_repo: Any, publisher: Run
) -> None:
    root = content_repo.root
    assert publisher("-C", root, "apply", "--sandbox", "--yes", "--shard", "1/2").exit_code == 0
    shard_file = root / ".publisher" / "sandbox" / "state.shard-1-of-2.json"
    assert "tutorial-part1@devrel" in addresses(shard_file)

    # Without --shard the base file is written: refused, naming the option that works.
    for command in (["rm", "--yes"], ["mv"]):
        extra = ["tutorial-part1@devrel"] + (["renamed@devrel"] if command == ["mv"] else [])
        refused = publisher("-C", root, "--sandbox", "state", *command, *extra)
        assert refused.exit_code == 1
        assert "state.shard-1-of-2.json" in refused.stderr
        assert "with --shard 1/2" in refused.stderr

    moved = publisher(
        "-C",
        root,
        "--sandbox",
        "state",
        "mv",
        "--shard",
        "1/2",
        "tutorial-part1@devrel",
        "renamed@devrel",
    )
    assert moved.exit_code == 0, moved.output
    assert "renamed@devrel" in addresses(shard_file)
    assert "tutorial-part1@devrel" not in addresses(shard_file)

    forgot = publisher(
        "-C", root, "--sandbox", "state", "rm", "--shard", "1/2", "--yes", "renamed@devrel"
    )
    assert forgot.exit_code == 0, forgot.output
    assert "renamed@devrel" not in addresses(shard_file)
    listed = publisher("-C", root, "--sandbox", "state", "list", "--format", "json")
    assert "renamed@devrel" not in listed.stdout


def test_a_saved_plan_applied_with_another_shard_says_so_not_that_manifests_changed(
    content_repo: Any, publisher: Run, tmp_path: Path
) -> None:
    root = content_repo.root
    whole, one = tmp_path / "whole.json", tmp_path / "one.json"
    assert publisher("-C", root, "plan", "--sandbox", "-o", whole).exit_code == 0
    assert publisher("-C", root, "plan", "--sandbox", "--shard", "1/2", "-o", one).exit_code == 0

    for saved, options in ((whole, ["--shard", "1/2"]), (one, [])):
        result = publisher("-C", root, "apply", "--sandbox", "--yes", *options, saved)
        assert result.exit_code == 1, result.output
        assert "manifests or videos changed" not in result.stderr  # nothing was edited
        assert "not the posts of this run" in result.stderr
        assert "applied with the same options" in result.stderr
    assert not (root / ".publisher" / "sandbox" / "state.json").exists()
    assert not list((root / ".publisher" / "sandbox").glob("state.shard-*"))
