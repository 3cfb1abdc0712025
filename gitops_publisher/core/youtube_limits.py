"""YouTube's limits on what a video resource may carry, as annotated types (pure).

The rules come from ``docs/reference/youtube-data-api.md`` §3 (the video resource fields):
YouTube answers a breach with ``invalidTitle``, ``invalidDescription``, ``invalidTags`` or
``invalidCategoryId`` on the initiating POST, after the plan was reviewed; checking them here
makes the same mistake a ``file:line`` error of ``validate`` and ``plan`` instead.

Where the reference is uncertain the stricter reading is taken, so that nothing passing here
is refused by YouTube: a title's "100 characters" are counted in UTF-16 code units (an emoji
counts 2), the unit that is never smaller.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

YouTubePrivacy = Literal["public", "unlisted", "private"]

MAX_TITLE = 100
MAX_DESCRIPTION_BYTES = 5000
MAX_TAGS = 500

#: The categories a video may be assigned (``videoCategories.list``, ``assignable: true``).
#: Ids 18, 21 and 30-44 exist but are not assignable.
CATEGORIES: dict[str, str] = {
    "1": "Film & Animation",
    "2": "Autos & Vehicles",
    "10": "Music",
    "15": "Pets & Animals",
    "17": "Sports",
    "19": "Travel & Events",
    "20": "Gaming",
    "22": "People & Blogs",
    "23": "Comedy",
    "24": "Entertainment",
    "25": "News & Politics",
    "26": "Howto & Style",
    "27": "Education",
    "28": "Science & Technology",
    "29": "Nonprofits & Activism",
}


def title_length(text: str) -> int:
    """A title's length as checked here: UTF-16 code units (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def tags_length(tags: Sequence[str]) -> int:
    """The tags' length as YouTube counts it against its 500 (reference §3).

    The tags are counted as one comma-separated list: each comma counts, and a tag
    containing a space is quoted, so its quotes count (``Foo Baz`` is 9, ``Foo-Baz`` 7).
    """
    quoted = sum(len(tag) + (2 if " " in tag else 0) for tag in tags)
    return quoted + max(len(tags) - 1, 0)


def title_problem(title: str) -> str | None:
    """Why YouTube would refuse ``title`` (``invalidTitle``), or None."""
    if not title.strip():
        return "YouTube needs a non-empty title"
    if "<" in title or ">" in title:
        return "YouTube refuses '<' and '>' in a title: remove them"
    length = title_length(title)
    if length > MAX_TITLE:
        return (
            f"is {length} characters (UTF-16 code units, an emoji counts 2); YouTube allows "
            f"{MAX_TITLE}: shorten it"
        )
    return None


def description_problem(description: str) -> str | None:
    """Why YouTube would refuse ``description`` (``invalidDescription``), or None."""
    if "<" in description or ">" in description:
        return "YouTube refuses '<' and '>' in a description: remove them"
    size = len(description.encode("utf-8"))
    if size > MAX_DESCRIPTION_BYTES:
        return (
            f"is {size} bytes of UTF-8; YouTube allows {MAX_DESCRIPTION_BYTES} bytes (an "
            "accented letter takes 2, an emoji 4): shorten it"
        )
    return None


def tags_problem(tags: Sequence[str]) -> str | None:
    """Why YouTube would refuse ``tags`` (``invalidTags``), or None."""
    if any(not tag.strip() for tag in tags):
        return "a tag is empty: remove it"
    length = tags_length(tags)
    if length > MAX_TAGS:
        return (
            f"the tags count {length} characters as YouTube counts them (a comma between "
            f"tags counts 1, a tag with a space counts its 2 quotes); YouTube allows {MAX_TAGS}: "
            "drop some"
        )
    return None


def _raise_on(problem: str | None) -> None:
    if problem is not None:
        raise ValueError(problem)


def _title(value: str) -> str:
    _raise_on(title_problem(value))
    return value


def _description(value: str) -> str:
    _raise_on(description_problem(value))
    return value


def _tags(value: list[str]) -> list[str]:
    _raise_on(tags_problem(value))
    return value


def _category_text(value: Any) -> Any:
    """``category: 22`` and ``category: "22"`` are the same id (YouTube sends strings)."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _category(value: str) -> str:
    if value not in CATEGORIES:
        known = ", ".join(f"{key} ({name})" for key, name in CATEGORIES.items())
        raise ValueError(f"is not a category a video can be given; use one of {known}")
    return value


Title = Annotated[
    str,
    AfterValidator(_title),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": MAX_TITLE, "pattern": "^[^<>]*$"}
    ),
]
Description = Annotated[
    str, AfterValidator(_description), WithJsonSchema({"type": "string", "pattern": "^[^<>]*$"})
]
Tags = Annotated[
    list[str],
    AfterValidator(_tags),
    WithJsonSchema({"type": "array", "items": {"type": "string", "minLength": 1}}),
]
CategoryId = Annotated[
    str,
    BeforeValidator(_category_text),
    AfterValidator(_category),
    WithJsonSchema({"enum": [*CATEGORIES, *(int(key) for key in CATEGORIES)]}),
]
