"""``publisher state``: list, show, move and forget the records of published posts.

Read-only commands do not take the lock; ``rm``, ``mv``, ``bind`` and ``import`` do, re-reading
the state under it, and write it as apply would: no upload session URI in it, whatever the
state they read held (``workspace/state_sealing.py``). ``rm`` forgets a record only: TikTok has
no API to delete a post, so the post stays online, and a manifest that still declares the
address would be published again by the next apply.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import click

from gitops_publisher.cli.main import AppContext, sandbox_option
from gitops_publisher.core import handles
from gitops_publisher.core.address import Address, matches
from gitops_publisher.core.state import UNKNOWN_OUTCOME, Record, State, StateStore
from gitops_publisher.errors import AddressError, PublisherError
from gitops_publisher.escape import terminal

LIST_FORMAT_VERSION = 1


@click.group()
@sandbox_option
def state() -> None:
    """Inspect and edit the state: the record of what was published."""


def open_store(app: AppContext, *, writing: bool = False, shard: str | None = None) -> StateStore:
    """The project's state store (``--sandbox`` aware), with notices shown on stderr.

    A store opened for ``writing`` is bound to this run's endpoint: it refuses a state that
    describes another one (design §12); viewing a state is allowed whatever it describes.
    ``shard`` (``K/N``): write that shard's own file (``apply --shard``), not the base file.

    Raises:
        ConfigError: publisher.yaml is missing or invalid.
        PublisherError: the configured backend is not available.
    """
    from gitops_publisher.core.shard import Shard
    from gitops_publisher.planning import adopts_unbound, platforms_of, run_endpoints
    from gitops_publisher.workspace.project import load_config
    from gitops_publisher.workspace.state_stores import open_state_store

    config = load_config(app.project_dir)
    endpoints = run_endpoints(config.accounts, sandbox=app.sandbox) if writing else None
    return open_state_store(
        app.project_dir,
        config.state,
        sandbox=app.sandbox,
        notify=lambda message: click.echo(message, err=True),
        shard=Shard.parse(shard) if shard else None,
        endpoints=endpoints,
        adopts=adopts_unbound,
        platform_of=platforms_of(config.accounts),
    )


@state.command("list")
@sandbox_option
@click.argument("selectors", nargs=-1, metavar="[ADDRESS|POST_ID]...")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_obj
def list_records(app: AppContext, selectors: tuple[str, ...], fmt: str) -> None:
    """List the recorded addresses, optionally only those selected."""
    store = open_store(app)
    current = store.read()
    records = _select(current, frozenset(selectors))
    if fmt == "json":
        click.echo(json.dumps(_list_document(store, current, records), indent=2))
        return
    if records:
        click.echo(_table(records, _handle_column(app, records)))
    what = "matching record(s)" if selectors else "record(s)"
    click.echo(f"{len(records)} {what} in {store.describe()} (serial {current.serial}).", err=True)
    if not current.resources:
        click.echo(_sandbox_pointer(app), err=True, nl=False)


def _sandbox_pointer(app: AppContext) -> str:
    """Where the sandbox's records are, when the real state has none and the sandbox has some.

    A new user's first runs are ``--sandbox`` ones: an empty real state would look as if
    nothing had been recorded. Empty when ``--sandbox`` is on or the sandbox recorded nothing.
    """
    if app.sandbox:
        return ""
    from dataclasses import replace

    sandboxed = open_store(replace(app, sandbox=True)).read()
    if not sandboxed.resources:
        return ""
    return (
        f"The sandbox's runs are recorded apart: {len(sandboxed.resources)} record(s), "
        "`publisher state list --sandbox` lists them.\n"
    )


@state.command("show")
@sandbox_option
@click.argument("address")
@click.pass_obj
def show(app: AppContext, address: str) -> None:
    """Show everything recorded for ADDRESS (POST_ID@ACCOUNT) as JSON."""
    store = open_store(app)
    current = store.read()
    record = _find(current, address, store)
    document = {"address": record.address, **record.model_dump(mode="json")}
    if record.publish_id:
        document["publish_id"] = handles.shown(record.publish_id)
    for prior in document["history"]:  # an earlier attempt's session is a capability too
        prior["publish_id"] = handles.shown(prior["publish_id"])
    scheduled = _scheduled(record)
    if scheduled:
        document["scheduled"] = scheduled
    click.echo(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))


shard_option = click.option(
    "--shard",
    metavar="K/N",
    help="Change shard K of N's own state file, where `apply --shard K/N` recorded its posts.",
)


@state.command("rm")
@sandbox_option
@click.argument("addresses", nargs=-1, required=True, metavar="ADDRESS|POST_ID...")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (needed in CI).")
@shard_option
@click.pass_obj
def rm(app: AppContext, addresses: tuple[str, ...], yes: bool, shard: str | None) -> None:
    """Forget the records of ADDRESS... (the posts stay on TikTok or YouTube).

    A bare POST_ID selects its record on every account, as `--target` does. Use it for a
    record that should not exist, or to let a post be published anew. A backup of the previous
    state is kept.
    """
    store = open_store(app, writing=True, shard=shard)
    current = store.read()
    chosen = {r.address: r for item in addresses for r in _resolve(current, item, store)}
    records = list(chosen.values())
    wanted = [record.address for record in records]
    click.echo(f"These records will be forgotten from {store.describe()}:", err=True)
    for record in records:
        click.echo(f"  - {record.address}  {_summary(record)}", err=True)
    where = _platforms(app, records)
    click.echo(_rm_warning(records, where), err=True)
    if not yes:
        if not _stdin_is_interactive():
            raise PublisherError(
                "refusing to remove state records without confirmation: "
                "there is no terminal to ask on",
                hint="pass --yes to confirm (for example in CI); nothing was removed",
            )
        if not click.confirm("Forget these records?", default=False, err=True):
            click.echo("Cancelled; nothing was removed.", err=True)
            click.get_current_context().exit(1)
    with store.lock(purpose="publisher state rm"):
        updated = store.read()  # re-read under the lock: another run may have written
        for address in wanted:
            updated = updated.without(address)
        updated = _at_rest(app, updated)
        store.write(updated)
    click.echo(
        f"Forgot {len(wanted)} record(s) in {store.describe()} (serial {updated.serial}); "
        f"{_backup_note(store)} The post(s) stay on {where}.",
        err=True,
    )


@state.command("mv")
@sandbox_option
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@shard_option
@click.pass_obj
def mv(app: AppContext, old: str, new: str, shard: str | None) -> None:
    """Move the record of OLD to NEW (POST_ID@ACCOUNT): a renamed post id.

    What `previous_ids: [OLD_ID]` in the renamed manifest does declaratively, for when the
    manifest cannot say it. Nothing is posted; the published post is the same.
    """
    old_address, new_address = Address.parse(old), Address.parse(new)
    if old_address.account != new_address.account:
        raise AddressError(
            f"cannot move {old_address} to {new_address}: the post lives on "
            f"{old_address.account}'s account, not on {new_address.account}'s",
            hint="a rename keeps the account: NEW is NEW_ID@" + old_address.account,
        )
    store = open_store(app, writing=True, shard=shard)
    with store.lock(purpose="publisher state mv"):
        current = store.read()
        _find(current, str(old_address), store)
        if new_address == old_address:  # not "occupied": rm-ing it would forget the post
            raise AddressError(
                f"cannot move {old_address} onto itself: nothing was moved",
                hint=f"NEW is the post's new address: NEW_ID@{old_address.account}",
            )
        if str(new_address) in current.resources:
            raise AddressError(
                f"cannot move {old_address} to {new_address}: {new_address} is already "
                f"recorded in {store.describe()}",
                hint=f"`publisher state show {new_address}` shows it; remove the wrong one "
                "with `publisher state rm` first (the posts stay published)",
            )
        updated = _at_rest(app, current.moved(str(old_address), str(new_address)))
        store.write(updated)
    click.echo(
        f"Moved {old_address} -> {new_address} in {store.describe()} (serial {updated.serial}); "
        f"{_backup_note(store)} Nothing was posted.",
        err=True,
    )
    declared = _declared(app)
    if declared is not None and str(new_address) not in declared:
        # Allowed (the manifest may be renamed next), but a typo here makes the next plan
        # show an orphan and a create of the same video (a probable repost it refuses).
        close = difflib.get_close_matches(str(new_address), sorted(declared), n=1, cutoff=0.75)
        click.echo(
            terminal(
                f"warning: no manifest declares {new_address} yet: until one does (id: "
                f"{new_address.post_id}), the plan shows the record as an orphan"
                + (f"; did you mean {close[0]}?" if close else "")
            ),
            err=True,
        )


def _declared(app: AppContext) -> set[str] | None:
    """The addresses the project's manifests declare; None when they cannot be read."""
    from gitops_publisher.workspace.project import ProjectProblems, load_project

    try:
        project = load_project(app.project_dir)
    except ProjectProblems as problems:
        if problems.partial is None:
            return None
        project = problems.partial
    except PublisherError:
        return None
    return {str(post.address) for post in project.posts}


@state.command("migrate")
@sandbox_option
@click.argument("selectors", nargs=-1, metavar="[ADDRESS|POST_ID]...")
@click.option(
    "--shard",
    metavar="K/N",
    help="Gather shard K of N's records into its own file (default: every record into the "
    "base file, to stop sharding).",
)
@click.pass_obj
def migrate_records(app: AppContext, selectors: tuple[str, ...], shard: str | None) -> None:
    """Keep one copy of each record, in the state file of the runs that act on it.

    With --shard K/N, moves the records of shard K's accounts from the base state file (and
    from shard files of another N) into shard K's own file; without it, moves every shard
    file's records into the base file. An address recorded in several files keeps the
    better-informed copy, and every attempt of the others in its history. Each file changed
    is locked first; nothing is posted or forgotten. Optionally only the ADDRESS or POST_ID
    records given.
    """
    from gitops_publisher.core.shard import Shard
    from gitops_publisher.workspace.state_migrate import migrate
    from gitops_publisher.workspace.state_stores import state_files

    part = Shard.parse(shard) if shard else None
    target, others = state_files(open_store(app, writing=True, shard=shard))
    chosen = frozenset(selectors)

    def takes(record: Record) -> bool:
        in_shard = part is None or part.holds(record.account)
        return in_shard and (not chosen or matches(Address(record.post_id, record.account), chosen))

    moved = migrate(
        target,
        others,
        takes,
        at_rest=lambda updated: _at_rest(app, updated),
        purpose="publisher state migrate",
    )
    if not moved:
        click.echo(
            f"Nothing to migrate: no other state file holds such records; "
            f"{target.describe()} is unchanged.",
            err=True,
        )
        return
    for item in moved:
        line = f"  - {item.address}  from {', '.join(item.sources)}"
        if item.differed:
            line += (
                f"; the copies differed ({'; '.join(item.differed)}), kept {_summary(item.kept)}"
            )
        click.echo(line, err=True)
    click.echo(
        f"Migrated {len(moved)} record(s) into {target.describe()}; nothing was posted or "
        "forgotten.",
        err=True,
    )


@state.command("bind")
@sandbox_option
@click.option("--yes", "-y", is_flag=True, help="Rebind without asking (needed in CI).")
@click.pass_obj
def bind_endpoint(app: AppContext, yes: bool) -> None:
    """Record that the state describes the endpoints this run talks to.

    One per platform the project's accounts use (TikTok's API and app, Google's API and
    OAuth client, or the embedded sandbox with --sandbox). A state is bound by its first
    write; a state of an older version can be bound at once with this. Rebinding a state
    bound to another endpoint is only right when the same accounts really moved there (a
    new app's client key): the records would otherwise claim posts never made on it.
    """
    from gitops_publisher.core.binding import bind, describe
    from gitops_publisher.planning import run_endpoints
    from gitops_publisher.providers.registry import PLATFORMS
    from gitops_publisher.workspace.project import load_config

    store = open_store(app)
    wanted = run_endpoints(load_config(app.project_dir).accounts, sandbox=app.sandbox)
    with store.lock(purpose="publisher state bind"):
        current = store.read()
        updated = bind(current, wanted, force=True)
        if updated.endpoints == current.endpoints:
            click.echo(f"{store.describe()} already describes this endpoint.", err=True)
            return
        for platform, endpoint in sorted(updated.endpoints.items()):
            before = current.endpoints.get(platform)
            was = describe(platform, before, PLATFORMS) if before else "nothing (unbound)"
            click.echo(f"{platform}: {was} -> {describe(platform, endpoint, PLATFORMS)}", err=True)
        rebinding = any(current.endpoints.get(p) not in (None, e) for p, e in wanted.items())
        if rebinding and not yes:
            if not _stdin_is_interactive():
                raise PublisherError(
                    "refusing to rebind the state to another endpoint without confirmation",
                    hint="pass --yes if the same accounts really moved there; nothing changed",
                )
            if not click.confirm("Rebind the state?", default=False, err=True):
                click.echo("Cancelled; nothing changed.", err=True)
                click.get_current_context().exit(1)
        updated = _at_rest(app, updated.model_copy(update={"serial": current.serial + 1}))
        store.write(updated)
    click.echo(f"Bound {store.describe()} (serial {updated.serial}).", err=True)


# A YouTube video id may begin with "-" (1 in 64): an argument, not an unknown option.
@state.command("import", context_settings={"ignore_unknown_options": True})
@sandbox_option
@click.argument("address")
@click.argument("publish_id")
@click.pass_obj
def import_record(app: AppContext, address: str, publish_id: str) -> None:
    """Adopt a post published elsewhere: ask its platform for PUBLISH_ID, then record it.

    PUBLISH_ID is TikTok's publish_id, or a YouTube video's id (youtube.com/shorts/ID, '-'
    first included). ADDRESS's manifest must exist.
    """
    from gitops_publisher.apply.adopt import adopt, already_imported
    from gitops_publisher.compose import connect
    from gitops_publisher.planning import open_project

    account = Address.parse(address).account
    opened = open_project(app.project_dir, sandbox=app.sandbox)
    with opened.store.lock(purpose="publisher state import"):
        planned = opened.plan()
        done = already_imported(planned.state, address, publish_id)
        if done is not None:
            click.echo(f"{address} already records {_summary(done)}: nothing to import")
            return
        # The account's credentials only, each one it lacks named at once (its platform's).
        with connect(planned, sandbox=app.sandbox, names=[account]) as connection:
            app.secrets.append(connection.secrets)  # a crash's log is masked too
            record = adopt(planned, connection, address, publish_id)
        planned.store.write(_at_rest(app, planned.state.with_record(record)))
    click.echo(f"Imported {address}: {_summary(record)}")


def _at_rest(app: AppContext, updated: State) -> State:
    """``updated`` with its upload sessions closed or sealed, as apply writes them."""
    from gitops_publisher.workspace.state_sealing import at_rest, key_dir

    where = key_dir(app.project_dir, sandbox=app.sandbox)
    return at_rest(updated, key_dir=where, warn=lambda message: click.echo(message, err=True))


def _stdin_is_interactive() -> bool:
    """Whether a person can answer a prompt (a terminal on stdin)."""
    return sys.stdin is not None and sys.stdin.isatty()


def _select(current: State, selectors: frozenset[str]) -> list[Record]:
    records = sorted(current.resources.values(), key=lambda r: r.address)
    if not selectors:
        return records
    return [r for r in records if matches(Address(r.post_id, r.account), selectors)]


def _resolve(current: State, selector: str, store: StateStore) -> list[Record]:
    """The records ``selector`` names: one ``POST_ID@ACCOUNT``, or a bare ``POST_ID``'s all.

    Raises:
        AddressError: malformed, or nothing recorded under it.
    """
    if "@" in selector:
        return [_find(current, selector, store)]
    post_id = selector.strip()
    found = [r for r in _select(current, frozenset([post_id])) if r.post_id == post_id]
    if found:
        return found
    posts = sorted({r.post_id for r in current.resources.values()})
    raise AddressError(
        f"no record of post {post_id} on any account in {store.describe()}",
        hint=_not_recorded_hint(post_id, posts, "post ids and addresses"),
    )


def _find(current: State, address: str, store: StateStore) -> Record:
    """The record of ``address``.

    Raises:
        AddressError: malformed, or not in the state (with the closest addresses).
    """
    record = current.resources.get(address.strip())
    if record is not None:
        return record
    Address.parse(address)  # a malformed address gets the syntax message
    raise AddressError(
        f"no record of {address} in {store.describe()}",
        hint=_not_recorded_hint(address, list(current.resources), "addresses"),
    )


def _not_recorded_hint(wanted: str, recorded: list[str], what: str) -> str:
    """The closest of ``recorded`` to ``wanted``, and the listing of the state looked in."""
    close = difflib.get_close_matches(wanted, recorded, n=3, cutoff=0.75)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    app = click.get_current_context().find_object(AppContext)
    sandbox = app is not None and app.sandbox
    listing = "publisher state list --sandbox" if sandbox else "publisher state list"
    elsewhere = _sandbox_pointer(app).strip() if app is not None else ""
    return (
        hint
        + f"run `{listing}` to see the recorded {what}"
        + (f". {elsewhere}" if elsewhere else "")
    )


def _time(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _handle(publish_id: str | None) -> str:
    return handles.shown(publish_id) if publish_id else "-"


def _handle_column(app: AppContext, records: Iterable[Record]) -> str:
    """The heading of the handle column of ``state list``.

    The platform's word (``Platform.handle_label``, TikTok's ``PUBLISH_ID``) when every
    listed record's account is on one platform, else ``HANDLE`` (an account no longer in
    publisher.yaml counts as on the default platform).
    """
    from gitops_publisher.providers.registry import DEFAULT_PROVIDER, PLATFORMS
    from gitops_publisher.workspace.project import load_config

    accounts = load_config(app.project_dir).accounts
    providers = {
        accounts[r.account].provider if r.account in accounts else DEFAULT_PROVIDER for r in records
    }
    (only,) = providers if len(providers) == 1 else ("",)
    return PLATFORMS[only].handle_label.upper() if only in PLATFORMS else "HANDLE"


def _table(records: Iterable[Record], handle_column: str) -> str:
    rows = [("ADDRESS", "STATUS", handle_column, "UPDATED")]
    rows += [
        (
            r.address,
            "scheduled" if _scheduled(r) else r.status,  # private until publishAt: not yet out
            handles.shown(r.publish_id) if r.publish_id else "-",
            _time(r.updated_at),
        )
        for r in records
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in rows
    )


def _list_document(store: StateStore, current: State, records: list[Record]) -> dict[str, Any]:
    return {
        "format_version": LIST_FORMAT_VERSION,
        "state": store.describe(),
        "lineage": current.lineage,
        "serial": current.serial,
        "resources": [
            {
                "address": r.address,
                "post_id": r.post_id,
                "account": r.account,
                "status": r.status,
                "scheduled": _scheduled(r) or None,  # as `state show` says it
                "publish_id": handles.shown(r.publish_id) if r.publish_id else None,
                "url": r.url,
                "updated_at": r.updated_at.isoformat(),
            }
            for r in records
        ],
    }


def _scheduled(record: Record) -> str:
    """``scheduled by YouTube for …`` while YouTube keeps the video private, else ""."""
    from gitops_publisher.core.youtube import scheduled_by_youtube, scheduled_text

    when = scheduled_by_youtube(record, datetime.now(UTC))
    return f"{scheduled_text(when)}; private until then" if when else ""


def _summary(record: Record) -> str:
    parts: list[str] = [record.status]
    if scheduled := _scheduled(record):
        parts.append(scheduled)
    if record.publish_id in record.post_ids:  # a YouTube video imported by its id
        parts.append(f"video {record.publish_id}")
    elif record.publish_id:
        parts.append(handles.named(record.publish_id))
    if record.url:
        parts.append(record.url)
    return terminal(f"({', '.join(parts)})")


def _platforms(app: AppContext, records: list[Record]) -> str:
    """``TikTok``, ``TikTok and YouTube``: where the records' posts were published."""
    from gitops_publisher.providers.registry import DEFAULT_PROVIDER, titles
    from gitops_publisher.workspace.project import load_config

    accounts = load_config(app.project_dir).accounts
    return titles(
        accounts[r.account].provider if r.account in accounts else DEFAULT_PROVIDER for r in records
    )


def _rm_warning(records: list[Record], where: str) -> str:
    lines = [
        f"This forgets the records only: {where} keeps the posts (this tool never deletes "
        "a post). If a manifest still declares one of these addresses, the next apply "
        "publishes it again."
    ]
    pending = [r.address for r in records if r.status in UNKNOWN_OUTCOME]
    if pending:
        lines.append(
            f"Careful: {', '.join(pending)} may still be publishing (outcome unknown); "
            "forgetting it can lead to a second post. Run `publisher apply` first to settle it."
        )
    return "\n".join(lines)


def _backup_note(store: StateStore) -> str:
    from gitops_publisher.workspace.state_file import FileStateStore

    inner = getattr(store, "inner", store)
    if isinstance(inner, FileStateStore):
        return f"the previous version is in {inner.backup_path}."
    return "a backup of the previous version was kept."
