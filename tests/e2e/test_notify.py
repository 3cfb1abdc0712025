"""Notifications after a real sandbox apply, received by HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from apply.harness import SecretScan
from cli.projects import CONFIG
from local_http import serving

NOTIFY = """\
notify:
  - {kind: slack, url_env: PUBLISHER_TEST_SLACK}
  - {kind: json, url_env: PUBLISHER_TEST_JSON}
  - {kind: json, url_env: PUBLISHER_TEST_BROKEN}
  - {kind: json, url_env: PUBLISHER_TEST_UNSET}
  - {kind: slack, url_env: PUBLISHER_TEST_FAILURES_ONLY, when: failures}
"""
POSTS = {
    "posts/news.yaml": """\
version: 1
id: news
accounts: [brand-us]
video: media/tutorial-part1.mp4
caption: "Big news @channel <!here> & <b>bold</b> @Everyone"
privacy: PUBLIC_TO_EVERYONE
""",
    "posts/missed.yaml": """\
version: 1
id: missed
accounts: [brand-uk]
video: media/tutorial-part2.mp4
publish_at: 2026-01-01T09:00:00Z
not_after: 2026-01-01T10:00:00Z
on_missed: skip
""",
}


@dataclass
class Hooks:
    url: str = ""
    received: dict[str, list[Any]] = field(default_factory=dict)


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    state = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            assert self.headers["Content-Type"] == "application/json"
            state.received.setdefault(self.path, []).append(json.loads(body))
            status = 500 if self.path.startswith("/broken") else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    with serving(Handler) as url:
        state.url = url
        yield state


def test_a_sandbox_apply_notifies_slack_and_a_json_hook(
    make_repo: Any, cli: Any, hooks: Hooks, scan: SecretScan, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = {
        "PUBLISHER_TEST_SLACK": f"{hooks.url}/slack/T0001/B0001/xoxSecretPart1",
        "PUBLISHER_TEST_JSON": f"{hooks.url}/json?token=SecretQuery22",
        "PUBLISHER_TEST_BROKEN": f"{hooks.url}/broken/SecretPath333",
        "PUBLISHER_TEST_FAILURES_ONLY": f"{hooks.url}/failures/SecretPath4444",
    }
    for name, url in urls.items():
        monkeypatch.setenv(name, url)
        scan.secrets.add(url)  # a webhook URL is a secret: in no output, log or state
    monkeypatch.delenv("PUBLISHER_TEST_UNSET", raising=False)
    root: Path = make_repo({"publisher.yaml": CONFIG + NOTIFY, **POSTS}).root
    result = cli(root, "apply", "--sandbox", "--yes")
    assert result.exit_code == 0, result.output  # a failing webhook never fails the apply
    scan.add_output("state", (root / ".publisher" / "sandbox" / "state.json").read_text())
    assert "Notified slack (PUBLISHER_TEST_SLACK)." in result.stderr
    assert "Notified json (PUBLISHER_TEST_JSON)." in result.stderr
    assert (
        "Warning: notifying json (PUBLISHER_TEST_BROKEN) failed: HTTP 500 (the apply itself "
        "is not affected)" in result.stderr
    )
    assert "notifying json (PUBLISHER_TEST_UNSET) failed: PUBLISHER_TEST_UNSET is not set" in (
        result.stderr
    )
    assert "/failures/SecretPath4444" not in hooks.received  # when: failures, nothing failed

    (slack,) = hooks.received["/slack/T0001/B0001/xoxSecretPart1"]
    assert slack["text"] == "publisher apply (sandbox): 1 published, 1 skipped"
    texts = [block["text"]["text"] for block in slack["blocks"] if "text" in block]
    news = next(t for t in texts if "*news@brand-us* published" in t)
    assert "|view post>" in news and "<https://www.tiktok.com/" in news
    assert (
        "> Big news @\u200bchannel &lt;!here&gt; &amp; &lt;b&gt;bold&lt;/b&gt; @\u200bEveryone"
        in news
    )
    raw = json.dumps(slack, ensure_ascii=False)
    assert "<!" not in raw and "@channel" not in raw and "@Everyone" not in raw
    assert any("*missed@brand-uk* skipped" in t for t in texts)

    (document,) = hooks.received["/json?token=SecretQuery22"]
    posts = {p["address"]: p for p in document["posts"]}
    assert document["counts"] == {"published": 1, "skipped": 1}
    assert posts["news@brand-us"]["outcome"] == "published"
    assert posts["news@brand-us"]["url"].startswith("https://www.tiktok.com/")
    assert posts["news@brand-us"]["caption"].startswith("Big news @channel <!here>")  # as written
    assert posts["missed@brand-uk"]["outcome"] == "skipped"

    again = cli(root, "apply", "--sandbox", "--yes")  # nothing to publish: nothing to say
    assert again.exit_code == 0 and "Notified" not in again.stderr
    assert len(hooks.received["/slack/T0001/B0001/xoxSecretPart1"]) == 1


def test_when_always_notifies_after_an_apply_that_had_nothing_to_publish(
    make_repo: Any, cli: Any, hooks: Hooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    notify = """\
notify:
  - {kind: json, url_env: PUBLISHER_TEST_ALWAYS, when: always}
  - {kind: json, url_env: PUBLISHER_TEST_CHANGES}
"""
    monkeypatch.setenv("PUBLISHER_TEST_ALWAYS", f"{hooks.url}/always")
    monkeypatch.setenv("PUBLISHER_TEST_CHANGES", f"{hooks.url}/changes")
    news = {"posts/news.yaml": POSTS["posts/news.yaml"]}
    root: Path = make_repo({"publisher.yaml": CONFIG + notify, **news}).root
    first = cli(root, "apply", "--sandbox", "--yes")
    assert first.exit_code == 0, first.output
    again = cli(root, "apply", "--sandbox", "--yes")  # published already: nothing to publish
    assert again.exit_code == 0, again.output
    assert "Notified json (PUBLISHER_TEST_ALWAYS)." in again.stderr  # "after every apply"
    assert "PUBLISHER_TEST_CHANGES" not in again.stderr  # changes: nothing to say
    assert [d["summary"] for d in hooks.received["/always"]] == [
        "publisher apply (sandbox): 1 published",
        "publisher apply (sandbox): nothing to report",
    ]
    assert len(hooks.received["/changes"]) == 1
