"""One ``plan`` lists every problem of the manifests, each with its file, line and field.

A pull request with a broken manifest should show everything to fix in one CI run, not one
problem per push: the content checks of a post (accounts, policy, YouTube rules, its video,
a duplicate id) run even when another of its fields is invalid.
"""

from __future__ import annotations

import json

from tests.e2e.test_cli import SANDBOX, sandbox_truth

BROKEN = """\
version: 1
id: spring-sale
accounts: [brand-us, acme-shorts, brand-xx]
video: media/spring-sale.mp4
caption: "Spring sale: guaranteed savings #sale"
privacy: PUBLIC
disclosure: {brand_content: true}
publish_at: 2026-12-10T09:00:00-05:00
youtube: {privacy: public, made_for_kids: sometimes}
"""
DUPLICATE = """\
version: 1
id: launch-teaser
accounts: [brand-uk]
video: media/launch-teaser.mp4
caption: "The cheapest drop ever"
cover_timestamp_ms: soon
"""
EXPECTED = [
    ("posts/sale.yaml:3:35", "accounts.2", "unknown account 'brand-xx'"),
    ("posts/sale.yaml:4:8", "video", "media/spring-sale.mp4 does not exist"),
    ("posts/sale.yaml:5:10", "caption", "'guaranteed', banned by policy.banned_terms"),
    ("posts/sale.yaml:5:10", "caption", "must say so in the caption: add one of '#ad'"),
    ("posts/sale.yaml:6:10", "privacy", "must be 'PUBLIC_TO_EVERYONE'"),
    ("posts/sale.yaml:9:20", "youtube.privacy", "YouTube schedules only private videos"),
    ("posts/sale.yaml:9:43", "youtube.made_for_kids", "must be true or false"),
    ("posts/z-copy.yaml:2:5", "id", "duplicate post id 'launch-teaser'"),
    ("posts/z-copy.yaml:5:10", "caption", "'cheapest', banned for account brand-uk"),
    ("posts/z-copy.yaml:6:21", "cover_timestamp_ms", "must be a whole number"),
]


def test_plan_lists_every_problem_of_every_manifest_in_one_run(content_repo, cli):
    root = content_repo.root
    assert cli(root, "apply", "--sandbox", "--yes").exit_code == 0
    state_before = (root / SANDBOX / "state.json").read_bytes()
    posts_before = len(sandbox_truth(root))
    content_repo.write("posts/sale.yaml", BROKEN)
    content_repo.write("posts/z-copy.yaml", DUPLICATE)
    content_repo.commit("a pull request with two broken manifests")

    planned = cli(root, "plan", "--sandbox")
    assert planned.exit_code == 1
    assert "Traceback" not in planned.output
    lines = [line for line in planned.stderr.splitlines() if line.startswith("posts/")]
    assert [tuple(line.split(" ", 2)[:2]) for line in lines] == [
        (where, field + ":") for where, field, _ in EXPECTED
    ]
    for line, (_, _, message) in zip(lines, EXPECTED, strict=True):
        assert message in line
    assert f"Error: {len(EXPECTED)} problem(s) in the project's files" in planned.stderr

    as_json = cli(root, "plan", "--sandbox", "--format", "json")
    assert as_json.exit_code == 1
    document = json.loads(as_json.stdout)
    assert document["error_count"] == len(EXPECTED)

    applied = cli(root, "apply", "--sandbox", "--yes")
    assert applied.exit_code == 1 and "nothing was posted" in applied.output
    assert (root / SANDBOX / "state.json").read_bytes() == state_before
    assert len(sandbox_truth(root)) == posts_before


def test_validate_lists_the_config_s_problems_and_the_manifests_together(content_repo, cli):
    root = content_repo.root
    config = (root / "publisher.yaml").read_text(encoding="utf-8")
    assert "timezone: Europe/London" in config
    content_repo.write("publisher.yaml", config.replace("Europe/London", "Europe/Londres"))
    content_repo.write("posts/z-copy.yaml", DUPLICATE)
    content_repo.commit("a time zone misspelled beside a broken manifest")

    result = cli(root, "validate")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line[:1] != " "][:-1]
    assert [line.split(" ", 2)[1] for line in lines] == [
        "accounts.brand-uk.timezone:",
        "id:",
        "caption:",  # brand-uk's banned term: the account is known, only its zone is not
        "cover_timestamp_ms:",
    ]
    assert lines[0].startswith("publisher.yaml:")
    assert (
        result.stderr.splitlines()[-1] == "Error: 4 problem(s) in the project's files (4 error(s))"
    )


def _problems(output: str) -> list[tuple[str, str, str]]:
    """``(file:line:column, field, message)`` of each problem line ``validate`` printed."""
    lines = [line for line in output.splitlines() if line.startswith("posts/")]
    return [tuple(line.split(" ", 2)) for line in lines]  # type: ignore[misc]


BAD_ACCOUNTS = """\
version: 1
id: spring-sale
accounts: [brand-us, 42, brand-uk, brand-xx, acme-shorts]
video: media/launch-teaser.mp4
caption: "The cheapest <deal>"
captions: {devrel: "A caption for an account the post leaves out"}
privacy: PUBLIC_TO_EVERYONE
---
version: 1
id: summer-sale
accounts: [brand-us, Brand-UK]
video: media/launch-teaser.mp4
caption: "Guaranteed summer #sale"
captions: {brand-uk: "The cheapest summer"}
privacy: PUBLIC_TO_EVERYONE
"""


def test_a_bad_entry_of_accounts_leaves_the_others_checked(content_repo, cli):
    root = content_repo.root
    content_repo.write("posts/sale.yaml", BAD_ACCOUNTS)
    content_repo.commit("a post whose accounts: has a number and an undeclared account")

    result = cli(root, "validate", "--no-media-checks")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    known = "(known: acme-shorts, brand-uk, brand-us, devrel)"
    assert _problems(result.stderr) == [
        ("posts/sale.yaml:3:22", "accounts.1:", "must be text: put it in quotes"),
        (
            "posts/sale.yaml:3:36",
            "accounts.3:",
            "unknown account 'brand-xx'; declare it under accounts: in publisher.yaml " + known,
        ),
        # brand-uk's own banned term and YouTube's rules of acme-shorts: the valid entries
        # are checked as in a post whose accounts: is valid
        (
            "posts/sale.yaml:5:10",
            "caption:",
            "the caption's first line, acme-shorts's YouTube title, YouTube refuses '<' and "
            "'>' in a title: remove them; or set youtube.title",
        ),
        (
            "posts/sale.yaml:5:10",
            "caption:",
            "the caption, acme-shorts's YouTube description, YouTube refuses '<' and '>' in a "
            "description: remove them; or set youtube.description",
        ),
        (
            "posts/sale.yaml:5:10",
            "caption:",
            "caption contains 'cheapest', banned for account brand-uk by "
            "policy.banned_terms.accounts: remove or reword it, or drop the account",
        ),
        # not "captions names 'devrel', which this post does not publish to": the invalid
        # 42 may be it
        (
            "posts/sale.yaml:11:22",
            "accounts.1:",
            "must be 1-64 lowercase letters, digits, '.', '_' or '-', starting with a letter "
            "or digit",
        ),
        # brand-us's caption is checked; brand-uk's is not said to be for an account the
        # post does not publish to (the invalid Brand-UK may be it), nor checked as one
        (
            "posts/sale.yaml:13:10",
            "caption:",
            "caption contains 'guaranteed', banned by policy.banned_terms: remove or reword it",
        ),
    ]
    assert result.stderr.splitlines()[-1] == (
        "Error: 7 problem(s) in the project's files (7 error(s))"
    )


BAD_CAPTIONS = """\
version: 1
id: spring-sale
accounts: [brand-us, brand-uk, devrel, acme-shorts]
video: media/launch-teaser.mp4
caption: "Spring is here: risk-free #spring"
captions:
  Brand_US: "Spring sale"
  brand-uk: "The cheapest spring #sale"
  devrel: 2026
  acme-shorts: "Spring <sale> #Shorts"
privacy: PUBLIC_TO_EVERYONE
"""


def test_a_bad_key_of_captions_leaves_the_other_captions_checked(content_repo, cli):
    root = content_repo.root
    content_repo.write("posts/sale.yaml", BAD_CAPTIONS)
    content_repo.commit("a post whose captions: has a mistyped key and a number")

    result = cli(root, "validate", "--no-media-checks")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert _problems(result.stderr) == [
        (
            "posts/sale.yaml:7:3",
            "captions.Brand_US:",
            "must be 1-64 lowercase letters, digits, '.', '_' or '-', starting with a letter "
            "or digit",
        ),
        (
            "posts/sale.yaml:8:13",
            "captions.brand-uk:",
            "caption contains 'cheapest', banned for account brand-uk by "
            "policy.banned_terms.accounts: remove or reword it, or drop the account",
        ),
        ("posts/sale.yaml:9:11", "captions.devrel:", "must be text: put it in quotes"),
        (
            "posts/sale.yaml:10:16",
            "captions.acme-shorts:",
            "the caption's first line, acme-shorts's YouTube title, YouTube refuses '<' and "
            "'>' in a title: remove them; or set youtube.title",
        ),
        (
            "posts/sale.yaml:10:16",
            "captions.acme-shorts:",
            "the caption, acme-shorts's YouTube description, YouTube refuses '<' and '>' in a "
            "description: remove them; or set youtube.description",
        ),
    ]
    # Not "caption contains 'risk-free'": caption is what brand-us gets only while Brand_US
    # is not its key, and devrel's caption is its invalid 2026. Once both are fixed, the
    # caption that no account receives is no longer checked either.
    assert result.stderr.splitlines()[-1] == (
        "Error: 5 problem(s) in the project's files (5 error(s))"
    )


def test_plan_checks_the_accounts_over_the_network_beside_the_manifests_problems(content_repo, cli):
    root = content_repo.root
    assert cli(root, "apply", "--sandbox", "--yes").exit_code == 0  # brand-uk pinned to acme.uk
    state_before = (root / SANDBOX / "state.json").read_bytes()
    posts_before = len(sandbox_truth(root))
    config = (root / "publisher.yaml").read_text(encoding="utf-8")
    content_repo.write("publisher.yaml", config.replace("acme.uk", "acme.elsewhere"))
    content_repo.write("posts/z-copy.yaml", DUPLICATE)
    content_repo.write(
        "posts/sale.yaml",
        "version: 1\nid: sale\naccounts: [brand-uk]\nvideo: media/launch-teaser.mp4\n"
        "caption: Sale\nprivacy: PUBLIK\n",
    )
    content_repo.commit("a pull request with broken manifests, and brand-uk is someone else")

    planned = cli(root, "plan", "--sandbox")
    assert planned.exit_code == 1
    assert "Traceback" not in planned.output
    lines = [line for line in planned.stderr.splitlines() if line[:1] != " "]
    assert [line.split(": ")[0] for line in lines[:-1]] == [
        "posts/sale.yaml:6:10 privacy",
        "posts/z-copy.yaml:2:5 id",
        "posts/z-copy.yaml:5:10 caption",
        "posts/z-copy.yaml:6:21 cover_timestamp_ms",
        "account brand-uk identity",
    ]
    assert lines[-2].startswith(
        "account brand-uk identity: account brand-uk is pinned to @acme.uk (open_id "
    )
    assert "but its token belongs to @acme.elsewhere" in lines[-2]
    assert lines[-1] == (
        "Error: 4 problem(s) in the project's files, 1 in its accounts (5 error(s); state "
        "untouched)"
    )
    assert (root / SANDBOX / "state.json").read_bytes() == state_before
    assert len(sandbox_truth(root)) == posts_before

    offline = cli(root, "plan", "--sandbox", "--offline")  # no network: the files' only
    assert offline.exit_code == 1
    assert "identity" not in offline.stderr
    assert offline.stderr.splitlines()[-1] == (
        "Error: 4 problem(s) in the project's files (4 error(s); state untouched)"
    )
