"""The cover frame of each post as a PNG file, for reviewers (``publisher preview``, the Action).

The frame is the one TikTok shows as the cover: the post's ``cover_timestamp_ms`` (no value
means TikTok's default, the first frame). Only addresses on a platform that shows a chosen
cover (``Platform.covers``) have one: YouTube picks a Short's thumbnail itself, so its
addresses are left out of ``--all`` and plan previews (:func:`with_covers`) and refused when
named. Every frame is decoded before any file is written, so a run that fails writes nothing;
each file is written atomically.

The command (``cli/preview_cmd.py``) stops at the first problem; the GitHub Action
(``github/previews.py``) calls :func:`publishing_addresses` and :func:`write_previews`: it
writes what it can and reports the rest beside the plan instead of failing.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_publisher.core.address import Address
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.errors import AddressError, Diagnostic, PublisherError
from gitops_publisher.media.facts import MediaProbeError
from gitops_publisher.media.frames import (
    CoverFrame,
    TimestampPastEndError,
    extract_frame,
    load_av,
)
from gitops_publisher.providers.registry import PLATFORMS
from gitops_publisher.workspace.project import Project
from gitops_publisher.workspace.sources import Source, read_source
from gitops_publisher.workspace.state_file import atomic_write

if TYPE_CHECKING:
    from gitops_publisher.core.plan import Plan

#: Where the PNG files go by default, under the project (beside the cache; not committed).
PREVIEW_DIR = ".publisher/preview"
PLAN_HINT = "run `publisher plan` to see every address (POST_ID@ACCOUNT)"


@dataclass(frozen=True)
class _Cover:
    """A post's requested cover time and where its manifest says so."""

    timestamp_ms: int
    source: Source
    doc: int


@dataclass(frozen=True)
class Preview:
    """The cover time asked for and the frame decoded for it."""

    requested_ms: int
    frame: CoverFrame


@dataclass(frozen=True)
class WrittenPreview:
    """One PNG file written: the address, the file, and ``cover 1200 ms: frame at ...``."""

    address: str
    path: Path
    description: str


@dataclass
class PreviewOutcome:
    """What :func:`write_previews` wrote, and the posts whose frame could not be decoded.

    Attributes:
        written: one entry per PNG, in the order asked for.
        problems: positioned at the manifest's ``cover_timestamp_ms`` or ``video`` field.
        failed: the addresses left without a PNG because of ``problems``.
        uncovered: the addresses left out because their platform shows no chosen cover.
    """

    written: list[WrittenPreview] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)


def with_covers(
    project: Project, posts: list[DesiredPost]
) -> tuple[list[DesiredPost], list[DesiredPost]]:
    """``posts`` split into those whose platform shows a chosen cover, and the others."""
    kept: list[DesiredPost] = []
    left: list[DesiredPost] = []
    for post in posts:
        account = project.config.accounts.get(post.address.account)
        covered = account is None or PLATFORMS[account.provider].covers
        (kept if covered else left).append(post)
    return kept, left


def uncovered_note(addresses: Sequence[str]) -> str:
    """Why these addresses have no preview (one line; the platforms named)."""
    return (
        f"no cover preview for {len(addresses)} address(es) on a platform that picks its own "
        f"thumbnail (YouTube: cover_timestamp_ms is not sent): {', '.join(addresses)}"
    )


def publishing_addresses(plan: Plan) -> list[str]:
    """The addresses whose change uploads a video: create, replace and retry, sorted.

    ``resume`` asks TikTok about an earlier upload and sends no video, so it has no new cover.
    """
    from gitops_publisher.core.plan import PUBLISHING

    return sorted({change.address for change in plan.changes if change.action in PUBLISHING})


def write_previews(project: Project, addresses: Sequence[str], directory: Path) -> PreviewOutcome:
    """Write the cover frame of each address that can be decoded; report the others.

    Unlike the command, a post whose frame cannot be decoded does not stop the others: the
    GitHub Action shows the problem beside the plan and still uploads the rest.

    Raises:
        PublisherError: PyAV is not installed, or a PNG cannot be written.
        AddressError: an address names no post in ``project``.
    """
    posts, left = with_covers(
        project, select_posts(project, tuple(addresses), False, from_plan=True)
    )
    uncovered = [str(p.address) for p in left]
    if not posts:
        return PreviewOutcome(uncovered=uncovered)
    load_av()
    previews, problems = decode_covers(project, posts)
    failed = [str(p.address) for p in posts if p.address.post_id not in previews]
    kept = [p for p in posts if p.address.post_id in previews]
    return PreviewOutcome(write_pngs(kept, previews, directory), problems, failed, uncovered)


def write_pngs(
    posts: list[DesiredPost], previews: dict[str, Preview], directory: Path
) -> list[WrittenPreview]:
    """Write one PNG per post, atomically.

    Raises:
        PublisherError: a file cannot be written (says to choose another --out).
    """
    written: list[WrittenPreview] = []
    for post in posts:
        shown = previews[post.address.post_id]
        path = directory / f"{post.address}.png"
        try:
            atomic_write(path, shown.frame.png)
        except OSError as exc:
            raise PublisherError(
                f"cannot write {path}: {exc.strerror}", hint="choose another --out DIR"
            ) from exc
        written.append(WrittenPreview(str(post.address), path, _describe(shown)))
    return written


def select_posts(
    project: Project, addresses: tuple[str, ...], all_posts: bool, *, from_plan: bool = False
) -> list[DesiredPost]:
    """The posts named by ``addresses`` (or all), in the order given.

    Raises:
        AddressError: an address that names no post (from a plan: the plan is older than
            the manifests).
    """
    if all_posts:
        return sorted(project.posts, key=lambda p: p.address)
    known = {str(post.address): post for post in project.posts}
    chosen: dict[str, DesiredPost] = {}
    for text in addresses:
        address = str(Address.parse(text))
        if address not in known:
            if from_plan:
                raise AddressError(
                    f"the plan publishes {address}, which is no longer in the manifests",
                    hint="make the plan again: `publisher plan -o FILE`",
                )
            close = difflib.get_close_matches(address, list(known), n=3, cutoff=0.75)
            guess = f"did you mean {', '.join(close)}? " if close else ""
            raise AddressError(f"no post {address} in the manifests", hint=guess + PLAN_HINT)
        chosen[address] = known[address]
    return list(chosen.values())


def decode_covers(
    project: Project, posts: list[DesiredPost]
) -> tuple[dict[str, Preview], list[Diagnostic]]:
    """Decode each selected post's cover frame (once per post, once per video and time).

    A cover time past its video's end, or an undecodable video, is a problem positioned at
    the manifest's field; every problem is collected, the posts without one are decoded.

    Raises:
        PublisherError: PyAV is not installed.
    """
    covers = _covers(project, {post.address.post_id for post in posts})
    previews: dict[str, Preview] = {}
    problems: list[Diagnostic] = []
    failed: set[str] = set()
    decoded: dict[tuple[str, int], CoverFrame] = {}  # posts share videos
    for post in posts:
        post_id = post.address.post_id
        if post_id in previews or post_id in failed:
            continue
        cover = covers[post_id]
        key = (post.video.path, cover.timestamp_ms)
        try:
            if key not in decoded:
                decoded[key] = extract_frame(project.root / post.video.path, cover.timestamp_ms)
            previews[post_id] = Preview(cover.timestamp_ms, decoded[key])
            continue
        except TimestampPastEndError as exc:
            message = (
                f"{exc.timestamp_ms} ms is past the end of {post.video.path} "
                f"({exc.duration_ms} ms long): choose a time from 0 to {exc.duration_ms}"
            )
            problems.append(cover.source.diagnostic(cover.doc, ("cover_timestamp_ms",), message))
        except MediaProbeError as exc:
            message = f"{post.video.path} is {exc.problem}; no cover frame can be decoded"
            problems.append(cover.source.diagnostic(cover.doc, ("video",), message))
        failed.add(post_id)
    return previews, problems


def _covers(project: Project, post_ids: set[str]) -> dict[str, _Cover]:
    """Each post's ``cover_timestamp_ms`` (0 when unset) and its manifest position.

    The manifests were validated by ``load_project``; they are read again here because the
    resolved posts keep only what TikTok receives, not where the manifest said it.
    """
    covers: dict[str, _Cover] = {}
    files = {project.manifest_files[post_id] for post_id in post_ids}
    for display in sorted(files):
        unused: list[Diagnostic] = []
        source, documents = read_source(project.root / display, display, unused)
        for doc, document in enumerate(documents):
            post_id = _field(document, "id")
            if isinstance(post_id, str) and post_id in post_ids:
                value = _field(document, "cover_timestamp_ms")
                covers[post_id] = _Cover(value if isinstance(value, int) else 0, source, doc)
    return covers


def _field(document: Any, name: str) -> Any:
    return document.get(name) if isinstance(document, dict) else None


def _describe(shown: Preview) -> str:
    """``cover 1200 ms: frame at 1.200 s, 540x960``."""
    frame = shown.frame
    return (
        f"cover {shown.requested_ms} ms: frame at {frame.timestamp_ms / 1000:.3f} s, "
        f"{frame.width}x{frame.height}"
    )
