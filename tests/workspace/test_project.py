"""Loading a content repository: the examples, content ids from git, renames, positions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pinned_git import git

from gitops_publisher.errors import ConfigError
from gitops_publisher.workspace import yamlio
from gitops_publisher.workspace.content_ids import ContentIds
from gitops_publisher.workspace.project import load_config, load_project

CONFIG = """\
version: 1
accounts:
  brand-us: {refresh_token_env: TOKEN_US}
  brand-uk: {refresh_token_env: TOKEN_UK, timezone: Europe/London}
defaults:
  privacy: SELF_ONLY
  caption: {hashtags: ["#acme"]}
"""
POST = """\
version: 1
id: launch
accounts: [brand-us, brand-uk]
video: media/launch-teaser.mp4
caption: Launch day
"""
MakeRepo = Callable[..., Any]


def hash_object(path: Path) -> str:
    done = subprocess.run(
        ["git", "hash-object", str(path)], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def fingerprints(root: Path) -> dict[str, str]:
    return {str(p.address): p.fingerprint for p in load_project(root).posts}


# --- the examples -----------------------------------------------------------------------------


def test_the_examples_load_with_defaults_merged(content_repo: Any) -> None:
    project = load_project(content_repo.root)
    assert sorted(project.config.accounts) == ["acme-shorts", "brand-uk", "brand-us", "devrel"]
    assert len(project.manifest_files) == 10
    assert len(project.posts) == 17
    assert project.manifest_files["launch-recap"] == "posts/launch/day.yaml"  # 2nd document
    posts = {str(p.address): p for p in project.posts}
    part1 = posts["tutorial-part1@devrel"]
    assert part1.privacy == "SELF_ONLY"  # from defaults
    assert part1.caption.endswith("Made with ❤️ by the Acme team #acme")
    assert posts["behind-the-scenes@brand-uk"].caption == "Behind the scenes at the studio 🎬"
    assert posts["community-draft@brand-uk"].post_info == {}
    shorts = posts["launch-teaser@acme-shorts"]  # the same post on YouTube
    assert shorts.provider == "youtube" and shorts.youtube is not None
    assert shorts.youtube.snippet["title"] == "Meet the new drop 🚀 #launch @acmeofficial"
    assert shorts.youtube.status["privacyStatus"] == "public"  # the post's, over the defaults'
    assert posts["ai-explainer@acme-shorts"].youtube.status["containsSyntheticMedia"] is True
    assert project.warnings == []


def test_load_config_alone(content_repo: Any) -> None:
    config = load_config(content_repo.root)
    assert config.accounts["devrel"].daily_post_cap == 10
    (content_repo.root / "publisher.yaml").write_text("version: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(content_repo.root)
    assert [d.render() for d in caught.value.diagnostics] == [
        "publisher.yaml:1:1 accounts: required field is missing: add it"
    ]


def test_a_bad_environment_variable_name_gets_an_example_of_its_own_kind(
    content_repo: Any,
) -> None:
    (content_repo.root / "publisher.yaml").write_text(
        "version: 1\n"
        "accounts:\n"
        "  brand-us: {refresh_token_env: token-us}\n"
        "  yt: {provider: youtube, refresh_token_env: yt-token, client_secret_env: secret}\n"
        "notify:\n"
        "  - {kind: slack, url_env: hook-url}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(content_repo.root)
    examples = {d.field: d.message.rsplit("e.g. ", 1)[-1] for d in caught.value.diagnostics}
    assert examples == {
        "accounts.brand-us.refresh_token_env": "TIKTOK_REFRESH_TOKEN_BRAND_US)",
        "accounts.yt.refresh_token_env": "YOUTUBE_REFRESH_TOKEN_ACME)",
        "accounts.yt.client_secret_env": "YOUTUBE_CLIENT_SECRET)",
        "notify.0.url_env": "SLACK_WEBHOOK_URL)",
    }


def test_a_config_without_version_is_refused_with_what_to_add(content_repo: Any) -> None:
    config = content_repo.root / "publisher.yaml"
    config.write_text(config.read_text().replace("version: 1\n", ""), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(content_repo.root)
    [problem] = caught.value.diagnostics
    assert problem.render().startswith("publisher.yaml:")
    assert problem.field == "version" and "add `version: 1`" in problem.message


@pytest.mark.parametrize("text", ["", "# a draft, nothing yet\n", "---\n# only comments\n---\n"])
def test_a_manifest_without_any_post_is_skipped_with_a_warning(
    make_repo: MakeRepo, text: str
) -> None:
    repo = make_repo({"publisher.yaml": CONFIG, "posts/a.yaml": POST, "posts/empty.yaml": text})
    project = load_project(repo.root)
    assert [str(p.address) for p in project.posts] == ["launch@brand-us", "launch@brand-uk"]
    assert [w.render() for w in project.warnings] == [
        "warning: posts/empty.yaml:1:1: holds no post (empty, or only comments): skipped; "
        "add a post or delete it"
    ]


# --- content ids ------------------------------------------------------------------------------


def test_a_tracked_video_is_identified_by_its_git_blob_id(make_repo: MakeRepo) -> None:
    repo = make_repo({"publisher.yaml": CONFIG, "posts/a.yaml": POST})
    video = repo.root / "media" / "launch-teaser.mp4"
    (post, _) = load_project(repo.root).posts
    assert post.video.content_id == f"git:{hash_object(video)}"
    assert post.video.size == video.stat().st_size
    assert not (repo.root / ".publisher" / "cache").exists()  # the index answered: no hashing


def test_committing_a_video_does_not_change_its_id(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {"publisher.yaml": CONFIG, "posts/a.yaml": POST.replace("launch-teaser", "new")}
    )
    shutil.copyfile(repo.root / "media" / "launch-teaser.mp4", repo.root / "media" / "new.mp4")
    before = fingerprints(repo.root)  # untracked: streamed and cached
    cache = json.loads((repo.root / ".publisher/cache/content-ids.json").read_text("utf-8"))
    assert list(cache.values()) == [f"git:{hash_object(repo.root / 'media' / 'new.mp4')}"]
    repo.commit("add the video")
    assert fingerprints(repo.root) == before  # so a commit never turns a post into drift


def test_an_edited_video_gets_a_new_id(make_repo: MakeRepo) -> None:
    repo = make_repo({"publisher.yaml": CONFIG, "posts/a.yaml": POST})
    before = fingerprints(repo.root)
    with (repo.root / "media" / "launch-teaser.mp4").open("ab") as handle:
        handle.write(b"\0" * 16)
    after = fingerprints(repo.root)
    assert set(after) == set(before)
    assert all(after[a] != before[a] for a in after)


INDEXED = 1_700_000_000 * 10**9 + 500_000_000  # when git last read the video (ns)


def rewritten_after_git_indexed_it(make_repo: MakeRepo) -> tuple[Path, Path]:
    """A repository whose video git indexed at :data:`INDEXED`, then replaced by other bytes
    of the same size (a re-export). Returns the repository's root and the video."""
    repo = make_repo({"publisher.yaml": CONFIG})
    video = repo.root / "media" / "launch-teaser.mp4"
    os.utime(video, ns=(INDEXED, INDEXED))
    git(repo.root, "add", str(video))  # the index takes that time
    data = video.read_bytes()
    video.write_bytes(data[:-16] + bytes(b ^ 0xFF for b in data[-16:]))
    return repo.root, video


def test_a_video_rewritten_at_the_same_size_within_the_second_gets_a_new_id(
    make_repo: MakeRepo,
) -> None:
    # The index records the time to the nanosecond; compared in whole seconds, a re-export
    # of the same size in the same second kept the old id (no drift seen, and a resumed
    # upload would have sent the new bytes into the old video's session).
    root, video = rewritten_after_git_indexed_it(make_repo)
    os.utime(video, ns=(INDEXED + 1_000, INDEXED + 1_000))  # the same second
    assert ContentIds(root).content_id("media/launch-teaser.mp4") == f"git:{hash_object(video)}"


def test_a_video_rewritten_as_the_index_was_written_is_hashed_not_trusted(
    make_repo: MakeRepo,
) -> None:
    # git's "racily clean" entry: the file changed in the same clock tick as `git add` read
    # it and wrote the index, so size and time match the index although the bytes do not.
    root, video = rewritten_after_git_indexed_it(make_repo)
    os.utime(video, ns=(INDEXED, INDEXED))
    os.utime(root / ".git" / "index", ns=(INDEXED, INDEXED))
    assert ContentIds(root).content_id("media/launch-teaser.mp4") == f"git:{hash_object(video)}"


def test_a_project_outside_git_streams_its_ids(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    source = Path(__file__).resolve().parents[2] / "examples" / "media" / "launch-teaser.mp4"
    shutil.copyfile(source, tmp_path / "media" / "launch-teaser.mp4")
    (tmp_path / "publisher.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "a.yaml").write_text(POST, encoding="utf-8")
    (post, _) = load_project(tmp_path).posts
    assert post.video.content_id == f"git:{hash_object(source)}"


def test_a_smudged_lfs_video_is_identified_by_its_pointer(make_repo: MakeRepo) -> None:
    oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"
    pointer = f"version https://git-lfs.github.com/spec/v1\\noid sha256:{oid}\\nsize 161147\\n"
    repo = make_repo({"publisher.yaml": CONFIG})
    # A stand-in for git-lfs: the clean filter stores the pointer, the work tree keeps the video.
    subprocess.run(
        ["git", "config", "filter.fakelfs.clean", f"cat >/dev/null; printf '{pointer}'"],
        cwd=repo.root,
        check=True,
    )
    repo.write(".gitattributes", "media/*.mp4 filter=fakelfs\n")
    repo.write("posts/a.yaml", POST)
    (repo.root / "media" / "launch-teaser.mp4").touch()  # re-stage through the filter
    subprocess.run(["git", "add", "--renormalize", "."], cwd=repo.root, check=True)
    repo.commit("lfs")
    ids = ContentIds(repo.root)
    assert ids.content_id("media/launch-teaser.mp4") == f"lfs:{oid}"


# --- renames and positions --------------------------------------------------------------------


def test_renaming_a_manifest_changes_no_address_and_no_fingerprint(make_repo: MakeRepo) -> None:
    repo = make_repo({"publisher.yaml": CONFIG, "posts/a.yaml": POST})
    before = fingerprints(repo.root)
    (repo.root / "posts" / "campaigns").mkdir()
    subprocess.run(
        ["git", "mv", "posts/a.yaml", "posts/campaigns/launch.yml"], cwd=repo.root, check=True
    )
    project = load_project(repo.root)
    assert project.manifest_files == {"launch": "posts/campaigns/launch.yml"}
    assert fingerprints(repo.root) == before


def test_a_problem_in_a_later_document_points_at_its_own_line(make_repo: MakeRepo) -> None:
    second = POST.replace("id: launch", "id: second").replace("caption:", "captoin:")
    repo = make_repo({"publisher.yaml": CONFIG, "posts/a.yaml": POST + "---\n" + second})
    with pytest.raises(ConfigError) as caught:
        load_project(repo.root)
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("posts/a.yaml", 11, 1)
    assert diagnostic.field == "captoin"


def test_empty_documents_are_skipped(make_repo: MakeRepo) -> None:
    repo = make_repo({"publisher.yaml": CONFIG, "posts/a.yaml": "---\n" + POST + "---\n"})
    assert len(load_project(repo.root).posts) == 2


def test_yaml_timestamps_stay_text_and_a_bom_is_fine() -> None:
    text = yamlio.decode(b"\xef\xbb\xbfpublish_at: 2026-12-01T09:00:00Z\nn: 1\n")
    assert yamlio.load_documents(text) == [{"publish_at": "2026-12-01T09:00:00Z", "n": 1}]


def test_problems_in_every_file_come_together(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "publisher.yaml": CONFIG,
            "posts/a.yaml": POST.replace("brand-uk", "brand-fr"),
            "posts/b.yaml": POST.replace("id: launch", "id: b").replace("media/", "../"),
            "posts/c.yaml": POST.replace("id: launch", "id: c") + "caption: again\n",
        }
    )
    with pytest.raises(ConfigError) as caught:
        load_project(repo.root)
    assert [d.location() for d in caught.value.diagnostics] == [
        "posts/a.yaml:3:22",
        "posts/b.yaml:4:8",
        "posts/c.yaml:6:1",
    ]


def test_yaml_is_read_with_yaml_1_2_rules_and_no_warnings() -> None:
    text = "a: 1e3\nb: 0o17\nc: 1:30\nd: yes\ne: 010\nf: ~\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ruamel warns on 1e3 when it believes it reads YAML 1.1
        assert yamlio.load_documents(text) == [
            {"a": 1000.0, "b": 15, "c": "1:30", "d": "yes", "e": 10, "f": None}
        ]


def test_problems_of_one_file_are_listed_top_to_bottom(make_repo: MakeRepo) -> None:
    text = POST.replace("media/launch-teaser.mp4", "/abs.mp4") + "refresh_token: abc\ncolour: red\n"
    text = text.replace("id: launch", "id: Launch")
    repo = make_repo({"publisher.yaml": CONFIG, "posts/a.yaml": text})
    with pytest.raises(ConfigError) as caught:
        load_project(repo.root)
    lines = [d.line for d in caught.value.diagnostics]
    assert lines == sorted(lines)
    # the video is checked although the same post has other problems
    assert [d.field for d in caught.value.diagnostics] == ["id", "video", "refresh_token", "colour"]


def test_a_list_as_a_mapping_key_is_a_positioned_problem() -> None:
    with pytest.raises(yamlio.YamlProblem) as caught:
        yamlio.load_documents("version: 1\n? - id: x\n: 2\n")
    assert (caught.value.line, caught.value.column) == (2, 3)
    assert "mapping key must be a plain value" in caught.value.message
