"""An upload session that cannot answer: its video, looked for among the channel's uploads.

An expired session (404/410) no longer says whether it made a video: sessions live about
a week, completed or not, and videos.insert has no idempotency key (reference §6). A run
killed after YouTube's final answer but before the state said so, then resumed after that
week, would otherwise upload the video a second time. So when the engine passes the
:class:`~gitops_publisher.core.ports.Attempt`, the channel's uploads since it began (less
:data:`CLOCK_MARGIN`) are listed (channels.list, then playlistItems.list: a unit each) and
compared with what the insert sent, title and description (whitespace runs count as one
space: YouTube may tidy them, and a looser match can only find more candidates, never miss
the one). An upload whose listed text differs is read again with videos.list (1 unit for 50)
before it is ruled out: a playlist may hide a private video's title. Videos the state
records for other attempts are not candidates. Exactly one: the session made it (the
adapter answers its outcome). None: :class:`NotStarted`. Several:
:class:`~gitops_publisher.providers.errors.OutcomeUnclear`, naming them; nothing is guessed.
A record written before records kept what was sent (or what videos.insert received,
``sent.youtube``) has no text to compare: the engine then
passes what the manifest sends now when the post is unchanged since (its fingerprint is the
record's); otherwise only a channel without any upload since is :class:`NotStarted`, and any
upload since makes the outcome unclear. Each list call is charged to the attempt's
:attr:`~gitops_publisher.core.ports.Attempt.budget` before it is sent
(:class:`~gitops_publisher.providers.errors.LookupOverBudget` when it does not fit).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from gitops_publisher.core.ports import Attempt, LookupBudget, NotStarted
from gitops_publisher.core.state import Sent
from gitops_publisher.core.youtube_quota import LOOKUP_UNITS
from gitops_publisher.providers.errors import LookupOverBudget, OutcomeUnclear
from gitops_publisher.providers.youtube.api_models import Upload

Pay = Callable[[int], None]
"""``pay(units)`` before a list call is sent; it raises to stop the call (the budget is spent)."""

CLOCK_MARGIN = timedelta(minutes=15)
"""How much earlier than the attempt's recorded start its video may say it was uploaded.

The record's time is the recording run's clock, ``publishedAt`` YouTube's; machines kept by
NTP differ by far less. The attempt's time is when its session was recorded, before its first
byte (kept by every later write of the record: a run that found the upload processing days
later does not move it), so the video is younger whenever the clocks agree. A wider margin
costs only a longer list, and a match found twice is never taken.
"""


class UploadsApi(Protocol):
    """What the lookup needs of :class:`~.client.YouTubeClient`."""

    async def uploads_since(self, since: datetime, *, pay: Pay | None = None) -> list[Upload]:
        """channels.list ``contentDetails``, then playlistItems.list down to ``since``."""
        ...

    async def videos(self, video_ids: Sequence[str], *, pay: Pay | None = None) -> list[Upload]:
        """videos.list ``part=snippet`` of these ids."""
        ...


async def made_by(api: UploadsApi, gone: str, attempt: Attempt | None) -> Upload | NotStarted:
    """The video a session that cannot answer made, found among the channel's uploads.

    ``gone``: why the session cannot answer (it expired), for :class:`NotStarted`'s
    reason. See the module doc.

    Raises:
        OutcomeUnclear: several uploads match (or, with nothing to compare, any).
        LookupOverBudget: a list call does not fit the attempt's budget.
    """
    if attempt is None:
        return NotStarted(gone)
    if attempt.budget is None:
        return await _look(api, gone, attempt, None)
    tab = _Tab(attempt.budget, gone)
    tab.hold(LOOKUP_UNITS)  # what the plan counts a lookup to cost
    try:
        return await _look(api, gone, attempt, tab.pay)
    finally:
        tab.close()


async def _look(
    api: UploadsApi, gone: str, attempt: Attempt, pay: Pay | None
) -> Upload | NotStarted:
    """:func:`made_by`'s lookup, each list call given to ``pay`` first."""
    wanted = _sent_text(attempt)
    since = attempt.began.astimezone(UTC) - CLOCK_MARGIN
    when = since.strftime("%Y-%m-%d %H:%M UTC")
    listed = [u for u in await api.uploads_since(since, pay=pay) if u.video_id not in attempt.known]
    if wanted is None:
        # Nothing to compare with: the record predates ``sent`` and the post changed since
        # (else the engine passes what the manifest sends now, which is what was sent).
        # Only a channel with no upload since proves the session made nothing.
        if not listed:
            return NotStarted(f"{gone}, and no video was uploaded to the channel since {when}")
        ids = ", ".join(upload.video_id for upload in listed)
        raise OutcomeUnclear(
            f"{gone}, so it cannot say whether it made a video; its record was written "
            "before records kept what an upload sent, and the post changed since it began "
            f"(or no manifest declares it), so nothing tells its video apart from the "
            f"{len(listed)} uploaded to the channel since {when}: {ids}",
            candidates=tuple(upload.video_id for upload in listed),
            compared=False,
        )
    matches = [u for u in listed if _text(u) == wanted]
    # A playlist may show a private video as "Private video" (UNCERTAIN for its owner):
    # the others are read again as their owner sees them before they are ruled out.
    unsure = [u.video_id for u in listed if _text(u) != wanted]
    if unsure:
        matches += [u for u in await api.videos(unsure, pay=pay) if _text(u) == wanted]
    if len(matches) == 1:
        # Another unsettled attempt of the channel sent the same (or does not say what it
        # sent): the one video may be its, and taking it here would record it twice and
        # leave a post unmade.
        rivals = tuple(
            address
            for address, sent in attempt.rivals
            if (text := _text_of(sent)) is None or text == wanted
        )
        if not rivals:
            return matches[0]
        (found,) = matches
        raise OutcomeUnclear(
            f"{gone}, so it cannot say which video it made: one video uploaded to the "
            f"channel since {when}, {found.video_id}, has the title and description it was "
            f"sent with, and the upload of {', '.join(rivals)}, unsettled too, was sent with "
            "the same (or its record does not say what it sent): either may have made it",
            candidates=(found.video_id,),
            rivals=rivals,
        )
    if not matches:
        return NotStarted(
            f"{gone}, and no video uploaded to the channel since {when} has the title and "
            "description it was sent with"
        )
    ids = ", ".join(upload.video_id for upload in matches)
    raise OutcomeUnclear(
        f"{gone}, so it cannot say which video it made, and {len(matches)} "
        f"videos uploaded to the channel since {when} have the title and description it "
        f"was sent with: {ids}",
        candidates=tuple(upload.video_id for upload in matches),
    )


@dataclass
class _Tab:
    """One lookup's charges to a shared budget: held at its start, drawn call by call.

    The calls draw on the hold, then on the budget; what is left goes back at the end.

    Holding first means concurrent lookups do not each spend part of the budget and all stop
    halfway: one that cannot hold the usual cost is not begun.
    """

    budget: LookupBudget
    gone: str
    held: int = 0

    def hold(self, units: int) -> None:
        """Hold ``units`` before the first call.

        Raises:
            LookupOverBudget: they do not fit: the lookup is not begun.
        """
        if not self.budget.take(units):
            raise self._over()
        self.held = units

    def pay(self, units: int) -> None:
        """Pay one call's ``units``, from the hold first.

        Raises:
            LookupOverBudget: they do not fit (the call is not sent).
        """
        drawn = min(units, self.held)
        self.held -= drawn
        if units > drawn and not self.budget.take(units - drawn):
            raise self._over()

    def close(self) -> None:
        """Give back what the lookup held and did not use."""
        self.budget.give_back(self.held)
        self.held = 0

    def _over(self) -> LookupOverBudget:
        return LookupOverBudget(
            f"{self.gone}; listing the channel's uploads to find its video would spend more "
            f"than is left of {self.budget.about}, so the list was not asked for"
        )


def _sent_text(attempt: Attempt | None) -> tuple[str, str] | None:
    """The title and description the attempt's insert sent (:func:`_tidy`), if recorded."""
    return _text_of(attempt.sent if attempt is not None else None)


def _text_of(recorded: Sent | None) -> tuple[str, str] | None:
    """The title and description an insert sent (:func:`_tidy`), if ``recorded`` says."""
    sent = recorded.youtube if recorded is not None else None
    resource = sent.get("resource") if sent is not None else None
    snippet = resource.get("snippet") if isinstance(resource, dict) else None
    if not isinstance(snippet, dict) or not isinstance(snippet.get("title"), str):
        return None
    return _tidy(snippet["title"]), _tidy(str(snippet.get("description") or ""))


def _text(upload: Upload) -> tuple[str, str]:
    """An upload's title and description, :func:`_tidy`."""
    return _tidy(upload.title), _tidy(upload.description)


def _tidy(text: str) -> str:
    """``text`` with each run of whitespace one space, none at the ends."""
    return " ".join(text.split())
