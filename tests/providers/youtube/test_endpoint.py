"""Which Google endpoint and OAuth client a run talks to, for the state binding (design §12)."""

from __future__ import annotations

from typing import Any

import pytest

from gitops_publisher.core.binding import EMBEDDED_SANDBOX, app_fingerprint
from gitops_publisher.core.models import AccountConfig, TikTokAccount, YouTubeAccount
from gitops_publisher.core.state import Endpoint
from gitops_publisher.errors import PublisherError
from gitops_publisher.planning import adopts_unbound as registry_adopts
from gitops_publisher.planning import platforms_of, run_endpoints
from gitops_publisher.providers.youtube.endpoint import adopts_unbound, current_endpoint

CLIENT_ID = "1234567890-abcdef.apps.googleusercontent.com"
GOOGLE = "https://youtube.googleapis.com"


def channel(**fields: Any) -> YouTubeAccount:
    return YouTubeAccount(provider="youtube", refresh_token_env="YT_RT", **fields)


def test_google_by_default_with_the_client_ids_fingerprint_never_the_id() -> None:
    assert current_endpoint(sandbox=False, env={}) == Endpoint(api_url=GOOGLE)
    found = current_endpoint(sandbox=False, env={"YOUTUBE_CLIENT_ID": f" {CLIENT_ID} "})
    assert found == Endpoint(api_url=GOOGLE, app=app_fingerprint(CLIENT_ID))
    assert CLIENT_ID not in found.model_dump_json()
    assert found.app != app_fingerprint("another.apps.googleusercontent.com")


def test_a_served_sandbox_or_override_is_the_api_url_the_client_reads() -> None:
    env = {"PUBLISHER_YOUTUBE_API_URL": "http://127.0.0.1:8765/", "YOUTUBE_CLIENT_ID": CLIENT_ID}
    assert current_endpoint(sandbox=False, env=env) == Endpoint(
        api_url="http://127.0.0.1:8765", app=app_fingerprint(CLIENT_ID)
    )
    # The TikTok variables do not move YouTube, nor the reverse.
    other = {"PUBLISHER_TIKTOK_API_URL": "http://127.0.0.1:9", "TIKTOK_CLIENT_KEY": "k"}
    assert current_endpoint(sandbox=False, env=other) == Endpoint(api_url=GOOGLE)


def test_the_embedded_sandbox_whatever_the_environment() -> None:
    env = {"PUBLISHER_YOUTUBE_API_URL": "http://127.0.0.1:8765", "YOUTUBE_CLIENT_ID": CLIENT_ID}
    assert current_endpoint(sandbox=True, env=env) == Endpoint(api_url=EMBEDDED_SANDBOX)


def test_the_accounts_client_id_variables_name_the_app() -> None:
    env = {"BRAND_GOOGLE_ID": CLIENT_ID, "YOUTUBE_CLIENT_ID": "unused"}
    assert current_endpoint(sandbox=False, client_id_envs=["BRAND_GOOGLE_ID"], env=env).app == (
        app_fingerprint(CLIENT_ID)
    )
    same = {"A_ID": CLIENT_ID, "B_ID": CLIENT_ID, "C_ID": ""}
    assert current_endpoint(sandbox=False, client_id_envs=["A_ID", "B_ID", "C_ID"], env=same).app
    # Two Google clients: no one app describes the records, so only the URL is bound.
    two = {"A_ID": CLIENT_ID, "B_ID": "other.apps.googleusercontent.com"}
    assert current_endpoint(sandbox=False, client_id_envs=["A_ID", "B_ID"], env=two).app is None


def test_a_malformed_api_url_variable_is_a_clear_error() -> None:
    with pytest.raises(PublisherError, match="PUBLISHER_YOUTUBE_API_URL") as info:
        current_endpoint(sandbox=False, env={"PUBLISHER_YOUTUBE_API_URL": "http://a b\n"})
    assert "sandbox serve" in info.value.hint


def test_only_google_itself_and_the_embedded_sandbox_adopt_unbound_records() -> None:
    assert adopts_unbound(Endpoint(api_url=GOOGLE, app=app_fingerprint(CLIENT_ID)))
    assert adopts_unbound(Endpoint(api_url=EMBEDDED_SANDBOX))
    assert not adopts_unbound(Endpoint(api_url="http://127.0.0.1:8765"))
    assert not adopts_unbound(Endpoint(api_url="https://www.googleapis.com"))


def test_a_run_binds_only_the_platforms_its_accounts_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tiktok_only: dict[str, AccountConfig] = {"brand-us": TikTokAccount(refresh_token_env="TT_RT")}
    mixed: dict[str, AccountConfig] = {**tiktok_only, "shorts": channel(client_id_env="SHORTS_ID")}
    env = {"SHORTS_ID": CLIENT_ID, "TIKTOK_CLIENT_KEY": "aw0123"}
    assert set(run_endpoints(tiktok_only, sandbox=False, env=env)) == {"tiktok"}
    assert set(run_endpoints({"shorts": mixed["shorts"]}, sandbox=False, env=env)) == {"youtube"}
    both = run_endpoints(mixed, sandbox=False, env=env)
    assert both == {
        "tiktok": Endpoint(api_url="https://open.tiktokapis.com", app=app_fingerprint("aw0123")),
        "youtube": Endpoint(api_url=GOOGLE, app=app_fingerprint(CLIENT_ID)),
    }
    assert all(registry_adopts(p, e) for p, e in both.items())
    served = run_endpoints(
        mixed, sandbox=False, env={**env, "PUBLISHER_YOUTUBE_API_URL": "http://127.0.0.1:8765"}
    )
    assert registry_adopts("tiktok", served["tiktok"])
    assert not registry_adopts("youtube", served["youtube"])
    assert not registry_adopts("vine", both["youtube"])  # a platform the registry lacks
    sandbox = run_endpoints(mixed, sandbox=True, env=env)
    assert set(sandbox.values()) == {Endpoint(api_url=EMBEDDED_SANDBOX)}
    assert platforms_of(mixed) == {"brand-us": "tiktok", "shorts": "youtube"}
    # Without env, the process's environment is read.
    monkeypatch.setenv("PUBLISHER_YOUTUBE_API_URL", "http://127.0.0.1:9")
    assert run_endpoints(mixed, sandbox=False)["youtube"].api_url == "http://127.0.0.1:9"
