"""An expired session's video, found among the channel's uploads (reference §6), via the fake.

A completed session forgets its video after about a week, and videos.insert has no
idempotency key: before the adapter answers NotStarted (a new session is safe) for a gone
session, it lists the channel's uploads since the attempt began and compares them with what
the insert sent. Exactly one: that is the video. None: NotStarted. Several: nothing is
guessed (``OutcomeUnclear``, naming them).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_publisher.core.ports import Attempt, LookupBudget, NotStarted, Processing, Published
from gitops_publisher.core.state import Sent
from gitops_publisher.core.youtube import YouTubeUpload
from gitops_publisher.core.youtube_quota import LOOKUP_UNITS
from gitops_publisher.errors import ProviderError
from gitops_publisher.providers.errors import LookupOverBudget, OutcomeUnclear
from gitops_publisher.providers.youtube.lookup import CLOCK_MARGIN

from ..fakes import run
from .fake_youtube import FakeYouTube
from .test_adapter import SIZE, media, post, provider

RESOURCE = {
    "snippet": {"title": "Launch day", "description": "We launch.\nSee you there."},
    "status": {"privacyStatus": "public"},
}
BEGAN = datetime(2026, 12, 4, 11, 59, tzinfo=UTC)  # the handle recorded; the upload ends 12:00


def at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def attempt(resource: dict[str, Any] = RESOURCE, **fields: Any) -> Attempt:
    sent = Sent(
        mode="direct",
        video_id="git:abc",
        video_size=SIZE,
        youtube={"resource": resource, "notifySubscribers": False},
    )
    return Attempt(**{"began": BEGAN, "sent": sent, **fields})


def uploaded_then_expired(tmp_path: Path, fake: FakeYouTube) -> str:
    """One run uploads every byte; the session then expires before the next run, which knows
    only the recorded handle (a new provider: the video id the first run heard is gone)."""

    async def main() -> str:
        yt = provider(fake)
        upload = dataclasses.replace(
            post(tmp_path).youtube or YouTubeUpload(resource={}),
            resource=RESOURCE,
        )
        started = await yt.start(dataclasses.replace(post(tmp_path), youtube=upload))
        await yt.transfer(started, media(tmp_path))
        return started.handle

    handle = run(main())
    fake.session().expired = True
    return handle


def ask(fake: FakeYouTube, handle: str, **fields: Any) -> Any:
    """A later run's question, with the recorded attempt."""

    async def main() -> Any:
        return await provider(fake).outcome(handle, SIZE, attempt=attempt(**fields))

    return run(main())


def other(fake: FakeYouTube, video_id: str, published: datetime, **snippet: str) -> None:
    """Another upload on the channel, put in its place in the newest-first list."""
    title = snippet.get("title", RESOURCE["snippet"]["title"])
    description = snippet.get("description", RESOURCE["snippet"]["description"])
    fake.uploads.append(fake.upload_item(video_id, title, description, at(published)))
    fake.uploads.sort(key=lambda item: item["snippet"]["publishedAt"], reverse=True)


def test_exactly_one_matching_upload_is_the_sessions_video(tmp_path: Path) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    (video_id,) = fake.videos
    other(fake, "vidUnrelated", BEGAN + timedelta(hours=1), title="Another video")
    fake.statuses[video_id] = [{"status": {"uploadStatus": "processed"}}]

    async def main() -> tuple[Any, Any]:
        later = provider(fake)
        first = await later.outcome(handle, SIZE, attempt=attempt())
        return first, await later.outcome(handle, SIZE)  # a poll: by the id, not the list

    first, again = run(main())
    assert (
        first
        == again
        == Published((video_id,), f"https://www.youtube.com/shorts/{video_id}", "processed")
    )
    assert fake.pages == [""] and fake.posts == 1


def test_one_match_another_unsettled_attempt_sent_alike_is_not_taken(tmp_path: Path) -> None:
    """The account's other unsettled attempts (rivals) may have made the one video found: one
    sent with the same title and description, or one whose record does not say what it sent,
    makes the outcome unclear; one sent with another text does not."""
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    (video_id,) = fake.videos
    fake.statuses[video_id] = [{"status": {"uploadStatus": "processed"}}]
    alike = attempt().sent
    unlike = attempt({**RESOURCE, "snippet": {"title": "Other", "description": ""}}).sent
    assert isinstance(ask(fake, handle, rivals=(("b@studio", unlike),)), Published)
    for rival in (alike, None):
        with pytest.raises(OutcomeUnclear, match="b@studio") as raised:
            ask(fake, handle, rivals=(("b@studio", rival),))
        assert (raised.value.candidates, raised.value.rivals) == ((video_id,), ("b@studio",))


def test_a_match_still_processing_is_processing(tmp_path: Path) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    (video_id,) = fake.videos
    fake.statuses[video_id] = [{"status": {"uploadStatus": "uploaded"}}]
    assert ask(fake, handle) == Processing("uploaded", (video_id,))


def test_a_recorded_video_id_is_asked_about_without_a_lookup(tmp_path: Path) -> None:
    """The state recorded the video id YouTube answered (``Attempt.made``): videos.list about
    it answers, the session expired or not, and the channel's uploads are never listed."""
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    (video_id,) = fake.videos
    fake.statuses[video_id] = [{"status": {"uploadStatus": "processed"}}]
    budget = LookupBudget(0)  # a lookup would not fit: none is made
    answer = ask(fake, handle, made=(video_id,), budget=budget)
    assert answer == Published(
        (video_id,), f"https://www.youtube.com/shorts/{video_id}", "processed"
    )
    assert fake.pages == [] and budget.spent == 0


def test_a_recorded_video_id_no_longer_listed_is_looked_for_as_without_it(
    tmp_path: Path,
) -> None:
    """The recorded video is not listed (deleted since): the channel's uploads decide, as for
    a record without the id (none: NotStarted, which the engine reports for a processed
    upload without uploading again), instead of an endless processing."""
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    (video_id,) = fake.videos
    fake.uploads.clear()
    fake.videos.clear()
    assert isinstance(ask(fake, handle, made=(video_id,)), NotStarted)
    assert fake.pages == [""]


def test_no_matching_upload_means_nothing_was_made(tmp_path: Path) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    fake.uploads.clear()  # the session never completed after all
    other(fake, "vidOtherTitle", BEGAN + timedelta(hours=1), title="Launch day!")
    other(fake, "vidOtherText", BEGAN + timedelta(hours=2), description="We launch.")
    answer = ask(fake, handle)
    assert isinstance(answer, NotStarted)
    assert "it expired" in answer.reason and "no video uploaded" in answer.reason
    assert "2026-12-04 11:44 UTC" in answer.reason  # since the attempt began, less the margin


def test_several_matching_uploads_are_named_and_none_is_taken(tmp_path: Path) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    (video_id,) = fake.videos
    other(fake, "vidByHand01", BEGAN + timedelta(days=2))
    with pytest.raises(OutcomeUnclear) as raised:
        ask(fake, handle)
    assert set(raised.value.candidates) == {video_id, "vidByHand01"}
    assert video_id in str(raised.value) and "vidByHand01" in str(raised.value)
    assert not raised.value.stops_account and fake.posts == 1


def test_uploads_older_than_the_attempt_are_not_candidates(tmp_path: Path) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    (video_id,) = fake.videos
    # The same post uploaded last month (another address, or before a `state rm`), and one
    # just outside the clocks' margin.
    other(fake, "vidLastMonth", BEGAN - timedelta(days=30))
    other(fake, "vidJustBefore", BEGAN - CLOCK_MARGIN - timedelta(seconds=1))
    fake.statuses[video_id] = [{"status": {"uploadStatus": "processed"}}]
    answer = ask(fake, handle)
    assert isinstance(answer, Published) and answer.post_ids == (video_id,)


def test_a_video_a_little_before_the_recorded_start_is_within_the_clocks_margin(
    tmp_path: Path,
) -> None:
    """YouTube's clock behind the recording run's (or a record of the last byte): the video's
    time may read earlier than the record's."""
    fake = FakeYouTube()
    fake.now = at(BEGAN - CLOCK_MARGIN + timedelta(minutes=1))
    handle = uploaded_then_expired(tmp_path, fake)
    assert isinstance(ask(fake, handle), Processing)  # found (videos.list not scripted yet)
    assert fake.pages == [""]


def test_videos_the_state_records_for_other_attempts_are_not_candidates(tmp_path: Path) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    (video_id,) = fake.videos
    other(fake, "vidOtherPost", BEGAN + timedelta(minutes=5))  # same text, another address
    fake.statuses[video_id] = [{"status": {"uploadStatus": "processed"}}]
    answer = ask(fake, handle, known=frozenset({"vidOtherPost"}))
    assert isinstance(answer, Published) and answer.post_ids == (video_id,)


def test_whitespace_youtube_may_tidy_does_not_hide_the_video(tmp_path: Path) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    fake.uploads[0]["snippet"]["description"] = "We launch.\r\nSee you there. "
    assert isinstance(ask(fake, handle), Processing)


def test_a_private_video_the_playlist_shows_without_its_title_is_read_again(
    tmp_path: Path,
) -> None:
    """A playlist may show a private video as "Private video" (UNCERTAIN for its owner):
    an upload whose listed text differs is read with videos.list before it is ruled out."""
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    (video_id,) = fake.videos
    fake.uploads[0]["snippet"].update(title="Private video", description="This video is private.")
    other(fake, "vidElsewhere", BEGAN + timedelta(hours=1), title="Another video")
    fake.statuses[video_id] = [{"status": {"uploadStatus": "processed"}}]
    answer = ask(fake, handle)
    assert isinstance(answer, Published) and answer.post_ids == (video_id,)
    [read] = [r for r in fake.requests if r.url.params.get("part") == "snippet"]
    assert set(read.url.params["id"].split(",")) == {video_id, "vidElsewhere"}


def test_uploads_whose_listed_text_matches_are_not_read_again(tmp_path: Path) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    assert isinstance(ask(fake, handle), Processing)
    assert not [r for r in fake.requests if r.url.params.get("part") == "snippet"]


def test_pages_are_read_until_an_upload_older_than_the_attempt(tmp_path: Path) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    for number in range(120):  # a busy channel since: three pages of 50
        other(fake, f"vidNewer{number:03d}", BEGAN + timedelta(hours=1, minutes=number), title="x")
    for number in range(100):  # and a long history before: never read
        other(fake, f"vidOlder{number:03d}", BEGAN - timedelta(days=1 + number))
    answer = ask(fake, handle)
    assert isinstance(answer, Processing)
    assert fake.pages == ["", "50", "100"]  # the third page reaches the older uploads
    assert [r.url.params["maxResults"] for r in fake.requests if "playlistItems" in r.url.path] == [
        "50"
    ] * 3


def test_the_last_page_ends_the_search(tmp_path: Path) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    for number in range(60):
        other(fake, f"vidNewer{number:03d}", BEGAN + timedelta(hours=1, minutes=number), title="x")
    assert isinstance(ask(fake, handle), Processing)
    assert fake.pages == ["", "50"]


def test_without_the_attempt_nothing_is_listed(tmp_path: Path) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)

    async def main() -> Any:
        return await provider(fake).outcome(handle, SIZE)

    assert isinstance(run(main()), NotStarted)
    assert fake.pages == []


def test_without_what_it_sent_any_upload_since_makes_the_outcome_unclear(tmp_path: Path) -> None:
    """A record from before ``sent``, whose post changed since: nothing to compare with, so
    the one video uploaded since the attempt began is not taken, nor is a new upload safe."""
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    (video_id,) = fake.videos
    with pytest.raises(OutcomeUnclear) as raised:
        ask(fake, handle, sent=None)
    assert raised.value.candidates == (video_id,) and not raised.value.compared
    assert "before records kept what an upload sent" in str(raised.value)
    assert fake.pages == [""] and fake.posts == 1


def test_without_what_it_sent_a_channel_without_uploads_since_made_nothing(
    tmp_path: Path,
) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    fake.uploads.clear()  # the session never completed after all
    other(fake, "vidBefore", BEGAN - timedelta(days=1))
    answer = ask(fake, handle, sent=None)
    assert isinstance(answer, NotStarted) and "no video was uploaded" in answer.reason


def test_each_list_call_is_charged_to_the_budget_and_a_lookup_that_does_not_fit_is_not_begun(
    tmp_path: Path,
) -> None:
    """A lookup holds 3 units (the channel, a page, a re-read) before its first call and gives
    back what it did not use; the calls past the hold are charged one by one."""
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    (video_id,) = fake.videos
    fake.statuses[video_id] = [{"status": {"uploadStatus": "processed"}}]
    budget = LookupBudget(LOOKUP_UNITS)
    assert isinstance(ask(fake, handle, budget=budget), Published)
    assert (budget.spent, budget.left) == (LOOKUP_UNITS - 1, 1)  # channels.list and one page
    sent = len(fake.requests)
    short = LookupBudget(LOOKUP_UNITS - 1, about="the YouTube project of YOUTUBE_CLIENT_ID")
    with pytest.raises(LookupOverBudget, match="the YouTube project of YOUTUBE_CLIENT_ID"):
        ask(fake, handle, budget=short)
    assert (short.spent, short.left) == (0, LOOKUP_UNITS - 1)
    # Only the session's status query was sent: no list was asked for.
    assert [r.method for r in fake.requests[sent:]] == ["PUT"]
    for number in range(60):  # a busy channel since: two pages, 60 titles to read again
        other(fake, f"vidNewer{number:03d}", BEGAN + timedelta(hours=1, minutes=number), title="x")
    busy = LookupBudget(5)
    assert isinstance(ask(fake, handle, budget=busy), Published)
    assert (busy.spent, busy.left) == (1 + 2 + 2, 0)
    with pytest.raises(LookupOverBudget):
        ask(fake, handle, budget=LookupBudget(4))  # the second re-read does not fit


def test_an_upload_that_cannot_be_told_apart_is_an_error_not_skipped(tmp_path: Path) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    del fake.uploads[0]["snippet"]["publishedAt"]
    del fake.uploads[0]["contentDetails"]["videoPublishedAt"]
    with pytest.raises(ProviderError, match="playlistItems.list or videos.list item"):
        ask(fake, handle)


def test_a_session_that_answers_is_asked_no_list(tmp_path: Path) -> None:
    fake = FakeYouTube()
    handle = uploaded_then_expired(tmp_path, fake)
    fake.session().expired = False  # the completed session still replays its answer
    assert isinstance(ask(fake, handle), Processing)
    assert fake.pages == []
