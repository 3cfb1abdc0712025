"""How recorded handles are shown: ids as they are, capabilities never."""

from __future__ import annotations

from gitops_publisher.core.handles import is_capability, named, shown


def test_a_tiktok_publish_id_is_shown_as_it_is() -> None:
    assert shown("v_pub_file~v2-1.7294872910293847") == "v_pub_file~v2-1.7294872910293847"
    assert not is_capability("v_pub_file~v2-1.7294872910293847")


def test_a_session_uri_shows_only_the_tail_of_its_upload_id() -> None:
    uri = "http://127.0.0.1:8080/upload/youtube/v3/videos?uploadType=resumable&upload_id=AbC123zz"
    assert is_capability(uri)
    assert shown(uri) == "upload session …23zz"
    assert "AbC123" not in shown(uri)


def test_a_url_without_an_upload_id_is_not_shown_at_all() -> None:
    assert shown("https://example.test/session/xyz") == "upload session"


def test_a_handle_in_a_sentence_says_what_it_is() -> None:
    uri = "http://127.0.0.1:8080/upload/youtube/v3/videos?uploadType=resumable&upload_id=AbC123zz"
    assert named("v_pub_file~1") == "publish_id v_pub_file~1"
    assert named(uri) == "upload session …23zz"
    assert named(uri, "session …23zz") == "session …23zz"  # a provider's own label
