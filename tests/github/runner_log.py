"""How the Actions runner reads a job's log: which lines it runs as workflow commands.

A model of the runner's command parsing, used as the tests' oracle: the output is split into
lines as .NET's ``ReadLine`` does (LF, CR and CRLF all end a line); a line whose text, leading
whitespace trimmed, starts with ``::`` is a command ``::name k=v,k=v::data``;
``::stop-commands::TOKEN`` turns commands off until the line ``::TOKEN::``. Data and property
values are unescaped (``%25``, ``%0D``, ``%0A``, ``%3A``, ``%2C``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINE_END = re.compile(r"\r\n|\r|\n")
_COMMAND = re.compile(r"^::(?P<name>[^\s:]+)(?: (?P<props>[^:]*))?::(?P<data>.*)$", re.S)


def _unescape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%0D", "\r").replace("%0A", "\n")
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%25", "%")


@dataclass
class Command:
    name: str
    data: str
    properties: dict[str, str] = field(default_factory=dict)


def commands(log: str) -> list[Command]:
    """The workflow commands the runner would run for ``log``, in order."""
    run: list[Command] = []
    stop_token: str | None = None
    for raw in _LINE_END.split(log):
        line = raw.lstrip()
        if stop_token is not None:
            if line == f"::{stop_token}::":
                stop_token = None
            continue
        match = _COMMAND.match(line)
        if match is None:
            continue
        props: dict[str, str] = {}
        for pair in filter(None, (match["props"] or "").split(",")):
            key, _, value = pair.partition("=")
            props[key] = _unescape(value, prop=True)
        command = Command(match["name"], _unescape(match["data"]), props)
        if command.name == "stop-commands":
            stop_token = command.data
            continue
        run.append(command)
    return run
