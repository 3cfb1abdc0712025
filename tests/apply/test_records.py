from datetime import UTC, datetime

from gitops_publisher.apply import records
from gitops_publisher.core.address import Address
from gitops_publisher.core.desired import DesiredPost, VideoRef
from gitops_publisher.core.state import Provenance

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _post() -> DesiredPost:
    return DesiredPost(
        address=Address("teaser", "brand-us"),
        manifest_file="posts/teaser.yaml",
        video=VideoRef("media/a.mp4", "git:abc", 1000),
        mode="direct",
        caption="hi",
        privacy="SELF_ONLY",
        post_info={"privacy_level": "SELF_ONLY"},
        publish_at=None,
        not_after=None,
        on_missed="publish",
        fingerprint="sha256:1",
    )


def test_a_replaced_post_stays_in_the_records_history() -> None:
    first = records.start(_post(), None, NOW, Provenance())
    first = records.initialized(first, "v_pub_file~1", None, NOW)
    ids = ["7000000000000000001"]
    first = records.uploaded(first, NOW)
    first = records.from_status(first, "PUBLISH_COMPLETE", None, ids, "brand", NOW)
    assert first.url == "https://www.tiktok.com/@brand/video/7000000000000000001"

    second = records.start(_post(), first, NOW, Provenance())
    assert second.publish_id is None and second.status == "initiating"
    assert second.attempts == 2
    assert [h.publish_id for h in second.history] == ["v_pub_file~1"]
    assert second.history[0].url == first.url
    assert second.history[0].post_ids == ["7000000000000000001"]


def test_an_attempt_without_publish_id_adds_no_history() -> None:
    first = records.start(_post(), None, NOW, Provenance())
    again = records.start(_post(), first, NOW, Provenance())
    assert again.history == [] and again.attempts == 2
