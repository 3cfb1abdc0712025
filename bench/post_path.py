"""Count the path of one post from its YAML to the first chunk PUT (docs/architecture.md).

Usage: .venv/bin/python bench/post_path.py [--json] [--list]

Runs ``publisher --sandbox apply --yes`` in this process on a new one-post, one-account
project (the example video, a direct post) with a profiler (``sys.setprofile``, every thread)
that records each call of a function of ``gitops_publisher``, outside the emulator
(``gitops_publisher/sandbox/``), from the first call of ``load_project`` (the manifests are
read) to the moment the HTTP client sends the first ``PUT`` (the first chunk). It prints:

* functions: the distinct functions of ours called in that window (a function called twice
  counts once: a step is "one more piece of code a reader must follow");
* files and folders: where those functions live;
* chain: how many of our frames are on the stack when the PUT is sent (the depth of the
  call that sends it), and their names with ``--list``;
* probes and facts reads: calls of ``probe_video`` (the file read by pymediainfo; the probe
  cache, ``.publisher/cache/``, starts empty in the new project) and of ``probe_cached``
  (the video's facts asked for, from the cache or by a probe).

Comprehensions, lambdas and generator expressions count as functions (they are code a reader
follows too); pydantic's and httpx's own code does not count (not ours).

Module and class bodies (code run by an import, not called) are counted apart, as
``imports``. Until 2026-12-04 they counted as functions, which measured where modules are
first imported rather than the path: importing a module at the top of a file instead of
inside the function that uses it moved its body out of the window, and importing lazily (as
the design asks for httpx and gitpython) moved it in. ``with imports`` is that older figure,
printed for comparison with figures measured before that date.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VIDEO = REPO / "examples" / "media" / "tutorial-part1.mp4"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sandbox_ingest import commit_project  # noqa: E402

CONFIG = """version: 1
state: {backend: file, path: .publisher/state.json}
accounts:
  brand-us: {provider: tiktok, refresh_token_env: TT_RT_BRAND_US}
"""
POST = """version: 1
id: first
accounts: [brand-us]
video: media/first.mp4
caption: "One post, followed from its YAML to the first PUT #bench"
privacy: SELF_ONLY
"""


def make_project(root: Path) -> None:
    (root / "posts").mkdir(parents=True)
    (root / "media").mkdir()
    (root / "publisher.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "posts" / "first.yaml").write_text(POST, encoding="utf-8")
    (root / "media" / "first.mp4").write_bytes(VIDEO.read_bytes())
    commit_project(root)


class PathTrace:
    """The profiler: records our calls from the start function to the first PUT."""

    def __init__(self, package: Path, start: str = "load_project") -> None:
        self.package = str(package) + os.sep
        self.sandbox = str(package / "sandbox") + os.sep
        self.start = start
        self.started = False
        self.done = False
        self.calls: dict[tuple[str, str], int] = {}  # (file, qualified name) -> first seen
        self.imports: set[tuple[str, str]] = set()  # module and class bodies run
        self.counts: dict[tuple[str, str], int] = {}  # (file, qualified name) -> calls
        self.chain: list[str] = []
        self.lock = threading.Lock()

    def ours(self, frame: FrameType) -> str | None:
        """The file of ``frame`` relative to the package, when it is ours and not the emulator."""
        name = frame.f_code.co_filename
        if not name.startswith(self.package) or name.startswith(self.sandbox):
            return None
        return name[len(self.package) :]

    def __call__(self, frame: FrameType, event: str, _arg: Any) -> None:
        if event != "call" or self.done:
            return
        code = frame.f_code
        if not self.started:
            if code.co_name == self.start and self.ours(frame) is not None:
                self.started = True
            else:
                return
        if code.co_name == "send" and "httpx" in code.co_filename:
            request = frame.f_locals.get("request")
            if getattr(request, "method", None) == "PUT":
                with self.lock:
                    self.done = True
                    self.chain = self._stack(frame)
                return
        where = self.ours(frame)
        if where is not None:
            key = (where, code.co_qualname)
            with self.lock:
                if not code.co_flags & inspect.CO_OPTIMIZED:  # a module or class body
                    self.imports.add(key)
                    return
                self.calls.setdefault(key, len(self.calls))
                self.counts[key] = self.counts.get(key, 0) + 1

    def _stack(self, frame: FrameType | None) -> list[str]:
        names: list[str] = []
        while frame is not None:
            where = self.ours(frame)
            if where is not None:
                names.append(f"{where}:{frame.f_code.co_qualname}")
            frame = frame.f_back
        return names[::-1]

    def report(self) -> dict[str, Any]:
        files = sorted({f for f, _ in self.calls})
        folders = sorted({str(Path(f).parent) for f in files})
        ordered = sorted(self.calls, key=self.calls.__getitem__)
        return {
            "reached_put": self.done,
            "functions": len(self.calls),
            "imports": len(self.imports),
            "with_imports": len(self.calls) + len(self.imports),
            "files": len(files),
            "folders": len(folders),
            "chain": len(self.chain),
            "probes": self.counts.get(("media/probe.py", "probe_video"), 0),
            "facts_reads": self.counts.get(("media/cache.py", "probe_cached"), 0),
            "folder_list": folders,
            "file_list": files,
            "function_list": [f"{f}:{q}" for f, q in ordered],
            "chain_list": self.chain,
        }


def traced(run: Callable[[], object], trace: PathTrace) -> None:
    threading.setprofile(trace)
    sys.setprofile(trace)
    try:
        run()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]


def measure() -> dict[str, Any]:
    """Trace one sandbox apply of a one-post project; the :meth:`PathTrace.report`."""
    import gitops_publisher
    from gitops_publisher.cli.main import cli

    package = Path(gitops_publisher.__file__).resolve().parent
    with tempfile.TemporaryDirectory(prefix="post-path-") as tmp:
        root = Path(tmp) / "project"
        make_project(root)
        os.environ["PUBLISHER_SANDBOX_TIME_SCALE"] = "1000"
        os.environ["PUBLISHER_LOG_DIR"] = str(Path(tmp) / "logs")
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        os.environ["PUBLISHER_TOKEN_STORE"] = str(Path(tmp) / "config" / "tokens.json")
        os.environ["NO_COLOR"] = "1"
        trace = PathTrace(package)

        def run() -> object:
            args = ["-C", str(root), "--sandbox", "apply", "--yes"]
            with contextlib.redirect_stdout(sys.stderr):  # the apply's output is not the report
                return cli.main(args=args, prog_name="publisher", standalone_mode=False)

        traced(run, trace)
    return trace.report()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="the whole report as JSON")
    parser.add_argument("--list", action="store_true", help="also list files and the chain")
    args = parser.parse_args()
    report = measure()
    if args.json:
        print(json.dumps(report, indent=2))
        return
    if not report["reached_put"]:
        raise SystemExit("the apply sent no PUT: nothing was measured")
    print(
        f"functions {report['functions']}  (imports {report['imports']}, with imports "
        f"{report['with_imports']})  files {report['files']}  "
        f"folders {report['folders']}  chain {report['chain']}  "
        f"probes {report['probes']}  facts reads {report['facts_reads']}"
    )
    print("folders: " + ", ".join(report["folder_list"]))
    if args.list:
        print("\nfiles:\n  " + "\n  ".join(report["file_list"]))
        print("\nchain at the PUT:\n  " + "\n  ".join(report["chain_list"]))


if __name__ == "__main__":
    main()
