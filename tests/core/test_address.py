"""Addresses: ``POST_ID@ACCOUNT``, the unit of planning and of exactly-once."""

from __future__ import annotations

import pytest

from gitops_publisher.core.address import Address, matches
from gitops_publisher.errors import AddressError


def test_an_address_parses_and_prints_back() -> None:
    address = Address.parse(" launch-teaser@brand-us ")
    assert address == Address("launch-teaser", "brand-us")
    assert str(address) == "launch-teaser@brand-us"


@pytest.mark.parametrize(
    "text",
    ["launch", "launch@", "@brand-us", "a@b@c", "Launch@brand-us", "launch@Brand", "-x@brand-us"],
)
def test_malformed_addresses_are_refused_with_a_hint(text: str) -> None:
    with pytest.raises(AddressError, match="is not an address") as caught:
        Address.parse(text)
    assert "POST_ID@ACCOUNT" in caught.value.hint


def test_selectors_match_a_full_address_or_every_account_of_a_post() -> None:
    address = Address("launch", "brand-us")
    assert matches(address, frozenset({"launch@brand-us"}))
    assert matches(address, frozenset({"launch"}))
    assert not matches(address, frozenset({"launch@brand-uk", "other"}))
    assert not matches(address, frozenset())


def test_addresses_sort_by_post_then_account() -> None:
    addresses = [Address("b", "a"), Address("a", "z"), Address("a", "b")]
    assert [str(a) for a in sorted(addresses)] == ["a@b", "a@z", "b@a"]
