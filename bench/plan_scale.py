"""How long `publisher plan` takes on 10,000 posts, against merely parsing the same YAML.

Generates a git repository with 10,000 one-post manifests (fan-out over a few accounts, five
small committed videos) and a state of 10,000 records: half are the repository's posts,
published and unchanged; half have no manifest (orphans). Then, in the same process and
interleaved, it times

* the baseline: read every YAML file and parse it with ruamel's C-based safe loader, the
  usual way (``YAML(typ="safe").load_all``); and, stricter, with the ``CSafeLoader`` class
  used directly (what ``workspace/yamlio.py`` does, about 2x faster);
* `publisher -C REPO plan` run in-process through click (load, validate, content ids, state,
  plan, text rendering), output captured.

Goal: plan <= 1.5x the baseline. Prints the figures and the ratio; asserts nothing.

    .venv/bin/python bench/plan_scale.py [--posts 10000] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from ruamel.yaml import YAML
from ruamel.yaml.cyaml import CSafeLoader

from gitops_publisher.cli.main import cli
from gitops_publisher.core.state import Record, State
from gitops_publisher.workspace.state_file import dump_state

ROOT = Path(__file__).resolve().parent.parent
MEDIA = ROOT / "examples" / "media"
ACCOUNTS = ["brand-us", "brand-uk", "brand-de", "brand-fr", "devrel"]
GOAL = 1.5

CONFIG = (
    "version: 1\naccounts:\n"
    + "".join(
        f"  {name}:\n    refresh_token_env: TOKEN_{name.upper().replace('-', '_')}\n"
        "    timezone: Europe/London\n"
        for name in ACCOUNTS
    )
    + (
        "defaults:\n  privacy: SELF_ONLY\n  interactions: {comments: true}\n"
        '  caption: {suffix: "Made by Acme", hashtags: ["#acme"]}\n'
    )
)


def manifest(index: int, videos: list[str]) -> str:
    account = ACCOUNTS[index % len(ACCOUNTS)]
    lines = [
        "# yaml-language-server: $schema=../../schema/post.schema.json",
        "version: 1",
        f"id: post-{index:05d}",
        f"accounts: [{account}]",
        f"video: media/{videos[index % len(videos)]}",
        f'caption: "Post number {index} 🚀 #series{index % 50} @partner"',
        "privacy: PUBLIC_TO_EVERYONE" if index % 3 else "mode: draft",
        "interactions: {comments: true, duet: false, stitch: false}",
        "disclosure: {brand_organic: true}" if index % 3 else "",
    ]
    if index % 4 == 0:
        lines.append("publish_at: 2030-01-01T09:00:00Z")
    return "\n".join(line for line in lines if line) + "\n"


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def generate(repo: Path, posts: int) -> list[Path]:
    """Write the repository and return its YAML files."""
    shutil.copytree(MEDIA, repo / "media")
    videos = sorted(p.name for p in (repo / "media").iterdir())
    (repo / "publisher.yaml").write_text(CONFIG, encoding="utf-8")
    files = [repo / "publisher.yaml"]
    for index in range(posts):
        path = repo / "posts" / f"{index // 500:03d}" / f"post-{index:05d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(manifest(index, videos), encoding="utf-8")
        files.append(path)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "bench content")
    return files


def write_state(repo: Path, posts: int) -> None:
    """Half the records are posts of the repo, published unchanged; half are orphans."""
    runner = CliRunner()
    result = runner.invoke(cli, ["-C", str(repo), "plan", "--format", "json"])
    assert result.exit_code == 0, result.output
    from gitops_publisher.core.plan import Plan

    changes = Plan.model_validate_json(result.stdout).changes
    when = datetime(2026, 11, 1, tzinfo=UTC)
    resources = {}
    for index, change in enumerate(changes[: posts // 2]):
        resources[change.address] = Record(
            post_id=change.post_id,
            account=change.account,
            status="published" if change.mode == "direct" else "inbox",
            fingerprint=change.fingerprint or "",
            mode=change.mode or "direct",
            video=change.video or "",
            publish_id=f"v_pub_file~{index}",
            created_at=when,
            updated_at=when,
            published_at=when,
        )
    for index in range(posts - len(resources)):
        account = ACCOUNTS[index % len(ACCOUNTS)]
        address = f"gone-{index:05d}@{account}"
        resources[address] = Record(
            post_id=f"gone-{index:05d}",
            account=account,
            status="published",
            fingerprint="sha256:" + "0" * 64,
            mode="direct",
            video="media/old.mp4",
            publish_id=f"v_pub_file~old{index}",
            created_at=when,
            updated_at=when,
            published_at=when,
        )
    state = State(lineage="00000000-0000-4000-8000-00000000be9c", serial=1, resources=resources)
    path = repo / ".publisher" / "state.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dump_state(state))


def parse_only(files: list[Path]) -> int:
    """The baseline: read and parse every file with the C safe loader, the usual way."""
    yaml = YAML(typ="safe")
    documents = 0
    for path in files:
        documents += len(list(yaml.load_all(path.read_text(encoding="utf-8"))))
    return documents


def parse_only_direct(files: list[Path]) -> int:
    """A stricter baseline: ruamel's CSafeLoader class used directly, as the loader does."""
    documents = 0
    for path in files:
        loader = CSafeLoader(path.read_text(encoding="utf-8"))
        try:
            while loader.check_data():
                loader.get_data()
                documents += 1
        finally:
            loader.dispose()
    return documents


def run_plan(repo: Path) -> str:
    result = CliRunner().invoke(cli, ["-C", str(repo), "plan"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (CPU time is steadier on a shared, loaded machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one plan run")
    args = parser.parse_args()
    assert "CParser" in str(YAML(typ="safe").Parser), "ruamel.yaml.clib is not in use"

    with tempfile.TemporaryDirectory(prefix="publisher-bench-") as tmp:
        repo = Path(tmp) / "content"
        repo.mkdir()
        started = time.perf_counter()
        files = generate(repo, args.posts)
        write_state(repo, args.posts)
        print(f"generated {args.posts:,} posts + state in {time.perf_counter() - started:.1f} s")

        output = run_plan(repo)  # warm the OS cache, imports and caches for every side
        parse_only(files)
        parse_only_direct(files)
        times: dict[str, list[tuple[float, float]]] = {"parse": [], "direct": [], "plan": []}
        for _ in range(args.repeat):  # interleaved, best of N: this machine is shared
            times["parse"].append(timed(lambda: parse_only(files)))
            times["direct"].append(timed(lambda: parse_only_direct(files)))
            times["plan"].append(timed(lambda: run_plan(repo)))
        wall = {k: min(w for w, _ in v) for k, v in times.items()}
        cpu = {k: min(c for _, c in v) for k, v in times.items()}
        print(f"summary line: {output.strip().splitlines()[-1]}")
        print(f"best of {args.repeat}, seconds:                 wall    cpu")
        for key, label in (
            ("parse", "parse only, YAML(typ='safe').load_all"),
            ("direct", "parse only, CSafeLoader used directly"),
            ("plan", "publisher plan (in-process)          "),
        ):
            print(f"  {label}  {wall[key]:5.2f}  {cpu[key]:5.2f}")
        for basis in ("parse", "direct"):
            by_wall, by_cpu = wall["plan"] / wall[basis], cpu["plan"] / cpu[basis]
            verdict = "meets" if by_wall <= GOAL else "MISSES"
            print(
                f"ratio plan / {basis}: {by_wall:.2f}x wall, {by_cpu:.2f}x cpu"
                + (f"  ({verdict} the goal of <= {GOAL}x)" if basis == "parse" else "")
            )

        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(run_plan, repo)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
