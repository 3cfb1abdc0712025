"""Pre-flight reads each video once per run, and the upload says what the probe found.

* Video facts are computed once per content id and carried on the loaded project: ``plan``
  (media checks, the reviewer's facts, the creator checks' durations) and ``apply`` (its
  pre-flight, the upload's Content-Type) ask the project's catalog, never the file again. The
  probe cache is blocked here, so every read would be a real probe (counted at pymediainfo).
* The chunk PUTs carry the Content-Type of the container the probe detected, not one guessed
  from the file's suffix: a ``.mp4`` file that is really WebM or QuickTime goes as such.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pinned_git import commit_all
from pymediainfo import MediaInfo

from gitops_publisher.apply.events import Event, Outcome
from gitops_publisher.apply.run import execute
from gitops_publisher.cli.main import cli
from gitops_publisher.planning import make_plan
from gitops_publisher.providers.fake import FakeProvider, FakeProviders, Script
from gitops_publisher.workspace.project import MEDIA_CACHE_DIR

from .harness import PostSpec, SecretScan, TokenBox, apply_once, cli_env

DATA = Path(__file__).resolve().parents[1] / "data" / "media"
ACCOUNTS = ["brand-uk", "brand-us"]


def count_probes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every real probe (a pymediainfo parse) from now on, by file name."""
    parsed: list[str] = []
    parse = MediaInfo.parse

    def counting(filename: Any, *args: Any, **kwargs: Any) -> Any:
        parsed.append(Path(filename).name)
        return parse(filename, *args, **kwargs)

    monkeypatch.setattr(MediaInfo, "parse", counting)
    return parsed


def block_probe_cache(root: Path) -> None:
    """A file where the probe cache's directory would be: nothing can be cached."""
    cache = root / MEDIA_CACHE_DIR
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("not a directory\n", encoding="utf-8")


def test_a_video_shared_by_posts_and_accounts_is_probed_once_per_run(
    project: Callable[..., Path],
    emulator: Callable[..., Any],
    tokens: TokenBox,
    scan: SecretScan,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shared = [PostSpec(f"shared-{i}", ACCOUNTS) for i in range(3)]
    root = project(ACCOUNTS, [*shared, PostSpec("own", ACCOUNTS, video="media/tutorial-part2.mp4")])
    block_probe_cache(root)
    probes = count_probes(monkeypatch)
    once_each = ["tutorial-part1.mp4", "tutorial-part2.mp4"]
    with emulator() as em:
        secrets = {a: em.refresh_token(a) for a in ACCOUNTS}
        env = cli_env(em, tmp_path / "store" / "tokens.json", secrets)
        for command in ("validate", "plan"):
            probes.clear()
            done = CliRunner().invoke(cli, ["-C", str(root), command], env=env)
            scan.add_output(command, done.output)
            assert done.exit_code in (0, 2), done.output
            assert sorted(probes) == once_each, command
        asked = [r for r in em.requests() if r["path"].endswith("/creator_info/query/")]
        assert len(asked) == len(ACCOUNTS)  # plan's creator checks ran, on the carried facts
        scan.harvest(tmp_path / "store" / "tokens.json")

        probes.clear()
        tokens.login(em, ACCOUNTS)
        report = apply_once(root, em, tokens)
        assert {r.outcome for r in report.results} == {Outcome.PUBLISHED}
        assert len(report.results) == 8
        assert sorted(probes) == once_each  # pre-flight, durations and Content-Types


def test_the_upload_sends_the_probed_container_not_the_suffix(
    project: Callable[..., Path], emulator: Callable[..., Any], tokens: TokenBox
) -> None:
    posts = [
        PostSpec("webm", ["brand-us"], video="media/really-webm.mp4"),
        PostSpec("quicktime", ["brand-us"], video="media/really-quicktime.mp4"),
        PostSpec("mp4", ["brand-us"], video="media/tutorial-part1.mp4"),
    ]
    root = project(["brand-us"], posts)
    (root / "media" / "really-webm.mp4").write_bytes((DATA / "valid_vp9_opus.webm").read_bytes())
    (root / "media" / "really-quicktime.mp4").write_bytes(
        (DATA / "valid_h264_aac.mov").read_bytes()
    )
    commit_all(root, "videos whose suffix lies")
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        report = apply_once(root, em, tokens)
        assert {r.outcome for r in report.results} == {Outcome.PUBLISHED}
        uploads = [r for r in em.requests() if r["endpoint"] == "upload"]
        sizes = {p["publish_id"]: p for p in em.posts()}
        assert len(uploads) == 3 == len(sizes)
        sent = sorted(r["content_type"] for r in uploads)
        assert sent == ["video/mp4", "video/quicktime", "video/webm"]


def test_a_platform_told_the_type_at_the_start_gets_the_probed_one(
    project: Callable[..., Path],
) -> None:
    """YouTube is told at the start (``X-Upload-Content-Type``) what it will receive: the
    engine passes pre-flight's probed type there and with the bytes, on any platform."""
    root = project(["brand-us"], [PostSpec("webm", ["brand-us"], video="media/really-webm.mp4")])
    (root / "media" / "really-webm.mp4").write_bytes((DATA / "valid_vp9_opus.webm").read_bytes())
    commit_all(root, "a WebM file named .mp4")
    fake = FakeProvider(capability=True, default=Script(resumable=True))  # YouTube-like
    events: list[Event] = []
    providers = FakeProviders({"brand-us": fake}, time_scale=1e9)  # its polls wait no real time
    report = execute(make_plan(root, sandbox=False), providers, emit=events.append)
    assert [r.outcome for r in report.results] == [Outcome.PUBLISHED], events
    (publish,) = fake.publishes.values()
    assert publish.content_type == "video/webm"
    assert publish.transferred_as == ["video/webm"]
