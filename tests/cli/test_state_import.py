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


def test_an_address_already_recorded_is_refused(applied, publisher) -> None:  # type: ignore[no-untyped-def]
    record = _records(publisher, applied)[ADDRESS]
    result = publisher("-C", applied, "--sandbox", "state", "import", ADDRESS, record["publish_id"])
    assert result.exit_code == 1
    assert "already recorded" in result.output


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
