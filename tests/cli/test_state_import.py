"""``publisher state import``: adopt a publish only once TikTok (here the sandbox) confirms it."""

import json

import pytest

ADDRESS = "launch-teaser@brand-us"


@pytest.fixture
def applied(content_repo, publisher, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PUBLISHER_SANDBOX_TIME_SCALE", "200")
    root = content_repo.root
    result = publisher("-C", root, "apply", "--sandbox", "--yes")
    assert result.exit_code == 0, result.output
    return root


def _records(publisher, root):  # type: ignore[no-untyped-def]
    listing = publisher("-C", root, "--sandbox", "state", "list", "--format", "json")
    assert listing.exit_code == 0, listing.output
    return {r["address"]: r for r in json.loads(listing.stdout)["resources"]}


def test_a_forgotten_post_is_adopted_back_and_plans_as_unchanged(applied, publisher) -> None:  # type: ignore[no-untyped-def]
    before = _records(publisher, applied)[ADDRESS]
    assert publisher("-C", applied, "--sandbox", "state", "rm", "--yes", ADDRESS).exit_code == 0
    assert ADDRESS not in _records(publisher, applied)

    result = publisher("-C", applied, "--sandbox", "state", "import", ADDRESS, before["publish_id"])
    assert result.exit_code == 0, result.output
    assert f"Imported {ADDRESS}" in result.output
    after = _records(publisher, applied)[ADDRESS]
    assert after["status"] == "published"
    assert after["publish_id"] == before["publish_id"]
    stored = json.loads((applied / ".publisher" / "sandbox" / "state.json").read_text())
    imported = stored["resources"][ADDRESS]  # names the user it was checked to be
    assert imported["open_id"].startswith("sbx-") and imported["username"] == "acme.us"
    # When its attempt began is unknown (it was made elsewhere, before the import): not said.
    assert "began_at" not in imported
    assert all("began_at" in r for a, r in stored["resources"].items() if a != ADDRESS)

    plan = publisher("-C", applied, "--sandbox", "plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output  # nothing to publish: the import counts


def test_an_unknown_publish_id_is_refused_and_nothing_recorded(applied, publisher) -> None:  # type: ignore[no-untyped-def]
    assert publisher("-C", applied, "--sandbox", "state", "rm", "--yes", ADDRESS).exit_code == 0
    result = publisher("-C", applied, "--sandbox", "state", "import", ADDRESS, "v_pub_file~v2-1.1")
    assert result.exit_code == 1
    assert "invalid_publish_id" in result.output
    assert "Traceback" not in result.output
    assert ADDRESS not in _records(publisher, applied)


def test_importing_what_the_address_records_again_is_nothing_to_do(applied, publisher) -> None:  # type: ignore[no-untyped-def]
    # A script run again after a partial failure: the same import is done, not an error.
    record = _records(publisher, applied)[ADDRESS]
    state = applied / ".publisher" / "sandbox" / "state.json"
    before = state.read_bytes()
    result = publisher("-C", applied, "--sandbox", "state", "import", ADDRESS, record["publish_id"])
    assert result.exit_code == 0, result.output
    assert f"{ADDRESS} already records (published, " in result.output
    assert "nothing to import" in result.output
    assert state.read_bytes() == before


def test_another_id_for_an_address_already_recorded_is_refused(applied, publisher) -> None:  # type: ignore[no-untyped-def]
    records = _records(publisher, applied)
    other = next(r for a, r in records.items() if a != ADDRESS and r["publish_id"])
    result = publisher("-C", applied, "--sandbox", "state", "import", ADDRESS, other["publish_id"])
    assert result.exit_code == 1
    assert f"{ADDRESS} is already recorded" in result.output


def test_a_publish_id_recorded_at_another_address_is_refused(applied, publisher) -> None:  # type: ignore[no-untyped-def]
    records = _records(publisher, applied)
    other = next(
        r
        for a, r in records.items()
        if a != ADDRESS and a.endswith("@brand-us") and r["publish_id"]
    )
    assert publisher("-C", applied, "--sandbox", "state", "rm", "--yes", ADDRESS).exit_code == 0
    state = applied / ".publisher" / "sandbox" / "state.json"
    before = state.read_bytes()

    # The other post's publish_id, pasted by mistake: TikTok confirms it (same account), but
    # one post recorded at two addresses would leave this address's post never published.
    result = publisher("-C", applied, "--sandbox", "state", "import", ADDRESS, other["publish_id"])
    assert result.exit_code == 1, result.output
    assert f"publish_id {other['publish_id']} is already recorded for {other['address']}" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert state.read_bytes() == before


def test_a_draft_in_the_inbox_is_not_adopted_for_a_direct_post(applied, publisher) -> None:  # type: ignore[no-untyped-def]
    draft = _records(publisher, applied)["customer-story-draft@brand-us"]
    for address in ("customer-story-draft@brand-us", ADDRESS):
        assert publisher("-C", applied, "--sandbox", "state", "rm", "--yes", address).exit_code == 0

    # The inbox upload of the draft, imported for the direct post: recorded, the direct post
    # would plan as unchanged ('published') and never be posted.
    result = publisher("-C", applied, "--sandbox", "state", "import", ADDRESS, draft["publish_id"])
    assert result.exit_code == 1, result.output
    assert "went to the creator's inbox" in result.output
    assert "mode: direct" in result.output
    assert ADDRESS not in _records(publisher, applied)
    back = "customer-story-draft@brand-us"  # its own address takes it
    assert (
        publisher(
            "-C", applied, "--sandbox", "state", "import", back, draft["publish_id"]
        ).exit_code
        == 0
    )


YOUTUBE = "launch-teaser@acme-shorts"
OTHER_CHANNEL = """\
  other-yt:
    provider: youtube
    handle: "@other.channel"
    refresh_token_env: YOUTUBE_REFRESH_TOKEN_OTHER
"""
OTHER_POST = """\
version: 1
id: other-clip
accounts: [other-yt]
video: media/launch-teaser.mp4
caption: "Another client's clip"
youtube: {privacy: public}
"""


def _stored(root):  # type: ignore[no-untyped-def]
    """The sandbox state's records as written (``state list`` does not show post ids)."""
    return json.loads((root / ".publisher" / "sandbox" / "state.json").read_text())["resources"]


@pytest.fixture
def two_channels(content_repo, publisher, monkeypatch):  # type: ignore[no-untyped-def]
    """The examples applied, with a second channel's public video beside acme-shorts'."""
    monkeypatch.setenv("PUBLISHER_SANDBOX_TIME_SCALE", "200")
    config = (content_repo.root / "publisher.yaml").read_text()
    content_repo.write(
        "publisher.yaml", config.replace("\ndefaults:\n", f"\n{OTHER_CHANNEL}defaults:\n")
    )
    content_repo.write("posts/other.yaml", OTHER_POST)
    content_repo.commit("a second channel")
    result = publisher("-C", content_repo.root, "apply", "--sandbox", "--yes")
    assert result.exit_code == 0, result.output
    return content_repo.root


def test_a_youtube_video_published_elsewhere_is_imported_by_its_id(two_channels, publisher) -> None:  # type: ignore[no-untyped-def]
    root = two_channels
    video = _stored(root)[YOUTUBE]["post_ids"][0]
    assert publisher("-C", root, "--sandbox", "state", "rm", "--yes", YOUTUBE).exit_code == 0
    plan = publisher("-C", root, "--sandbox", "plan", "--detailed-exitcode")
    assert plan.exit_code == 2  # forgotten: apply would upload the video again

    # "--": a YouTube video id may begin with "-", which click would take for an option.
    result = publisher("-C", root, "--sandbox", "state", "import", "--", YOUTUBE, video)
    assert result.exit_code == 0, result.output
    assert f"Imported {YOUTUBE}: (published, video {video}, " in result.output
    assert f"youtube.com/shorts/{video}" in result.output
    record = _stored(root)[YOUTUBE]
    assert record["status"] == "published" and record["post_ids"] == [video]
    assert record["publish_id"] == video  # no session: nothing to seal
    plan = publisher("-C", root, "--sandbox", "plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output  # nothing to publish: the import counts

    # The same video again, for another address of the channel: one video, one address.
    other = "launch-day@acme-shorts"
    assert publisher("-C", root, "--sandbox", "state", "rm", "--yes", other).exit_code == 0
    again = publisher("-C", root, "--sandbox", "state", "import", "--", other, video)
    assert again.exit_code == 1, again.output
    assert f"video {video} is already recorded for {YOUTUBE}" in again.output
    assert other not in _records(publisher, root)


def test_a_video_of_another_channel_is_refused(two_channels, publisher) -> None:  # type: ignore[no-untyped-def]
    root = two_channels
    theirs = _stored(root)["other-clip@other-yt"]["post_ids"][0]
    for address in (YOUTUBE, "other-clip@other-yt"):  # not recorded: another tool's video
        assert publisher("-C", root, "--sandbox", "state", "rm", "--yes", address).exit_code == 0
    state = root / ".publisher" / "sandbox" / "state.json"
    before = state.read_bytes()

    result = publisher("-C", root, "--sandbox", "state", "import", "--", YOUTUBE, theirs)
    assert result.exit_code == 1, result.output
    words = " ".join(result.output.split())
    assert f"video {theirs} is on another channel" in words, words
    assert "nothing was imported" in words
    assert state.read_bytes() == before


@pytest.mark.parametrize("typed", ["not-a-video-id!", "dQw4w9WgXcQQQ"])
def test_what_is_no_video_id_is_refused_before_any_request(applied, publisher, typed) -> None:  # type: ignore[no-untyped-def]
    assert publisher("-C", applied, "--sandbox", "state", "rm", "--yes", YOUTUBE).exit_code == 0
    result = publisher("-C", applied, "--sandbox", "state", "import", "--", YOUTUBE, typed)
    assert result.exit_code == 1, result.output
    assert "is not a YouTube video id" in " ".join(result.output.split())
    assert "Traceback" not in result.output and YOUTUBE not in _records(publisher, applied)


def test_another_accounts_publish_id_says_to_check_the_id_and_account(applied, publisher) -> None:  # type: ignore[no-untyped-def]
    # An agency pastes the publish_id of one client's post for another client's address.
    theirs = _records(publisher, applied)["launch-teaser@brand-uk"]["publish_id"]
    for address in (ADDRESS, "launch-teaser@brand-uk"):  # neither recorded yet
        assert publisher("-C", applied, "--sandbox", "state", "rm", "--yes", address).exit_code == 0
    result = publisher("-C", applied, "--sandbox", "state", "import", ADDRESS, theirs)
    assert result.exit_code == 1, result.output
    words = " ".join(result.output.split())
    assert "token_not_authorized_for_specified_publish_id" in words  # TikTok's word, kept
    assert f"not imported: {ADDRESS}" in words
    assert "check the id and the address's account (brand-us, @acme.us)" in words, words
    assert ADDRESS not in _records(publisher, applied)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("launch-teaser@brand-u", "launch-teaser@brand-us"), ("lanch-teaser@brand-us", ADDRESS)],
)
def test_a_mistyped_address_suggests_the_declared_one(applied, publisher, typed, meant) -> None:  # type: ignore[no-untyped-def]
    result = publisher("-C", applied, "--sandbox", "state", "import", typed, "v_pub_file~v2-1.1")
    assert result.exit_code == 1, result.output
    assert f"no manifest declares {typed}" in result.output
    assert f"did you mean {meant}, " in result.output  # the closest first


def test_a_video_id_that_begins_with_a_dash_is_an_id_not_an_option(applied, publisher) -> None:  # type: ignore[no-untyped-def]
    # 1 YouTube video id in 64 begins with "-"; click took it for an unknown option.
    assert publisher("-C", applied, "--sandbox", "state", "rm", "--yes", YOUTUBE).exit_code == 0
    result = publisher("-C", applied, "state", "import", YOUTUBE, "-x8Yb2cD4eF", "--sandbox")
    assert result.exit_code == 1, result.output
    assert "No such option" not in result.output
    assert "YouTube holds nothing for -x8Yb2cD4eF that acme-shorts can see" in result.output
