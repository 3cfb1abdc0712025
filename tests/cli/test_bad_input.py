"""Bad input never crashes, never posts, never touches state: each case through validate AND plan.

Every case asserts exit code 1, the file and line of the problem (``posts/x.yaml:7``), the field
it is about, no traceback, and a pre-existing state file left byte-identical.
"""

from __future__ import annotations

import base64
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from gitops_publisher.core.state import Record, State
from gitops_publisher.workspace.state_file import dump_state

from .projects import CONFIG

GOOD_POST = """\
version: 1
id: good-post
accounts: [brand-us, brand-uk]
video: media/tutorial-part1.mp4
caption: "A post that is fine #ok"
"""

# The field lines of a bad manifest, in order; line N of the file is _BASE[N-1].
_BASE = {
    "version": "version: 1",
    "id": "id: bad-post",
    "accounts": "accounts: [brand-us]",
    "video": "video: media/tutorial-part1.mp4",
    "caption": 'caption: "Hello #test"',
}
TOKEN = "act.1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuV"


def post(*extra: str, **replace: str | None) -> str:
    """A manifest: the base lines (1-5) with ``replace``d/omitted ones, then ``extra`` lines."""
    lines = [replace[key] if key in replace else line for key, line in _BASE.items()]
    return "\n".join([*(line for line in lines if line is not None), *extra]) + "\n"


def config(old: str = "", new: str = "") -> str:
    """The base config with one text replacement (``CONFIG`` lines are numbered in order)."""
    return CONFIG.replace(old, new) if old else CONFIG


def billion_laughs() -> str:
    lines = ["x0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"x{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    return post(*lines)  # the first alias is on line 7, column 10


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str | bytes]
    where: list[str]  # each "file:line[:column]" must appear (just "file" for a missing file)
    says: list[str]  # the field and the gist of the message
    setup: Callable[[Path], None] | None = None  # gets the repository root
    absent: list[str] = field(default_factory=list)  # must NOT appear (secrets)


def _symlink_outside(root: Path) -> None:
    outside = root.parent / "outside.mp4"
    outside.write_bytes((root / "media" / "tutorial-part1.mp4").read_bytes())
    (root / "media" / "escape.mp4").symlink_to(outside)


def _remove_config(root: Path) -> None:
    (root / "publisher.yaml").unlink()


def _posts_symlinked_outside(root: Path) -> None:
    outside = root.parent / "outside-posts"
    shutil.move(root / "posts", outside)
    (outside / "secret-ish.yaml").write_text("outside_only_key: 1\n")
    (root / "posts").symlink_to(outside)


def _manifest_symlinked_to_proc(root: Path) -> None:
    (root / "posts" / "status.yaml").symlink_to("/proc/self/status")


def _subdirectory_symlinked_outside(root: Path) -> None:
    outside = root.parent / "outside-dir"
    outside.mkdir()
    (outside / "x.yaml").write_text("outside_only_key: 1\n")
    (root / "posts" / "team").symlink_to(outside)


def _config_symlinked_outside(root: Path) -> None:
    outside = root.parent / "outside-config.yaml"
    shutil.move(root / "publisher.yaml", outside)
    (root / "publisher.yaml").symlink_to(outside)


LFS_POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 12345\n"
)
OVERSIZED = post(*[f"# filler {i:06d} " + "x" * 80 for i in range(12_000)])
REFRESH = "rft.Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0"
GITHUB_TOKEN = "ghp_" + "Ab3dEf6hIj9lMn2pQr5tUv8xYz1BcD4fGh7J"

CASES = [
    # --- YAML itself ----------------------------------------------------------------------
    Case(
        "yaml-syntax-error",
        {"posts/x.yaml": post('caption: "unterminated', "privacy: SELF_ONLY")},
        ["posts/x.yaml:6:10"],  # where the quote opens, not the end of file where it is noticed
        ["YAML syntax error", "quoted scalar"],
    ),
    Case(
        "tab-indentation",
        {"posts/x.yaml": "version: 1\nid: tabbed\n\taccounts: [brand-us]\n"},
        ["posts/x.yaml:3:1"],
        ["tab character"],
    ),
    Case(
        "tab-after-a-comment",  # ruamel names no tab here: the message still says what to do
        {"posts/x.yaml": post("# a comment", "\tprivacy: SELF_ONLY")},
        ["posts/x.yaml:7:1"],
        ["YAML syntax error", "replace the tab with spaces"],
    ),
    Case(
        "key-indented-under-the-one-above",
        {"posts/x.yaml": post("  privacy: SELF_ONLY", caption='caption: "Hi"  # a comment')},
        ["posts/x.yaml:6:3"],
        ["YAML syntax error", "check the indentation of this line and the one above"],
    ),
    Case(
        "duplicate-key",
        {"posts/x.yaml": post("id: bad-post-again")},
        ["posts/x.yaml:6:1"],
        ["duplicate key 'id'"],
    ),
    Case(
        "alias-bomb",
        {"posts/x.yaml": billion_laughs()},
        ["posts/x.yaml:7:10"],
        ["alias bomb"],
    ),
    Case(
        "deep-nesting-500",
        {"posts/x.yaml": post("extra: " + "[" * 500 + "]" * 500)},
        ["posts/x.yaml:6:39"],  # the collection one level too deep
        ["nested more than 32 levels"],
    ),
    Case(
        "oversized-file",
        {"posts/x.yaml": OVERSIZED},
        [f"posts/x.yaml:{OVERSIZED[:1_000_000].count(chr(10)) + 1}"],  # where the limit is hit
        ["1,000,000", "split it"],
    ),
    Case(
        "non-utf8-bytes",
        {"posts/x.yaml": post().encode() + b'extra: "caf\xe9"\n'},
        ["posts/x.yaml:6"],
        ["not UTF-8"],
    ),
    Case(
        "document-is-a-list",
        {"posts/x.yaml": "- version: 1\n- id: listed\n"},
        ["posts/x.yaml:1:1"],
        ["must be a mapping"],
    ),
    Case(
        "unsupported-tag",
        {"posts/x.yaml": post("extra: !!python/name:os.system ls")},
        ["posts/x.yaml:6:8"],
        ["unsupported YAML tag"],
    ),
    # --- manifest fields ------------------------------------------------------------------
    Case(
        "duplicate-id-across-files",
        {"posts/a.yaml": post(), "posts/b/c.yaml": "# the same id again\n" + post()},
        ["posts/b/c.yaml:3:5", "posts/a.yaml:2:5"],
        ["id:", "duplicate post id 'bad-post'"],
    ),
    Case(
        "unknown-account",
        {"posts/x.yaml": post(accounts="accounts: [brand-us, brand-fr]")},
        ["posts/x.yaml:3:22"],
        ["accounts.1:", "unknown account 'brand-fr'", "known: brand-uk, brand-us"],
    ),
    Case(
        "same-account-twice",
        {"posts/x.yaml": post(accounts="accounts: [brand-us, brand-us]")},
        ["posts/x.yaml:3:11"],
        ["accounts:", "same account twice"],
    ),
    Case(
        "accounts-not-a-list",
        {"posts/x.yaml": post(accounts="accounts: brand-us")},
        ["posts/x.yaml:3:11"],
        ["accounts:", "must be a list: [a, b]"],
        absent=["Input should be", "valid list"],
    ),
    Case(
        "disclosure-not-a-mapping",  # pydantic names the model class: never shown
        {"posts/x.yaml": post("disclosure: yes")},
        ["posts/x.yaml:6:13"],
        ["disclosure:", "must be a mapping", "brand_content, brand_organic, ai_generated"],
        absent=["instance of", "Disclosure", "valid dictionary"],
    ),
    Case(
        "captions-a-list",
        {"posts/x.yaml": post("captions: [brand-us]")},
        ["posts/x.yaml:6:11"],
        ["captions:", "must be a mapping (`key: value` lines"],
        absent=["valid dictionary"],
    ),
    Case(
        "caption-a-number",  # YAML reads it as a number: quoting it is the fix
        {"posts/x.yaml": post(caption="caption: 2026")},
        ["posts/x.yaml:5:10"],
        ["caption:", "must be text: put it in quotes"],
        absent=["Input should be"],
    ),
    Case(
        "interaction-not-a-boolean",
        {"posts/x.yaml": post("interactions: {comments: maybe}")},
        ["posts/x.yaml:6:26"],
        ["interactions.comments:", "must be true or false"],
        absent=["Input should be", "unable to interpret"],
    ),
    Case(
        "cover-not-a-number",
        {"posts/x.yaml": post("cover_timestamp_ms: 1.2s")},
        ["posts/x.yaml:6:21"],
        ["cover_timestamp_ms:", "must be a whole number"],
        absent=["Input should be", "unable to parse"],
    ),
    Case(
        "mode-not-a-choice",
        {"posts/x.yaml": post("mode: drafts")},
        ["posts/x.yaml:6:7"],
        ["mode:", "must be 'direct' or 'draft'"],
        absent=["Input should be"],
    ),
    Case(
        "unknown-field-typo",
        {"posts/x.yaml": post("privacyy: SELF_ONLY")},
        ["posts/x.yaml:6:1"],
        ["privacyy:", "did you mean 'privacy'"],
    ),
    Case(
        "unknown-nested-field",
        {"posts/x.yaml": post("interactions: {comment: true}")},
        ["posts/x.yaml:6:16"],
        ["interactions.comment:", "did you mean 'comments'"],
    ),
    Case(
        "youtube-field-outside-its-block",
        {"posts/x.yaml": post("title: Launch day")},
        ["posts/x.yaml:6:1"],
        ["title:", "unknown field 'title' here: it belongs in the youtube: block (youtube.title)"],
    ),
    Case(
        "post-field-inside-the-youtube-block",
        {"posts/x.yaml": post("youtube:", "  publish_at: 2099-01-01T09:00:00Z")},
        ["posts/x.yaml:7:3"],
        ["youtube.publish_at:", "it belongs one level up, beside youtube: (publish_at)"],
    ),
    Case(
        "caption-inside-the-youtube-block",
        {"posts/x.yaml": post("youtube:", "  caption: Hello")},
        ["posts/x.yaml:7:3"],
        ["youtube.caption:", "it belongs one level up, beside youtube: (caption)"],
        absent=["did you mean"],
    ),
    Case(
        "missing-id",
        {"posts/x.yaml": post(id=None)},
        ["posts/x.yaml:1:1"],
        ["id:", "required field is missing"],
    ),
    Case(
        "bad-id-pattern",
        {"posts/x.yaml": post(id="id: Launch Teaser!")},
        ["posts/x.yaml:2:5"],
        ["id:", "lowercase letters"],
    ),
    Case(
        "id-not-a-string",
        {"posts/x.yaml": post(id="id: 123")},
        ["posts/x.yaml:2:5"],
        ["id:", "must be text: put it in quotes"],
    ),
    Case(
        "wrong-version",
        {"posts/x.yaml": post(version="version: 2")},
        ["posts/x.yaml:1:10"],
        ["version:", "must be 1: this gitops-publisher reads version 1"],
        absent=["Input should be"],
    ),
    Case(
        "caption-over-2200-utf16",
        {"posts/x.yaml": post(caption='caption: "' + "🚀" * 1101 + '"')},
        ["posts/x.yaml:5:10"],
        ["caption:", "2202 UTF-16", "an emoji counts 2"],
    ),
    Case(
        "unknown-privacy",
        {"posts/x.yaml": post("privacy: PUBLIC")},
        ["posts/x.yaml:6:10"],
        ["privacy:", "PUBLIC_TO_EVERYONE"],
    ),
    Case(
        "direct-post-without-privacy-anywhere",
        {"publisher.yaml": config("defaults:\n  privacy: SELF_ONLY\n"), "posts/x.yaml": post()},
        ["posts/x.yaml:1:1", "posts/good.yaml:1:1"],
        ["privacy:", "needs a privacy level"],
    ),
    Case(
        "branded-content-self-only",
        {"posts/x.yaml": post("privacy: SELF_ONLY", "disclosure: {brand_content: true}")},
        ["posts/x.yaml:7:29"],
        ["disclosure.brand_content:", "cannot be SELF_ONLY"],
    ),
    Case(
        "bad-interactions-type",
        {"posts/x.yaml": post("interactions: yes")},
        ["posts/x.yaml:6:15"],
        ["interactions:", "must be a mapping of fields", "comments, duet, stitch"],
    ),
    Case(
        "negative-cover-timestamp",
        {"posts/x.yaml": post("cover_timestamp_ms: -5")},
        ["posts/x.yaml:6:21"],
        ["cover_timestamp_ms:", "greater than or equal to 0"],
    ),
    # --- schedule -------------------------------------------------------------------------
    Case(
        "impossible-timestamp",
        {"posts/x.yaml": post("publish_at: 2026-13-45T10:00:00Z")},
        ["posts/x.yaml:6:13"],
        ["publish_at:", "not an ISO 8601 date-time"],
    ),
    Case(
        "publish-at-without-timezone",
        {"posts/x.yaml": post("publish_at: 2026-12-01T09:00:00")},
        ["posts/x.yaml:6:13"],
        ["publish_at:", "needs a time zone"],
    ),
    Case(
        "not-after-before-publish-at",
        {
            "posts/x.yaml": post(
                "publish_at: 2026-12-01T09:00:00Z", "not_after: 2026-11-30T09:00:00Z"
            )
        },
        ["posts/x.yaml:7:12"],
        ["not_after:", "later than publish_at"],
    ),
    # --- video paths ----------------------------------------------------------------------
    Case(
        "absolute-video-path",
        {"posts/x.yaml": post(video="video: /etc/passwd")},
        ["posts/x.yaml:4:8"],
        ["video:", "not absolute"],
    ),
    Case(
        "dotdot-in-video-path",
        {"posts/x.yaml": post(video="video: media/../../outside.mp4")},
        ["posts/x.yaml:4:8"],
        ["video:", "'..' is not allowed"],
    ),
    Case(
        "symlink-escaping-the-repo",
        {"posts/x.yaml": post(video="video: media/escape.mp4")},
        ["posts/x.yaml:4:8"],
        ["video:", "outside the repository"],
        setup=_symlink_outside,
    ),
    Case(
        "missing-video-file",
        {"posts/x.yaml": post(video="video: media/nope.mp4")},
        ["posts/x.yaml:4:8"],
        ["video:", "media/nope.mp4 does not exist"],
    ),
    Case(
        "video-is-a-directory",
        {"posts/x.yaml": post(video="video: media")},
        ["posts/x.yaml:4:8"],
        ["video:", "is not a file"],
    ),
    Case(
        "video-is-an-lfs-pointer",
        {"posts/x.yaml": post(video="video: media/big.mp4"), "media/big.mp4": LFS_POINTER},
        ["posts/x.yaml:4:8"],
        ["video:", "git lfs pull"],
    ),
    # --- secrets --------------------------------------------------------------------------
    Case(
        "token-in-caption",
        {"posts/x.yaml": post(caption=f'caption: "New drop {TOKEN} #launch"')},
        ["posts/x.yaml:5:10"],
        ["caption:", "looks like a TikTok token", "not shown"],
        absent=[TOKEN, TOKEN[4:16]],
    ),
    Case(
        "secret-key-in-manifest",
        {"posts/x.yaml": post("api_key: hunter2-correct-horse")},
        ["posts/x.yaml:6:10"],
        ["api_key:", "credential"],
        absent=["hunter2"],
    ),
    Case(
        "refresh-token-in-config",
        {
            "publisher.yaml": config(
                "    timezone: Europe/London\n",
                f"    timezone: Europe/London\n    refresh_token: {REFRESH}\n",
            )
        },
        ["publisher.yaml:9:20"],
        ["accounts.brand-uk.refresh_token:", "refresh_token_env"],
        absent=[REFRESH, REFRESH[4:16]],
    ),
    Case(
        "binary-tag-hiding-a-token",
        {
            "posts/x.yaml": post(
                caption=f"caption: !!binary {base64.b64encode(TOKEN.encode()).decode()}"
            )
        },
        ["posts/x.yaml:5:10"],
        ["!!binary is not accepted"],
        absent=[TOKEN, TOKEN[4:16]],
    ),
    Case(
        "set-tag-for-a-list",
        {"posts/x.yaml": post(accounts="accounts: !!set {brand-us, brand-uk}")},
        ["posts/x.yaml:3:11"],
        ["!!set is not accepted"],
    ),
    Case(
        "secret-shaped-unknown-key",
        {"posts/x.yaml": post(f"{GITHUB_TOKEN}: 1")},
        ["posts/x.yaml:6:1"],
        ["this key looks like a GitHub token", "not shown"],
        absent=[GITHUB_TOKEN, GITHUB_TOKEN[4:16]],
    ),
    Case(
        "secret-shaped-nested-key",
        {"posts/x.yaml": post(f"interactions: {{{REFRESH}: true}}")},
        ["posts/x.yaml:6:16"],
        ["interactions.[not shown: a TikTok token]:", "this key looks like a TikTok token"],
        absent=[REFRESH, REFRESH[4:16]],
    ),
    Case(
        "secret-shaped-duplicate-key",
        {"posts/x.yaml": post(f"{GITHUB_TOKEN}: 1", f"{GITHUB_TOKEN}: 2")},
        ["posts/x.yaml:7:1"],
        ["duplicate key '[not shown: a GitHub token]'"],
        absent=[GITHUB_TOKEN, GITHUB_TOKEN[4:16]],
    ),
    # --- paths out of the repository ------------------------------------------------------
    Case(
        "nul-byte-in-video-path",
        {"posts/x.yaml": post(video='video: "media/tutorial-part1.mp4\\0.mp4"')},
        ["posts/x.yaml:4:8"],
        ["video:", "NUL character"],
    ),
    Case(
        "posts-directory-symlinked-outside",
        {},
        ["posts:"],
        ["posts is a symlink to", "outside the repository", "replace the symlink"],
        setup=_posts_symlinked_outside,
        absent=["outside_only_key"],
    ),
    Case(
        "manifest-symlinked-to-proc",
        {},
        ["posts/status.yaml:"],
        ["posts/status.yaml is a symlink to /proc/self/status", "outside the repository"],
        setup=_manifest_symlinked_to_proc,
        absent=["VmRSS", "unknown field", "Tgid"],
    ),
    Case(
        "posts-subdirectory-symlinked-outside",
        {},
        ["posts/team:"],
        ["posts/team is a symlink to", "outside the repository"],
        setup=_subdirectory_symlinked_outside,
        absent=["outside_only_key"],
    ),
    Case(
        "config-symlinked-outside",
        {},
        ["publisher.yaml:"],
        ["publisher.yaml is a symlink to", "outside the repository"],
        setup=_config_symlinked_outside,
    ),
    # --- publisher.yaml -------------------------------------------------------------------
    Case(
        "unknown-timezone",
        {"publisher.yaml": config("Europe/London", "Europe/Atlantis")},
        ["publisher.yaml:8:15"],
        ["accounts.brand-uk.timezone:", "IANA"],
    ),
    Case(
        "bad-refresh-token-env-name",
        {"publisher.yaml": config("TIKTOK_REFRESH_TOKEN_BRAND_UK", "tiktok-token-uk")},
        ["publisher.yaml:7:24"],
        ["accounts.brand-uk.refresh_token_env:", "environment variable name"],
    ),
    Case(
        "username-not-a-handle",  # the display name pasted instead of the @handle
        {"publisher.yaml": config("  brand-uk:\n", '  brand-uk:\n    username: "Brand UK"\n')},
        ["publisher.yaml:7:15"],
        ["accounts.brand-uk.username:", "TikTok handle", "not the display name"],
        absent=["should match pattern", "[A-Za-z"],
    ),
    Case(
        "open-id-malformed",
        {"publisher.yaml": config("  brand-uk:\n", '  brand-uk:\n    open_id: "a b"\n')},
        ["publisher.yaml:7:14"],
        ["accounts.brand-uk.open_id:", "`publisher auth status` shows"],
        absent=["should match pattern", "[A-Za-z"],
    ),
    Case(
        "banned-term-blank",
        {"publisher.yaml": config() + "policy:\n  banned_terms: {terms: [' ']}\n"},
        ["publisher.yaml:12:26"],
        ["policy.banned_terms.terms.0:", "a word or phrase"],
        absent=["should match pattern"],
    ),
    Case(
        "bad-account-name",
        {"publisher.yaml": config("  brand-uk:", "  Brand UK:")},
        ["publisher.yaml:6:3"],
        ["accounts.Brand UK:", "lowercase letters"],
    ),
    Case(
        "config-without-accounts",
        {"publisher.yaml": "version: 1\naccounts: {}\n"},
        ["publisher.yaml:2:11"],
        ["accounts:", "needs at least one entry"],
    ),
    Case(
        "config-typo",
        {"publisher.yaml": config("defaults:", "defualts:")},
        ["publisher.yaml:9:1"],
        ["defualts:", "did you mean 'defaults'"],
    ),
    Case(
        "config-youtube-default-outside-its-block",
        {"publisher.yaml": config("defaults:", "defaults:\n  made_for_kids: false")},
        ["publisher.yaml:10:3"],
        ["defaults.made_for_kids:", "in the youtube: block (defaults.youtube.made_for_kids)"],
    ),
    Case(
        "config-block-a-list",  # banned_terms: [x] instead of {terms: [x]}
        {"publisher.yaml": config() + "policy:\n  banned_terms: [guaranteed]\n"},
        ["publisher.yaml:12:17"],
        ["policy.banned_terms:", "must be a mapping of fields", "terms, accounts"],
        absent=["instance of", "BannedTerms", "valid dictionary"],
    ),
    Case(
        "config-account-a-string",
        {"publisher.yaml": config("  brand-uk:\n", "  brand-xx: brand\n  brand-uk:\n")},
        ["publisher.yaml:6:13"],
        ["accounts.brand-xx:", "must be a mapping of fields", "refresh_token_env"],
        absent=["instance of", "TikTokAccount", "valid dictionary"],
    ),
    Case(
        "config-channel-id-malformed",  # `auth status` shows no channel id before a pin
        {
            "publisher.yaml": config(
                "defaults:",
                "  yt:\n    provider: youtube\n    channel_id: acme\n"
                "    refresh_token_env: YOUTUBE_REFRESH_TOKEN_YT\ndefaults:",
            ),
            "posts/x.yaml": post(),
        },
        ["publisher.yaml:11:17"],
        ["accounts.yt.channel_id:", "'UC' and 22", "`publisher auth login` prints the channel's"],
    ),
    Case(
        "config-wrong-version",
        {"publisher.yaml": config("version: 1", "version: 3")},
        ["publisher.yaml:1:10"],
        ["version:", "reads version 1"],
    ),
    Case(
        "missing-publisher-yaml",
        {},
        ["publisher.yaml"],
        ["no publisher.yaml", "-C DIR", "`publisher init`"],
        setup=_remove_config,
    ),
    Case(
        "empty-publisher-yaml",
        {"publisher.yaml": "# nothing yet\n"},
        ["publisher.yaml:1:1"],
        ["empty config"],
    ),
    # --- everything in one run ------------------------------------------------------------
    Case(
        "several-errors-in-several-files",
        {
            "publisher.yaml": config("Europe/London", "Europe/Atlantis"),
            "posts/a.yaml": post("privacy: PUBLIC"),
            "posts/b.yaml": post(id="id: other", caption=None) + "captoin: hello\n",
            "posts/c.yaml": post(id="id: third", video="video: /abs.mp4"),
        },
        ["publisher.yaml:8:15", "posts/a.yaml:6:10", "posts/b.yaml:5:1", "posts/c.yaml:4:8"],
        ["timezone:", "privacy:", "captoin", "absolute", "4 error(s)"],
    ),
]

STATE = State(lineage="4f1c2b9e-0000-4000-8000-000000000001", serial=3).with_record(
    Record(
        post_id="good-post",
        account="brand-us",
        status="published",
        fingerprint="sha256:" + "0" * 64,
        mode="direct",
        video="media/tutorial-part1.mp4",
        publish_id="v_pub_file~v2-1.1",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        updated_at=datetime(2026, 11, 1, tzinfo=UTC),
        published_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
)


def at(where: str, output: str) -> bool:
    """``posts/x.yaml:7`` is in the output as a whole position (not a prefix of line 70)."""
    return re.search(re.escape(where) + r"(?![0-9])", output) is not None


@pytest.mark.parametrize("command", ["validate", "plan"])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_refused_with_file_line_and_field(
    case: Case, command: str, make_repo: Callable[..., Any], publisher: Callable[..., Result]
) -> None:
    files: dict[str, str | bytes] = {"publisher.yaml": CONFIG, "posts/good.yaml": GOOD_POST}
    files |= case.files
    files[".publisher/state.json"] = dump_state(STATE)
    repo = make_repo(files)
    if case.setup is not None:
        case.setup(repo.root)
    before = repo.state_path.read_bytes()

    result = publisher("-C", repo.root, command)

    output = result.output
    assert result.exit_code == 1, output
    for where in case.where:
        assert at(where, output), f"{where} not in:\n{output}"
    for text in case.says:
        assert text in output, f"{text!r} not in:\n{output}"
    for secret in case.absent:
        assert secret not in output
    assert "Traceback" not in output
    assert "this is a bug" not in output  # the crash handler did not run
    if command == "validate":  # validate never posts nor touches state: it does not say so
        assert "nothing was posted" not in output and "state untouched" not in output
        assert re.search(r"\(\d+ error\(s\)\)", output)
    else:
        assert "error(s); state untouched)" in output
    assert result.stdout == ""  # no plan, no "Valid" line: errors only, on stderr
    assert repo.state_path.read_bytes() == before
    state_files = [p.name for p in repo.state_path.parent.iterdir() if "state" in p.name]
    assert state_files == ["state.json"]  # no backup, lock or temp file: state never opened


def test_there_are_at_least_30_cases() -> None:
    assert len({case.name for case in CASES}) == len(CASES) >= 30
