"""`publisher --help` says what -v shows, as README and docs/sandbox.md do."""

from __future__ import annotations

from click.testing import CliRunner

from gitops_publisher.cli.main import cli


def test_the_help_of_verbose_names_the_request_log_of_sandbox_serve() -> None:
    # It named only the web server's log, the lesser half of what `-v sandbox serve` prints.
    result = CliRunner().invoke(cli, ["--help"], catch_exceptions=False)
    words = " ".join(result.output.split())
    assert "each API request it receives (credentials redacted)" in words
