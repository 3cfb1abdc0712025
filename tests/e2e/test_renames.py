"""Renaming a post's id never posts it again silently (issue 10 item 3, design §12).

The real ``publisher`` command in a temporary git repository against the embedded sandbox:
a published post whose ``id`` is renamed is flagged as a probable rename and refused by apply
(also from a saved plan) unless ``--allow-repost``; ``previous_ids`` moves its record instead,
and ``state mv`` does the same imperatively. The sandbox's own world is the truth: one post.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_publisher.sandbox.models import WorldData

SANDBOX = Path(".publisher") / "sandbox"
CONFIG = (Path(__file__).parents[2] / "examples" / "publisher.yaml").read_text(encoding="utf-8")


def post(post_id: str, previous: str = "") -> str:
    return (
        "version: 1\n"
        f"id: {post_id}\n"
        + (f"previous_ids: [{previous}]\n" if previous else "")
        + "accounts: [brand-uk]\n"
        "video: media/behind-the-scenes.mp4\n"
        'caption: "We are hiring"\n'
        "caption_defaults: false\n"
        "privacy: SELF_ONLY\n"
    )


def uploads(root: Path) -> int:
    world = WorldData.model_validate_json((root / SANDBOX / "world" / "world.json").read_bytes())
    return len(world.posts)


def records(root: Path) -> dict[str, dict]:
    state = json.loads((root / SANDBOX / "state.json").read_text(encoding="utf-8"))
    return state["resources"]


@pytest.fixture
def renamed(make_repo, cli):
    """``hiring@brand-uk`` published in the sandbox, then its manifest's id renamed."""
    repo = make_repo({"publisher.yaml": CONFIG, "posts/hiring.yaml": post("hiring")})
    first = cli(repo.root, "apply", "--sandbox", "--yes")
    assert first.exit_code == 0, first.output
    assert uploads(repo.root) == 1
    assert records(repo.root)["hiring@brand-uk"]["status"] == "published"
    repo.write("posts/hiring.yaml", post("hiring-2026"))
    repo.commit("rename")
    return repo


def test_a_rename_without_previous_ids_is_flagged_in_every_plan_format(renamed, cli) -> None:
    root = renamed.root
    text = cli(root, "plan", "--sandbox")
    assert "probable rename of hiring@brand-uk" in text.output
    assert "this would post the same video again" in text.output
    # The summary does not promise the post: apply refuses it as it stands.
    assert (
        "Plan: 1 to publish (1 a probable repost: apply refuses it without --allow-repost)"
    ) in text.output
    markdown = cli(root, "plan", "--sandbox", "--format", "markdown")
    assert "probable rename of `hiring@brand-uk`" in markdown.stdout
    assert "this would post the same video again" in markdown.stdout
    plan = json.loads(cli(root, "plan", "--sandbox", "--format", "json").stdout)
    change = next(c for c in plan["changes"] if c["address"] == "hiring-2026@brand-uk")
    assert change["action"] == "create" and change["repost_of"] == "hiring@brand-uk"
    assert any("this would post the same video again" in w for w in plan["warnings"])


def test_apply_refuses_the_repost_unless_allowed(renamed, cli, tmp_path) -> None:
    root = renamed.root
    refused = cli(root, "apply", "--sandbox", "--yes")
    assert refused.exit_code == 1
    assert "refusing to post the same video again" in refused.output
    assert "previous_ids: [hiring]" in refused.output
    assert "--allow-repost hiring-2026@brand-uk" in refused.output
    assert "Traceback" not in refused.output
    assert uploads(root) == 1 and "hiring-2026@brand-uk" not in records(root)

    saved = tmp_path / "reviewed.plan"
    assert cli(root, "plan", "--sandbox", "-o", str(saved)).exit_code == 0
    from_file = cli(root, "apply", "--sandbox", str(saved))
    assert from_file.exit_code == 1 and "refusing to post the same video again" in from_file.output
    assert uploads(root) == 1

    mistyped = cli(root, "apply", "--sandbox", str(saved), "--allow-repost", "hiring2026@brand-uk")
    assert mistyped.exit_code == 1 and "refusing to post the same video again" in mistyped.output
    assert "warning: --allow-repost hiring2026@brand-uk allows nothing" in mistyped.stderr
    assert uploads(root) == 1

    allowed = cli(root, "apply", "--sandbox", str(saved), "--allow-repost", "hiring-2026@brand-uk")
    assert "allows nothing" not in allowed.stderr
    assert allowed.exit_code == 0, allowed.output
    assert uploads(root) == 2  # posted again, on purpose
    assert records(root)["hiring-2026@brand-uk"]["status"] == "published"


def test_previous_ids_moves_the_record_and_posts_nothing(renamed, cli) -> None:
    root = renamed.root
    renamed.write("posts/hiring.yaml", post("hiring-2026", previous="hiring"))
    renamed.commit("declare the rename")
    before = records(root)["hiring@brand-uk"]

    text = cli(root, "plan", "--sandbox", "--detailed-exitcode")
    assert text.exit_code == 2, text.output  # the move is a change apply makes
    assert "hiring@brand-uk -> hiring-2026@brand-uk (moved)" in text.output
    assert "probable rename" not in text.output and "orphan" not in text.output
    markdown = cli(root, "plan", "--sandbox", "--format", "markdown").stdout
    assert "hiring@brand-uk -> hiring-2026@brand-uk (moved)" in markdown
    plan = json.loads(cli(root, "plan", "--sandbox", "--format", "json").stdout)
    assert plan["moves"] == {"hiring@brand-uk": "hiring-2026@brand-uk"}
    (change,) = plan["changes"]
    assert change["action"] == "noop" and change["moved_from"] == "hiring@brand-uk"

    applied = cli(root, "apply", "--sandbox")  # no --yes: moves alone post nothing
    assert applied.exit_code == 0, applied.output
    assert "Moved hiring@brand-uk -> hiring-2026@brand-uk" in applied.output
    after = records(root)
    assert set(after) == {"hiring-2026@brand-uk"}
    moved = after["hiring-2026@brand-uk"]
    assert moved["post_id"] == "hiring-2026"
    assert {k: v for k, v in moved.items() if k != "post_id"} == {
        k: v for k, v in before.items() if k != "post_id"
    }
    assert uploads(root) == 1
    again = cli(root, "plan", "--sandbox", "--detailed-exitcode")
    assert again.exit_code == 0, again.output  # previous_ids kept in the manifest: noop


def test_state_mv_moves_the_record(renamed, cli) -> None:
    root = renamed.root
    serial = json.loads((root / SANDBOX / "state.json").read_text())["serial"]
    unknown = cli(root, "state", "--sandbox", "mv", "nope@brand-uk", "hiring-2026@brand-uk")
    assert unknown.exit_code == 1 and "no record of nope@brand-uk" in unknown.output
    other_account = cli(root, "state", "--sandbox", "mv", "hiring@brand-uk", "hiring@brand-us")
    assert other_account.exit_code == 1 and "brand-uk's account" in other_account.output
    moved = cli(root, "state", "--sandbox", "mv", "hiring@brand-uk", "hiring-2026@brand-uk")
    assert moved.exit_code == 0, moved.output
    state = json.loads((root / SANDBOX / "state.json").read_text())
    assert set(state["resources"]) == {"hiring-2026@brand-uk"} and state["serial"] == serial + 1
    again = cli(root, "state", "--sandbox", "mv", "hiring-2026@brand-uk", "hiring-2026@brand-uk")
    assert again.exit_code == 1 and "onto itself" in again.output and "rm" not in again.output
    plan = cli(root, "plan", "--sandbox", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert uploads(root) == 1


def test_the_create_is_refused_when_a_scheduled_post_shares_the_orphans_video(
    make_repo, cli
) -> None:
    # "a-recap" (scheduled, same video) sorts before "hiring-2026": the orphan was paired
    # with the scheduled post and the create went through, posting the video a second time.
    repo = make_repo({"publisher.yaml": CONFIG, "posts/hiring.yaml": post("hiring")})
    assert cli(repo.root, "apply", "--sandbox", "--yes").exit_code == 0
    scheduled = post("a-recap") + "publish_at: 2099-01-01T09:00:00Z\n"
    repo.write("posts/recap.yaml", scheduled)
    repo.write("posts/hiring.yaml", post("hiring-2026"))
    repo.commit("rename, and a later post of the same video")
    plan = cli(repo.root, "plan", "--sandbox")
    assert "hiring-2026@brand-uk: probable rename of hiring@brand-uk" in plan.output
    refused = cli(repo.root, "apply", "--sandbox", "--yes")
    assert refused.exit_code == 1, refused.output
    assert "--allow-repost hiring-2026@brand-uk" in refused.output
    assert uploads(repo.root) == 1


def test_a_renamed_account_is_flagged_and_its_posts_are_not_posted_again(make_repo, cli) -> None:
    """Records are kept by account name: renaming ``brand-uk`` in publisher.yaml orphaned its
    records and planned its posts anew for the same TikTok user (its username unchanged).
    The creates are probable reposts of the orphans, refused by apply."""
    repo = make_repo({"publisher.yaml": CONFIG, "posts/hiring.yaml": post("hiring")})
    assert cli(repo.root, "apply", "--sandbox", "--yes").exit_code == 0
    renamed = CONFIG.replace("  brand-uk:\n", "  acme-uk:\n").replace(
        "  brand-uk: [", "  acme-uk: ["
    )
    assert renamed != CONFIG
    repo.write("publisher.yaml", renamed)
    repo.write("posts/hiring.yaml", post("hiring").replace("[brand-uk]", "[acme-uk]"))
    repo.commit("rename the account")
    root = repo.root
    text = cli(root, "plan", "--sandbox")
    assert "hiring@acme-uk: probable repost of hiring@brand-uk (same video, same user" in (
        text.output
    )
    assert "give it its old name back" in text.output
    refused = cli(root, "apply", "--sandbox", "--yes")
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "looks like a post of a renamed account" in refused.output
    assert "--allow-repost hiring@acme-uk" in refused.output
    assert uploads(root) == 1 and "hiring@acme-uk" not in records(root)
