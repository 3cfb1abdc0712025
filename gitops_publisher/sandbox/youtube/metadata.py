"""Checks of the video resource sent with videos.insert (reference §3, §5.3), as pure functions.

The result is what the sandbox stores: the requested parts of the body, with YouTube's
documented defaults filled in (privacy ``public``; UNCERTAIN: the other defaults, which mirror
the input and the reference's list).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gitops_publisher.sandbox.youtube.envelope import GoogleApiError

#: Parts videos.insert accepts in ``part`` (discovery document).
INSERT_PARTS = frozenset(
    {
        "id",
        "snippet",
        "status",
        "contentDetails",
        "fileDetails",
        "liveStreamingDetails",
        "localizations",
        "player",
        "processingDetails",
        "recordingDetails",
        "statistics",
        "suggestions",
        "topicDetails",
    }
)
#: Categories assignable to a video (videoCategories.list, regionCode=US).
ASSIGNABLE_CATEGORIES = frozenset(
    {"1", "2", "10", "15", "17", "19", "20", "22", "23", "24", "25", "26", "27", "28", "29"}
)
DEFAULT_CATEGORY = "22"
TITLE_MAX_CHARS = 100
DESCRIPTION_MAX_BYTES = 5000
TAGS_MAX_CHARS = 500
_WRITABLE = ("snippet", "status", "recordingDetails", "localizations")


def parse_parts(values: list[str], allowed: frozenset[str] = INSERT_PARTS) -> list[str]:
    """Parse ``part`` given comma-separated and/or repeated (reference §2.2).

    Raises:
        GoogleApiError: 400 ``required`` when absent, ``unknownPart`` for a name not in
            ``allowed``.
    """
    parts = [name.strip() for value in values for name in value.split(",") if name.strip()]
    if not parts:
        raise GoogleApiError(400, "required", "Required parameter: part", "global", location="part")
    for name in parts:
        if name not in allowed:
            raise GoogleApiError(400, "unknownPart", f"'{name}'", "youtube.part", location="part")
    return list(dict.fromkeys(parts))


def tags_length(tags: list[str]) -> int:
    """YouTube's count of a tag list: commas between items, quotes around tags with spaces.

    Reference §3: ``Foo Baz`` counts 9 (quoted), ``Foo-Baz`` 7; the limit is 500 in total.
    UNCERTAIN: characters are counted as code points.
    """
    return sum(len(tag) + (2 if " " in tag else 0) for tag in tags) + max(0, len(tags) - 1)


def parse_time(value: Any) -> datetime | None:
    """Parse an ISO 8601 / RFC 3339 date-time (``Z`` or offset); None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _bad(reason: str, message: str) -> GoogleApiError:
    return GoogleApiError(400, reason, message, "youtube.video")


def _check_snippet(snippet: Any) -> dict[str, Any]:
    if not isinstance(snippet, dict):
        raise _bad("invalidVideoMetadata", "The request metadata is invalid.")
    result = dict(snippet)
    title = snippet.get("title", "unknown")  # UNCERTAIN: untitled uploads get a default
    if (
        not isinstance(title, str)
        or not title.strip()
        or len(title) > TITLE_MAX_CHARS
        or "<" in title
        or ">" in title
    ):
        raise _bad(
            "invalidTitle", "The request metadata specifies an invalid or empty video title."
        )
    result["title"] = title
    description = snippet.get("description", "")
    if (
        not isinstance(description, str)
        or len(description.encode("utf-8")) > DESCRIPTION_MAX_BYTES
        or "<" in description
        or ">" in description
    ):
        raise _bad(
            "invalidDescription", "The request metadata specifies an invalid video description."
        )
    result["description"] = description
    tags = snippet.get("tags")
    if tags is not None:
        if (
            not isinstance(tags, list)
            or not all(isinstance(tag, str) and tag.strip() for tag in tags)
            or tags_length(tags) > TAGS_MAX_CHARS
        ):
            raise _bad("invalidTags", "The request metadata specifies invalid video keywords.")
    category = snippet.get("categoryId", DEFAULT_CATEGORY)
    if not isinstance(category, str) or category not in ASSIGNABLE_CATEGORIES:
        raise _bad(
            "invalidCategoryId", "The snippet.categoryId property specifies an invalid category ID."
        )
    result["categoryId"] = category
    return result


def _check_status(status: Any) -> dict[str, Any]:
    if not isinstance(status, dict):
        raise _bad("invalidVideoMetadata", "The request metadata is invalid.")
    result = dict(status)
    privacy = status.get("privacyStatus", "public")  # reference §3: omitted -> public
    if privacy not in ("public", "unlisted", "private"):
        raise _bad(
            "invalidVideoMetadata", "The request metadata specifies an invalid privacy status."
        )
    result["privacyStatus"] = privacy
    for flag in (
        "embeddable",
        "publicStatsViewable",
        "selfDeclaredMadeForKids",
        "containsSyntheticMedia",
    ):
        if flag in status and not isinstance(status[flag], bool):
            raise _bad("invalidVideoMetadata", f"The request metadata specifies an invalid {flag}.")
    license_ = status.get("license", "youtube")
    if license_ not in ("youtube", "creativeCommon"):
        raise GoogleApiError(
            403,
            "forbiddenLicenseSetting",
            "The request attempts to set an invalid license for the video.",
            "youtube.video",
        )
    result["license"] = license_
    result.setdefault("embeddable", True)
    result.setdefault("publicStatsViewable", True)
    if "publishAt" in status:
        moment = parse_time(status["publishAt"])
        if moment is None or privacy != "private":
            # Reference §3: publishAt only with privacyStatus private.
            raise _bad(
                "invalidPublishAt",
                "The request metadata specifies an invalid scheduled publishing time.",
            )
        result["publishAt"] = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return result


def check_resource(body: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    """Validate the video resource of an insert; return the stored resource.

    Only the parts named in ``part`` are read from the body (the others are ignored, as the
    API does); ``snippet`` and ``status`` always exist in the result.

    Raises:
        GoogleApiError: 400 ``invalidTitle``, ``invalidDescription``, ``invalidTags``,
            ``invalidCategoryId``, ``invalidPublishAt``, ``defaultLanguageNotSet``,
            ``invalidVideoMetadata``; 403 ``forbiddenLicenseSetting``.
    """
    resource: dict[str, Any] = {}
    for name in _WRITABLE:
        if name in parts and name in body:
            resource[name] = body[name]
    resource["snippet"] = _check_snippet(resource.get("snippet", {}))
    resource["status"] = _check_status(resource.get("status", {}))
    localizations = resource.get("localizations")
    if localizations and not resource["snippet"].get("defaultLanguage"):
        raise _bad(
            "defaultLanguageNotSet",
            "The request is trying to add localized video details without specifying the "
            "default language of the video details.",
        )
    return resource
