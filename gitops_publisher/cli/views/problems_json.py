"""The JSON document of problems: ``validate --format json``, and any ``--format json`` failure.

Machines (editors, CI bots) get the same facts as the text lines, on stdout, valid or not:
every diagnostic with its position, and the counts. Version ``format_version`` 1::

    {"format_version": 1, "command": "plan", "valid": false, "error_count": 2,
     "warning_count": 0, "diagnostics": [{"file", "line", "column", "field", "message",
     "severity"}], "error": {"message", "hint"}}

``error`` is present only on failure; an error without positions (no credentials, a locked
state) counts as one error with no diagnostic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from gitops_publisher.errors import ConfigError, Diagnostic, PreflightError, PublisherError

FORMAT_VERSION = 1


def problems_document(
    command: str | None,
    diagnostics: Iterable[Diagnostic],
    *,
    failure: BaseException | None = None,
    **counts: int,
) -> dict[str, Any]:
    """The document for ``diagnostics`` (and the ``failure`` that stopped the command)."""
    items = [asdict(d) for d in diagnostics]
    errors = sum(1 for d in items if d["severity"] == "error")
    if failure is not None and errors == 0:
        errors = 1
    document: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "command": command,
        "valid": failure is None,
        "error_count": errors,
        "warning_count": sum(1 for d in items if d["severity"] != "error"),
        **counts,
        "diagnostics": items,
    }
    if isinstance(failure, PublisherError):
        document["error"] = {"message": str(failure), "hint": failure.hint}
    elif failure is not None:  # a bug: its text is not shown (it could hold anything)
        document["error"] = {
            "message": f"unexpected {type(failure).__name__}; this is a bug in gitops-publisher",
            "hint": "the traceback was written to a log file named on stderr",
        }
    return document


def failure_document(command: str | None, exc: BaseException) -> dict[str, Any]:
    """The document for a command stopped by ``exc`` (its diagnostics, if it has any)."""
    diagnostics = exc.diagnostics if isinstance(exc, ConfigError | PreflightError) else []
    return problems_document(command, diagnostics, failure=exc)
