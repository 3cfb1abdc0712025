"""The identity check: configured handle/open_id, the pin from the records, trust on first use."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gitops_publisher.core.identity import (
    Identity,
    check_accounts,
    expected,
    expected_of,
    handle,
    mismatch,
    pinned,
)
from gitops_publisher.core.models import Config
from gitops_publisher.core.state import State

from .test_planner import NOW, desired, record, state_of

ACME = Identity("oid-acme", "acme")
OTHER = Identity("oid-other", "sandbox.creator")


def pinned_state(*identities: tuple[str, Identity | None]) -> State:
    """A state with one published record per (post id, identity) on brand-us, newest first."""
    records = []
    for age, (post_id, who) in enumerate(identities):
        (post,) = desired(post_id)
        records.append(
            record(
                post,
                open_id=who.open_id if who else None,
                username=who.username if who else None,
                created_at=NOW - timedelta(days=age + 1),
            )
        )
    return state_of(*records)


def test_handles_compare_without_case_or_at_sign() -> None:
    assert handle("@Acme.Main") == handle("acme.main") == "acme.main"
    assert handle(None) == ""


def test_the_pin_is_the_newest_record_with_an_open_id() -> None:
    assert pinned(State(), "brand-us") is None
    assert pinned(pinned_state(("old", None)), "brand-us") is None  # written before pins
    state = pinned_state(("new", Identity("oid-new", "acme")), ("old", ACME), ("older", None))
    assert pinned(state, "brand-us") == Identity("oid-new", "acme")
    assert pinned(state, "brand-uk") is None


def test_no_identity_anywhere_trusts_the_first_user_with_a_notice() -> None:
    check = check_accounts(State(), {"brand-us": Named()}, {"brand-us": OTHER})
    assert check.stopped == {} and check.seen == {"brand-us": OTHER}
    assert check.notices == [
        "account brand-us names no TikTok identity in publisher.yaml: it will be pinned to "
        "@sandbox.creator (open_id oid-other) when it first publishes; add "
        "`username: sandbox.creator` under it"
    ]


def test_a_later_user_other_than_the_pin_is_stopped_naming_both() -> None:
    state = pinned_state(("first", ACME))
    problem = mismatch("brand-us", expected(state, "brand-us", None, None), OTHER)
    assert problem is not None
    assert "pinned to @acme (open_id oid-acme)" in problem
    assert "belongs to @sandbox.creator (open_id oid-other)" in problem
    # The same user under a new handle is still the pinned open_id: not a mismatch.
    renamed = Identity("oid-acme", "acme.new")
    assert mismatch("brand-us", expected(state, "brand-us", None, None), renamed) is None


@pytest.mark.parametrize(
    ("username", "open_id", "seen", "stops"),
    [
        ("@ACME", None, ACME, False),
        ("acme", None, OTHER, True),
        (None, "oid-acme", ACME, False),
        (None, "oid-acme", OTHER, True),
        ("acme", None, Identity("oid-acme", ""), False),  # handle unknown: open_id/pin decide
    ],
)
def test_the_configured_identity_is_checked(
    username: str | None, open_id: str | None, seen: Identity, stops: bool
) -> None:
    problem = mismatch("brand-us", expected(State(), "brand-us", username, open_id), seen)
    assert (problem is not None) is stops
    if stops:
        assert "in publisher.yaml" in problem and "@sandbox.creator" in problem  # type: ignore[operator]


def test_a_configured_open_id_moves_the_account_past_its_pin_on_purpose() -> None:
    state = pinned_state(("first", OTHER))
    want = expected(state, "brand-us", None, "oid-acme")
    assert mismatch("brand-us", want, ACME) is None
    # ...while a handle-only config keeps the pin (a handle can be given up and re-taken).
    assert mismatch("brand-us", expected(state, "brand-us", "acme", None), ACME) is not None


def test_config_accepts_username_and_open_id() -> None:
    config = Config.model_validate(
        {
            "version": 1,
            "accounts": {
                "brand-us": {
                    "refresh_token_env": "TOKEN_US",
                    "username": "@acme",
                    "open_id": "-000abc_Def",
                }
            },
        }
    )
    account = config.accounts["brand-us"]
    assert (account.username, account.open_id) == ("@acme", "-000abc_Def")


class Named:
    username: str | None = None
    open_id: str | None = None
    provider: str = "tiktok"

    @property
    def identity_handle(self) -> str | None:
        return self.username

    @property
    def identity_id(self) -> str | None:
        return self.open_id


def test_youtube_accounts_are_checked_by_channel_id_and_handle_in_their_own_words() -> None:
    channel, other = "UC" + "a" * 22, "UC" + "b" * 22
    config = Config.model_validate(
        {
            "version": 1,
            "accounts": {
                "acme-yt": {
                    "provider": "youtube",
                    "refresh_token_env": "YT",
                    "channel_id": channel,
                    "handle": "@Acme",
                },
                "new-yt": {"provider": "youtube", "refresh_token_env": "YT2"},
            },
        }
    )
    want = expected_of(State(), "acme-yt", config.accounts["acme-yt"])
    assert mismatch("acme-yt", want, Identity(channel, "@acme")) is None
    problem = mismatch("acme-yt", want, Identity(other, "@acme"))
    assert problem == (
        f"account acme-yt is channel_id {channel} in publisher.yaml, but its token belongs to "
        f"@acme (channel_id {other}): log in as the right channel (`publisher auth login "
        "--account acme-yt`), or correct channel_id in publisher.yaml"
    )
    problem = mismatch("acme-yt", want, Identity(channel, "@someone"))
    assert problem is not None and problem.endswith("or correct handle in publisher.yaml")
    check = check_accounts(State(), config.accounts, {"new-yt": Identity(other, "@newbie")})
    assert check.notices == [
        "account new-yt names no YouTube identity in publisher.yaml: it will be pinned to "
        f"@newbie (channel_id {other}) when it first publishes; add `handle: newbie` under it"
    ]
