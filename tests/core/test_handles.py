"""How recorded handles are shown: ids as they are, capabilities never."""

from __future__ import annotations

from gitops_publisher.core.handles import (
    closed,
    digest,
    is_capability,
    is_closed,
    is_sealed,
    is_session,
    named,
    same,
    sealed_form,
    sealed_parts,
    shown,
)


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
    assert named("v_pub_file~1", "v_pub_file~1") == "publish_id v_pub_file~1"  # TikTok's


def test_a_handle_gets_the_word_publish_id_exactly_when_it_is_no_session() -> None:
    """``named`` reads it off the shown form, which changes a handle only if it is one."""
    forms = [URI, sealed_form(URI, "local", "tok"), closed(URI), "v_pub_file~1", "7000001"]
    forms += ["sealed:v1:junk", "closed:v1:", "https://example.test/session/xyz", ""]
    for form in forms:
        expected = shown(form) if is_session(form) else f"publish_id {form}"
        assert named(form) == expected, form


URI = "http://127.0.0.1:8080/upload/youtube/v3/videos?uploadType=resumable&upload_id=AbC123zz"


def test_a_sealed_or_closed_session_shows_and_digests_as_its_uri() -> None:
    """Plans made before the seal and after it agree: same shown form, same digest."""
    sealed = sealed_form(URI, "env", "gAAAAABtoken-_=")
    done = closed(sealed)
    assert sealed.startswith("sealed:v1:env:23zz:") and done.startswith("closed:v1:23zz:")
    for form in (sealed, done):
        assert is_session(form) and not is_capability(form)
        assert shown(form) == "upload session …23zz" and named(form) == "upload session …23zz"
        assert digest(form) == digest(URI) and same(form, URI)
        assert "AbC123" not in form
    assert closed(URI) == done and closed(done) == done
    assert is_sealed(sealed) and not is_sealed(done) and is_closed(done)
    assert sealed_parts(sealed) == ("env", (digest(URI) or "")[7:], "gAAAAABtoken-_=")


def test_another_session_or_a_tiktok_id_is_not_the_same_attempt() -> None:
    other = URI.replace("AbC123zz", "XyZ98723zz")
    assert not same(closed(URI), other) and shown(closed(other)) == shown(closed(URI))
    assert same("v_pub_1", "v_pub_1") and not same("v_pub_1", "v_pub_2")
    assert not same(None, closed(URI)) and same(None, None)
    assert closed("v_pub_1") == "v_pub_1" and digest("v_pub_1") is None
    assert not is_session("sealed:v1:env:23zz:nothex:token")  # not the format: an id
