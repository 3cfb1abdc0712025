"""The Action's entrypoint: read the event, then plan, apply, validate or explain.

* pull request: ``plan`` (offline on forks: no platform call, no secret), the Markdown plan to the
  step summary and to one sticky comment per working directory; with ``previews: true``, the
  cover frames of what it publishes for a workflow artifact (``github/previews.py``);
* push to the default branch, schedule, manual run on the default branch: ``apply --yes
  --reviewed-only`` through the ``publisher`` CLI, then what was published to the summary.
  A push that merged a pull request first records the reviewed plan its comment holds as
  approvals in the state; anything no approval covers is reported as not reviewed;
* anything else: a sentence saying what the Action does not do, and success.

Apply is refused on pull requests. Secret values the Action knows of are masked with
``::add-mask::`` before anything else is printed.

A pull request's files are untrusted: every line the Action logs shows control characters
visibly (no quoted newline can start a ``::`` command line), every command it writes is
escaped (``github/commands.py``), each validation problem with a position becomes an
annotation on the diff, and user text in the summary and the comment is escaped Markdown.
"""

from __future__ import annotations

import json
import os
import posixpath
import sys
import traceback
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

import httpx

from gitops_publisher.core.handles import same
from gitops_publisher.core.reviewed import ReviewedPlan, reviewed_from_plan, unreviewed
from gitops_publisher.core.shard import Shard
from gitops_publisher.core.state import DONE, State
from gitops_publisher.errors import ConfigError, PreflightError, PublisherError
from gitops_publisher.escape import md_code, md_fence, md_text, md_url, terminal
from gitops_publisher.github import report, review
from gitops_publisher.github.api import GitHubApi, GitHubApiError
from gitops_publisher.github.commands import command, repository_path, step_annotations, stopped
from gitops_publisher.github.event import PULL_REQUEST_VARIABLE, Inputs, Run, decide
from gitops_publisher.github.step_env import git_auth_env, secret_env
from gitops_publisher.providers.token_store import KEY_ENV
from gitops_publisher.workspace.token_sync import git_branch_store, rotating, synced_writeback

if TYPE_CHECKING:
    from gitops_publisher.core.models import AccountConfig
    from gitops_publisher.core.plan import Plan
    from gitops_publisher.core.ports import Platform
    from gitops_publisher.github.previews import PreviewReport
    from gitops_publisher.workspace.project import Project


@dataclass(frozen=True)
class Cli:
    """The ``publisher`` CLI as the Action drives it, handed in by ``publisher github``.

    The Action runs the CLI's commands in process (:attr:`invoke`) and shows a failed plan
    and a plan as the CLI shows them: errors formatted by the CLI's one error handler, plans
    by its Markdown view. It imports nothing of ``cli/`` (the CLI imports the Action, not
    the other way round; import-linter keeps it so).

    Attributes:
        invoke: runs ``publisher ARGV`` and returns its exit code.
        format_error: ``format_error(exc, command)``, the error handler's text of ``exc``.
        render_markdown: ``render_markdown(plan, title=..., warnings=...)``, the plan's
            Markdown document.
    """

    invoke: Callable[[list[str]], int]
    format_error: Callable[[PublisherError, str | None], str]
    render_markdown: Callable[..., str]


#: Secrets of the Action's own; each platform names its own (``Platform.secret_variables``).
_SECRET_VARIABLES = (KEY_ENV, "GITHUB_TOKEN", "INPUT_GITHUB_TOKEN")


@dataclass
class Context:
    """One run of the entrypoint."""

    inputs: Inputs
    run: Run
    project: Path
    sandbox: bool
    out: TextIO
    cli: Cli
    transport: httpx.BaseTransport | None = None
    token_key: str = ""
    runner_temp: str = ""

    @property
    def workdir(self) -> str:
        """The working directory as the workflow names it (marker and titles)."""
        return self.inputs.working_directory

    def say(self, line: str) -> None:
        """A line in the job log, control characters shown (it stays one line)."""
        self.out.write(terminal(line) + "\n")
        self.out.flush()

    def command(self, name: str, message: str) -> None:
        """A workflow command (``::warning::…``), its message escaped."""
        self.say(command(name, message))


def run_action(
    env: Mapping[str, str],
    *,
    base_dir: Path,
    sandbox: bool,
    cli: Cli,
    out: TextIO | None = None,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """Run the Action for the event ``env`` describes; return the exit code.

    Args:
        env: the environment (``GITHUB_*``, ``INPUT_*``, secrets).
        base_dir: ``-C`` of the ``publisher`` command; the working directory is inside it.
        sandbox: use the embedded emulators (also when ``--sandbox`` is in ``args``).
        cli: the ``publisher`` CLI: its commands, error text and Markdown plan.
        out: the job log (default: the current ``sys.stdout``).
        transport: httpx transport for the GitHub API (tests).

    Raises:
        PublisherError: the inputs or the event are unusable, or planning failed (after
            the summary, the outputs and the comment say so).
    """
    secrets = secret_env(env.get("INPUT_SECRET_ENV", ""))
    env = ChainMap(secrets, cast("dict[str, str]", env))  # read-only: the secrets win
    inputs = Inputs.from_env(env)
    run = Run.from_env(env)
    ctx = Context(
        inputs=inputs,
        run=run,
        project=base_dir / inputs.working_directory,
        sandbox=sandbox or "--sandbox" in inputs.args,
        out=out or sys.stdout,
        cli=cli,
        transport=transport,
        token_key=env.get(KEY_ENV, ""),
        runner_temp=env.get("RUNNER_TEMP", ""),
    )
    report.mask([*secrets.values(), *_secret_values(env, ctx.project)], ctx.out)
    if inputs.python_version and not sys.version.startswith(inputs.python_version):
        ctx.say(
            f"notice: python-version {inputs.python_version} was asked for; "
            f"running on {sys.version.split()[0]}"
        )
    decision, why = decide(run, inputs.command)
    ctx.say(f"gitops-publisher ({ctx.workdir}): {why}")
    overrides = dict(secrets)
    overrides |= git_auth_env(
        ctx.project, env.get("INPUT_GITHUB_TOKEN", ""), env.get("GITHUB_SERVER_URL", ""), env
    )
    if inputs.state_branch:
        overrides["PUBLISHER_STATE_BRANCH"] = inputs.state_branch
    with _environment(overrides):
        if decision == "plan":
            return _plan(ctx)
        if decision == "apply":
            return _apply(ctx)
        if decision == "validate":
            code = cli.invoke([*_global_args(ctx), "validate"])
            _finish(ctx, has_changes=False, plan_json="", published=0)
            return code
    _finish(ctx, has_changes=False, plan_json="", published=0)
    report.append_summary(run.step_summary, f"**gitops-publisher** ({ctx.workdir}): {why}.\n")
    if decision == "refuse":
        ctx.command("error", why)
        return 1
    return 0


def _plan(ctx: Context) -> int:
    from gitops_publisher.compose import reviewed_plan
    from gitops_publisher.planning import make_plan

    notes = [fork_note()] if ctx.run.is_fork else []
    if ctx.run.is_fork and ctx.inputs.reviewed_only:
        notes.append(review.FORK_NOTE)
    title = f"publisher plan: {md_code(ctx.workdir)}"
    try:
        planned = make_plan(
            ctx.project, sandbox=ctx.sandbox, shard=_shard(ctx.inputs), media_checks=True
        )
        # A fork's pull request has no secrets: plan without network (no creator checks).
        # Otherwise creator checks refresh tokens, which TikTok rotates: start from the
        # written-back set and push a rotation back, exactly as apply does.
        writeback = synced_writeback(
            None if ctx.run.is_fork else git_branch_store(planned.store),
            ctx.project,
            ctx.token_key,
            rotating(planned.project.config.accounts),
        )
        with writeback:
            plan, notices = reviewed_plan(
                planned, sandbox=ctx.sandbox, offline=ctx.run.is_fork, warn=ctx.say
            )
    except PublisherError as exc:
        error = md_fence(ctx.cli.format_error(exc, "plan"))
        failure = f"### {title}\n\n❌ **The plan failed.**\n\n{error}\n"
        _publish_plan(ctx, failure, notes)
        _finish(ctx, has_changes=False, plan_json="", published=0)
        _from_checkout(exc, ctx.workdir)
        raise
    if ctx.run.is_fork:
        accounts = planned.project.config.accounts.values()
        notes[0] = fork_note({account.provider for account in accounts})
    where = repository_path(ctx.project)
    for line in step_annotations(planned.project.warnings, directory=where):
        ctx.say(line)
    if not ctx.run.is_fork:
        notes.extend(notices)
    shown = _previews(ctx, planned.project, plan) if ctx.inputs.previews else None
    if shown is not None:
        notes.extend(shown.notes)
    markdown = ctx.cli.render_markdown(plan, title=title, warnings=planned.project.warnings)
    reviewed = None
    if not plan.errors:  # a failed plan approves nothing: its merge publishes nothing new
        head = (ctx.run.pull_request.get("head") or {}).get("sha")
        reviewed = reviewed_from_plan(
            plan, pull_request=ctx.run.pull_number, head=head if isinstance(head, str) else None
        )
        if reviewed.posts and ctx.inputs.reviewed_only and ctx.run.pull_number is not None:
            notes.append(review.REVIEWED_NOTE)
    _publish_plan(ctx, markdown, notes, reviewed)
    _finish(
        ctx,
        has_changes=plan.has_changes,
        plan_json=plan.model_dump_json(),
        published=0,
    )
    if shown is not None:
        report.write_outputs(ctx.run.output, shown.outputs(), ctx.out)
    return 1 if plan.errors else 0


def fork_note(providers: Iterable[str] | None = None) -> str:
    """The note above a fork's plan: it ran offline, so it contacted no platform.

    Each platform of ``providers`` (the project's accounts') by its title (``Platform.title``):
    TikTok, or TikTok or YouTube; every platform of the registry while the project is not
    known (its plan failed before the project was read).
    """
    from gitops_publisher.providers.registry import PLATFORMS, titles

    named = PLATFORMS if providers is None else providers
    return (
        "🔒 This pull request comes from a fork: the plan ran without secrets and without "
        f"contacting {titles(named, conjunction='or')}. Nothing is published from pull "
        "requests; merging publishes."
    )


def _previews(ctx: Context, project: Project, plan: Plan) -> PreviewReport | None:
    """The cover frames of what a pull request's plan publishes (``previews: true``).

    Fork pull requests too: nothing here needs a secret. Whatever goes wrong becomes a warning
    line beside the plan, never a failed plan: the previews are a help to the reviewer.
    """
    from gitops_publisher.github.previews import (
        PreviewReport,
        artifact_name,
        make_previews,
        preview_directory,
    )

    if ctx.run.pull_number is None:
        ctx.say("cover previews are made for pull requests only; none for this run")
        return None
    artifact = artifact_name(ctx.workdir, _shard(ctx.inputs))
    directory = preview_directory(ctx.runner_temp, ctx.project, artifact)
    try:
        shown = make_previews(
            project, plan, directory=directory, artifact=artifact, run_url=ctx.run.run_url
        )
    except Exception as exc:  # noqa: BLE001 - an unexpected failure must not hide the plan
        with stopped(ctx.out):
            trace = "".join(traceback.format_exception(exc)).rstrip()
            ctx.out.write(terminal(trace, newlines=True) + "\n")
        ctx.command("warning", f"cover previews failed unexpectedly: {type(exc).__name__}: {exc}")
        note = f"⚠️ Cover previews failed unexpectedly ({type(exc).__name__}); see the job log."
        return PreviewReport(notes=[note], directory=directory, artifact=artifact)
    for line in shown.log:
        ctx.say(line)
    return shown


def _publish_plan(
    ctx: Context, markdown: str, notes: list[str], reviewed: ReviewedPlan | None = None
) -> None:
    """The plan to the step summary, and to the sticky comment on the pull request.

    The comment also records ``reviewed``, what merging the pull request may publish: only
    the posts whose details the comment (and its continuations, for a long plan) shows;
    ``github/plan_comments.py`` says why and how.
    """
    from gitops_publisher.github.plan_comments import plan_comments, write_plan_comments

    number = ctx.run.pull_number
    writing = number is not None and ctx.inputs.comment and bool(ctx.inputs.github_token)
    comments = (
        plan_comments(
            ctx.workdir, markdown, notes=notes, run_url=ctx.run.run_url, reviewed=reviewed
        )
        if writing
        else None
    )
    summary = "".join(f"> {note}\n\n" for note in notes) + markdown
    if comments is not None and comments.not_shown:
        summary += "\n" + "\n".join(review.not_shown_summary(comments.not_shown)) + "\n"
        ctx.command("warning", review.not_shown_warning(len(comments.not_shown)))
    report.append_summary(ctx.run.step_summary, summary)
    if number is None or not ctx.inputs.comment:
        return
    if comments is None:
        ctx.command("warning", "no github-token: the plan is in the run summary, not in a comment")
        return
    api = GitHubApi(
        ctx.run.api_url, ctx.run.repository, ctx.inputs.github_token, transport=ctx.transport
    )
    try:
        write_plan_comments(
            api,
            number,
            ctx.workdir,
            comments.bodies,
            say=ctx.say,
            warn=lambda message: ctx.command("warning", message),
        )
    except GitHubApiError as exc:
        if ctx.run.is_fork and exc.status in (401, 403, 404):
            ctx.command(
                "notice",
                "this fork's token cannot comment (GitHub makes it read-only); "
                "the plan is in the run summary",
            )
            report.append_summary(
                ctx.run.step_summary,
                "_The plan comment could not be written: tokens of fork pull requests are "
                "read-only._\n",
            )
        else:
            ctx.command(
                "warning",
                f"could not write the plan comment: {exc} (the job needs "
                "`permissions: pull-requests: write`)",
            )
    finally:
        api.close()


def _apply(ctx: Context) -> int:
    from gitops_publisher.planning import make_plan, record_reviewed

    shard = _shard(ctx.inputs)
    reviewed_only = ctx.inputs.reviewed_only
    before = make_plan(ctx.project, sandbox=ctx.sandbox, shard=shard, reviewed_only=reviewed_only)
    overrides: dict[str, str] = {}
    number, reviewed = review.merged_reviewed_plan(
        ctx.run, ctx.inputs, ctx.workdir, ctx.say, transport=ctx.transport
    )
    if number is not None:
        overrides[PULL_REQUEST_VARIABLE] = str(number)
    if reviewed_only and reviewed is not None:
        before = record_reviewed(before, reviewed, warn=ctx.say)
    args = [a for a in ctx.inputs.args if a != "--sandbox"]
    if reviewed_only:
        args.append("--reviewed-only")
    refused = unreviewed(before.plan)
    for line in review.warnings(before.plan):
        ctx.say(line)
    writeback = synced_writeback(
        git_branch_store(before.store),
        ctx.project,
        ctx.token_key,
        rotating(before.project.config.accounts),
    )
    with _environment(overrides), writeback:
        code = ctx.cli.invoke([*_global_args(ctx), "apply", "--yes", *args])
    after = before.store.read()
    published = newly_published(before.state, after, before.plan.moves)
    lines = [f"### publisher apply: {md_code(ctx.workdir)}", ""]
    lines.append(
        f"**{len(published)} post(s) published**"
        + (" (exit code " + str(code) + ")" if code else "")
    )
    lines.append("")
    lines.extend(published_lines(after, published, before.project.config.accounts))
    lines.extend(review.summary(before.plan))
    lines.extend(["", "<details><summary>The plan applied</summary>", ""])
    lines.append(ctx.cli.render_markdown(before.plan, title="plan"))
    lines.extend(["</details>", ""])
    report.append_summary(ctx.run.step_summary, "\n".join(lines))
    _finish(
        ctx,
        has_changes=before.plan.has_changes,
        plan_json=before.plan.model_dump_json(),
        published=len(published),
        not_reviewed=refused,
    )
    return code


def published_lines(
    after: State,
    published: Sequence[str],
    accounts: Mapping[str, AccountConfig],
    platforms: Mapping[str, Platform] | None = None,
) -> list[str]:
    """The summary's line of each address ``published``: where to see it, or where it is.

    A post its platform holds back (YouTube's own schedule) says so, in the platform's words
    (``Platform.pending_note``; ``platforms``: the registry by default).
    """
    from gitops_publisher.providers.registry import DEFAULT_PROVIDER, PLATFORMS

    platforms = PLATFORMS if platforms is None else platforms
    lines = []
    for address in published:
        rec = after.resources[address]
        where = rec.url or ("in the creator's inbox" if rec.status == "inbox" else rec.status)
        shown = md_url(rec.url) if rec.url else md_text(where)
        account = accounts.get(rec.account)
        platform = platforms.get(account.provider if account else DEFAULT_PROVIDER)
        note = platform.pending_note(rec, rec.published_at or rec.updated_at) if platform else None
        if note is not None:
            shown += f" ({md_text(note)})"
        lines.append(f"- {md_code(address)}: {shown}")
    return lines


def _from_checkout(exc: PublisherError, workdir: str) -> None:
    """Make ``exc``'s diagnostics name files from the checkout, where the job log reads them.

    They name files from the project (``posts/a.yaml``); the Action's project is the
    ``working-directory`` (``sites/team-b/posts/a.yaml``), and so are its annotations.
    """
    if isinstance(exc, ConfigError | PreflightError) and workdir not in ("", "."):
        exc.diagnostics = [
            replace(d, file=posixpath.normpath(posixpath.join(workdir, d.file)))
            for d in exc.diagnostics
        ]


def newly_published(
    before: State, after: State, moves: Mapping[str, str] | None = None
) -> list[str]:
    """Addresses published (or sent to the inbox) by this run: done now, not done before.

    ``moves`` (old -> new address) are records this run moved: not new posts.
    """
    moved_from = {new: old for old, new in (moves or {}).items()}
    done = []
    for address, rec in sorted(after.resources.items()):
        old = before.resources.get(address) or before.resources.get(moved_from.get(address, ""))
        # A session closed by this run's write is the same attempt (core/handles.py).
        fresh = old is None or old.status not in DONE or not same(old.publish_id, rec.publish_id)
        if rec.status in DONE and fresh:
            done.append(address)
    return done


def _finish(
    ctx: Context,
    *,
    has_changes: bool,
    plan_json: str,
    published: int,
    not_reviewed: Sequence[str] = (),
) -> None:
    values = {
        "has_changes": "true" if has_changes else "false",
        "plan_json": plan_json,
        "published": str(published),
        "not_reviewed": json.dumps(list(not_reviewed)),
    }
    report.write_outputs(ctx.run.output, values, ctx.out)


def _global_args(ctx: Context) -> list[str]:
    return ["-C", str(ctx.project), *(["--sandbox"] if ctx.sandbox else [])]


def _shard(inputs: Inputs) -> Shard | None:
    args = list(inputs.args)
    for index, arg in enumerate(args):
        if arg == "--shard" and index + 1 < len(args):
            return Shard.parse(args[index + 1])
        if arg.startswith("--shard="):
            return Shard.parse(arg.split("=", 1)[1])
    return None


def _secret_values(
    env: Mapping[str, str], project: Path, platforms: Mapping[str, Platform] | None = None
) -> list[str]:
    """Values to mask: the token, the app secrets, each account's refresh token and webhook URLs.

    Each platform names its secrets (``Platform.secret_variables``: its app's, whatever the
    config says, and each of its accounts'); ``platforms``: the registry by default.
    """
    from gitops_publisher.providers.registry import PLATFORMS

    platforms = PLATFORMS if platforms is None else platforms
    names = set(_SECRET_VARIABLES)
    for entry in platforms.values():
        names.update(entry.secret_variables())
    try:
        from gitops_publisher.workspace.project import load_config

        config = load_config(project)
        for account in config.accounts.values():
            names.add(account.refresh_token_env)
            if (platform := platforms.get(account.provider)) is not None:
                names.update(platform.secret_variables(account))
        names.update(notifier.url_env for notifier in config.notify)  # anyone may post with it
    except (PublisherError, OSError):
        pass  # an invalid config is reported by the plan itself
    return [env.get(name, "") for name in sorted(names)]


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set process environment variables for the CLI run, restoring them afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old
