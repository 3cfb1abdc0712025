"""A record in both the base state file and a shard's: refused clearly, resolved by a command.

The real ``publisher`` command in a temporary git repository against the embedded sandbox.
A project that starts sharding keeps its records in the base file; a shard's apply writes
what it changes into its own file, so an address ends up in both (here: a record the
unsharded run left ``processing``, settled by the shard). Renaming such a post
(``previous_ids``), ``state rm`` or ``state mv`` would leave one copy behind: refused,
naming both files, what differs and ``publisher state migrate --shard K/N``, which leaves one
copy, the better-informed one, under both files' locks. The sandbox's world is the truth:
nothing is ever posted twice.
"""

from __future__ import annotations

import json
from pathlib import Path

from gitops_publisher.sandbox.models import WorldData
from gitops_publisher.workspace.state_file import FileStateStore

SANDBOX = Path(".publisher") / "sandbox"
CONFIG = (Path(__file__).parents[2] / "examples" / "publisher.yaml").read_text(encoding="utf-8")
BASE, ONE, TWO = "state.json", "state.shard-1-of-2.json", "state.shard-2-of-2.json"
# Shard 1 of 2 holds devrel, shard 2 of 2 brand-uk (tests/workspace/test_state_shards.py).


def post(post_id: str, previous: str = "") -> str:
    return (
        "version: 1\n"
        f"id: {post_id}\n"
        + (f"previous_ids: [{previous}]\n" if previous else "")
        + "accounts: [devrel, brand-uk]\n"
        "video: media/tutorial-part1.mp4\n"
        'caption: "Getting started"\n'
        "caption_defaults: false\n"
        "privacy: SELF_ONLY\n"
    )


def uploads(root: Path) -> int:
    world = WorldData.model_validate_json((root / SANDBOX / "world" / "world.json").read_bytes())
    return len(world.posts)


def records(root: Path, name: str) -> dict[str, dict]:
    path = root / SANDBOX / name
    if not path.exists():
        return {}
    resources: dict[str, dict] = json.loads(path.read_text(encoding="utf-8"))["resources"]
    return resources


def files(root: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in (root / SANDBOX).glob("state*.json")}


def published(make_repo, cli):
    repo = make_repo({"publisher.yaml": CONFIG, "posts/guide.yaml": post("guide")})
    first = cli(repo.root, "apply", "--sandbox", "--yes")
    assert first.exit_code == 0, first.output
    assert uploads(repo.root) == 2
    return repo


def test_a_renamed_post_recorded_in_both_files_is_refused_clearly_then_migrated(
    make_repo, cli
) -> None:
    repo = published(make_repo, cli)
    root = repo.root
    # The unsharded run was killed after the last byte: its record says processing.
    base_path = root / SANDBOX / BASE
    state = json.loads(base_path.read_text(encoding="utf-8"))
    state["resources"]["guide@devrel"].update(status="processing", published_at=None)
    state["serial"] += 1
    base_path.write_text(json.dumps(state, indent=2), encoding="utf-8")
    base_bytes = base_path.read_bytes()

    settled = cli(root, "apply", "--sandbox", "--yes", "--shard", "1/2")
    assert settled.exit_code == 0, settled.output
    assert base_path.read_bytes() == base_bytes  # a shard never writes the base
    assert records(root, ONE)["guide@devrel"]["status"] == "published"
    assert records(root, BASE)["guide@devrel"]["status"] == "processing"

    repo.write("posts/guide.yaml", post("guide-v2", previous="guide"))
    repo.commit("rename")
    before = files(root)
    refused = cli(root, "apply", "--sandbox", "--yes", "--shard", "1/2")
    assert refused.exit_code == 1, refused.output
    message = " ".join(refused.stderr.split())
    assert f"{ONE} and " in message and f"{BASE}, and the copies differ" in message
    assert "status published / processing" in message
    assert "run `publisher state migrate --shard 1/2 --sandbox` once" in message
    for command in (["rm", "--yes", "--shard", "1/2"], ["rm", "--yes"]):
        also = cli(root, "state", *command, "--sandbox", "guide@devrel")
        assert also.exit_code == 1
        assert "publisher state migrate --shard 1/2 --sandbox" in " ".join(also.stderr.split())
    assert files(root) == before  # every refusal left the state as it was

    migrated = cli(root, "state", "migrate", "--sandbox", "--shard", "1/2")
    assert migrated.exit_code == 0, migrated.output
    assert "guide@devrel" in migrated.stderr and "the copies differed" in migrated.stderr
    assert "guide@devrel" not in records(root, BASE)
    assert "guide@brand-uk" in records(root, BASE)  # shard 2's: not this command's
    assert records(root, ONE)["guide@devrel"]["status"] == "published"

    moved = cli(root, "apply", "--sandbox", "--yes", "--shard", "1/2")
    assert moved.exit_code == 0, moved.output
    assert "Moved guide@devrel -> guide-v2@devrel" in moved.stderr

    # Shard 2's record is in the base only: the same refusal, the same way out.
    other = cli(root, "apply", "--sandbox", "--yes", "--shard", "2/2")
    assert other.exit_code == 1
    assert "publisher state migrate --shard 2/2 --sandbox" in " ".join(other.stderr.split())
    assert cli(root, "state", "migrate", "--sandbox", "--shard", "2/2").exit_code == 0
    done = cli(root, "apply", "--sandbox", "--yes", "--shard", "2/2")
    assert done.exit_code == 0, done.output
    assert records(root, BASE) == {}
    plan = cli(root, "plan", "--sandbox", "--format", "json")
    actions = {c["address"]: c["action"] for c in json.loads(plan.stdout)["changes"]}
    assert actions == {"guide-v2@devrel": "noop", "guide-v2@brand-uk": "noop"}
    assert uploads(root) == 2  # nothing was ever posted again


def test_identical_copies_publish_nothing_and_one_command_leaves_one(make_repo, cli) -> None:
    root = published(make_repo, cli).root
    base = records(root, BASE)
    copy = json.loads((root / SANDBOX / BASE).read_text(encoding="utf-8"))
    copy["resources"] = {"guide@devrel": base["guide@devrel"]}  # the same record, as restored
    (root / SANDBOX / ONE).write_text(json.dumps(copy, indent=2), encoding="utf-8")
    before = files(root)

    again = cli(root, "apply", "--sandbox", "--yes", "--shard", "1/2")
    assert again.exit_code == 0, again.output
    assert "Nothing to publish now" in again.stdout
    assert files(root) == before

    refused = cli(root, "state", "rm", "--sandbox", "--yes", "--shard", "1/2", "guide@devrel")
    assert refused.exit_code == 1
    assert "the same record in each" in " ".join(refused.stderr.split())
    assert files(root) == before

    migrated = cli(root, "state", "migrate", "--sandbox", "--shard", "1/2", "guide@devrel")
    assert migrated.exit_code == 0, migrated.output
    assert "differed" not in migrated.stderr
    assert records(root, ONE)["guide@devrel"] == base["guide@devrel"]
    forgot = cli(root, "state", "rm", "--sandbox", "--yes", "--shard", "1/2", "guide@devrel")
    assert forgot.exit_code == 0, forgot.output
    listed = cli(root, "state", "list", "--sandbox", "--format", "json")
    assert "guide@devrel" not in listed.stdout
    assert uploads(root) == 2


def test_migrate_takes_the_locks_of_the_files_it_changes_only(make_repo, cli) -> None:
    root = published(make_repo, cli).root
    before = files(root)
    base = FileStateStore(root / SANDBOX / BASE)
    with base.lock(purpose="publisher apply"):  # an unsharded apply is running
        locked = cli(root, "state", "migrate", "--sandbox", "--shard", "1/2")
    assert locked.exit_code == 1
    assert "locked" in locked.stderr
    assert files(root) == before

    two = FileStateStore(root / SANDBOX / TWO)
    with two.lock(purpose="publisher apply --shard 2/2"):  # another shard runs meanwhile
        migrated = cli(root, "state", "migrate", "--sandbox", "--shard", "1/2")
    assert migrated.exit_code == 0, migrated.output
    assert set(records(root, ONE)) == {"guide@devrel"}
    assert set(records(root, BASE)) == {"guide@brand-uk"}


def test_migrate_without_shard_gathers_every_shard_file_into_the_base(make_repo, cli) -> None:
    repo = make_repo({"publisher.yaml": CONFIG, "posts/guide.yaml": post("guide")})
    root = repo.root
    for shard in ("1/2", "2/2"):
        assert cli(root, "apply", "--sandbox", "--yes", "--shard", shard).exit_code == 0
    assert not (root / SANDBOX / BASE).exists() and uploads(root) == 2

    migrated = cli(root, "state", "migrate", "--sandbox")
    assert migrated.exit_code == 0, migrated.output
    assert set(records(root, BASE)) == {"guide@devrel", "guide@brand-uk"}
    assert records(root, ONE) == {} and records(root, TWO) == {}
    again = cli(root, "apply", "--sandbox", "--yes")
    assert again.exit_code == 0, again.output
    assert "Nothing to publish now" in again.stdout
    assert uploads(root) == 2
