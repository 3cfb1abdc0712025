"""What an apply tells a chat room or a webhook: pure builders of the payloads.

:func:`build_notification` turns the plan and apply's results into a :class:`Notification`;
:func:`slack_payload` and :func:`json_payload` render it. Nothing here does I/O
(``notify/send.py`` posts them).

Slack: text in ``mrkdwn`` escapes ``&``, ``<`` and ``>`` as ``&amp;``, ``&lt;`` and ``&gt;``
(api.slack.com/reference/surfaces/formatting#escaping), so a caption cannot form
``<!here>``, ``<!channel>`` or ``<@U…>``; Slack-compatible receivers that still read a bare
``@channel``, ``@here`` or ``@everyone`` (legacy ``link_names``, Discord's ``/slack``
endpoint) get a zero-width space after the ``@``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitops_publisher.apply.events import Outcome, Result
from gitops_publisher.core.plan import Action, Plan

NOTIFY_FORMAT_VERSION = 1
_SLACK_BLOCKS = 45  # Slack allows 50 blocks per message; keep room for the head and the tail
_SLACK_SECTION = 2900  # a section's text may hold 3,000 characters
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)

_EMOJI = {
    "published": ":white_check_mark:",
    "scheduled": ":calendar:",
    "inbox": ":inbox_tray:",
    "pending": ":hourglass_flowing_sand:",
    "failed": ":x:",
    "not attempted": ":warning:",
    "skipped": ":fast_forward:",
}


@dataclass(frozen=True)
class Item:
    """One address's end in this apply."""

    address: str
    outcome: str  # an Outcome value, or "skipped" (its publish window had passed)
    url: str | None = None
    message: str = ""
    caption: str | None = None

    @property
    def post_id(self) -> str:
        """The post's id (before the ``@``)."""
        return self.address.partition("@")[0]

    @property
    def account(self) -> str:
        """The account (after the ``@``)."""
        return self.address.partition("@")[2]


@dataclass(frozen=True)
class Notification:
    """What one apply did, ready to render."""

    items: tuple[Item, ...]
    sandbox: bool = False
    run_url: str | None = None

    def counts(self) -> dict[str, int]:
        """Items per outcome, in a stable order, zeros left out."""
        order = [*(o.value for o in Outcome), "skipped"]
        return {o: n for o in order if (n := sum(1 for i in self.items if i.outcome == o))}

    @property
    def failed(self) -> bool:
        """Whether anything failed or was not attempted."""
        return any(i.outcome in (Outcome.FAILED, Outcome.NOT_ATTEMPTED) for i in self.items)

    def summary(self) -> str:
        """``publisher apply: 2 published, 1 failed`` (sandbox said)."""
        counts = ", ".join(f"{n} {outcome}" for outcome, n in self.counts().items())
        where = " (sandbox)" if self.sandbox else ""
        return f"publisher apply{where}: {counts or 'nothing to report'}"


def build_notification(
    plan: Plan,
    results: Sequence[Result],
    captions: Mapping[str, str],
    *,
    sandbox: bool = False,
    run_url: str | None = None,
    redact: Callable[[str], str] = lambda text: text,
) -> Notification:
    """The apply's results plus the plan's skipped addresses; ``captions`` by address."""
    items = [
        Item(
            r.address,
            r.outcome.value,
            r.url,
            redact(r.message),
            captions.get(r.address) or None,
        )
        for r in results
    ]
    items.extend(
        Item(c.address, "skipped", None, c.reason, captions.get(c.address) or None)
        for c in plan.changes
        if c.action is Action.SKIP
    )
    return Notification(tuple(items), sandbox, run_url)


def should_send(notification: Notification, when: str) -> bool:
    """``always``; ``changes``: something to report; ``failures``: something failed."""
    if when == "always":
        return True
    if when == "failures":
        return notification.failed
    return bool(notification.items)


def slack_escape(text: str) -> str:
    """Text safe in Slack ``mrkdwn``: no entity, link or mention can be formed from it."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@\u200b\\1", text)


def _slack_link(url: str, label: str) -> str:
    safe = slack_escape(url).replace("|", "%7C")
    return f"<{safe}|{slack_escape(label)}>"


def _slack_item(item: Item) -> str:
    line = f"{_EMOJI.get(item.outcome, '')} *{slack_escape(item.address)}* {item.outcome}"
    if item.url:
        line += f": {_slack_link(item.url, 'view post')}"
        if item.outcome == Outcome.SCHEDULED:
            line += f" ({slack_escape(item.message)})"
    elif item.message:
        line += f": {slack_escape(item.message)}"
    if item.caption:
        quoted = "\n".join(f"> {slack_escape(row)}" for row in item.caption.splitlines())
        line += "\n" + quoted
    return line[:_SLACK_SECTION]


def slack_payload(notification: Notification) -> dict[str, Any]:
    """A Slack incoming-webhook message: ``text`` (the fallback) and Block Kit sections."""
    head = slack_escape(notification.summary())
    if notification.run_url:
        head += f" · {_slack_link(notification.run_url, 'run')}"
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": head}}]
    shown = notification.items[:_SLACK_BLOCKS]
    blocks.extend(
        {"type": "section", "text": {"type": "mrkdwn", "text": _slack_item(item)}} for item in shown
    )
    if len(notification.items) > len(shown):
        more = f"… and {len(notification.items) - len(shown)} more"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return {"text": slack_escape(notification.summary()), "blocks": blocks}


def json_payload(notification: Notification) -> dict[str, Any]:
    """The generic webhook's document (versioned; captions as written, unescaped)."""
    return {
        "format_version": NOTIFY_FORMAT_VERSION,
        "event": "apply",
        "sandbox": notification.sandbox,
        "run_url": notification.run_url,
        "summary": notification.summary(),
        "counts": notification.counts(),
        "posts": [
            {
                "address": item.address,
                "post_id": item.post_id,
                "account": item.account,
                "outcome": item.outcome,
                "url": item.url,
                "message": item.message,
                "caption": item.caption,
            }
            for item in notification.items
        ],
    }
