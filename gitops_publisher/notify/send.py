"""Posting notifications after an apply: the webhook URL is a secret, a failure never fatal.

Each ``notify:`` entry names the environment variable holding its URL (a Slack incoming
webhook URL lets anyone post to the channel, so it never lives in YAML). The URL is never
printed: a delivery is reported by its kind and variable name only, and httpx's exception
texts, which can quote the URL, are not shown. A delivery that fails is reported and the
apply's exit code is unchanged: the posts are published and recorded either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from gitops_publisher.core.models import Notifier
from gitops_publisher.notify.message import (
    Notification,
    json_payload,
    should_send,
    slack_payload,
)

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Delivery:
    """How one notifier fared, as a line for the operator (no URL in it)."""

    notifier: str  # "slack (PUBLISHER_SLACK_WEBHOOK)"
    ok: bool
    detail: str

    def line(self) -> str:
        """``Notified slack (VAR).`` or ``Warning: notifying … failed: …``."""
        if self.ok:
            return f"Notified {self.notifier}{': ' + self.detail if self.detail else ''}."
        return (
            f"Warning: notifying {self.notifier} failed: {self.detail} (the apply itself "
            "is not affected)"
        )


def send_all(
    notifiers: Sequence[Notifier],
    notification: Notification,
    env: Mapping[str, str],
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> list[Delivery]:
    """Post ``notification`` to every notifier whose ``when`` it meets; never raises."""
    out = []
    for notifier in notifiers:
        if not should_send(notification, notifier.when):
            continue
        name = f"{notifier.kind} ({notifier.url_env})"
        url = env.get(notifier.url_env, "").strip()
        if not url:
            out.append(Delivery(name, False, f"{notifier.url_env} is not set: export it"))
            continue
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            out.append(Delivery(name, False, f"{notifier.url_env} does not hold an http(s) URL"))
            continue
        body = (
            slack_payload(notification) if notifier.kind == "slack" else json_payload(notification)
        )
        try:
            request = httpx.Request(
                "POST", url, json=body, extensions={"timeout": httpx.Timeout(timeout).as_dict()}
            )
        except httpx.InvalidURL:  # a mistyped port or host; its text may quote the URL
            out.append(Delivery(name, False, f"{notifier.url_env} does not hold a valid URL"))
            continue
        out.append(Delivery(name, *_post(request, transport, timeout)))
    return out


def _post(
    request: httpx.Request, transport: httpx.BaseTransport | None, timeout: float
) -> tuple[bool, str]:
    """Send ``request`` (the JSON POST) through the transport itself.

    Not through ``httpx.Client``: the client logs every request's URL at INFO ("HTTP
    Request: POST https://hooks…"), which would put the secret in a CI log.
    """
    sender = transport or httpx.HTTPTransport()
    try:
        response = sender.handle_request(request)
        response.read()
        response.close()
    except httpx.TimeoutException:
        return False, f"no answer within {timeout:.0f} s"
    except httpx.HTTPError as exc:  # its text may quote the URL: name the kind only
        return False, f"could not connect ({type(exc).__name__})"
    finally:
        if transport is None:
            sender.close()
    if response.is_success:
        return True, ""
    return False, f"HTTP {response.status_code}"
