"""Addresses name one published post: ``POST_ID@ACCOUNT``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gitops_publisher.errors import AddressError

_ADDRESS = re.compile(
    r"^(?P<post>[a-z0-9][a-z0-9._-]{0,63})@(?P<account>[a-z0-9][a-z0-9._-]{0,63})$"
)


@dataclass(frozen=True, order=True)
class Address:
    """A (post, account) pair; the unit of planning, state and exactly-once."""

    post_id: str
    account: str

    def __str__(self) -> str:
        return f"{self.post_id}@{self.account}"

    @classmethod
    def parse(cls, text: str) -> Address:
        """Parse ``POST_ID@ACCOUNT``.

        Raises:
            AddressError: the text is not of that form.
        """
        match = _ADDRESS.match(text.strip())
        if match is None:
            raise AddressError(
                f"'{text}' is not an address",
                hint="an address is POST_ID@ACCOUNT, e.g. launch-teaser@brand-us "
                "(see `publisher state list`)",
            )
        return cls(match["post"], match["account"])


def matches(address: Address, selectors: frozenset[str]) -> bool:
    """Whether ``address`` is selected by ``POST_ID@ACCOUNT`` or bare ``POST_ID`` selectors.

    No selectors select nothing (the address is not even formatted: the planner asks for
    every post whether ``--replace`` names it).
    """
    return bool(selectors) and (str(address) in selectors or address.post_id in selectors)
