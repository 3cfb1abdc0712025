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

That count is wide: everything the apply runs before the PUT (the lock, the state, tokens,
plan rendering, account checks, the pipeline), whatever post it is for. The same run also
makes a narrow count, ``post`` (:class:`PostTrace`): only the calls that receive the post's
own data, following one manifest from the mapping the YAML loader returns to the PUT, as a
reader following one manifest would. It prints:

* steps: each call of ours that received the post, in the order they happened (a function
  given the post twice is two steps; ``--list`` lists them with the argument that carried it);
* functions, files and folders: the distinct ones of those steps;
* whether the call that sends the PUT received the post (it must, or the trace lost it).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import dis
import enum
import inspect
import json
import os
import sys
import tempfile
import threading
import types
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
ACCOUNTS = frozenset({"brand-us"})  # the accounts CONFIG declares
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


def _sends_put(frame: FrameType) -> bool:
    """Whether ``frame`` is httpx's client sending a ``PUT`` (the first chunk ends the count)."""
    code = frame.f_code
    if code.co_name != "send" or "httpx" not in code.co_filename:
        return False
    return getattr(frame.f_locals.get("request"), "method", None) == "PUT"


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
        if _sends_put(frame):
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


# The post's manifest as YAML gives it (POST above): the narrow count starts where our code
# first returns this mapping (or a list or tuple holding it).
POST_DOCUMENT = {
    "version": 1,
    "id": "first",
    "accounts": ["brand-us"],
    "video": "media/first.mp4",
    "caption": "One post, followed from its YAML to the first PUT #bench",
    "privacy": "SELF_ONLY",
}
_YIELD = dis.opmap["YIELD_VALUE"]
_START = bytes([dis.opmap["RESUME"], 0])  # a call begins; RESUME 1-3 resume a coroutine
_SHARED: tuple[type, ...] = (type(None), bool, int, float, complex, enum.Enum, type)
_SHARED += (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
_CONTAINERS = (list, tuple, set, frozenset, dict)


def _constant(text: str) -> bool:
    """Whether ``text`` is interned: a constant of some code, shared, never the post's own."""
    return sys.intern(text.encode().decode()) is text


def _data(value: object) -> bool:
    """Whether a library's answer is data (text, a path, a container, a model) to follow."""
    if isinstance(value, (str, bytes, os.PathLike, *_CONTAINERS)):
        return True
    return dataclasses.is_dataclass(value) or hasattr(type(value), "model_dump")


def _attributes(value: object) -> list[object]:
    """The direct attributes of an object (its ``__dict__`` and slots); properties not run."""
    parts = list(getattr(value, "__dict__", {}).values())
    for klass in type(value).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            with contextlib.suppress(AttributeError, TypeError):
                parts.append(getattr(value, slot))
    return parts


def _arguments(frame: FrameType) -> list[tuple[str, object]]:
    """The values a call was given, by name (positional, keyword, ``*args``, ``**kwargs``)."""
    code = frame.f_code
    named = code.co_argcount + code.co_kwonlyargcount
    local = frame.f_locals
    values = [(name, local.get(name)) for name in code.co_varnames[:named]]
    extra = code.co_varnames[named:]
    if code.co_flags & inspect.CO_VARARGS:
        values += [(f"*{extra[0]}", value) for value in local.get(extra[0], ())]
        extra = extra[1:]
    if code.co_flags & inspect.CO_VARKEYWORDS:
        values += [(f"**{key}", value) for key, value in local.get(extra[0], {}).items()]
    return values


class PostTrace:
    """The narrow count: the calls of ours that receive the post's own data, up to the PUT.

    A taint trace by object identity, under the same profiler as :class:`PathTrace`.

    * The post is, at first, the mapping our YAML loader returns for ``posts/first.yaml``
      (the first value returned by our code that is, or holds, a mapping equal to
      :data:`POST_DOCUMENT`), with its values.
    * A call of a function of ours *receives the post* when one of its arguments (``self``
      included) is part of the post, or is a list, tuple, set or dict holding a part of it
      directly. An object that merely keeps the post in an attribute (an engine holding the
      plan, a store holding the state) does not make its methods receive it.
    * What a receiving call returns becomes part of the post, with its elements and its
      direct attributes (the handle's upload URL, the change's post), unless the call hands
      back one of its own arguments that was not the post (a state returned unchanged).
    * Never part of the post: shared values (``None``, booleans, numbers, enum members,
      interned strings such as the code's identifier-like constants, classes, functions,
      modules) and the names of the accounts declared in ``publisher.yaml`` (the post names
      its account; calls given that name alone, such as the token store and the account
      checks, are on the account's path).
    * A library function called by our code with the post (pydantic validating the post's
      ``post_info``, httpx answering the init) passes it on when it returns data (text, a
      path, a container, a model or dataclass) and is no step; a library's own inner calls
      are not followed. What a generator yields is not followed either (only what it returns).
    * Each call of a receiving function is one step (a coroutine counts once, however often
      it is resumed); the functions, files and folders are the distinct ones of those steps.

    Deterministic: objects are followed by identity and kept alive until the end, so an id
    is never reused; the same code gives the same counts.
    """

    def __init__(self, package: Path, accounts: frozenset[str] = ACCOUNTS) -> None:
        self.package = str(package) + os.sep
        self.sandbox = str(package / "sandbox") + os.sep
        self.accounts = accounts
        self.started = False
        self.seeded_by = ""  # the function of ours that first returned the post's mapping
        self.done = False
        self.kept: dict[int, object] = {}  # id -> part of the post (kept alive: ids stay unique)
        self.active: dict[int, tuple[FrameType, frozenset[int]]] = {}  # receiving, running
        self.steps: list[tuple[str, str, str]] = []  # (file, function, argument) per receiving call
        self.at_put: list[str] = []  # our frames at the PUT, "*" marks those that received it
        self.lock = threading.Lock()

    def ours(self, frame: FrameType) -> str | None:
        name = frame.f_code.co_filename
        if not name.startswith(self.package) or name.startswith(self.sandbox):
            return None
        return name[len(self.package) :]

    def _shared(self, value: object) -> bool:
        if isinstance(value, _SHARED):
            return True
        if isinstance(value, str):
            return not value or value in self.accounts or _constant(value)
        return isinstance(value, bytes) and not value

    def taint(self, value: object, depth: int = 1, given: frozenset[int] = frozenset()) -> None:
        """Make ``value`` part of the post, with its elements and ``depth`` levels of attributes.

        ``given``: the ids of what the call was given that was not the post; handed back, in
        a tuple or not, it stays what it was.
        """
        if id(value) in self.kept or id(value) in given or self._shared(value):
            return
        self.kept[id(value)] = value
        if isinstance(value, dict):
            parts: list[object] = list(value.values())
        elif isinstance(value, _CONTAINERS):
            parts = list(value)
        elif depth > 0 and not isinstance(value, (str, bytes, os.PathLike)):
            parts = _attributes(value)
            depth -= 1
        else:
            return
        for part in parts:
            self.taint(part, depth, given)

    def holds(self, value: object) -> bool:
        if id(value) in self.kept:
            return True
        if isinstance(value, dict):
            return any(id(part) in self.kept for part in value.values())
        if isinstance(value, _CONTAINERS):
            return any(id(part) in self.kept for part in value)
        return False

    def _seed(self, value: object, nest: int = 2) -> bool:
        if isinstance(value, dict) and len(value) == len(POST_DOCUMENT):
            with contextlib.suppress(Exception):
                if value == POST_DOCUMENT:
                    self.taint(value)
                    return True
        if nest and isinstance(value, (list, tuple)):
            return any(self._seed(item, nest - 1) for item in value)
        return False

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if self.done or event not in ("call", "return"):
            return
        code = frame.f_code
        if event == "call" and self.started and _sends_put(frame):
            with self.lock:
                self.done = True
                self.at_put = self._stack(frame)
            return
        if not code.co_flags & inspect.CO_OPTIMIZED or code.co_filename.startswith(self.sandbox):
            return
        where = self.ours(frame)
        if where is None and (frame.f_back is None or self.ours(frame.f_back) is None):
            return  # a library's own workings (a library called by our code is followed)
        with self.lock:
            if event == "return":
                if frame.f_lasti >= 0 and code.co_code[frame.f_lasti] == _YIELD:
                    return  # a coroutine or generator suspended, not finished
                if not self.started:
                    self.started = where is not None and self._seed(arg)
                    if self.started:
                        self.seeded_by = f"{where}:{code.co_qualname}"
                    return
                receiving = self.active.pop(id(frame), None)
                if receiving is not None and (where is not None or _data(arg)):
                    self.taint(arg, given=receiving[1])  # (an exception returns None)
                return
            if not self.started or code.co_code[frame.f_lasti : frame.f_lasti + 2] != _START:
                return  # before the post exists, or a coroutine resumed (RESUME 1-3)
            arguments = _arguments(frame)
            carrier = next((name for name, value in arguments if self.holds(value)), None)
            if carrier is not None:
                given = frozenset(id(v) for _, v in arguments if id(v) not in self.kept)
                self.active[id(frame)] = (frame, given)
                if where is not None:
                    self.steps.append((where, code.co_qualname, carrier))

    def _stack(self, frame: FrameType | None) -> list[str]:
        names: list[str] = []
        while frame is not None:
            where = self.ours(frame)
            if where is not None:
                mark = "*" if id(frame) in self.active else " "
                names.append(f"{mark} {where}:{frame.f_code.co_qualname}")
            frame = frame.f_back
        return names[::-1]

    def report(self) -> dict[str, Any]:
        functions = list(dict.fromkeys((f, q) for f, q, _ in self.steps))
        files = sorted({f for f, _ in functions})
        folders = sorted({str(Path(f).parent) for f in files})
        return {
            "reached_put": self.done,
            "received_at_put": bool(self.at_put) and self.at_put[-1].startswith("*"),
            "seeded_by": self.seeded_by,
            "steps": len(self.steps),
            "functions": len(functions),
            "files": len(files),
            "folders": len(folders),
            "folder_list": folders,
            "file_list": files,
            "function_list": [f"{f}:{q}" for f, q in functions],
            "step_list": [f"{f}:{q}({carrier})" for f, q, carrier in self.steps],
            "chain_list": self.at_put,
        }


def traced(run: Callable[[], object], *traces: Callable[[FrameType, str, Any], None]) -> None:
    def profile(frame: FrameType, event: str, arg: Any) -> None:
        for trace in traces:
            trace(frame, event, arg)

    threading.setprofile(profile)
    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)


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
        post = PostTrace(package)

        def run() -> object:
            args = ["-C", str(root), "--sandbox", "apply", "--yes"]
            with contextlib.redirect_stdout(sys.stderr):  # the apply's output is not the report
                return cli.main(args=args, prog_name="publisher", standalone_mode=False)

        traced(run, trace, post)
    return trace.report() | {"post": post.report()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="the whole report as JSON")
    parser.add_argument(
        "--list", action="store_true", help="also list files, the chain and the post's steps"
    )
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
    post = report["post"]
    print(
        f"the post's own path: steps {post['steps']}  functions {post['functions']}  "
        f"files {post['files']}  folders {post['folders']}  "
        f"PUT sent by a call that received it: {'yes' if post['received_at_put'] else 'NO'}"
    )
    print("folders: " + ", ".join(post["folder_list"]))
    if args.list:
        print("\nfiles:\n  " + "\n  ".join(report["file_list"]))
        print("\nchain at the PUT:\n  " + "\n  ".join(report["chain_list"]))
        print("\nthe post's steps, with the argument that carried it:")
        print("  " + "\n  ".join(post["step_list"]))
        print("\nchain at the PUT (* received the post):\n  " + "\n  ".join(post["chain_list"]))


if __name__ == "__main__":
    main()
