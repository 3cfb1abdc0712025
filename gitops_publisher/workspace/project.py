"""The content repository on disk: ``publisher.yaml`` and ``posts/**/*.yaml``.

:func:`load_project` reads and validates everything, collecting every problem of the run
before failing, each positioned ``file:line:column`` with the field and what to do.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from gitops_publisher.core.desired import DesiredPost, VideoRef, resolve_post
from gitops_publisher.core.models import (
    ENV_PATTERN,
    HASHTAG_PATTERN,
    SLUG_PATTERN,
    Config,
    PostManifest,
)
from gitops_publisher.core.policy import PolicyViolation, check_config, check_post
from gitops_publisher.core.secrets import find_secrets
from gitops_publisher.errors import ConfigError, Diagnostic
from gitops_publisher.workspace import yamlio
from gitops_publisher.workspace.content_ids import ContentIds

if TYPE_CHECKING:
    from gitops_publisher.media import MediaReport, VideoFacts

CONFIG_NAME = "publisher.yaml"
POSTS_DIR = "posts"
CACHE_DIR = ".publisher/cache"
MEDIA_CACHE_DIR = CACHE_DIR + "/media"

_M = typing.TypeVar("_M", bound=BaseModel)


@dataclass
class Project:
    """A loaded, valid content repository."""

    root: Path
    config: Config
    posts: list[DesiredPost]
    manifest_files: dict[str, str]  # post id -> manifest file
    warnings: list[Diagnostic] = field(default_factory=list)
    media: dict[str, MediaReport] = field(default_factory=dict)  # content id -> pre-flight


@dataclass
class _Source:
    """One YAML file being read; composes itself for positions only if it has problems."""

    display: str
    text: str
    _nodes: list[Any] | None = None

    def diagnostic(
        self, doc: int, path: tuple[str | int, ...], message: str, *, key: bool = False
    ) -> Diagnostic:
        if self._nodes is None:
            self._nodes = yamlio.compose(self.text)
        pos = yamlio.locate(self._nodes, doc, path, key=key)
        dotted = ".".join(str(p) for p in path)
        return Diagnostic(
            self.display, pos.line if pos else None, pos.column if pos else None, dotted, message
        )

    def violation(self, doc: int, item: PolicyViolation, *, key: bool = False) -> Diagnostic:
        parts = tuple(int(p) if p.isdigit() else p for p in item.field.split("."))
        return replace(self.diagnostic(doc, parts, item.message, key=key), severity=item.severity)


def _read_source(path: Path, display: str, out: list[Diagnostic]) -> tuple[_Source, list[Any]]:
    try:
        text = yamlio.decode(path.read_bytes())
        documents = yamlio.load_documents(text)
    except yamlio.YamlProblem as exc:
        out.append(Diagnostic(display, exc.line, exc.column, "", exc.message))
        return _Source(display, ""), []
    except OSError as exc:
        out.append(Diagnostic(display, None, None, "", f"cannot read file: {exc.strerror}"))
        return _Source(display, ""), []
    return _Source(display, text), documents


def _secret_diagnostics(source: _Source, doc: int, document: Any) -> list[Diagnostic]:
    return [
        source.diagnostic(
            doc,
            path,
            f"this value looks like {kind}; secrets never live in YAML (the value is not "
            "shown): remove it, rotate it if it was committed, and name an environment "
            "variable instead (refresh_token_env)",
        )
        for path, kind in find_secrets(document)
    ]


def _validate(
    source: _Source, doc: int, document: Any, model: type[_M], out: list[Diagnostic]
) -> _M | None:
    """Validate one document; every problem goes to ``out`` (secrets first, never echoed).

    A document holding a secret is never accepted, but its other problems are still
    reported so that one run shows everything to fix.
    """
    secrets = _secret_diagnostics(source, doc, document)
    out.extend(secrets)
    try:
        valid = model.model_validate(document)
    except ValidationError as exc:
        flagged = {d.field for d in secrets}
        problems = _validation_diagnostics(source, doc, exc, model)
        out.extend(d for d in problems if d.field not in flagged)
        return None
    return None if secrets else valid


_HINTS: dict[str, str] = {
    "missing": "required field is missing: add it",
    "too_short": "needs at least one entry",
    "timezone_aware": "needs a time zone, e.g. 2026-12-01T09:00:00-05:00 or ...Z",
    "datetime_from_date_parsing": "is not an ISO 8601 date-time (e.g. 2026-12-01T09:00:00-05:00)",
    "datetime_parsing": "is not an ISO 8601 date-time (e.g. 2026-12-01T09:00:00-05:00)",
    "datetime_type": "is not an ISO 8601 date-time (e.g. 2026-12-01T09:00:00-05:00)",
}


_PATTERN_MESSAGES: dict[str, str] = {
    SLUG_PATTERN: "must be 1-64 lowercase letters, digits, '.', '_' or '-', starting with a "
    "letter or digit",
    ENV_PATTERN: "must be an environment variable name: uppercase letters, digits and '_' "
    "(e.g. TIKTOK_REFRESH_TOKEN_BRAND_US)",
    HASHTAG_PATTERN: "a hashtag is one word: no spaces, '#' or '@' inside",
}


def _validation_diagnostics(
    source: _Source, doc: int, exc: ValidationError, model: type[BaseModel]
) -> list[Diagnostic]:
    out = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        on_key = bool(loc) and loc[-1] == "[key]"  # a dict key itself is invalid
        if on_key:
            loc = loc[:-1]
        if kind == "extra_forbidden":
            out.append(source.diagnostic(doc, loc, _unknown_field(model, loc), key=True))
            continue
        if kind == "string_pattern_mismatch":
            pattern = str((error.get("ctx") or {}).get("pattern", ""))
            message = _PATTERN_MESSAGES.get(pattern, str(error["msg"]))
        elif kind == "literal_error" and loc == ("version",):
            message = (
                f"{error['msg']}: this gitops-publisher reads version 1 files (upgrade it if "
                "the file was written for a newer one)"
            )
        elif kind in _HINTS:
            message = _HINTS[kind]
        else:
            # pydantic's msg never contains the input here (include_input=False and no
            # message of these types quotes it); it may be a sentence from our validators.
            message = str(error["msg"]).removeprefix("Value error, ")
        out.append(source.diagnostic(doc, loc, message, key=on_key))
    return out


def _unknown_field(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    name = str(loc[-1])
    parent = _model_at(model, loc[:-1])
    if parent is None:
        return f"unknown field '{name}'"
    allowed = list(parent.model_fields)
    close = difflib.get_close_matches(name, allowed, n=1)
    guess = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown field '{name}'{guess}; allowed here: {', '.join(allowed)}"


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class at ``loc`` inside ``model`` (dict keys and list indexes skipped)."""
    current: Any = model
    in_container = False
    for part in loc:
        if in_container:  # a dict key or list index: the item type stays current
            in_container = False
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(str(part))
        if info is None:
            return None
        in_container = typing.get_origin(info.annotation) in (dict, list)
        current = _unwrap(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _unwrap(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation


def _reading_order(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Files in the order they were read; within a file, top to bottom (stable)."""
    files: dict[str, int] = {}
    for diagnostic in diagnostics:
        files.setdefault(diagnostic.file, len(files))
    return sorted(diagnostics, key=lambda d: (files[d.file], d.line or 0, d.column or 0))


def load_config(root: Path) -> Config:
    """Read and validate ``publisher.yaml``.

    Raises:
        ConfigError: missing, unreadable or invalid, with positioned diagnostics.
    """
    diagnostics: list[Diagnostic] = []
    config = _load_config(root, diagnostics)
    if config is None or any(d.severity == "error" for d in diagnostics):
        raise ConfigError(_reading_order(diagnostics))
    return config


def _load_config(root: Path, out: list[Diagnostic]) -> Config | None:
    path = root / CONFIG_NAME
    if not path.is_file():
        out.append(
            Diagnostic(
                CONFIG_NAME,
                None,
                None,
                "",
                f"no {CONFIG_NAME} in {root}: run in the content repository, or pass -C DIR",
            )
        )
        return None
    source, documents = _read_source(path, CONFIG_NAME, out)
    if not documents:
        if not out:
            out.append(
                Diagnostic(CONFIG_NAME, 1, 1, "", "empty config: see examples/publisher.yaml")
            )
        return None
    if len(documents) > 1:
        out.append(source.diagnostic(1, (), "publisher.yaml holds one YAML document"))
        return None
    document = documents[0]
    if not isinstance(document, dict):
        out.append(source.diagnostic(0, (), "publisher.yaml must be a mapping of keys"))
        return None
    config = _validate(source, 0, document, Config, out)
    if config is not None:
        problems = check_config(config.policy, list(config.accounts))
        out.extend(source.violation(0, item, key=True) for item in problems)
    return config


def manifest_paths(root: Path) -> list[Path]:
    """Every ``posts/**/*.yaml`` / ``*.yml`` file, sorted (stable plans)."""
    posts = root / POSTS_DIR
    if not posts.is_dir():
        return []
    return sorted(p for p in posts.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def check_video_path(root: Path, value: str, *, real_root: Path | None = None) -> str | None:
    """Return why ``value`` is not an acceptable video path inside ``root``, or None.

    ``real_root`` is ``root.resolve()`` when the caller already has it.
    """
    if "\\" in value:
        return "use forward slashes in video paths"
    candidate = Path(value)
    if candidate.is_absolute():
        return "video path must be relative to the repository, not absolute"
    if ".." in candidate.parts:
        return "video path must stay inside the repository ('..' is not allowed)"
    full = root / candidate
    try:
        resolved = full.resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        return f"video file {value} does not exist: add it, or fix the path (relative to the repo)"
    except OSError as exc:
        return f"video file {value} cannot be read: {exc.strerror}"
    if not resolved.is_relative_to(real_root or root.resolve()):
        return "video path resolves (through a symlink) outside the repository"
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

    With ``check_media``, every distinct video is also inspected against TikTok's media rules
    (through the probe cache under ``.publisher/cache/media``); its problems join the others,
    positioned at each manifest's ``video:``. ``probe`` replaces the real probe (tests).

    Raises:
        ConfigError: every problem found, positioned; nothing is partially loaded.
    """
    diagnostics: list[Diagnostic] = []
    config = _load_config(root, diagnostics)
    ids = content_ids or ContentIds(root, root / CACHE_DIR / "content-ids.json")
    videos = _Videos(root, ids)
    seen: dict[str, tuple[_Source, int]] = {}
    manifest_files: dict[str, str] = {}
    posts: list[DesiredPost] = []
    paths = manifest_paths(root)
    if not paths and config is not None:
        diagnostics.append(
            Diagnostic(
                POSTS_DIR, None, None, "", "no manifests found under posts/ (*.yaml)", "warning"
            )
        )
    for count, path in enumerate(paths, 1):
        display = path.relative_to(root).as_posix()
        posts.extend(
            _load_manifest(videos, path, display, config, seen, manifest_files, diagnostics)
        )
        if on_progress is not None:
            on_progress(count)
    ids.save()
    media: dict[str, MediaReport] = {}
    if check_media and config is not None:
        media = _check_media(root, posts, seen, diagnostics, probe)
    if config is None or any(d.severity == "error" for d in diagnostics):
        raise ConfigError(_reading_order(diagnostics))
    warnings = [d for d in diagnostics if d.severity != "error"]
    return Project(root, config, posts, manifest_files, warnings, media)


def _check_media(
    root: Path,
    posts: list[DesiredPost],
    seen: dict[str, tuple[_Source, int]],
    out: list[Diagnostic],
    probe: Callable[[Path], VideoFacts] | None,
) -> dict[str, MediaReport]:
    from gitops_publisher.media.checks import VideoUse, check_videos
    from gitops_publisher.media.probe import probe_video

    uses: dict[str, VideoUse] = {}
    for post in posts:
        post_id = post.address.post_id
        if post_id not in uses:
            uses[post_id] = VideoUse(
                post_id, post.manifest_file, post.video.path, post.video.content_id
            )

    def locate(post_id: str) -> tuple[int | None, int | None]:
        source, doc = seen[post_id]
        found = source.diagnostic(doc, ("video",), "")
        return found.line, found.column

    result = check_videos(
        root,
        list(uses.values()),
        cache_dir=root / MEDIA_CACHE_DIR,
        locate=locate,
        probe=probe or probe_video,
    )
    out.extend(result.diagnostics)
    return result.reports


def _load_manifest(
    videos: _Videos,
    path: Path,
    display: str,
    config: Config | None,
    seen: dict[str, tuple[_Source, int]],
    manifest_files: dict[str, str],
    out: list[Diagnostic],
) -> Iterable[DesiredPost]:
    source, documents = _read_source(path, display, out)
    posts: list[DesiredPost] = []
    for doc, document in enumerate(documents):
        if document is None:
            continue
        if not isinstance(document, dict):
            out.append(source.diagnostic(doc, (), "a post manifest must be a mapping of keys"))
            continue
        manifest = _validate(source, doc, document, PostManifest, out)
        if manifest is None:
            continue
        if manifest.id in seen:
            first_source, first_doc = seen[manifest.id]
            where = first_source.diagnostic(first_doc, ("id",), "").location()
            message = f"duplicate post id '{manifest.id}' (first at {where}): ids must be unique"
            out.append(source.diagnostic(doc, ("id",), message))
            continue
        seen[manifest.id] = (source, doc)
        manifest_files[manifest.id] = display
        video = videos.measure(manifest.video)
        if isinstance(video, str):
            out.append(source.diagnostic(doc, ("video",), video))
            continue
        if config is None:
            continue
        desired, problems = resolve_post(manifest, config, display, video)
        for problem_item in problems:
            parts = tuple(int(p) if p.isdigit() else p for p in problem_item.field.split("."))
            out.append(source.diagnostic(doc, parts, problem_item.message))
        for violation in check_post(config.policy, manifest, config.defaults, desired):
            out.append(source.violation(doc, violation))
        posts.extend(desired)
    return posts
