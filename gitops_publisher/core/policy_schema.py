"""The ``policy:`` section of ``publisher.yaml``: the content rules a team declares.

Only the schema (frozen models, documented so the JSON Schema explains them); the checks are
``core/policy.py``. Apart from them so the config model (``core/models.py``) can hold a
:class:`Policy` without importing the checks, which need the resolved posts
(``core/desired.py``), which need the config: no import cycle.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Severity = Literal["error", "warning"]
#: A banned term holds something besides spaces (an empty one would match every caption).
TERM_PATTERN = r"\S"
Term = Annotated[str, Field(min_length=1, pattern=TERM_PATTERN)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Rule(_Model):
    severity: Severity = Field(
        "error",
        description="error: validate and plan fail; warning: the violation is only printed.",
    )


class BannedTerms(_Rule):
    """Words or phrases no caption may contain (whole words, case-insensitive)."""

    terms: list[Term] = Field(
        default_factory=list, description="Banned on every account, e.g. 'guaranteed'."
    )
    accounts: dict[str, list[Term]] = Field(
        default_factory=dict,
        description="More banned terms per account name (the account must be declared).",
    )


class BrandDisclosure(_Rule):
    """When ``disclosure.brand_content`` is set, the caption must disclose it in words."""

    any_of: list[Term] = Field(
        min_length=1,
        description="The caption must contain one of these (whole words, case-insensitive), "
        "e.g. ['#ad', '#sponsored', 'paid partnership'].",
    )


class CountLimit(_Rule):
    """An upper bound on a count in the caption (defaults applied)."""

    limit: int = Field(ge=0, description="The most allowed.")


class AiDeclaration(_Rule):
    """``disclosure.ai_generated`` must be set explicitly, in the manifest or the defaults.

    Write ``require_ai_generated: {}`` to require it as an error.
    """


class CaptionPattern(_Rule):
    """Regular expressions (Python syntax, searched anywhere unless anchored) for the caption."""

    must_match: str | None = Field(
        None, description="The caption must match, e.g. '^[\\x00-\\x7F]*$' (ASCII only)."
    )
    must_not_match: str | None = Field(None, description="The caption must not match.")
    meaning: str = Field(
        "", description="What the pattern stands for, quoted in messages (e.g. 'English only')."
    )

    @field_validator("must_match", "must_not_match")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _one_pattern(self) -> CaptionPattern:
        if self.must_match is None and self.must_not_match is None:
            raise ValueError("set must_match, must_not_match, or both")
        return self


class Policy(_Model):
    """Content policy for every post; each rule is off unless declared."""

    banned_terms: BannedTerms | None = Field(
        None, description="Terms no caption may contain, globally and per account."
    )
    brand_content_disclosure: BrandDisclosure | None = Field(
        None, description="Disclosure text required in captions of branded content."
    )
    max_hashtags: CountLimit | None = Field(
        None, description="At most this many #hashtags per caption (defaults applied)."
    )
    max_mentions: CountLimit | None = Field(
        None, description="At most this many @mentions per caption (defaults applied)."
    )
    require_ai_generated: AiDeclaration | None = Field(
        None, description="Every post must declare disclosure.ai_generated (true or false)."
    )
    caption_pattern: CaptionPattern | None = Field(
        None, description="A pattern the caption must (or must not) match, e.g. a language."
    )

    @property
    def empty(self) -> bool:
        """True when no rule is declared (nothing to check)."""
        return all(getattr(self, name) is None for name in type(self).model_fields)
