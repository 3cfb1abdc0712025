"""Notification payloads (pure) and their delivery through an httpx MockTransport."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from gitops_publisher.apply.events import Outcome, Result
from gitops_publisher.core.models import Notifier
from gitops_publisher.core.plan import Action, Change, Plan
from gitops_publisher.notify.message import (
    Notification,
    build_notification,
    json_payload,
    should_send,
    slack_escape,
    slack_payload,
)
from gitops_publisher.notify.send import send_all

SECRET_URL = "https://hooks.example.test/services/T0/B0/verysecretpart"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a & b", "a &amp; b"),
        (
            "<!here> <!channel> <@U123> <https://x|y>",
            "&lt;!here&gt; &lt;!channel&gt; &lt;@U123&gt; &lt;https://x|y&gt;",
        ),
        ("hi @channel, @HERE and @everyone", "hi @\u200bchannel, @\u200bHERE and @\u200beveryone"),
        ("mail me@channels.example @partner", "mail me@channels.example @partner"),
        ("&amp;", "&amp;amp;"),  # already-escaped text is escaped again: shown as typed
    ],
)
def test_slack_escaping_leaves_no_mention_or_link(text: str, escaped: str) -> None:
    assert slack_escape(text) == escaped


def notification() -> Notification:
    plan = Plan(
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        lineage="l",
        serial=1,
        changes=[
            Change(address="a@us", post_id="a", account="us", action=Action.CREATE, reason="new"),
            Change(address="s@us", post_id="s", account="us", action=Action.SKIP, reason="late"),
        ],
    )
    results = [
        Result("a@us", "create", Outcome.PUBLISHED, "v1", "https://t/a?x=1&y=<2>|z"),
        Result("b@uk", "create", Outcome.FAILED, "v2", None, "token tok-123456 refused"),
    ]
    return build_notification(
        plan,
        results,
        {"a@us": "Hi <!here>", "s@us": "later"},
        run_url="https://github.com/acme/content/actions/runs/1",
        redact=lambda text: text.replace("tok-123456", "***"),
    )


def test_payloads_list_published_failed_and_skipped_with_urls() -> None:
    note = notification()
    assert note.counts() == {"published": 1, "failed": 1, "skipped": 1}
    document = json_payload(note)
    assert [(p["address"], p["outcome"]) for p in document["posts"]] == [
        ("a@us", "published"),
        ("b@uk", "failed"),
        ("s@us", "skipped"),
    ]
    assert document["posts"][1]["message"] == "token *** refused"  # secrets redacted
    slack = slack_payload(note)
    texts = [b["text"]["text"] for b in slack["blocks"]]
    assert texts[0].endswith("· <https://github.com/acme/content/actions/runs/1|run>")
    assert "<https://t/a?x=1&amp;y=&lt;2&gt;%7Cz|view post>" in texts[1]  # a URL cannot break out
    assert "> Hi &lt;!here&gt;" in texts[1]
    assert "<!" not in json.dumps(slack)


def test_when_decides_whether_to_send() -> None:
    note = notification()
    quiet = Notification(())
    assert should_send(note, "changes") and not should_send(quiet, "changes")
    assert should_send(note, "failures")
    assert not should_send(Notification(note.items[:1]), "failures")
    assert should_send(quiet, "always")


def deliver(handler: httpx.MockTransport, env: dict[str, str]) -> list[str]:
    notifier = Notifier(kind="json", url_env="HOOK")
    lines = [d.line() for d in send_all([notifier], notification(), env, transport=handler)]
    assert not any(SECRET_URL in line or "verysecret" in line for line in lines)
    return lines


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (httpx.ConnectError(f"cannot reach {SECRET_URL}"), "could not connect (ConnectError)"),
        (httpx.ReadTimeout(f"timed out on {SECRET_URL}"), "no answer within 10 s"),
    ],
)
def test_a_failing_webhook_is_reported_without_its_url(error: Exception, said: str) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error

    (line,) = deliver(httpx.MockTransport(fail), {"HOOK": SECRET_URL})
    assert (
        line == f"Warning: notifying json (HOOK) failed: {said} (the apply itself is not affected)"
    )


def test_a_bad_or_missing_url_is_reported_and_nothing_is_sent() -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200))
    assert "HOOK is not set: export it" in deliver(transport, {})[0]
    assert "HOOK does not hold an http(s) URL" in deliver(transport, {"HOOK": "file:///etc"})[0]
    # httpx refuses it (a mistyped port): a warning, not a crash after the posts were published
    mistyped = SECRET_URL.replace(".test/", ".test:44x3/")
    assert "HOOK does not hold a valid URL" in deliver(transport, {"HOOK": mistyped})[0]
    assert sent == []
    assert deliver(transport, {"HOOK": SECRET_URL}) == ["Notified json (HOOK)."]
    assert json.loads(sent[0].content)["counts"]["published"] == 1


def test_a_post_scheduled_by_youtube_is_not_called_published() -> None:
    plan = Plan(created_at=datetime(2026, 12, 1, tzinfo=UTC), lineage="l", serial=1, changes=[])
    message = "scheduled by YouTube for 2099-01-10T14:00:00Z; private until then"
    result = Result("a@yt", "create", Outcome.SCHEDULED, None, "https://yt/a", message)
    note = build_notification(plan, [result], {})
    assert note.counts() == {"scheduled": 1}
    assert note.summary() == "publisher apply: 1 scheduled"
    (block,) = slack_payload(note)["blocks"][1:]
    assert block["text"]["text"] == (
        ":calendar: *a@yt* scheduled: <https://yt/a|view post> (" + message + ")"
    )
