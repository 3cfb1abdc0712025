"""Apply many posts across many accounts under TikTok's rate limits, on an accelerated clock.

Usage: .venv/bin/python bench/apply_accounts.py [--accounts 20] [--posts 100] [--scale 10]
       [--in-flight N]

The emulator runs in its own process (``publisher sandbox serve --time-scale S``) with its
default limits (init 6/min, creator_info 20/min, status 30/min per user token, 1-minute
sliding windows) and processing times (2 s per upload, plus 30 s per GiB). The apply engine
runs in this process (lock, re-plan, pre-flight, publish) with its waits scaled by the same
S, posts spread evenly over the accounts (SELF_ONLY, so no moderation wait), each account
with ``in_flight: N`` when given (else the default).

The bound is what TikTok's limits allow, not what the engine chooses: per account, init k
can go no earlier than a minute after init k-6 (6 inits per sliding minute; the first six at
once), and its post is done one processing time after it (a 25 KB transfer takes no time
worth counting). The bound is the slowest account's last post; the figure is measured /
bound (goal <= 1.2x). The old bound, an account's posts one after another (post k no earlier
than the end of post k-1's processing), is printed beside it for comparison with the
figures measured before the pipeline.

Beside it, what the requests themselves cost here: a bare client (``bare_client``) sends the
same refresh, creator_info, init, one PUT and status fetches for the same posts to a fresh
emulator in the same run, with nothing else (no state, no pre-flight, no engine). The rate
bound counts no request at all, so at a high S, where each real millisecond of the two
processes counts S times, no client reaches it; apply / bare client says what the engine
adds (or saves: the bare client sends every account's requests at once).

And what no client can avoid: the emulator's own CPU for the requests that must precede the
last post's processing (each account's refresh and creator_info, each post's init and PUT),
at its measured CPU per request, times S, on top of the bound. At S = 10 that floor alone is
about 1.6x on the machines measured (bench/README.md); at S = 1, about 1.06x.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sandbox_ingest import SERVING, commit_project, cpu_seconds, serve_emulator  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
VIDEO = REPO / "examples" / "media" / "tutorial-part1.mp4"
PROCESSING_BASE = 2.0
PER_GIB = 30.0
INITS_PER_WINDOW, WINDOW = 6, 60.0
BEFORE_LAST = {"token", "creator_info", "video_init", "upload"}  # the request log's endpoints


def rate_bound(posts_per_account: list[int], processing: float) -> float:
    """Finish time (sandbox seconds) if only TikTok's limits held the posts back."""
    best = 0.0
    for count in posts_per_account:
        inits: list[float] = []
        for k in range(count):
            inits.append(inits[k - INITS_PER_WINDOW] + WINDOW if k >= INITS_PER_WINDOW else 0.0)
        if inits:
            best = max(best, inits[-1] + processing)
    return best


def line_bound(posts_per_account: list[int], processing: float) -> float:
    """Finish time (sandbox seconds) of an account's posts one after another (the old bound)."""
    best = 0.0
    for count in posts_per_account:
        inits: list[float] = []
        end = 0.0
        for k in range(count):
            start = end
            if k >= INITS_PER_WINDOW:
                start = max(start, inits[k - INITS_PER_WINDOW] + WINDOW)
            inits.append(start)
            end = start + processing
        best = max(best, end)
    return best


async def bare_client(base: str, tokens: dict[str, str], counts: list[int], scale: float) -> float:
    """Real seconds a bare client takes for the same posts: TikTok's calls and nothing else.

    Per account at once: refresh, creator_info; then each of its posts at once (an init
    waiting only for TikTok's window, with the engine's margin): init, the video in one PUT,
    a status fetch one processing time after the last byte (then every 0.1 s until
    complete). No state, no pre-flight, no engine: the cost of the requests the limits
    require plus the processing wait, against the same emulator on the same machine.
    """
    from gitops_publisher.apply.pipeline import MARGIN
    from gitops_publisher.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET

    video = VIDEO.read_bytes()
    size = len(video)
    wait = (PROCESSING_BASE + PER_GIB * size / 2**30) / scale

    async def post(
        client: httpx.AsyncClient, auth: dict[str, str], k: int, free: list[asyncio.Future[float]]
    ) -> None:
        if k >= INITS_PER_WINDOW:  # the sliding window after init k-6, with the engine's margin
            await asyncio.sleep(max(0.0, await free[k - INITS_PER_WINDOW] - time.perf_counter()))
        init = await client.post(
            f"{base}/v2/post/publish/video/init/",
            headers=auth,
            json={
                "post_info": {"privacy_level": "SELF_ONLY", "title": "bare"},
                "source_info": {
                    "source": "FILE_UPLOAD",
                    "video_size": size,
                    "chunk_size": size,
                    "total_chunk_count": 1,
                },
            },
        )
        free[k].set_result(time.perf_counter() + (WINDOW + MARGIN) / scale)  # from its end
        data = init.json()["data"]
        put = await client.put(
            data["upload_url"],
            content=video,
            headers={"Content-Type": "video/mp4", "Content-Range": f"bytes 0-{size - 1}/{size}"},
        )
        assert put.status_code == 201, put.text
        await asyncio.sleep(wait)
        while True:
            answer = await client.post(
                f"{base}/v2/post/publish/status/fetch/",
                headers=auth,
                json={"publish_id": data["publish_id"]},
            )
            if answer.json()["data"]["status"] == "PUBLISH_COMPLETE":
                return
            await asyncio.sleep(0.1 / scale)

    async def account(client: httpx.AsyncClient, name: str, count: int) -> None:
        token = await client.post(
            f"{base}/v2/oauth/token/",
            data={
                "client_key": SANDBOX_CLIENT_KEY,
                "client_secret": SANDBOX_CLIENT_SECRET,
                "grant_type": "refresh_token",
                "refresh_token": tokens[name],
            },
        )
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        info = await client.post(f"{base}/v2/post/publish/creator_info/query/", headers=auth)
        assert info.status_code == 200, info.text
        # Per init, when the window lets the sixth after it go.
        free = [asyncio.get_running_loop().create_future() for _ in range(count)]
        await asyncio.gather(*(post(client, auth, k, free) for k in range(count)))

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=None)) as client:
        start = time.perf_counter()
        await asyncio.gather(
            *(account(client, f"acct{i:02d}", n) for i, n in enumerate(counts) if n)
        )
        return time.perf_counter() - start


def make_project(root: Path, accounts: int, posts: int, in_flight: int | None) -> list[int]:
    names = [f"acct{i:02d}" for i in range(accounts)]
    lines = ["version: 1", "accounts:"]
    for name in names:
        lines += [
            f"  {name}:",
            "    provider: tiktok",
            f"    refresh_token_env: TT_RT_{name.upper()}",
        ]
        if in_flight is not None:
            lines.append(f"    in_flight: {in_flight}")
    lines += [
        "defaults:",
        "  privacy: SELF_ONLY",
        "  interactions: {comments: true, duet: false, stitch: false}",
    ]
    (root / "posts").mkdir(parents=True)
    (root / "media").mkdir()
    (root / "publisher.yaml").write_text("\n".join(lines) + "\n")
    (root / "media" / "v.mp4").write_bytes(VIDEO.read_bytes())
    counts = [0] * accounts
    for i in range(posts):
        counts[i % accounts] += 1
        (root / "posts" / f"p{i:03d}.yaml").write_text(
            f"version: 1\nid: p{i:03d}\naccounts: [{names[i % accounts]}]\n"
            f'video: media/v.mp4\ncaption: "post {i}"\n'
        )
    commit_project(root)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--in-flight", type=int, default=None)
    args = parser.parse_args()
    from gitops_publisher.apply.events import Event, Log, Result
    from gitops_publisher.apply.run import execute
    from gitops_publisher.compose import Connection
    from gitops_publisher.planning import make_plan, replan
    from gitops_publisher.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET

    with tempfile.TemporaryDirectory(prefix="accounts-bench-") as tmp:
        work = Path(tmp)
        root = work / "project"
        counts = make_project(root, args.accounts, args.posts, args.in_flight)
        with serve_emulator(work / "world", "--time-scale", str(args.scale)) as base:
            tokens: dict[str, dict[str, str]] = {}
            for i in range(args.accounts):
                name = f"acct{i:02d}"
                answer = httpx.post(f"{base}/_sandbox/accounts", json={"username": name})
                tokens[name] = {"refresh_token": answer.json()["refresh_token"]}
            results: list[Result] = []

            applying: list[float] = []  # when pre-flight (account checks) was over

            def emit(event: Event) -> None:
                if isinstance(event, Result):
                    results.append(event)
                elif isinstance(event, Log) and event.message.startswith("applying:"):
                    applying.append(time.perf_counter())

            planned = make_plan(root, sandbox=False)
            with planned.store.lock(purpose="apply"):
                planned = replan(planned)
                start, cpu = time.perf_counter(), time.process_time()
                before = cpu_seconds(SERVING[base])
                # Made here, as ``publisher apply`` makes it right before it applies.
                connection = Connection(
                    api_url=base,
                    client_key=SANDBOX_CLIENT_KEY,
                    client_secret=SANDBOX_CLIENT_SECRET,
                    load_tokens=tokens.get,
                    save_tokens=tokens.__setitem__,
                    time_scale=args.scale,
                )
                execute(planned, connection, emit=emit)
                real, cpu = time.perf_counter() - start, time.process_time() - cpu
                after = cpu_seconds(SERVING[base])
                served = after["user"] + after["sys"] - before["user"] - before["sys"]
                loop = after["main"] - before["main"]
            outcomes = {r.outcome.value for r in results}
            requests = httpx.get(f"{base}/_sandbox/requests").json()["requests"]
            limited = sum(1 for r in requests if r["status"] == 429)
            size = VIDEO.stat().st_size
            processing = PROCESSING_BASE + PER_GIB * size / 2**30
            bound = rate_bound(counts, processing)
            line = line_bound(counts, processing)
            measured = real * args.scale
            in_flight = "default" if args.in_flight is None else str(args.in_flight)
            print(
                f"{args.posts} posts across {args.accounts} accounts ({max(counts)} max per "
                f"account), time scale {args.scale:g}, in_flight {in_flight}: outcomes "
                f"{sorted(outcomes)}, {len(requests)} requests, {limited} answered 429"
            )
            print(
                f"measured {measured:,.1f} s of TikTok time ({real:.2f} s real); rate-limit "
                f"bound {bound:,.1f} s; ratio {measured / bound:.2f}x (goal <= 1.20x); "
                f"one-after-another bound {line:,.1f} s ({measured / line:.2f}x)"
            )
            checks = (applying[0] - start) * args.scale if applying else 0.0
            print(
                f"of which pre-flight (token refresh, creator_info per account) {checks:,.1f} s, "
                f"publishing {measured - checks:,.1f} s ({(measured - checks) / bound:.2f}x)"
            )
            posts = httpx.get(f"{base}/_sandbox/posts").json()["posts"]
            done = [p for p in posts if p["status"] == "PUBLISH_COMPLETE"]
        emulator = resource.getrusage(resource.RUSAGE_CHILDREN)  # the server, now ended
        # A bare client sending the same requests to a fresh emulator, in the same run.
        with serve_emulator(work / "bare-world", "--time-scale", str(args.scale)) as base:
            fresh = {
                name: httpx.post(f"{base}/_sandbox/accounts", json={"username": name}).json()[
                    "refresh_token"
                ]
                for name in tokens
            }
            bare = asyncio.run(bare_client(base, fresh, counts, args.scale)) * args.scale
            print(
                f"a bare client (the same requests, no engine) {bare:,.1f} s of TikTok time "
                f"({bare / bound:.2f}x the rate bound); the apply / the bare client: "
                f"{measured / bare:.2f}x"
            )
        # What no client can avoid here: the emulator serves one request at a time, and the
        # refresh, creator_info, init and PUT of every post precede the last post's processing.
        before_last = sum(r["endpoint"] in BEFORE_LAST for r in requests)
        floor = bound + served / len(requests) * before_last * args.scale
        print(
            f"the emulator's own CPU for the {before_last} requests that precede the last "
            f"post's processing, at this time scale: {floor - bound:,.2f} s of TikTok time; "
            f"no client finishes before {floor:,.1f} s ({floor / bound:.2f}x the rate bound)"
        )
        mine = resource.getrusage(resource.RUSAGE_SELF)
        print(
            f"CPU seconds: the apply {cpu:.2f} (this whole process "
            f"{mine.ru_utime + mine.ru_stime:.2f}), the emulator {served:.2f} while it applied "
            f"(its event loop {loop:.2f}; {emulator.ru_utime + emulator.ru_stime:.2f} with its "
            f"start-up); per request {1000 * cpu / len(requests):.2f} ms in the apply, "
            f"{1000 * served / len(requests):.2f} ms in the emulator; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        print(json.dumps({"published": len(done), "inits": len(posts)}))


if __name__ == "__main__":
    main()
