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
