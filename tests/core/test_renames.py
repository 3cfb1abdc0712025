"""Renamed post ids in the pure planner: declared moves and probable reposts (design §12)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gitops_publisher.cli.views.plan_markdown import render_markdown
from gitops_publisher.cli.views.plan_text import render_text
from gitops_publisher.core.drift import snapshot
from gitops_publisher.core.models import PostManifest
from gitops_publisher.core.plan import Action
from gitops_publisher.core.renames import probable_reposts, refuse_reposts, unused_allowances
from gitops_publisher.errors import PublisherError

from .test_planner import actions, desired, make, record, state_of


def renamed(**fields: object) -> list:
    return desired("hiring-2026", ("brand-us", "brand-uk"), **fields)


def published_as_hiring():
    old = desired("hiring", ("brand-us", "brand-uk"))
    return state_of(*(record(p) for p in old))


def test_previous_ids_moves_each_accounts_record_and_the_post_stays_noop() -> None:
    state = published_as_hiring()
    result = make(renamed(previous_ids=["hiring"]), state)
    assert result.moves == {
        "hiring@brand-us": "hiring-2026@brand-us",
        "hiring@brand-uk": "hiring-2026@brand-uk",
    }
    assert actions(result) == {
        "hiring-2026@brand-uk": Action.NOOP,
        "hiring-2026@brand-us": Action.NOOP,
    }
    assert {c.moved_from for c in result.changes} == {"hiring@brand-us", "hiring@brand-uk"}
    assert result.has_changes and not result.publishes and result.errors == []
    assert result.serial == state.serial and result.lineage == state.lineage
    assert "hiring@brand-us -> hiring-2026@brand-us (moved)" in render_text(result, color=False)
    assert "hiring@brand-uk -> hiring-2026@brand-uk (moved)" in render_markdown(result)
    assert "2 to move" in render_text(result, color=False)


def test_previous_ids_do_not_enter_the_fingerprint() -> None:
    assert [p.fingerprint for p in renamed(previous_ids=["hiring"])] == [
        p.fingerprint for p in renamed()
    ]


def test_a_moved_record_that_changed_since_is_drift_at_its_new_address() -> None:
    result = make(renamed(previous_ids=["hiring"], caption="new words"), published_as_hiring())
    assert set(actions(result).values()) == {Action.DRIFT}
    assert all(c.moved_from for c in result.changes)


def test_a_previous_id_no_longer_recorded_does_nothing() -> None:
    moved = state_of(*(record(p) for p in renamed()))
    result = make(renamed(previous_ids=["hiring"]), moved)
    assert result.moves == {} and not result.has_changes


def test_a_previous_id_on_an_account_without_its_record_moves_nothing_there() -> None:
    state = state_of(record(desired("hiring", ("brand-us",))[0]))
    result = make(renamed(previous_ids=["hiring"]), state)
    assert result.moves == {"hiring@brand-us": "hiring-2026@brand-us"}
    assert actions(result)["hiring-2026@brand-uk"] is Action.CREATE


def test_both_addresses_recorded_is_an_error() -> None:
    state = published_as_hiring().with_record(record(renamed()[0]))
    result = make(renamed(previous_ids=["hiring"]), state)
    both = "both hiring@brand-us and hiring-2026@brand-us are recorded"
    assert any(both in e for e in result.errors)
    assert "hiring@brand-us" not in result.moves


def test_a_previous_id_still_declared_is_an_error() -> None:
    posts = renamed(previous_ids=["hiring"]) + desired("hiring", ("brand-us", "brand-uk"))
    result = make(posts, published_as_hiring())
    assert result.moves == {}
    assert any("still declared" in e for e in result.errors)


def test_two_posts_claiming_one_previous_id_is_an_error() -> None:
    posts = renamed(previous_ids=["hiring"]) + desired(
        "hiring-copy", ("brand-us", "brand-uk"), previous_ids=["hiring"]
    )
    result = make(posts, published_as_hiring())
    assert any("also claimed" in e for e in result.errors)


def test_a_manifest_cannot_name_its_own_id_or_one_twice() -> None:
    base = {"id": "a", "accounts": ["x"], "video": "v.mp4"}
    with pytest.raises(ValidationError, match="own id"):
        PostManifest.model_validate({**base, "previous_ids": ["a"]})
    with pytest.raises(ValidationError, match="twice"):
        PostManifest.model_validate({**base, "previous_ids": ["b", "b"]})


# --- probable reposts -------------------------------------------------------------------------


def test_an_orphan_and_a_create_of_the_same_video_are_flagged() -> None:
    result = make(renamed(caption="reworded too"), published_as_hiring())
    creates = [c for c in result.changes if c.action is Action.CREATE]
    assert {c.address: c.repost_of for c in creates} == {
        "hiring-2026@brand-us": "hiring@brand-us",
        "hiring-2026@brand-uk": "hiring@brand-uk",
    }
    warning = next(w for w in result.warnings if w.startswith("hiring-2026@brand-us"))
    assert "this would post the same video again" in warning
    assert "previous_ids: [hiring]" in warning and "--allow-repost hiring-2026@brand-us" in warning
    assert "probable rename of hiring@brand-us" in render_text(result, color=False)
    assert "probable rename of `hiring@brand-us`" in render_markdown(result)


def test_an_allowance_that_matches_no_probable_repost_is_named() -> None:
    result = make(renamed(caption="reworded too"), published_as_hiring())
    allowed = frozenset({"hiring-2026@brand-us", "hiring2026@brand-uk", "hiring@brand-us"})
    assert unused_allowances(result.changes, allowed) == ["hiring2026@brand-uk", "hiring@brand-us"]
    assert unused_allowances(result.changes, frozenset({"hiring-2026@brand-uk"})) == []


def test_a_failed_orphan_or_another_video_or_account_is_not_a_repost() -> None:
    failed = state_of(record("hiring@brand-us", "failed", fail_reason="x", video="media/a.mp4"))
    other_video = state_of(record("hiring@brand-us", video="media/other.mp4"))
    other_account = state_of(record("hiring@devrel", video="media/a.mp4"))
    for state in (failed, other_video, other_account):
        result = make(desired("hiring-2026", ("brand-us",)), state)
        assert [c.repost_of for c in result.changes if c.action is Action.CREATE] == [None]


def test_apply_refuses_a_flagged_create_unless_allowed() -> None:
    result = make(renamed(), published_as_hiring())
    with pytest.raises(PublisherError) as info:
        refuse_reposts(result.changes, frozenset({"hiring-2026@brand-us"}))
    assert "hiring-2026@brand-uk" in str(info.value) and "hiring-2026@brand-us" not in str(
        info.value
    )
    assert "--allow-repost hiring-2026@brand-uk" in info.value.hint
    refuse_reposts(result.changes, frozenset({"hiring-2026@brand-us", "hiring-2026@brand-uk"}))


def test_a_targeted_create_is_checked_against_orphans_outside_the_targets() -> None:
    result = make(renamed(), published_as_hiring(), targets=frozenset({"hiring-2026"}))
    assert [c.action for c in result.changes] == [Action.CREATE, Action.CREATE]
    assert all(c.repost_of for c in result.changes)


# --- the same video is the sent video id, one orphan per new address --------------------------


def sent_record(post_id: str, video_id: str, **changes: object):  # type: ignore[no-untyped-def]
    """The record apply writes today: ``sent`` holds the content id of what was sent."""
    (post,) = desired(post_id, ("brand-us",), video_id=video_id, caption=f"{post_id} words")
    return record(post, sent=snapshot(post), **changes)


def reposts_of(result) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    return {c.address: c.repost_of for c in result.changes if c.action is Action.CREATE}


def test_a_rename_that_moved_the_video_file_and_reworded_is_flagged_by_the_sent_video_id() -> None:
    # Neither the fingerprint (the caption changed) nor the path (the file moved) matches.
    state = state_of(sent_record("hiring", "git:aaaa", video="media/old/hiring.mp4"))
    result = make(desired("hiring-2026", ("brand-us",), video_id="git:aaaa"), state)
    assert reposts_of(result) == {"hiring-2026@brand-us": "hiring@brand-us"}


def test_a_new_video_saved_over_the_old_file_is_not_a_repost() -> None:
    state = state_of(sent_record("hiring", "git:aaaa"))  # published from media/a.mp4
    result = make(desired("hiring-2026", ("brand-us",), video_id="git:bbbb"), state)
    assert reposts_of(result) == {"hiring-2026@brand-us": None}


def test_two_new_posts_never_both_claim_one_orphan() -> None:
    state = state_of(sent_record("hiring", "git:aaaa"))
    posts = desired("hiring-2026", ("brand-us",)) + desired("hiring-copy", ("brand-us",))
    result = make(posts, state)
    claimed = [old for old in reposts_of(result).values() if old]
    assert claimed == ["hiring@brand-us"]  # one of them, not both
    warnings = [w for w in result.warnings if "probable rename" in w]
    assert len(warnings) == 1


def test_two_renamed_posts_of_one_video_each_take_their_own_orphan() -> None:
    state = state_of(sent_record("hiring", "git:aaaa"), sent_record("jobs", "git:aaaa"))
    posts = desired("hiring-2026", ("brand-us",)) + desired("jobs-2026", ("brand-us",))
    assert reposts_of(make(posts, state)) == {
        "hiring-2026@brand-us": "hiring@brand-us",
        "jobs-2026@brand-us": "jobs@brand-us",
    }


def test_the_pairing_moves_an_earlier_claim_so_that_no_create_goes_unflagged() -> None:
    # "a" (recorded before `sent` existed) matches both creates by its path; "b" only the
    # first by its sent video id. A first-come pairing would give "a" to the first and
    # leave the second unflagged with an orphan of its video left over.
    old = record("a@brand-us", video="media/a.mp4")
    new = sent_record("b", "git:aaaa", video="media/b.mp4")
    (first,) = desired("first", ("brand-us",), video_id="git:aaaa")
    (second,) = desired("second", ("brand-us",), video_id="git:cccc")
    result = make([first, second], state_of(old, new))
    assert reposts_of(result) == {"first@brand-us": "b@brand-us", "second@brand-us": "a@brand-us"}
    changes = [c for c in result.changes if c.action is Action.CREATE]
    assert probable_reposts(changes, [old, new]) == {
        "first@brand-us": "b@brand-us",
        "second@brand-us": "a@brand-us",
    }


def test_many_posts_of_one_video_pair_without_recursion() -> None:
    count = 1100  # longer alternating paths than Python's default recursion limit (1000)
    orphans = [sent_record(f"old{i:04d}", "git:aaaa") for i in range(count)]
    posts = [p for i in range(count) for p in desired(f"new{i:04d}", ("brand-us",))]
    found = reposts_of(make(posts, state_of(*orphans)))
    assert len(set(found.values())) == count and None not in found.values()


def test_a_create_takes_the_orphan_before_a_scheduled_post_of_the_same_video() -> None:
    # A record moved away (`state mv launch-teaser@brand-us x@brand-us`) leaves its post's
    # create and another post of the same video, still waiting for its publish_at, both
    # candidates of the one orphan: the create, which would post now, must be the one flagged.
    state = state_of(sent_record("x", "git:aaaa"))
    (later,) = desired("a-later", ("brand-us",), publish_at="2030-01-01T09:00:00Z")
    (now,) = desired("z-now", ("brand-us",))
    result = make([later, now], state)
    assert actions(result)["a-later@brand-us"] is Action.WAIT
    assert reposts_of(result) == {"z-now@brand-us": "x@brand-us"}
    with pytest.raises(PublisherError, match="z-now@brand-us"):
        refuse_reposts(result.changes, frozenset())


def test_an_orphan_of_another_account_name_for_the_same_user_is_a_probable_repost() -> None:
    """Records are kept by account name: an account renamed in publisher.yaml leaves them
    orphans, and its posts would go to the same user again. The user is the one the account
    names (its username here), the one each record was checked to be."""
    from gitops_publisher.core.models import Config

    accounts = Config.model_validate(
        {
            "version": 1,
            "accounts": {
                "brand-us": {"refresh_token_env": "TOKEN_US", "username": "acme.us"},
                "brand-uk": {"refresh_token_env": "TOKEN_UK"},
                "devrel": {"refresh_token_env": "TOKEN_DEVREL"},
            },
        }
    ).accounts
    (post,) = desired("hiring", ("brand-us",))

    def reposts(username: str) -> str | None:
        old = record(post, account="old-us", username=username, sent=snapshot(post))
        (change,) = [
            c
            for c in make([post], state_of(old), accounts=accounts).changes
            if c.post_id == "hiring" and c.account == "brand-us"
        ]
        return change.repost_of

    assert reposts("Acme.US") == "hiring@old-us"  # handles are case-insensitive
    assert reposts("someone.else") is None  # another user: a new post
