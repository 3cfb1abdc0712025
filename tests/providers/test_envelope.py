import json

import pytest

from gitops_publisher.errors import ApiError
from gitops_publisher.providers.registry import PLATFORMS
from gitops_publisher.providers.tiktok.api_models import PublishStatus
from gitops_publisher.providers.tiktok.envelope import (
    is_invalid_param,
    parse_api_envelope,
    parse_oauth_response,
)


def body(obj: object) -> bytes:
    return json.dumps(obj).encode()


def test_success_returns_data() -> None:
    data = parse_api_envelope(
        200, body({"data": {"publish_id": "p1"}, "error": {"code": "ok", "message": ""}})
    )
    assert data == {"publish_id": "p1"}


def test_cancel_success_without_data() -> None:
    assert parse_api_envelope(200, body({"error": {"code": "ok", "log_id": "L"}})) == {}


@pytest.mark.parametrize("code", ["invalid_param", "invalid_params"])
def test_both_spellings_of_invalid_param(code: str) -> None:
    raw = {"error": {"code": code, "message": "The chunk size is invalid", "log_id": "L1"}}
    with pytest.raises(ApiError) as info:
        parse_api_envelope(400, body(raw))
    assert info.value.code == code and is_invalid_param(info.value.code)
    assert info.value.api_message == "The chunk size is invalid"
    assert info.value.log_id == "L1" and info.value.status == 400
    assert "L1" in str(info.value)


def test_http_200_with_error_code_is_an_error() -> None:
    raw = {"data": {}, "error": {"code": "spam_risk_too_many_posts", "message": "m", "log_id": "x"}}
    with pytest.raises(ApiError) as info:
        parse_api_envelope(200, body(raw))
    assert info.value.code == "spam_risk_too_many_posts"


def test_ok_code_on_a_5xx_is_not_success() -> None:
    with pytest.raises(ApiError) as info:
        parse_api_envelope(502, body({"error": {"code": "ok"}}))
    assert info.value.code == "internal_error"


def test_5xx_html_page_becomes_internal_error_with_header_log_id() -> None:
    with pytest.raises(ApiError) as info:
        parse_api_envelope(503, b"<html>bad gateway</html>", {"x-tt-logid": "HDR"})
    assert (info.value.code, info.value.log_id, info.value.status) == ("internal_error", "HDR", 503)


def test_2xx_without_envelope_is_malformed() -> None:
    with pytest.raises(ApiError) as info:
        parse_api_envelope(200, body({"data": {}}))
    assert info.value.code == "malformed_response"


def test_flat_oauth_error_on_api_endpoint() -> None:
    raw = {"error": "invalid_request", "error_description": "bad", "log_id": "L"}
    with pytest.raises(ApiError) as info:
        parse_api_envelope(200, body(raw))
    assert (info.value.code, info.value.api_message) == ("invalid_request", "bad")


def test_oauth_error_with_http_200_is_an_error() -> None:
    raw = {"error": "invalid_grant", "error_description": "reused", "log_id": "L9"}
    with pytest.raises(ApiError) as info:
        parse_oauth_response(200, body(raw))
    assert (info.value.code, info.value.log_id) == ("invalid_grant", "L9")


def test_oauth_success_is_flat() -> None:
    raw = {"access_token": "a", "expires_in": 7200, "error": ""}
    assert parse_oauth_response(200, body(raw))["expires_in"] == 7200


def test_oauth_revoke_empty_body() -> None:
    assert parse_oauth_response(200, b"") == {}


def test_post_ids_stay_exact_from_raw_json() -> None:
    raw = (
        b'{"data":{"status":"PUBLISH_COMPLETE","publicaly_available_post_id":'
        b'[7339876543210987654, 7339876543210987655],"uploaded_bytes":10000},'
        b'"error":{"code":"ok","message":"","log_id":"x"}}'
    )
    status = PublishStatus.model_validate(parse_api_envelope(200, raw))
    assert status.post_ids == ["7339876543210987654", "7339876543210987655"]
    assert status.uploaded_bytes == 10000 and status.is_terminal


def test_post_ids_as_floats_are_refused() -> None:
    with pytest.raises(ValueError):
        PublishStatus.model_validate(
            {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7.339876543210988e18]}
        )


def test_failed_internal_is_retryable() -> None:
    status = PublishStatus.model_validate({"status": "FAILED", "fail_reason": "internal"})
    assert status.retryable_failure
    assert not PublishStatus(status="FAILED", fail_reason="spam_risk").retryable_failure


@pytest.mark.parametrize(
    ("reason", "retryable"),
    [
        ("internal", True),
        ("video_pull_failed", True),  # a connection error or the 1 h download limit
        ("photo_pull_failed", True),
        ("spam_risk_too_many_posts", True),  # the daily cap: a later run may fit
        ("picture_size_check_failed", False),
        ("publish_cancelled", False),
        ("auth_removed", False),
        ("spam_risk_text", False),
        ("upload_failed", False),  # the engine's own reason, not TikTok's (core.state)
    ],
)
def test_tiktoks_retryable_reasons_are_the_ones_the_plan_retries(
    reason: str, retryable: bool
) -> None:
    status = PublishStatus(status="FAILED", fail_reason=reason)
    assert status.retryable_failure is retryable
    assert PLATFORMS["tiktok"].retryable(reason) is retryable  # what the planner asks


def test_each_platform_judges_its_own_reasons() -> None:
    assert PLATFORMS["youtube"].retryable("uploadFailed")  # the YouTube adapter's list
    assert not PLATFORMS["youtube"].retryable("internal")  # TikTok's word, not YouTube's
    assert not PLATFORMS["tiktok"].retryable("uploadFailed")
