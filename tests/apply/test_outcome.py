"""What the summary says of each settled post, including why a published post has no URL."""

from __future__ import annotations

from gitops_publisher.apply.events import Outcome
from gitops_publisher.apply.settle import outcome
from gitops_publisher.core.plan import Action, Change
from gitops_publisher.core.state import Record
from gitops_publisher.providers.tiktok.adapter import TikTokProvider, to_outcome
from gitops_publisher.providers.tiktok.api_models import PublishStatus

from .builders import started_record

DONE = PublishStatus(status="PUBLISH_COMPLETE")
TIKTOK = TikTokProvider(api=None)  # type: ignore[arg-type]  # only its words are used


def done(privacy: str):  # type: ignore[no-untyped-def]
    """TikTok's PUBLISH_COMPLETE without post ids, as the port's outcome."""
    return to_outcome(DONE, 0, privacy, None)


def change(privacy: str) -> Change:
    return Change(
        address="teaser@brand-us",
        post_id="teaser",
        account="brand-us",
        action=Action.CREATE,
        reason="new post",
        privacy=privacy,
    )


def published(url: str | None = None) -> Record:
    return started_record().model_copy(
        update={"status": "published", "publish_id": "v_pub_file~1", "url": url}
    )


def test_a_private_post_says_why_it_has_no_url() -> None:
    result = outcome(change("SELF_ONLY"), published(), done("SELF_ONLY"), TIKTOK)
    assert result.outcome is Outcome.PUBLISHED and result.url is None
    assert result.message.startswith("no public URL: TikTok gives a post id only for posts")
    assert "SELF_ONLY" in result.message


def test_a_public_post_without_ids_yet_says_so() -> None:
    result = outcome(change("PUBLIC_TO_EVERYONE"), published(), done("PUBLIC_TO_EVERYONE"), TIKTOK)
    assert result.message.startswith("no URL yet")


def test_a_post_with_a_url_needs_no_explanation() -> None:
    url = "https://www.tiktok.com/@acme/video/7300000000000000001"
    result = outcome(
        change("PUBLIC_TO_EVERYONE"), published(url), done("PUBLIC_TO_EVERYONE"), TIKTOK
    )
    assert (result.url, result.message) == (url, "")
