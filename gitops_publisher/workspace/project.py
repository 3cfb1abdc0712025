"""The content repository on disk: ``publisher.yaml`` and ``posts/**/*.yaml``.

:func:`load_project` reads and validates everything, collecting every problem of the run
before failing, each positioned ``file:line:column`` with the field and what to do.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_publisher.core.address import Address
from gitops_publisher.core.desired import DesiredPost, VideoRef, draft_posts
from gitops_publisher.core.models import (
    Config,
    PostManifest,
)
from gitops_publisher.core.policy import check_post
from gitops_publisher.errors import ConfigError, Diagnostic
from gitops_publisher.workspace.config_file import load_config as load_config
from gitops_publisher.workspace.config_file import read_config, unknown_in_post
from gitops_publisher.workspace.confined import escape_problem, relative_problem
from gitops_publisher.workspace.content_ids import ContentIds
from gitops_publisher.workspace.sources import (
    Source,
    read_source,
    reading_order,
    validate_partial,
)

if TYPE_CHECKING:
    from gitops_publisher.media import VideoFacts
    from gitops_publisher.preflight.videos import MediaReport, VideoCatalog

POSTS_DIR = "posts"
CACHE_DIR = ".publisher/cache"
MEDIA_CACHE_DIR = CACHE_DIR + "/media"


@dataclass
class Project:
    """A loaded, valid content repository.

    Attributes:
        videos: the facts of its videos, each read at most once per content id whoever asks
            (media checks, the plan's facts, the creator checks, apply's pre-flight and the
            upload's Content-Type).
        media: content id -> what the media checks found, when ``load_project`` ran them.
    """

    root: Path
    config: Config
    posts: list[DesiredPost]
    manifest_files: dict[str, str]  # post id -> manifest file
    videos: VideoCatalog
    warnings: list[Diagnostic] = field(default_factory=list)
    media: dict[str, MediaReport] = field(default_factory=dict)

    @property
    def providers(self) -> dict[str, str]:
        """Each account's ``provider:`` (whose media rules its posts' videos must meet)."""
        return {name: account.provider for name, account in self.config.accounts.items()}


class ProjectProblems(ConfigError):
    """The project's files have problems (every one, positioned), and what is fine in them.

    For checks that need no valid manifest (``plan``'s account checks over the network): a
    user learns of an account's problem in the same run as of the manifests'.

    Attributes:
        partial: the project as far as it is valid (the config's valid fields, the posts
            without a problem), or None when ``publisher.yaml`` or its ``state:`` is not.
        waiting: the addresses of the posts with problems whose id and account are valid.
        accounts: the accounts whose entry in ``publisher.yaml`` is valid as a whole.
    """

    def __init__(
        self,
        diagnostics: list[Diagnostic],
        partial: Project | None,
        waiting: Sequence[Address] = (),
        accounts: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(diagnostics)
        self.partial = partial
        self.waiting = tuple(waiting)
        self.accounts = accounts


#: What a manifest's file name ends with (in this case: ``.YAML`` is not read, and warned of).
MANIFEST_SUFFIXES = (".yaml", ".yml")


def manifest_paths(root: Path, out: list[Diagnostic] | None = None) -> list[Path]:
    """Every ``posts/**/*.yaml`` / ``*.yml`` regular file, sorted (stable plans).

    A file ending in ``.YAML`` (another case) is not read, with a warning to ``out``: its
    post would otherwise be left out without a word.

    Symlinks are followed only while they stay inside the repository (each real directory
    walked once): a ``posts/`` directory, a sub-directory or a manifest that is a symlink
    leading out of it is not read, and goes to ``out`` as an error naming the symlink.
    """
    problems: list[Diagnostic] = [] if out is None else out
    real_root = root.resolve()

    def leaves(path: Path) -> bool:
        relative = path.relative_to(root).as_posix()
        escape = escape_problem(root, relative, real_root=real_root)
        if escape is not None:
            problems.append(Diagnostic(relative, None, None, "", escape))
        return escape is not None

    found: list[Path] = []
    walked: set[tuple[int, int]] = set()
    posts = root / POSTS_DIR
    stack = [] if leaves(posts) else [posts]
    while stack:
        directory = stack.pop()
        try:
            info = directory.stat()
            if (info.st_dev, info.st_ino) in walked or not stat.S_ISDIR(info.st_mode):
                continue
            walked.add((info.st_dev, info.st_ino))
            entries = list(os.scandir(directory))
        except FileNotFoundError:
            continue
        except OSError as exc:
            display = directory.relative_to(root).as_posix()
            problems.append(Diagnostic(display, None, None, "", f"cannot read: {exc.strerror}"))
            continue
        for entry in entries:
            path = Path(entry.path)
            manifest = path.suffix in MANIFEST_SUFFIXES
            if entry.is_symlink() and (manifest or entry.is_dir()) and leaves(path):
                continue
            if entry.is_dir():
                stack.append(path)
            elif manifest and entry.is_file():
                found.append(path)
            elif path.suffix.lower() in MANIFEST_SUFFIXES and entry.is_file():
                display = path.relative_to(root).as_posix()
                message = (
                    "not read: a manifest's name ends in .yaml or .yml, in lowercase: rename it"
                )
                problems.append(Diagnostic(display, None, None, "", message, "warning"))
    return sorted(found)


def check_video_path(root: Path, value: str, *, real_root: Path | None = None) -> str | None:
    """Return why ``value`` is not an acceptable video path inside ``root``, or None.

    ``real_root`` is ``root.resolve()`` when the caller already has it.
    """
    problem = relative_problem(value, what="video path")
    if problem is None:
        problem = escape_problem(root, value, real_root=real_root)
    if problem is not None:
        return problem
    try:
        resolved = (root / value).resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        return f"video file {value} does not exist: add it, or fix the path (relative to the repo)"
    except OSError as exc:
        return f"video file {value} cannot be read: {exc.strerror}"
    if not resolved.is_file():
        return f"video path {value} is not a file"
    return None


class _Videos:
    """Checks and measures each distinct video path once per load (posts share videos)."""

    def __init__(self, root: Path, ids: ContentIds) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.ids = ids
        self._measured: dict[str, VideoRef | str] = {}

    def measure(self, value: str) -> VideoRef | str:
        """Return the video as a :class:`VideoRef`, or the problem with its path as text."""
        known = self._measured.get(value)
        if known is None:
            known = self._measure(value)
            self._measured[value] = known
        return known

    def _measure(self, value: str) -> VideoRef | str:
        problem = check_video_path(self.root, value, real_root=self.real_root)
        if problem is not None:
            return problem
        real = (self.root / value).resolve()
        relative = real.relative_to(self.real_root).as_posix()
        content_id = self.ids.content_id(relative)
        if content_id.startswith("lfs-pointer:"):
            return (
                "video is a Git LFS pointer, not the video: run `git lfs pull` "
                "(in CI: actions/checkout with lfs: true)"
            )
        return VideoRef(relative, content_id, real.stat().st_size)


def load_project(
    root: Path,
    *,
    content_ids: ContentIds | None = None,
    on_progress: Callable[[int], None] | None = None,
    check_media: bool = False,
    probe: Callable[[Path], VideoFacts] | None = None,
) -> Project:
    """Load and validate the whole content repository.

    With ``check_media``, every distinct video is also inspected against its platforms' media
    rules (through the probe cache under ``.publisher/cache/media``); its problems join the
    others, positioned at each manifest's ``video:``. Either way the project carries a
    :class:`VideoCatalog` that reads each video once, when first asked. ``probe`` replaces the
    real probe (tests).

    Raises:
        ProjectProblems: every problem found, positioned; nothing is planned, but the
            project as far as it is valid comes with it (for checks reading no manifest).
    """
    diagnostics: list[Diagnostic] = []
    config, config_unknown = read_config(root, diagnostics)
    cache_escape = escape_problem(root, CACHE_DIR)  # the caches are written below
    if cache_escape is not None:
        diagnostics.append(Diagnostic(CACHE_DIR, None, None, "", cache_escape))
    ids = content_ids or ContentIds(root, root / CACHE_DIR / "content-ids.json")
    videos = _Videos(root, ids)
    seen: dict[str, tuple[Source, int]] = {}
    manifest_files: dict[str, str] = {}
    posts: list[DesiredPost] = []
    unplanned: list[DesiredPost] = []
    waiting: list[Address] = []
    before = len(diagnostics)
    paths = manifest_paths(root, diagnostics)
    if not paths and config is not None and len(diagnostics) == before:
        diagnostics.append(
            Diagnostic(
                POSTS_DIR, None, None, "", "no manifests found under posts/ (*.yaml)", "warning"
            )
        )
    for count, path in enumerate(paths, 1):
        display = path.relative_to(root).as_posix()
        posts.extend(
            _load_manifest(
                videos,
                path,
                display,
                (config, config_unknown),
                seen,
                manifest_files,
                diagnostics,
                (unplanned, waiting),
            )
        )
        if on_progress is not None:
            on_progress(count)
    if cache_escape is None:
        ids.save()
    from gitops_publisher.media.probe import probe_video
    from gitops_publisher.preflight.videos import VideoCatalog

    catalog = VideoCatalog(
        root,
        cache_dir=root / MEDIA_CACHE_DIR if cache_escape is None else None,
        probe=probe or probe_video,
    )
    media: dict[str, MediaReport] = {}
    if check_media and config is not None and cache_escape is None:
        providers = {name: account.provider for name, account in config.accounts.items()}
        media = _check_media(catalog, posts + unplanned, providers, seen, diagnostics)
    warnings = [d for d in diagnostics if d.severity != "error"]
    if config is None or any(d.severity == "error" for d in diagnostics):
        partial = None
        if config is not None and not any(n.split(".")[0] == "state" for n in config_unknown):
            partial = Project(root, config, posts, manifest_files, catalog, warnings, media)
        accounts = frozenset(
            name
            for name in (config.accounts if config is not None else {})
            if not any(n.startswith(f"accounts.{name}.") for n in config_unknown)
        )
        raise ProjectProblems(reading_order(diagnostics), partial, waiting, accounts)
    return Project(root, config, posts, manifest_files, catalog, warnings, media)


def _check_media(
    catalog: VideoCatalog,
    posts: list[DesiredPost],
    providers: Mapping[str, str],
    seen: dict[str, tuple[Source, int]],
    out: list[Diagnostic],
) -> dict[str, MediaReport]:
    from gitops_publisher.preflight.media import check_videos, video_uses

    def locate(post_id: str, key: str) -> tuple[int | None, int | None]:
        source, doc = seen[post_id]
        found = source.diagnostic(doc, (key,), "")
        return found.line, found.column

    result = check_videos(
        catalog.root,
        video_uses(posts, providers),
        cache_dir=catalog.cache_dir,
        locate=locate,
        catalog=catalog,
    )
    out.extend(result.diagnostics)
    return result.reports


#: Stand-ins for a manifest's required fields that are invalid in its file: only checks that
#: do not read them run (``sources.validate_partial``), so these values are never shown.
_PLACEHOLDERS: dict[str, Any] = {"id": "unknown", "accounts": ["unknown"], "video": "unknown"}
#: The video of a post whose video is invalid or missing: only its other checks run.
_NO_VIDEO = VideoRef("", "", 0)


def _with_cover(
    posts: list[DesiredPost], cover_ms: int | None, unknown: frozenset[str]
) -> list[DesiredPost]:
    """``posts`` whose platform takes a cover time carrying the manifest's, for its check.

    A direct post with a problem (an invalid or missing privacy) has no ``post_info``, where
    the check reads the cover time TikTok would receive; a draft receives none. Unchanged
    when the cover time or the mode is invalid (already reported).
    """
    from gitops_publisher.providers.registry import PLATFORMS

    if cover_ms is None or unknown & {"mode", "cover_timestamp_ms"}:
        return posts
    return [
        replace(post, post_info={"video_cover_timestamp_ms": cover_ms})
        if post.mode == "direct" and not post.post_info and PLATFORMS[post.provider].covers
        else post
        for post in posts
    ]


def _draft_nowhere(
    manifest: PostManifest, posts: list[DesiredPost], unknown: frozenset[str]
) -> str | None:
    """The warning for a post that asks for ``mode: draft`` where no account takes drafts.

    A draft waits in the creator's inbox (TikTok's); a platform without drafts (YouTube)
    publishes the post as its own fields say, which the manifest's ``mode: draft`` may have
    been meant to prevent. Said of the manifest's own ``mode`` only: ``defaults.mode``
    serves every post of the project, whatever its accounts.
    """
    if manifest.mode != "draft" or "mode" in unknown or not posts:
        return None
    if any(post.mode == "draft" for post in posts):
        return None
    from gitops_publisher.providers.registry import titles

    where = titles({post.provider for post in posts})
    return (
        f"mode: draft sends a post to the creator's inbox, which {where} does not have: this "
        "post is published as its platform's own fields say (its privacy); remove mode, or "
        "keep the post private with the platform's privacy field"
    )


def _missed_without_window(manifest: PostManifest, unknown: frozenset[str]) -> str | None:
    """The warning for a post's own ``on_missed`` that no ``not_after`` ever brings into play.

    The planner asks ``on_missed`` only once a window has closed (core/planner.py): without
    ``not_after`` a missed ``publish_at`` is published late, which ``on_missed: skip`` or
    ``fail`` was written to prevent. ``defaults.on_missed`` serves every post, so it is not
    said of that.
    """
    if manifest.on_missed is None or manifest.not_after is not None:
        return None
    if {"on_missed", "not_after"} & unknown:
        return None
    return (
        "on_missed applies once the publish window closes, and this post has no not_after: a "
        "missed publish_at is published late whatever on_missed says; add not_after (the "
        "window's end), or remove on_missed"
    )


def _load_manifest(
    videos: _Videos,
    path: Path,
    display: str,
    partial_config: tuple[Config | None, frozenset[str]],
    seen: dict[str, tuple[Source, int]],
    manifest_files: dict[str, str],
    out: list[Diagnostic],
    not_planned: tuple[list[DesiredPost], list[Address]],
) -> Iterable[DesiredPost]:
    """The posts of one manifest file that are free of problems; problems go to ``out``.

    The posts of a manifest with problems, which are not planned, go to ``unplanned`` for
    the media checks, when their id and video are valid, and their addresses to
    ``waiting`` when their id is valid (``not_planned``: the two lists).
    ``partial_config``: the config and its invalid fields (``config_file.read_config``).
    """
    unplanned, waiting = not_planned
    config, config_unknown = partial_config
    problems_before = len(out)
    source, documents = read_source(path, display, out)
    if len(out) == problems_before and all(document is None for document in documents):
        message = "holds no post (empty, or only comments): skipped; add a post or delete it"
        out.append(Diagnostic(display, 1, 1, "", message, "warning"))
    posts: list[DesiredPost] = []
    for doc, document in enumerate(documents):
        if document is None:
            continue
        if not isinstance(document, dict):
            out.append(source.diagnostic(doc, (), "a post manifest must be a mapping of keys"))
            continue
        manifest, unknown = validate_partial(
            source, doc, document, PostManifest, out, placeholders=_PLACEHOLDERS
        )
        if manifest is None:
            continue
        before = len(out)  # this post's own problems follow
        first = "id" not in unknown and manifest.id not in seen  # an invalid id claims nothing
        if first:
            seen[manifest.id] = (source, doc)
            manifest_files[manifest.id] = display
        elif "id" not in unknown:
            first_source, first_doc = seen[manifest.id]
            where = first_source.diagnostic(first_doc, ("id",), "").location()
            message = f"duplicate post id '{manifest.id}' (first at {where}): ids must be unique"
            out.append(source.diagnostic(doc, ("id",), message))
        video = _NO_VIDEO if "video" in unknown else videos.measure(manifest.video)
        if isinstance(video, str):
            out.append(source.diagnostic(doc, ("video",), video))
            video = _NO_VIDEO
        if config is None:
            continue
        unknown |= unknown_in_post(config_unknown, manifest)
        desired, problems = draft_posts(manifest, config, display, video, unknown=unknown)
        for problem_item in problems:
            out.append(
                source.diagnostic(
                    doc, problem_item.path, problem_item.message, key=problem_item.on_key
                )
            )
        found = check_post(config.policy, manifest, config.defaults, desired, unknown=unknown)
        out.extend(source.violation(doc, violation) for violation in found)
        if (note := _draft_nowhere(manifest, desired, unknown)) is not None:
            out.append(replace(source.diagnostic(doc, ("mode",), note), severity="warning"))
        if (note := _missed_without_window(manifest, unknown)) is not None:
            out.append(replace(source.diagnostic(doc, ("on_missed",), note), severity="warning"))
        if not unknown and all(d.severity != "error" for d in out[before:]):
            posts.extend(desired)  # only a post without a problem is planned
            continue
        if first and video is not _NO_VIDEO:
            # its video's media rules are checked all the same, and its cover time
            unplanned.extend(_with_cover(desired, manifest.cover_timestamp_ms, unknown))
        if "id" not in unknown:
            waiting.extend(post.address for post in desired)
    return posts
