"""``publisher state import``: adopt a post published elsewhere, after TikTok confirms it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from gitops_publisher.apply import records
from gitops_publisher.apply.runtime import Connection, open_clients
from gitops_publisher.core.identity import Identity, expected_of, mismatch
from gitops_publisher.core.state import Provenance, Record
from gitops_publisher.errors import AddressError, PublisherError
from gitops_publisher.planning import Planned
from gitops_publisher.providers.tiktok.api_models import PublishStatus


def adopt(planned: Planned, connection: Connection, address: str, publish_id: str) -> Record:
    """Check ``publish_id``'s status and record it for ``address``; the caller holds the lock.

    The record takes the manifest's current fingerprint, so the address plans as ``noop``
    (or ``resume`` while TikTok still processes it).

    Raises:
        AddressError: no manifest declares ``address``.
        PublisherError: already recorded, TikTok says the publish failed, or the account's
            token belongs to another TikTok user than the account is (core/identity.py).
        ApiError: TikTok does not know the publish_id for this account's token.
    """
    posts = {str(p.address): p for p in planned.project.posts}
    post = posts.get(address)
    if post is None:
        raise AddressError(
            f"no manifest declares {address}",
            hint="import needs the manifest first, so the plan can compare against it",
        )
    existing = planned.state.resources.get(address)
    if existing is not None:
        raise PublisherError(
            f"{address} is already recorded ({existing.status}, {existing.publish_id})",
            hint=f"`publisher state rm {address}` first if the record is wrong",
        )

    async def fetch() -> tuple[PublishStatus, Identity]:
        account = post.address.account
        async with open_clients(connection, planned.project.config.accounts, [account]) as clients:
            client = clients.clients[account]
            status = await client.fetch_status(publish_id)
            username = (await client.creator_info()).creator_username
            return status, Identity(clients.auths[account].tokens.open_id, username)

    answer, who = asyncio.run(fetch())
    config = planned.project.config.accounts[post.address.account]
    problem = mismatch(
        post.address.account,
        expected_of(planned.state, post.address.account, config),
        who,
    )
    if problem is not None:
        raise PublisherError(f"not imported: {problem}")
    username = who.username or None
    status, fail_reason, post_ids = answer.status, answer.fail_reason, answer.post_ids
    if status == records.FAILED:
        raise PublisherError(
            f"TikTok says {publish_id} failed ({fail_reason}); there is nothing to import",
            hint="`publisher apply` publishes the post",
        )
    now = datetime.now(UTC)
    record = records.start(post, None, now, Provenance(), who)
    record = records.initialized(record, publish_id, None, now)
    record = records.uploaded(record, now)
    return records.from_status(record, status, fail_reason, post_ids, username, now)
