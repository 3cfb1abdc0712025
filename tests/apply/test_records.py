from gitops_publisher.apply import records
from gitops_publisher.core.state import Provenance
from gitops_publisher.providers.tiktok.adapter import to_outcome
from gitops_publisher.providers.tiktok.api_models import PublishStatus

from .builders import NOW, desired_post


def test_a_replaced_post_stays_in_the_records_history() -> None:
    first = records.start(desired_post(), None, NOW, Provenance())
    first = records.initialized(first, "v_pub_file~1", None, NOW)
    ids = ["7000000000000000001"]
    first = records.uploaded(first, NOW)
    status = PublishStatus(status="PUBLISH_COMPLETE", post_ids=ids)
    first = records.settled(first, to_outcome(status, 0, None, "brand"), NOW)
    assert first.url == "https://www.tiktok.com/@brand/video/7000000000000000001"

    second = records.start(desired_post(), first, NOW, Provenance())
    assert second.publish_id is None and second.status == "initiating"
    assert second.attempts == 2
    assert [h.publish_id for h in second.history] == ["v_pub_file~1"]
    assert second.history[0].url == first.url
    assert second.history[0].post_ids == ["7000000000000000001"]


def test_an_attempt_without_publish_id_adds_no_history() -> None:
    first = records.start(desired_post(), None, NOW, Provenance())
    again = records.start(desired_post(), first, NOW, Provenance())
    assert again.history == [] and again.attempts == 2
