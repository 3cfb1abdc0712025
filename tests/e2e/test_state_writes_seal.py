"""Every write of the state outside apply leaves no upload session URI in it (2026-12-05).

A state written before 2026-12-04 (``tests/golden/state/youtube-before-seal.json``) holds
its YouTube records' session URIs in plain; here it also holds an unfinished upload
(``later@studio``) whose session a later run still needs. Each command that writes the
state (``state rm``, ``mv``, ``bind``, ``import``, an apply that only moves records of
``previous_ids``, the Action's approvals) is run through ``publisher`` in a git repository:
the state it writes (and the commit, on a state branch) holds no plain session URI, the
published posts' sessions are closed, the unfinished upload's is sealed with the key apply
would use (never dropped: opened again it is the same URI), nothing else of a record
changes, and the published posts still plan ``noop``. Without a key the unfinished upload's
session is kept as it is, with a warning, as apply keeps it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from apply.harness import PostSpec, committed_project
from pinned_git import clone, git, push_to_new_bare

from gitops_publisher.core import handles
from gitops_publisher.core.reviewed import ReviewedPlan, review_fingerprint
from gitops_publisher.planning import make_plan, record_reviewed
from gitops_publisher.providers.sealing import KEY_FILE, SessionSealer

GOLDEN = Path(__file__).parent.parent / "golden" / "state" / "youtube-before-seal.json"
SANDBOX = Path(".publisher") / "sandbox"
STATE = SANDBOX / "state.json"
PLAIN = (
    "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable"
    "&upload_id=LATERu9AbCdEfGh-ijk_Lmn0pQ"
)
POSTS = [
    PostSpec("teaser", ["brand-us", "studio"], privacy="PUBLIC_TO_EVERYONE"),
    PostSpec("short", ["studio"], video="media/customer-story.mp4"),
    PostSpec("later", ["studio"], video="media/tutorial-part2.mp4"),
]
PUBLISHED = ["short@studio", "teaser@brand-us", "teaser@studio"]


def old_state(*, bound: bool = True) -> dict[str, Any]:
    """The golden state plus an unfinished upload, its session in plain."""
    document = json.loads(GOLDEN.read_text())
    later = dict(document["resources"]["short@studio"])
    later.update(
        post_id="later",
        status="uploading",
        publish_id=PLAIN,
        post_ids=[],
        url=None,
        published_at=None,
        video="media/tutorial-part2.mp4",
    )
    document["resources"]["later@studio"] = later
    if not bound:
        document["endpoints"] = {}
    return document


def old_project(tmp_path: Path, *, bound: bool = True, files: dict[str, str] | None = None) -> Path:
    root = committed_project(
        tmp_path / "content", ["brand-us", "brand-uk"], POSTS, youtube=["studio"], files=files
    )
    (root / STATE).parent.mkdir(parents=True)
    (root / STATE).write_text(json.dumps(old_state(bound=bound), indent=2))
    return root


def assert_at_rest(text: str, root: Path, moved: dict[str, str] | None = None) -> None:
    """No plain session in ``text`` (a state); every record as before but for its handle."""
    assert "upload_id=" not in text and "googleapis" not in text
    new = json.loads(text)["resources"]
    old = old_state()["resources"]
    for old_address, before in old.items():
        address = (moved or {}).get(old_address, old_address)
        if address not in new:
            continue  # forgotten by the command
        after = new[address]
        assert {k: v for k, v in after.items() if k not in ("publish_id", "post_id")} == {
            k: v for k, v in before.items() if k not in ("publish_id", "post_id")
        }
        handle = after["publish_id"]
        assert handles.same(handle, before["publish_id"])
        if not handles.is_session(before["publish_id"]):
            assert handle == before["publish_id"]  # TikTok's publish_id as it was
        elif before["status"] == "published":
            assert handles.is_closed(handle)
        else:  # sealed with the sandbox's key file, as apply --sandbox seals it
            assert handles.is_sealed(handle)
            sealer = SessionSealer(token_key="", key_file=root / SANDBOX / KEY_FILE)
            assert sealer.unseal(handle) == PLAIN


def assert_plans_noop(cli, root: Path, addresses: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = cli(root, "--sandbox", "plan", "--format", "json")
    assert result.exit_code == 0, result.output
    actions = {c["address"]: c["action"] for c in json.loads(result.stdout)["changes"]}
    assert {a: actions[a] for a in addresses} == dict.fromkeys(addresses, "noop")
    assert actions["later@studio"] == "resume"  # the unfinished upload is still resumed


def written(root: Path) -> str:
    return (root / STATE).read_text()


def test_state_rm_writes_the_state_without_plain_sessions(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = old_project(tmp_path)
    result = cli(root, "--sandbox", "state", "rm", "--yes", "teaser@brand-us")
    assert result.exit_code == 0, result.output
    assert "teaser@brand-us" not in json.loads(written(root))["resources"]
    assert_at_rest(written(root), root)
    assert_plans_noop(cli, root, ["short@studio", "teaser@studio"])


def test_state_mv_writes_the_state_without_plain_sessions(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = old_project(tmp_path)
    manifest = root / "posts" / "short.yaml"
    manifest.write_text(manifest.read_text().replace("id: short", "id: short-v2"))
    result = cli(root, "--sandbox", "state", "mv", "short@studio", "short-v2@studio")
    assert result.exit_code == 0, result.output
    assert_at_rest(written(root), root, moved={"short@studio": "short-v2@studio"})
    assert_plans_noop(cli, root, ["short-v2@studio", "teaser@brand-us", "teaser@studio"])


def test_state_bind_writes_the_state_without_plain_sessions(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = old_project(tmp_path, bound=False)
    result = cli(root, "--sandbox", "state", "bind")
    assert result.exit_code == 0, result.output
    assert json.loads(written(root))["endpoints"]["youtube"]["api_url"] == "embedded-sandbox"
    assert_at_rest(written(root), root)
    assert_plans_noop(cli, root, PUBLISHED)


def test_state_import_writes_the_state_without_plain_sessions(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A post published to the sandbox, its record lost, then imported into the old state.

    (On an account the old state names nobody on: the sandbox's users are new ones.)"""
    root = old_project(tmp_path)
    extra = PostSpec("extra", ["brand-uk"], video="media/tutorial-part1.mp4")
    (root / "posts" / "extra.yaml").write_text(extra.yaml())
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "extra")
    kept = written(root)
    result = cli(root, "--sandbox", "apply", "--yes", "--target", "extra@brand-uk")
    assert result.exit_code == 0, result.output
    publish_id = json.loads(written(root))["resources"]["extra@brand-uk"]["publish_id"]
    document = json.loads(kept)  # the record lost: the old state again, a later serial
    document["serial"] = json.loads(written(root))["serial"] + 1
    (root / STATE).write_text(json.dumps(document, indent=2))
    result = cli(root, "--sandbox", "state", "import", "extra@brand-uk", publish_id)
    assert result.exit_code == 0, result.output
    assert "Imported extra@brand-uk" in result.output
    # (published, or still processing: a restarted sandbox's clock may stand before the
    # moment the apply's last status fetch saw it published)
    assert json.loads(written(root))["resources"]["extra@brand-uk"]["open_id"]
    assert_at_rest(written(root), root)
    assert_plans_noop(cli, root, PUBLISHED)


def test_an_apply_that_leaves_the_unfinished_upload_alone_still_seals_it(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """``--target`` elsewhere: the run does not go on with ``later@studio``, and its first
    write seals that upload's plain session too (before, only the records it put)."""
    root = old_project(tmp_path)
    extra = PostSpec("extra", ["brand-uk"], video="media/tutorial-part1.mp4")
    (root / "posts" / "extra.yaml").write_text(extra.yaml())
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "extra")
    result = cli(root, "--sandbox", "apply", "--yes", "--target", "extra@brand-uk")
    assert result.exit_code == 0, result.output
    assert json.loads(written(root))["resources"]["extra@brand-uk"]["status"] == "published"
    assert json.loads(written(root))["resources"]["later@studio"]["status"] == "uploading"
    assert_at_rest(written(root), root)
    assert_plans_noop(cli, root, PUBLISHED)


def test_an_apply_that_only_moves_records_writes_them_without_plain_sessions(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    renamed = POSTS[1].yaml().replace("id: short\n", "id: short-v2\nprevious_ids: [short]\n")
    root = old_project(tmp_path, files={"posts/short.yaml": renamed})
    result = cli(root, "--sandbox", "apply", "--yes", "--target", "short-v2@studio")
    assert result.exit_code == 0, result.output
    assert "Moved short@studio -> short-v2@studio" in result.output
    assert_at_rest(written(root), root, moved={"short@studio": "short-v2@studio"})
    assert_plans_noop(cli, root, ["short-v2@studio", "teaser@brand-us", "teaser@studio"])


def test_recording_a_reviewed_plan_writes_the_state_without_plain_sessions(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """The Action's merge run records the approvals of the merged plan before its apply."""
    root = old_project(tmp_path)
    planned = make_plan(root, sandbox=True, reviewed_only=True)
    # A post of the merged pull request, scheduled for later (its approval is kept).
    fingerprint = review_fingerprint(planned.state.resources["later@studio"].fingerprint)
    reviewed = ReviewedPlan(
        plan_hash="sha256:0", pull_request=7, posts={"soon@studio": fingerprint}
    )
    warnings: list[str] = []
    record_reviewed(planned, reviewed, warn=warnings.append)
    assert warnings == []
    assert "soon@studio" in json.loads(written(root))["reviewed"]
    assert_at_rest(written(root), root)
    assert_plans_noop(cli, root, PUBLISHED)


def test_on_a_state_branch_the_commit_holds_no_plain_session(
    tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    seed = committed_project(tmp_path / "seed", ["brand-us", "brand-uk"], POSTS, youtube=["studio"])
    remote = push_to_new_bare(seed, tmp_path / "remote.git")
    git(seed, "checkout", "-q", "--orphan", "publisher-state")
    git(seed, "rm", "-q", "-rf", ".")
    (seed / STATE).parent.mkdir(parents=True)
    (seed / STATE).write_text(json.dumps(old_state(), indent=2))
    git(seed, "add", str(STATE))
    git(seed, "commit", "-q", "-m", "state written before 2026-12-04")
    git(seed, "push", "-q", "origin", "publisher-state")
    root = clone(remote, tmp_path / "work")
    monkeypatch.setenv("PUBLISHER_STATE_BRANCH", "publisher-state")
    result = cli(root, "--sandbox", "state", "rm", "--yes", "teaser@brand-us")
    assert result.exit_code == 0, result.output
    committed = git(remote, "show", f"publisher-state:{STATE.as_posix()}")
    assert "teaser@brand-us" not in json.loads(committed)["resources"]
    assert_at_rest(committed, root)
    assert_plans_noop(cli, root, ["short@studio", "teaser@studio"])


def test_without_a_key_the_unfinished_upload_keeps_its_session_and_a_warning_says_so(
    tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """As apply does: an upload's session is never dropped; the recorded ones are closed."""
    root = old_project(tmp_path)
    monkeypatch.setenv("PUBLISHER_TOKEN_KEY", "not-a-fernet-key")
    result = cli(root, "--sandbox", "state", "rm", "--yes", "teaser@brand-us")
    assert result.exit_code == 0, result.output
    assert "the upload session of later@studio stays in plain" in result.stderr
    assert "PUBLISHER_TOKEN_KEY is not a valid Fernet key" in result.stderr
    assert "LATERu9" not in result.output  # the warning names it, never shows it
    new = json.loads(written(root))["resources"]
    assert new["later@studio"]["publish_id"] == PLAIN
    assert all(handles.is_closed(new[a]["publish_id"]) for a in ("short@studio", "teaser@studio"))
    assert not (root / SANDBOX / KEY_FILE).exists()


@pytest.mark.parametrize(
    "args",
    [
        ("state", "list"),
        ("state", "list", "--format", "json"),
        ("state", "show", "later@studio"),
        ("state", "show", "short@studio"),
        ("state", "rm", "--yes", "later@studio"),
        ("plan",),
        ("plan", "--format", "json"),
    ],
)
def test_outputs_of_an_old_state_never_show_a_session(
    tmp_path: Path,
    cli,
    args: tuple[str, ...],  # type: ignore[no-untyped-def]
) -> None:
    root = old_project(tmp_path)
    document = json.loads(written(root))
    short = document["resources"]["short@studio"]
    short["history"] = [{"publish_id": PLAIN.replace("LATER", "EARLY"), "status": "failed"}]
    (root / STATE).write_text(json.dumps(document))
    result = cli(root, "--sandbox", *args)
    assert result.exit_code == 0, result.output
    assert "upload_id" not in result.output and "googleapis" not in result.output
    assert "upload session" in result.output
