"""A fake TikTok upload endpoint for httpx.MockTransport, with scripted faults."""

from __future__ import annotations

import re

import httpx

RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class FakeUploadServer:
    """Accepts chunks in order like TikTok; answers 206/201/416; faults by request number.

    ``faults`` maps a 1-based request number to one of: "503", "403", "404", "429",
    "connect_error" (nothing stored), "accept_then_timeout" (stored, then the answer is lost),
    "416_garbage".
    """

    def __init__(self, total: int, *, progress_style: str = "last_index") -> None:
        self.total = total
        self.progress_style = progress_style
        self.received = bytearray()
        self.faults: dict[int, str] = {}
        self.requests: list[httpx.Request] = []
        self.ranges: list[tuple[int, int]] = []

    def progress_header(self) -> str:
        n = len(self.received)
        shown = n - 1 if self.progress_style == "last_index" else n
        return f"bytes 0-{shown}/{self.total}"

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        number = len(self.requests)
        fault = self.faults.get(number)
        if fault == "connect_error":
            raise httpx.ConnectError("refused", request=request)
        body = await request.aread()
        assert request.method == "PUT"
        assert int(request.headers["content-length"]) == len(body)
        match = RANGE.fullmatch(request.headers["content-range"])
        assert match, request.headers["content-range"]
        first, last, total = map(int, match.groups())
        assert total == self.total and last - first + 1 == len(body)
        if fault in ("503", "403", "404", "429"):
            return httpx.Response(int(fault))
        if fault == "416_garbage":
            return httpx.Response(416, headers={"content-range": "nonsense"})
        if first != len(self.received):
            return httpx.Response(416, headers={"content-range": self.progress_header()})
        self.received.extend(body)
        self.ranges.append((first, last))
        if fault == "accept_then_timeout":
            raise httpx.ReadTimeout("answer lost", request=request)
        done = len(self.received) == self.total
        headers = {"content-range": self.progress_header()}
        return httpx.Response(201 if done else 206, headers=headers)
