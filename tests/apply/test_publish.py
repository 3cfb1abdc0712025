"""The engine over real HTTP against the emulator: direct, draft, fan-out, schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gitops_publisher.apply.events import Outcome

from .harness import PostSpec, apply_once, assert_exactly_once, pending_changes, read_state

ACCOUNTS = ["brand-us", "brand-uk", "devrel"]


def test_direct_and_draft_posts_publish_once_and_state_matches_the_emulator(
    project, emulator, tokens
):
    root = project(
        ["brand-us"],
        [
            PostSpec("public", ["brand-us"], privacy="PUBLIC_TO_EVERYONE"),
            PostSpec("private", ["brand-us"], video="media/tutorial-part2.mp4"),
            PostSpec("draft", ["brand-us"], video="media/customer-story.mp4", mode="draft"),
        ],
    )
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        report = apply_once(root, em, tokens)
        outcomes = {r.address: r.outcome for r in report.results}
        assert outcomes == {
            "public@brand-us": Outcome.PUBLISHED,
            "private@brand-us": Outcome.PUBLISHED,
            "draft@brand-us": Outcome.INBOX,
        }
        found = assert_exactly_once(
            root,
            em.posts(),
            {
                "public@brand-us": "media/tutorial-part1.mp4",
                "private@brand-us": "media/tutorial-part2.mp4",
                "draft@brand-us": "media/customer-story.mp4",
            },
        )
        assert found["draft@brand-us"]["mode"] == "inbox"
        assert found["public@brand-us"]["privacy"] == "PUBLIC_TO_EVERYONE"
        state = read_state(root)
        public = state.resources["public@brand-us"]
        assert public.post_ids and public.url and public.url.endswith(public.post_ids[0])
        assert pending_changes(root) == []
        # A second apply publishes nothing and sends no init.
        inits = sum(1 for r in em.requests() if r["endpoint"].endswith("init"))
        again = apply_once(root, em, tokens)
        assert again.results == []
        assert sum(1 for r in em.requests() if r["endpoint"].endswith("init")) == inits
        assert read_state(root).serial == state.serial


def test_fan_out_to_three_accounts_runs_each_account_once(project, emulator, tokens):
    posts = [PostSpec(f"p{i}", ACCOUNTS, video="media/tutorial-part1.mp4") for i in range(3)]
    root = project(ACCOUNTS, posts)
    with emulator() as em:
        tokens.login(em, ACCOUNTS)
        report = apply_once(root, em, tokens)
        assert {r.outcome for r in report.results} == {Outcome.PUBLISHED}
        expected = {f"p{i}@{a}": "media/tutorial-part1.mp4" for i in range(3) for a in ACCOUNTS}
        assert_exactly_once(root, em.posts(), expected)
        by_account = {a: [p for p in em.posts() if p["account"] == a] for a in ACCOUNTS}
        assert all(len(v) == 3 for v in by_account.values())


def test_scheduled_post_waits_then_publishes_when_due(project, emulator, tokens):
    when = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    root = project(
        ["brand-us"],
        [
            PostSpec("later", ["brand-us"], publish_at=when.isoformat()),
            PostSpec("now", ["brand-us"], video="media/tutorial-part2.mp4"),
        ],
    )
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        before = when - timedelta(hours=1)
        first = apply_once(root, em, tokens, now=before)
        assert [r.address for r in first.results] == ["now@brand-us"]
        assert "later@brand-us" not in read_state(root).resources
        assert pending_changes(root, now=before) == []
        second = apply_once(root, em, tokens, now=when + timedelta(minutes=1))
        assert [(r.address, r.outcome) for r in second.results] == [
            ("later@brand-us", Outcome.PUBLISHED)
        ]
        assert_exactly_once(
            root,
            em.posts(),
            {
                "now@brand-us": "media/tutorial-part2.mp4",
                "later@brand-us": "media/tutorial-part1.mp4",
            },
        )


def test_replace_posts_anew_and_keeps_the_first_post_in_state(project, emulator, tokens):
    root = project(["brand-us"], [PostSpec("launch", ["brand-us"])])
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        apply_once(root, em, tokens)
        first = read_state(root).resources["launch@brand-us"].publish_id
        report = apply_once(root, em, tokens, replace=frozenset({"launch@brand-us"}))
        assert [(r.action, r.outcome) for r in report.results] == [("replace", Outcome.PUBLISHED)]
        record = read_state(root).resources["launch@brand-us"]
        assert record.publish_id != first
        assert [h.publish_id for h in record.history] == [first]
        assert_exactly_once(
            root,
            em.posts(),
            {"launch@brand-us": "media/tutorial-part1.mp4"},
            replaced={"launch@brand-us": 1},
        )
        assert apply_once(root, em, tokens).results == []  # and nothing more after that
