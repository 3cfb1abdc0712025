from datetime import timedelta

from gitops_publisher.apply import records
from gitops_publisher.core.ports import Failed, Processing, Published
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
    # When it began goes with it: YouTube's uploads today are counted from it.
    assert second.history[0].began_at == first.began_at == NOW
    assert second.began_at is None  # the new attempt has no handle yet


def test_an_attempt_without_publish_id_adds_no_history() -> None:
    first = records.start(desired_post(), None, NOW, Provenance())
    again = records.start(desired_post(), first, NOW, Provenance())
    assert again.history == [] and again.attempts == 2


def test_an_attempt_began_when_its_handle_was_recorded_whatever_later_writes_say() -> None:
    """A later run that found the upload processing writes its own time: the attempt still
    began when the handle was recorded (a platform looks for its post from then)."""
    hour = timedelta(hours=1)
    first = records.start(desired_post(), None, NOW, Provenance())
    assert first.began_at is None
    record = records.initialized(first, "v_pub_file~1", None, NOW + hour)
    assert record.began_at == NOW + hour and records.began(record) == NOW + hour
    for later in (
        records.uploaded(record, NOW + 5 * hour),
        records.settled(records.uploaded(record, NOW + 5 * hour), Processing("x"), NOW + 9 * hour),
        records.failed(record, "upload_failed", NOW + 5 * hour),
    ):
        assert later.updated_at == NOW + 5 * hour
        assert later.began_at == NOW + hour and records.began(later) == NOW + hour
    again = records.start(
        desired_post(), records.uploaded(record, NOW + 5 * hour), NOW, Provenance()
    )
    assert again.began_at is None  # a new attempt: it begins with its own handle


def test_a_record_written_before_began_at_began_no_later_than_it_proves() -> None:
    """Without ``began_at``: an ``uploading`` record's time is its handle's (no later write
    keeps it uploading); a ``processing`` one's may be a later run's, so its attempt is only
    known to have begun after the address's first attempt."""
    hour = timedelta(hours=1)
    record = records.initialized(
        records.start(desired_post(), None, NOW, Provenance()), "v_pub_file~1", None, NOW + hour
    ).model_copy(update={"began_at": None})
    assert records.began(record) == NOW + hour
    processing = records.uploaded(record, NOW + 5 * hour)
    assert records.began(processing) == processing.created_at == NOW


def test_the_ids_a_platform_names_before_settling_are_kept_until_the_outcome() -> None:
    """YouTube names the video with the upload's last answer (and a live session's status):
    kept in ``made_ids`` while it processes (``state import`` of such a session too, through
    ``settled``); once settled they are ``post_ids``. TikTok names none: nothing changes."""
    record = records.initialized(
        records.start(desired_post(), None, NOW, Provenance()), "sess", None, NOW
    )
    tiktok = records.settled(records.uploaded(record, NOW), Processing("PROCESSING_UPLOAD"), NOW)
    assert tiktok.made_ids is None and "made_ids" not in tiktok.model_dump(mode="json")
    uploaded = records.uploaded(record, NOW, ("vid1",))
    assert (uploaded.status, uploaded.made_ids, uploaded.post_ids) == ("processing", ["vid1"], [])
    imported = records.settled(records.uploaded(record, NOW), Processing("x", ("vid1",)), NOW)
    assert imported.made_ids == ["vid1"]
    assert records.settled(imported, Processing("x"), NOW).made_ids == ["vid1"]
    published = records.settled(uploaded, Published(("vid1",), "https://y/vid1"), NOW)
    assert (published.post_ids, published.made_ids) == (["vid1"], None)
    failed = records.settled(uploaded, Failed("rejected"), NOW)
    assert failed.made_ids is None
    again = records.initialized(
        records.start(desired_post(), uploaded, NOW, Provenance()), "s2", None, NOW
    )
    assert again.made_ids is None  # a new attempt names its own
