"""world.json's bytes are the world's own JSON, re-serialising only the records that changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_publisher.sandbox.models import PostRecord, TokenRecord, WorldData
from gitops_publisher.sandbox.world import WORLD_FILE, SandboxWorld, WorldJson, list_fields
from gitops_publisher.sandbox.youtube.models import UploadSession


def post(publish_id: str, **fields: object) -> PostRecord:
    base: dict[str, object] = {
        "publish_id": publish_id,
        "open_id": "sbx-1",
        "username": "creator",
        "mode": "direct",
        "source": "FILE_UPLOAD",
        "created_at": 1_800_000_000.25,
    }
    return PostRecord.model_validate(base | fields)


def token(open_id: str) -> TokenRecord:
    return TokenRecord(
        kind="access",
        open_id=open_id,
        scopes=["video.publish"],
        issued_at=1.5,
        expires_at=7201.5,
        family="f",
        family_issued_at=1.5,
    )


def world() -> WorldData:
    data = WorldData(last_time=12.5)
    data.posts["v_pub_file~v2-1.1"] = post("v_pub_file~v2-1.1", title='żółw "quoted" \\ \t')
    data.posts["v_inbox_file~v2.2"] = post("v_inbox_file~v2.2", mode="inbox")
    data.tokens["a" * 64] = token("sbx-1")
    data.youtube.sessions["s1"] = UploadSession.model_validate(
        {
            "upload_id": "s1",
            "channel_id": "UC1",
            "handle": "@c",
            "total": 10,
            "created_at": 1.0,
            "expires_at": 2.0,
            "resource": {"snippet": {"title": "t"}},
        }
    )
    return data


def same(dumper: WorldJson, data: WorldData) -> None:
    assert dumper.dump(data) == data.model_dump_json(indent=1).encode()


def test_the_bytes_are_the_worlds_own_json_through_every_kind_of_change() -> None:
    data = world()
    dumper = WorldJson()
    same(dumper, data)
    same(dumper, data)  # from the cache
    first = data.posts["v_pub_file~v2-1.1"]
    first.failed_chunk_attempts.append(2)  # a list changed in place
    same(dumper, data)
    first.duration_sec = 5.0
    same(dumper, data)
    first.duration_sec = 5  # type: ignore[assignment]  # equal, but JSON says 5, not 5.0
    same(dumper, data)
    first.is_video = True
    first.post_id = 1  # equal to True, still a change
    same(dumper, data)
    data.posts["v_pub_file~v2-1.1"] = first.model_copy()  # replaced by an equal copy
    same(dumper, data)
    data.posts["v_pub_file~v2-1.1"] = first.model_copy(update={"title": "new"})
    same(dumper, data)
    del data.posts["v_inbox_file~v2.2"]
    data.tokens.clear()
    same(dumper, data)
    data.posts.clear()
    same(dumper, data)
    data.tokens["b" * 64] = token("sbx-2")
    data.youtube.sessions["s1"].resource["snippet"]["title"] = "changed"  # not cached at all
    same(dumper, data)
    same(WorldJson(), WorldData())


def test_only_the_changed_records_are_serialised_again(monkeypatch: pytest.MonkeyPatch) -> None:
    data = world()
    for number in range(20):
        data.posts[f"p{number}"] = post(f"p{number}")
    dumper = WorldJson()
    dumper.dump(data)
    dumped: list[str] = []
    plain = PostRecord.model_dump_json

    def counted(record: PostRecord, **options: object) -> str:
        dumped.append(record.publish_id)
        return plain(record, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(PostRecord, "model_dump_json", counted)
    data.posts["p7"].received_bytes = 25_000
    same(dumper, data)
    assert dumped == ["p7"]


def test_the_cached_records_are_flat_and_come_before_youtube() -> None:
    # WorldJson splices tokens and posts in before "youtube" and can only cache records
    # whose fields are scalars or lists of them: a nested field could change unseen.
    assert list(WorldData.model_fields)[-3:] == ["tokens", "posts", "youtube"]
    assert list_fields(PostRecord) == ("failed_chunk_attempts",)
    assert list_fields(TokenRecord) == ("scopes",)
    assert list_fields(UploadSession) is None


def test_world_json_on_disk_is_what_the_model_says(tmp_path: Path) -> None:
    saved = SandboxWorld.load_or_create(tmp_path)
    saved.data.posts["v_pub_file~v2-1.1"] = post("v_pub_file~v2-1.1")
    saved.save()
    saved.data.posts["v_pub_file~v2-1.1"].received_bytes = 7
    saved.save()
    on_disk = (tmp_path / WORLD_FILE).read_bytes()
    assert on_disk == saved.data.model_dump_json(indent=1).encode()
    assert SandboxWorld.load_or_create(tmp_path).data.posts == saved.data.posts
