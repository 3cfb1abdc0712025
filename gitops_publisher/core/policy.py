"""Content policy: the team's rules for captions and disclosures, checked before publishing.

``policy:`` in ``publisher.yaml`` declares the rules (``core/policy_schema.py``);
:func:`check_post` and :func:`check_config` are pure functions that
return :class:`PolicyViolation` values, which the workspace positions (``file:line:col``) like
any other manifest problem. A rule's ``severity`` decides whether a violation fails
``validate``/``plan`` (``error``) or is only printed (``warning``).

Only direct posts are checked: a draft goes to the creator's inbox without caption or toggles
(reference §3.3), so the creator writes those in the app.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from gitops_publisher.core.caption import HASHTAG
from gitops_publisher.core.desired import DesiredPost, known_accounts, unknown_captions
from gitops_publisher.core.models import Defaults, Disclosure, PostManifest
from gitops_publisher.core.policy_schema import (
    BannedTerms,
    CaptionPattern,
    CountLimit,
    Policy,
    Severity,
)

# TikTok turns "@name" into a mention; an e-mail address is not one.
_MENTION = re.compile(r"(?<![\w@])@[\w.]+")


@dataclass(frozen=True)
class PolicyViolation:
    """One rule a post (or the policy itself) breaks.

    Attributes:
        field: dotted path of the field to point at (``caption``, ``disclosure.ai_generated``,
            or ``policy.banned_terms.accounts.x`` for :func:`check_config`).
        message: what is wrong, which rule says so, and what to do.
        severity: ``error`` or ``warning``, from the rule.
    """

    field: str
    message: str
    severity: Severity
    at: tuple[str | int, ...] = ()  # the path when ``field`` cannot be split (an account '.')

    @property
    def path(self) -> tuple[str | int, ...]:
        """The field's path inside the document (list indexes as ints)."""
        return self.at or tuple(int(p) if p.isdigit() else p for p in self.field.split("."))


def check_config(policy: Policy, accounts: Sequence[str]) -> list[PolicyViolation]:
    """Return problems of the policy itself: per-account rules naming undeclared accounts."""
    if policy.banned_terms is None:
        return []
    return [
        PolicyViolation(
            f"policy.banned_terms.accounts.{name}",
            "unknown account '{}'{}; declare it under accounts: (known: {})".format(
                name, *known_accounts(name, accounts)
            ),
            "error",
            ("policy", "banned_terms", "accounts", name),  # a name may hold a '.'
        )
        for name in policy.banned_terms.accounts
        if name not in accounts
    ]


def check_post(
    policy: Policy,
    manifest: PostManifest,
    defaults: Defaults,
    posts: Sequence[DesiredPost],
    *,
    unknown: frozenset[str] = frozenset(),
) -> list[PolicyViolation]:
    """Check one manifest's resolved posts (one per account) against ``policy``.

    The captions checked are the ones TikTok receives (each account's caption, its defaults
    applied). Accounts whose captions are the same share their violations, reported once at
    the field the caption comes from (``caption`` or ``captions.ACCOUNT``); per-account banned
    terms are reported once per account.

    ``unknown``: the manifest's fields that are invalid in its file (left at their defaults,
    ``core/desired.py:draft_posts``); a rule reading one of them is not checked.
    """
    direct = [post for post in posts if post.mode == "direct"]
    if policy.empty or not direct or "mode" in unknown:
        return []
    groups: dict[tuple[tuple[str, ...], str], list[str]] = {}
    unsure = unknown_captions(manifest, unknown)
    for post in direct:
        if post.address.account not in unsure:  # a caption not known is not checked
            groups.setdefault((post.caption_at, post.caption), []).append(post.address.account)
    # What resolve_post sends TikTok as brand_content_toggle (drafts and YouTube send none);
    # taken from the disclosure itself, as a post with a problem may have no post_info.
    disclosure = manifest.disclosure or defaults.disclosure or Disclosure()
    branded: bool | None = disclosure.brand_content and any(
        post.provider == "tiktok" for post in direct
    )
    if unknown & {"disclosure", "disclosure.brand_content"}:
        branded = None  # not known: the rule about branded captions is not checked
    out: list[PolicyViolation] = []
    for (at, caption), accounts in groups.items():
        for item in _caption_rules(policy, caption, accounts, branded=branded):
            located = replace(item, field=".".join(at), at=at if len(at) > 1 else ())
            if located not in out:  # the same caption text under other defaults
                out.append(located)
    declared = bool(unknown & {"disclosure", "disclosure.ai_generated"}) or _ai_declared(
        manifest, defaults
    )
    if policy.require_ai_generated is not None and not declared:
        out.append(
            PolicyViolation(
                "disclosure.ai_generated",
                "declare whether this video is AI-generated: set disclosure.ai_generated to "
                "true or false here or under defaults: (policy.require_ai_generated)"
                + (
                    "; this manifest's disclosure replaces the defaults' as a whole"
                    if manifest.disclosure is not None
                    else ""
                ),
                policy.require_ai_generated.severity,
            )
        )
    return out


def _caption_rules(
    policy: Policy, caption: str, accounts: Sequence[str], *, branded: bool | None
) -> list[PolicyViolation]:
    """Every caption rule broken by ``caption``, as published to ``accounts``.

    ``branded`` None: whether the post is branded content is not known (not checked).
    """
    out: list[PolicyViolation] = []
    if policy.banned_terms is not None:
        out.extend(_banned(policy.banned_terms, caption, accounts))
    rule = policy.brand_content_disclosure
    if rule is not None and branded is True:
        if not any(_find(term, caption) for term in rule.any_of):
            wanted = ", ".join(f"'{term}'" for term in rule.any_of)
            out.append(
                PolicyViolation(
                    "caption",
                    f"branded content (disclosure.brand_content) must say so in the caption: "
                    f"add one of {wanted} (policy.brand_content_disclosure)",
                    rule.severity,
                )
            )
    for name, pattern, what in (
        ("max_hashtags", HASHTAG, "hashtags"),
        ("max_mentions", _MENTION, "mentions"),
    ):
        limit: CountLimit | None = getattr(policy, name)
        count = len(pattern.findall(caption)) if limit is not None else 0
        if limit is not None and count > limit.limit:
            out.append(
                PolicyViolation(
                    "caption",
                    f"caption has {count} {what} (defaults applied); policy.{name} allows "
                    f"{limit.limit}: remove some",
                    limit.severity,
                )
            )
    if policy.caption_pattern is not None:
        out.extend(_pattern(policy.caption_pattern, caption))
    return out


def _banned(rule: BannedTerms, caption: str, accounts: Sequence[str]) -> list[PolicyViolation]:
    out = [
        PolicyViolation(
            "caption",
            f"caption contains '{term}', banned by policy.banned_terms: remove or reword it",
            rule.severity,
        )
        for term in rule.terms
        if _find(term, caption)
    ]
    for account in accounts:
        out.extend(
            PolicyViolation(
                "caption",
                f"caption contains '{term}', banned for account {account} by "
                f"policy.banned_terms.accounts: remove or reword it, or drop the account",
                rule.severity,
            )
            for term in rule.accounts.get(account, [])
            if _find(term, caption)
        )
    return out


def _ai_declared(manifest: PostManifest, defaults: Defaults) -> bool:
    # resolve_post takes the manifest's disclosure as a whole when present, else the defaults'.
    source = manifest.disclosure if manifest.disclosure is not None else defaults.disclosure
    return source is not None and "ai_generated" in source.model_fields_set


def _pattern(rule: CaptionPattern, caption: str) -> list[PolicyViolation]:
    meaning = f" ({rule.meaning})" if rule.meaning else ""
    out = []
    if rule.must_match is not None and not _regex(rule.must_match).search(caption):
        out.append(
            PolicyViolation(
                "caption",
                f"caption does not match policy.caption_pattern.must_match{meaning}: reword it",
                rule.severity,
            )
        )
    if rule.must_not_match is not None and _regex(rule.must_not_match).search(caption):
        out.append(
            PolicyViolation(
                "caption",
                f"caption matches policy.caption_pattern.must_not_match{meaning}: reword it",
                rule.severity,
            )
        )
    return out


def _find(term: str, caption: str) -> bool:
    return _term_regex(term).search(caption) is not None


@functools.lru_cache(maxsize=1024)
def _term_regex(term: str) -> re.Pattern[str]:
    # Whole words: "free" does not match "freedom"; "#ad" does not match "#adventure".
    return re.compile(rf"(?<!\w){re.escape(term.strip())}(?!\w)", re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
