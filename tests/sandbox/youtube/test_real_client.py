"""Real clients that no one here wrote upload to the emulator: google-api-python-client,
google-auth-oauthlib's login, python-youtube.

It follows the documented protocol on its own (initiating POST, 256 KiB chunks, 308/Range, its
error-state status query); the test only points it at 127.0.0.1 as docs/sandbox.md says, and
checks what the emulator assembled, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import google_auth_httplib2
import googleapiclient
import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload, build_http

from gitops_publisher.sandbox.youtube import SANDBOX_GOOGLE_CLIENT_ID, SANDBOX_GOOGLE_CLIENT_SECRET
from tests.apply.harness import MEDIA, padded_mp4

from .conftest import KIB256, SCOPE, YouTubeSandbox

DOCUMENT = Path(googleapiclient.__file__).parent / "discovery_cache/documents/youtube.v3.json"


def youtube_service(yt: YouTubeSandbox, refresh_token: str) -> Any:
    """The service object, built as docs/sandbox.md says: the bundled document, rootUrl swapped."""
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    document["rootUrl"] = yt.base_url + "/"
    credentials = Credentials(  # type: ignore[no-untyped-call]
        None,
        refresh_token=refresh_token,
        token_uri=yt.base_url + "/token",
        client_id=SANDBOX_GOOGLE_CLIENT_ID,
        client_secret=SANDBOX_GOOGLE_CLIENT_SECRET,
    )
    http = build_http()  # the library's own Http (308 is not a redirect for it)
    http.proxy_info = None  # loopback only, whatever proxy the environment names
    return build_from_document(
        document, http=google_auth_httplib2.AuthorizedHttp(credentials, http=http)
    )


@pytest.fixture
def video(tmp_path: Path) -> Path:
    """A real MP4 (an example video grown to three and a bit chunks)."""
    path = tmp_path / "launch.mp4"
    path.write_bytes(padded_mp4(MEDIA / "tutorial-part1.mp4", 3 * KIB256 + 12_345, seed=5))
    return path


def new_channel(yt: YouTubeSandbox) -> str:
    created = yt.client.post("/_sandbox/youtube/channels", json={"handle": "@brand"})
    assert created.status_code == 201
    token: str = created.json()["refresh_token"]
    return token


def insert(youtube: Any, video: Path) -> Any:
    media = MediaFileUpload(str(video), mimetype="video/mp4", resumable=True, chunksize=KIB256)
    return youtube.videos().insert(
        part="snippet,status",
        notifySubscribers=False,
        body={
            "snippet": {"title": "Launch #shorts", "description": "d", "tags": ["a b", "c"]},
            "status": {"privacyStatus": "private", "selfDeclaredMadeForKids": False},
        },
        media_body=media,
    )


def test_google_api_python_client_uploads_lists_and_polls(yt: YouTubeSandbox, video: Path) -> None:
    youtube = youtube_service(yt, new_channel(yt))
    mine = youtube.channels().list(part="snippet,contentDetails", mine=True).execute()
    assert mine["items"][0]["snippet"]["customUrl"] == "@brand"
    request = insert(youtube, video)
    progress = []
    response = None
    while response is None:
        status, response = request.next_chunk()
        if status is not None:
            progress.append(status.resumable_progress)
    assert progress == [KIB256, 2 * KIB256, 3 * KIB256]  # it parsed each Range: bytes=0-N
    assert response["kind"] == "youtube#video" and response["status"]["uploadStatus"] == "uploaded"
    [listed] = yt.videos()
    assert listed["video_id"] == response["id"] and listed["chunks_received"] == 4
    assert listed["sha256"] == hashlib.sha256(video.read_bytes()).hexdigest()
    assert (listed["privacy"], listed["notify_subscribers"]) == ("private", False)
    polled = youtube.videos().list(part="status,processingDetails", id=response["id"]).execute()
    assert polled["items"][0]["processingDetails"]["processingStatus"] == "processing"
    yt.clock.advance(30)
    polled = youtube.videos().list(part="status,processingDetails", id=response["id"]).execute()
    assert polled["items"][0]["status"]["uploadStatus"] == "processed"


def test_the_client_resumes_from_the_servers_offset_after_a_5xx(
    yt: YouTubeSandbox, video: Path
) -> None:
    youtube = youtube_service(yt, new_channel(yt))
    yt.set_faults({"youtube_upload": {"fail_chunk": 3, "error_status": 503}})
    request = insert(youtube, video)
    errors, response = 0, None
    while response is None:
        try:
            _, response = request.next_chunk()  # num_retries=0: the caller decides
        except HttpError as exc:
            assert exc.resp.status == 503
            errors += 1  # the next call sends the status query, then resumes at its Range
    assert errors == 1
    log = yt.client.get("/_sandbox/requests").json()["requests"]
    puts = [entry["status"] for entry in log if entry["endpoint"] == "youtube_upload"]
    assert puts == [308, 308, 503, 308, 308, 201]  # chunk 3 failed, queried, re-sent
    assert yt.videos()[0]["sha256"] == hashlib.sha256(video.read_bytes()).hexdigest()


def test_the_client_without_resumable_sends_one_multipart_insert(
    yt: YouTubeSandbox, video: Path
) -> None:
    youtube = youtube_service(yt, new_channel(yt))
    media = MediaFileUpload(str(video), mimetype="video/mp4", resumable=False)
    body = {"snippet": {"title": "Small"}, "status": {"privacyStatus": "unlisted"}}
    response = youtube.videos().insert(part="snippet,status", body=body, media_body=media).execute()
    [listed] = yt.videos()
    assert listed["video_id"] == response["id"] and listed["privacy"] == "unlisted"
    assert listed["sha256"] == hashlib.sha256(video.read_bytes()).hexdigest()


def test_google_auth_oauthlib_logs_in_with_pkce_s256(
    yt: YouTubeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The installed-app flow of google-auth-oauthlib, its browser step played by httpx."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # an http:// token URI (reference §1.3)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    new_channel(yt)
    flow = InstalledAppFlow.from_client_config(
        {
            "installed": {  # a Desktop client's client-secrets file, its two URIs rewritten
                "client_id": SANDBOX_GOOGLE_CLIENT_ID,
                "client_secret": SANDBOX_GOOGLE_CLIENT_SECRET,
                "auth_uri": yt.base_url + "/o/oauth2/auth",
                "token_uri": yt.base_url + "/token",
                "redirect_uris": ["http://localhost"],
            }
        },
        scopes=[f"{SCOPE}youtube.upload", f"{SCOPE}youtube.readonly"],
    )
    flow.redirect_uri = "http://localhost:8765/"
    url, _ = flow.authorization_url(prompt="consent")
    assert "code_challenge_method=S256" in url
    browser = yt.client.get(url + "&sandbox_channel=%40brand")  # the user consents as @brand
    assert browser.status_code == 302
    flow.fetch_token(authorization_response=browser.headers["location"])
    credentials = flow.credentials
    assert credentials.refresh_token.startswith("1//")
    youtube = youtube_service(yt, credentials.refresh_token)
    mine = youtube.channels().list(part="snippet", mine=True).execute()
    assert mine["items"][0]["snippet"]["customUrl"] == "@brand"


def test_an_api_endpoint_client_option_alone_sends_uploads_to_https(yt: YouTubeSandbox) -> None:
    """Why docs/sandbox.md swaps rootUrl: the media path keeps its own scheme (reference §7)."""
    from googleapiclient.discovery import build

    youtube = build(
        "youtube",
        "v3",
        static_discovery=True,
        developerKey="unused",
        client_options={"api_endpoint": yt.base_url + "/"},
    )
    media = MediaFileUpload(__file__, mimetype="video/mp4", resumable=True)
    request = youtube.videos().insert(part="snippet", body={}, media_body=media)
    listing = youtube.videos().list(part="id", id="x")
    assert listing.uri.startswith(yt.base_url + "/youtube/v3/videos")
    assert request.uri.startswith("https://127.0.0.1:")


def test_python_youtube_uploads_with_its_own_resumable_loop(
    yt: YouTubeSandbox, video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """python-youtube (requests, its own 308/Range loop, ``notifySubscribers=False``)."""
    from pyyoutube import Client
    from pyyoutube.media import Media
    from pyyoutube.models import Video, VideoSnippet, VideoStatus

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    token = yt.refresh(new_channel(yt)).json()["access_token"]
    client = Client(access_token=token)
    client.BASE_URL = yt.base_url + "/youtube/v3/"  # reference §7: instance attributes
    client.BASE_UPLOAD_URL = yt.base_url + "/upload/youtube/v3/"
    body = Video(
        snippet=VideoSnippet(title="From python-youtube", description="d"),
        status=VideoStatus(privacyStatus="unlisted"),
    )
    with video.open("rb") as handle:
        media = Media(fd=handle, mimetype="video/mp4", chunk_size=KIB256)
        upload = client.videos.insert(
            body=body, media=media, parts=["snippet", "status"], notify_subscribers=False
        )
        response = None
        while response is None:
            _, response = upload.next_chunk()
    [listed] = yt.videos()
    assert listed["video_id"] == response["id"] and listed["title"] == "From python-youtube"
    assert (listed["privacy"], listed["notify_subscribers"]) == ("unlisted", False)
    assert listed["sha256"] == hashlib.sha256(video.read_bytes()).hexdigest()
