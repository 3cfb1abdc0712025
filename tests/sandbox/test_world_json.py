"""world.json's bytes are the world's own JSON, re-serialising only the records that changed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from gitops_publisher.sandbox import world as world_module
from gitops_publisher.sandbox.models import PostRecord, TokenRecord, WorldData, WorldRecord
from gitops_publisher.sandbox.world import (
    WORLD_FILE,
    SandboxWorld,
    WorldJson,
    cacheable,
    write_pieces,
)
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
    first.failed_chunk_attempts += (2,)  # a new tuple: the fields cannot change in place
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


def test_an_unchanged_world_serialises_no_record_again(monkeypatch: pytest.MonkeyPatch) -> None:
    data = world()
    dumper = WorldJson()
    dumper.dump(data)
    dumped: list[str] = []
    for kind in (PostRecord, TokenRecord):
        plain = kind.model_dump_json

        def counted(record: BaseModel, plain: Any = plain, **options: object) -> str:
            dumped.append(type(record).__name__)
            return plain(record, **options)  # type: ignore[no-any-return]

        monkeypatch.setattr(kind, "model_dump_json", counted)
    data.last_time = 99.5
    same(dumper, data)
    assert dumped == []
    data.tokens["a" * 64].used = True
    same(dumper, data)
    assert dumped == ["TokenRecord"]


def test_a_change_is_seen_whatever_other_world_is_written_meanwhile() -> None:
    # The marks of assigned records are shared by every world of the process: writing one
    # world must not lose the marks of another's records.
    ours, theirs = world(), world()
    ours_json, theirs_json = WorldJson(), WorldJson()
    same(ours_json, ours)
    same(theirs_json, theirs)
    ours.posts["v_inbox_file~v2.2"].title = "changed"
    theirs.posts["v_inbox_file~v2.2"].title = "also changed"
    same(theirs_json, theirs)
    same(ours_json, ours)
    same(theirs_json, theirs)


def test_the_cached_records_are_flat_immutable_and_come_before_youtube() -> None:
    # WorldJson splices tokens and posts in before "youtube" and can only keep the JSON of
    # records that mark their assignments and whose fields are scalars or tuples of them: a
    # list, dict or nested model could change in place, unmarked.
    assert list(WorldData.model_fields)[-3:] == ["tokens", "posts", "youtube"]
    assert cacheable(PostRecord) and cacheable(TokenRecord)
    assert not cacheable(UploadSession)

    class Listed(WorldRecord):
        items: list[int] = []

    class Nested(WorldRecord):
        inner: TokenRecord | None = None

    class Unmarked(BaseModel):
        name: str = ""

    assert not cacheable(Listed) and not cacheable(Nested) and not cacheable(Unmarked)


def test_world_json_on_disk_is_what_the_model_says(tmp_path: Path) -> None:
    saved = SandboxWorld.load_or_create(tmp_path)
    saved.data.posts["v_pub_file~v2-1.1"] = post("v_pub_file~v2-1.1")
    saved.save()
    saved.data.posts["v_pub_file~v2-1.1"].received_bytes = 7
    saved.save()
    on_disk = (tmp_path / WORLD_FILE).read_bytes()
    assert on_disk == saved.data.model_dump_json(indent=1).encode()
    assert SandboxWorld.load_or_create(tmp_path).data.posts == saved.data.posts


def test_the_pieces_reach_the_file_whole_through_partial_and_limited_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pieces = [b"{", b"", b'\n "a": 1', b",\n", b'"long": "' + b"x" * 50 + b'"', b"\n}"]
    calls: list[int] = []
    writev = os.writev

    def partial(fd: int, buffers: list[bytes]) -> int:
        # Takes at most 3 pieces (as IOV_MAX would) and writes at most 7 bytes of them.
        assert len(buffers) <= 3
        calls.append(len(buffers))
        joined = b"".join(buffers)[:7]
        return writev(fd, [joined])

    def written(name: str) -> bytes:
        """What ``write_pieces`` leaves in a new file ``name``."""
        path = tmp_path / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT)
        try:
            write_pieces(fd, pieces)
        finally:
            os.close(fd)
        return path.read_bytes()

    monkeypatch.setattr(os, "writev", partial)
    monkeypatch.setattr(world_module, "_IOV_MAX", 3)
    assert written("partial") == b"".join(pieces)
    assert len(calls) > 3

    monkeypatch.delattr(os, "writev")  # as on Windows: joined, then written
    assert written("joined") == b"".join(pieces)
