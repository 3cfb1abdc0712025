"""The state binding: a state describes one endpoint and app per platform (design §12)."""

from __future__ import annotations

from functools import partial

import pytest

from gitops_publisher.core import binding
from gitops_publisher.core.binding import EMBEDDED_SANDBOX, app_fingerprint
from gitops_publisher.core.state import Endpoint, Record, State
from gitops_publisher.errors import StateBindingError
from gitops_publisher.planning import adopts_unbound
from gitops_publisher.providers.fake import FakePlatform
from gitops_publisher.providers.registry import PLATFORMS
from gitops_publisher.providers.tiktok.endpoint import current_endpoint

# The platforms name themselves in the refusals: the state stores hand in the registry.
bind = partial(binding.bind, platforms=PLATFORMS)
check_binding = partial(binding.check_binding, platforms=PLATFORMS)

KEY = "aw0123456789abcdef"
REAL = Endpoint(api_url="https://open.tiktokapis.com", app=app_fingerprint(KEY))
SERVED = Endpoint(api_url="http://127.0.0.1:8765", app=app_fingerprint("sbawsandboxclientkey"))


def test_the_app_fingerprint_is_short_stable_and_never_the_key() -> None:
    fingerprint = app_fingerprint(KEY)
    assert fingerprint == app_fingerprint(KEY) != app_fingerprint(KEY + "x")
    assert fingerprint.startswith("sha256:") and len(fingerprint) == 7 + 16
    assert KEY not in fingerprint


def test_an_unbound_state_is_bound_by_the_first_write_without_a_serial_bump() -> None:
    state = State(serial=3)
    bound = bind(state, {"tiktok": REAL})
    assert bound.endpoints == {"tiktok": REAL} and bound.serial == 3
    assert bind(bound, {"tiktok": REAL}) is bound


def test_another_endpoint_is_refused_naming_both() -> None:
    state = bind(State(), {"tiktok": REAL})
    with pytest.raises(StateBindingError) as info:
        check_binding(state, {"tiktok": SERVED}, source=".publisher/state.json")
    message = str(info.value)
    assert "https://open.tiktokapis.com" in message and "http://127.0.0.1:8765" in message
    assert ".publisher/state.json" in message
    assert "PUBLISHER_TIKTOK_API_URL=https://open.tiktokapis.com" in info.value.hint
    assert KEY not in message + info.value.hint


def test_another_app_on_the_same_url_is_refused() -> None:
    state = bind(State(), {"tiktok": REAL})
    other = Endpoint(api_url=REAL.api_url, app=app_fingerprint("another-app"))
    with pytest.raises(StateBindingError, match="app") as info:
        check_binding(state, {"tiktok": other}, source="s")
    assert "TIKTOK_CLIENT_KEY" in info.value.hint


def test_an_offline_plan_without_the_key_checks_the_url_only() -> None:
    state = bind(State(), {"tiktok": REAL})
    check_binding(state, {"tiktok": Endpoint(api_url=REAL.api_url)}, source="s")
    with pytest.raises(StateBindingError):
        check_binding(state, {"tiktok": Endpoint(api_url=SERVED.api_url)}, source="s")


def test_a_binding_made_without_the_key_is_completed_by_a_run_that_has_it() -> None:
    state = bind(State(), {"tiktok": Endpoint(api_url=REAL.api_url)})
    assert bind(state, {"tiktok": REAL}).endpoints["tiktok"] == REAL


def test_the_embedded_sandbox_is_its_own_endpoint() -> None:
    sandbox = current_endpoint(sandbox=True, env={})
    assert sandbox == Endpoint(api_url=EMBEDDED_SANDBOX)
    state = bind(State(), {"tiktok": REAL})
    with pytest.raises(StateBindingError, match="embedded TikTok sandbox"):
        check_binding(state, {"tiktok": sandbox}, source="s")


def test_platforms_are_bound_separately() -> None:
    youtube = Endpoint(api_url="https://www.googleapis.com")
    state = bind(State(), {"tiktok": REAL})
    check_binding(state, {"youtube": youtube}, source="s")  # not bound yet for YouTube
    both = bind(state, {"youtube": youtube})
    assert both.endpoints == {"tiktok": REAL, "youtube": youtube}


def test_a_write_of_a_state_bound_elsewhere_is_refused_as_a_read_is() -> None:
    state = bind(State(), {"tiktok": REAL})
    with pytest.raises(StateBindingError) as read:
        check_binding(state, {"tiktok": SERVED}, source=".publisher/state.json")
    with pytest.raises(StateBindingError) as write:  # a store's write binds through bind()
        bind(state, {"tiktok": SERVED}, source=".publisher/state.json")
    assert str(write.value) == str(read.value) and write.value.hint == read.value.hint
    assert bind(state, {"tiktok": Endpoint(api_url=REAL.api_url)}) is state  # URL only: same


def test_force_rebinds() -> None:
    state = bind(State(), {"tiktok": REAL})
    assert bind(state, {"tiktok": SERVED}, force=True).endpoints == {"tiktok": SERVED}


def test_the_current_endpoint_comes_from_the_environment() -> None:
    assert current_endpoint(sandbox=False, env={}) == Endpoint(api_url=REAL.api_url)
    env = {"PUBLISHER_TIKTOK_API_URL": "http://127.0.0.1:8765/", "TIKTOK_CLIENT_KEY": KEY}
    assert current_endpoint(sandbox=False, env=env) == Endpoint(
        api_url="http://127.0.0.1:8765", app=REAL.app
    )


def test_an_unbound_state_with_records_is_adopted_only_by_the_real_endpoint() -> None:
    from datetime import UTC, datetime

    from gitops_publisher.core.state import Record

    when = datetime(2026, 11, 1, tzinfo=UTC)
    v1 = State().with_record(
        Record(
            post_id="a",
            account="acme",
            status="published",
            fingerprint="sha256:x",
            mode="direct",
            video="media/a.mp4",
            created_at=when,
            updated_at=when,
        )
    )
    check_binding(v1, {"tiktok": REAL}, source="s", adopts=adopts_unbound)
    with pytest.raises(StateBindingError, match="1 record") as info:
        check_binding(v1, {"tiktok": SERVED}, source="s")
    assert "publisher state bind" in info.value.hint
    check_binding(State(), {"tiktok": SERVED}, source="s")  # nothing recorded: binds freely


def test_only_tiktok_itself_and_the_embedded_sandbox_adopt_an_unbound_state() -> None:
    from gitops_publisher.providers.tiktok.endpoint import adopts_unbound

    assert adopts_unbound(REAL) and adopts_unbound(Endpoint(api_url=EMBEDDED_SANDBOX))
    assert not adopts_unbound(SERVED)


def test_a_crafted_endpoint_in_a_state_file_is_refused_without_echoing_it() -> None:
    from gitops_publisher.errors import StateError
    from gitops_publisher.workspace.state_file import load_state

    document = (
        '{"version": 2, "lineage": "l", "serial": 1, "resources": {}, '
        '"endpoints": {"tiktok": {"api_url": "https://x\\n::error::forged\\u001b[2J"}}}'
    )
    with pytest.raises(StateError) as info:
        load_state(document.encode(), source="s")
    assert "endpoints.tiktok.api_url" in str(info.value) and "forged" not in str(info.value)


def test_a_malformed_api_url_variable_is_a_clear_error() -> None:
    from gitops_publisher.errors import PublisherError

    with pytest.raises(PublisherError, match="PUBLISHER_TIKTOK_API_URL"):
        current_endpoint(sandbox=False, env={"PUBLISHER_TIKTOK_API_URL": "http://a b\n"})


GOOGLE = Endpoint(
    api_url="https://youtube.googleapis.com", app=app_fingerprint("id.apps.googleusercontent.com")
)
GOOGLE_SERVED = Endpoint(api_url="http://127.0.0.1:8765", app=app_fingerprint("sandbox-client"))


def _record(account: str) -> Record:
    from datetime import UTC, datetime

    when = datetime(2026, 12, 3, tzinfo=UTC)
    return Record(
        post_id="a",
        account=account,
        status="published",
        fingerprint="sha256:x",
        mode="direct",
        video="media/a.mp4",
        created_at=when,
        updated_at=when,
    )


def test_a_youtube_state_of_a_sandbox_is_refused_against_google_naming_both() -> None:
    state = bind(State(), {"youtube": GOOGLE_SERVED})
    with pytest.raises(StateBindingError) as info:
        check_binding(state, {"youtube": GOOGLE}, source=".publisher/state.json")
    message = str(info.value)
    assert "YouTube at http://127.0.0.1:8765" in message
    assert "YouTube at https://youtube.googleapis.com" in message
    assert "PUBLISHER_YOUTUBE_API_URL=http://127.0.0.1:8765" in info.value.hint
    assert "TIKTOK" not in info.value.hint
    embedded = bind(State(), {"youtube": Endpoint(api_url=EMBEDDED_SANDBOX)})
    with pytest.raises(StateBindingError, match="embedded YouTube sandbox"):
        check_binding(embedded, {"youtube": GOOGLE}, source="s")


def test_another_google_client_on_the_same_url_is_refused() -> None:
    state = bind(State(), {"youtube": GOOGLE})
    other = Endpoint(api_url=GOOGLE.api_url, app=app_fingerprint("other.apps.googleusercontent"))
    with pytest.raises(StateBindingError, match="app sha256:") as info:
        check_binding(state, {"youtube": other}, source="s")
    assert "Google OAuth client id" in info.value.hint and "YOUTUBE_CLIENT_ID" in info.value.hint
    assert "TIKTOK_CLIENT_KEY" not in info.value.hint


def test_unbound_youtube_records_are_adopted_only_where_youtube_adopts() -> None:
    # Yesterday's state: TikTok bound, YouTube records but no YouTube binding.
    state = bind(State(), {"tiktok": REAL}).with_record(_record("shorts"))
    state = state.with_record(_record("brand-us"))
    platform_of = {"shorts": "youtube", "brand-us": "tiktok"}
    current = {"tiktok": REAL, "youtube": GOOGLE_SERVED}
    with pytest.raises(StateBindingError, match="1 record") as info:
        check_binding(state, current, source="s", platform_of=platform_of)
    assert "YouTube accounts" in str(info.value) and "publisher state bind" in info.value.hint
    check_binding(
        state,
        {"tiktok": REAL, "youtube": GOOGLE},
        source="s",
        adopts=adopts_unbound,
        platform_of=platform_of,
    )


def test_an_unbound_platform_without_records_of_its_own_binds_freely() -> None:
    # TikTok records only: a first YouTube account may start on any endpoint.
    state = bind(State(), {"tiktok": REAL}).with_record(_record("brand-us"))
    current = {"tiktok": REAL, "youtube": GOOGLE_SERVED}
    check_binding(state, current, source="s", platform_of={"brand-us": "tiktok"})
    # A record of an account no longer configured may be any platform's: it counts.
    with pytest.raises(StateBindingError, match="from before states recorded"):
        check_binding(state, current, source="s", platform_of={"shorts": "youtube"})


def test_records_written_beside_a_sandbox_binding_are_not_adopted_by_the_real_endpoint() -> None:
    # Yesterday's state of a YouTube-only project run against a served sandbox: TikTok bound
    # there (from the environment), the channel's records unbound.
    state = bind(State(), {"tiktok": SERVED}).with_record(_record("shorts"))
    platform_of = {"shorts": "youtube"}
    with pytest.raises(StateBindingError, match="beside records that describe TikTok at") as info:
        check_binding(
            state, {"youtube": GOOGLE}, source="s", adopts=adopts_unbound, platform_of=platform_of
        )
    assert "YouTube at https://youtube.googleapis.com" in str(info.value)
    assert "publisher state bind" in info.value.hint
    # Beside the embedded sandbox's binding: only --sandbox adopts them.
    embedded = Endpoint(api_url=EMBEDDED_SANDBOX)
    in_sandbox = bind(State(), {"tiktok": embedded}).with_record(_record("shorts"))
    with pytest.raises(StateBindingError, match="embedded TikTok sandbox"):
        check_binding(
            in_sandbox,
            {"youtube": GOOGLE},
            source="s",
            adopts=adopts_unbound,
            platform_of=platform_of,
        )
    check_binding(
        in_sandbox,
        {"youtube": embedded},
        source="s",
        adopts=adopts_unbound,
        platform_of=platform_of,
    )
    # Beside TikTok itself: adopted; and a write (adoption decided on read) never refuses it.
    real = bind(State(), {"tiktok": REAL}).with_record(_record("shorts"))
    check_binding(
        real, {"youtube": GOOGLE}, source="s", adopts=adopts_unbound, platform_of=platform_of
    )
    assert bind(state, {"youtube": GOOGLE}, source="s").endpoints["youtube"] == GOOGLE


def test_a_new_platform_is_named_in_the_refusals_in_its_own_words() -> None:
    # No line of core/binding.py names a platform: what a refusal says comes from the platform.
    fake = FakePlatform()
    platforms = {**PLATFORMS, fake.name: fake}
    served = Endpoint(api_url="http://127.0.0.1:8765")
    state = binding.bind(State(), {"fake": served}, platforms=platforms)
    real = Endpoint(api_url=fake.api_url)
    with pytest.raises(StateBindingError) as moved:
        binding.check_binding(state, {"fake": real}, source="s", platforms=platforms)
    assert "Fake at http://127.0.0.1:8765" in str(moved.value)
    assert "Fake at https://fake.invalid" in str(moved.value)
    assert f"{fake.api_url_env}=http://127.0.0.1:8765" in moved.value.hint
    other_app = Endpoint(api_url=served.api_url, app=app_fingerprint("another"))
    state = binding.bind(State(), {"fake": other_app}, platforms=platforms)
    with pytest.raises(StateBindingError) as app:
        binding.check_binding(
            state,
            {"fake": Endpoint(api_url=served.api_url, app=app_fingerprint("mine"))},
            source="s",
            platforms=platforms,
        )
    assert fake.app_credential in app.value.hint and "TIKTOK" not in app.value.hint
    sandbox = binding.bind(State(), {"fake": Endpoint(api_url=EMBEDDED_SANDBOX)})
    with pytest.raises(StateBindingError, match="embedded Fake sandbox"):
        binding.check_binding(sandbox, {"fake": real}, source="s", platforms=platforms)
