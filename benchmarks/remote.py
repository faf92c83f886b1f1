"""The suite as a user runs it against a real server: over HTTP, each answer `--latency-ms` late.

Starts `close-mock serve`, puts a TCP proxy in front that holds every byte the server answers for
the latency (default 100 ms: a request to api.close.com from CI costs 100-200 ms), and runs
`pytest tests/conformance --base-url <proxy> --api-key ... --peer-api-key ... --outsider-api-key ...`
per profile. Prints wall time, requests sent (total, per test file, per rule, the costliest tests)
and 429s waited, from the run's `--close-results` (issue 14).

    python benchmarks/remote.py                          # quick and standard at 100 ms
    python benchmarks/remote.py --profile thorough --latency-ms 150
    python benchmarks/remote.py --latency-ms 0           # loopback, for comparison
    python benchmarks/remote.py --workers 0              # serial (default: -n auto, as a user runs it)
    python benchmarks/remote.py --rate-limit 20 --profile quick   # a server announcing a limit
    python benchmarks/remote.py --profile quick -- tests/conformance/test_send_as.py  # some files

The proxy delays answers, not requests: each chunk the server sends is forwarded `latency` after
it arrived, in order, so a connection's answers stay pipelined as over a long wire (the delay is
latency, not a bandwidth cap). Requests the suite sends at once wait concurrently.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from close_conformance.served import serve
from close_conformance.spend import SESSION_TEARDOWN

ROOT = Path(__file__).resolve().parents[1]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Copy reader to writer, each chunk `delay` seconds after it was read, in order."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def read() -> None:
        loop = asyncio.get_running_loop()
        while chunk := await reader.read(65536):
            queue.put_nowait((loop.time() + delay, chunk))
        queue.put_nowait((0.0, b""))

    reading = asyncio.create_task(read())
    loop = asyncio.get_running_loop()
    try:
        while True:
            due, chunk = await queue.get()
            if not chunk:
                break
            await asyncio.sleep(max(0.0, due - loop.time()))
            writer.write(chunk)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        reading.cancel()
        writer.close()


class LatencyProxy:
    """A TCP proxy on 127.0.0.1 whose answers arrive `latency_ms` late; runs in its own thread."""

    def __init__(self, upstream_host: str, upstream_port: int, latency_ms: float) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._delay = latency_ms / 1000
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.port = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)
        try:
            server_reader, server_writer = await asyncio.open_connection(*self._upstream)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            _pipe(client_reader, server_writer, 0.0),
            _pipe(server_reader, client_writer, self._delay),
            return_exceptions=True,
        )

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            # Connections still open (a keep-alive the suite did not close) end with the proxy,
            # not as tasks destroyed while pending.
            for connection in list(self._connections):
                connection.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())

    def __enter__(self) -> LatencyProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


@contextmanager
def behind_proxy(base_url: str, latency_ms: float) -> Iterator[str]:
    """`base_url` reached through a LatencyProxy (or as is at 0 ms)."""
    if latency_ms <= 0:
        yield base_url
        return
    parts = urlsplit(base_url)
    assert parts.hostname
    assert parts.port
    with LatencyProxy(parts.hostname, parts.port, latency_ms) as proxy:
        yield urlunsplit(parts._replace(netloc=f"127.0.0.1:{proxy.port}"))


def _swap_url(args: list[str], url: str) -> list[str]:
    index = args.index("--base-url")
    return [*args[: index + 1], url, *args[index + 2 :]]


def run(
    profile: str, latency_ms: float, serve_options: list[str], extra: list[str], seed: int, workers: str
) -> dict:
    """One suite run; its --close-results, wall time and summary line."""
    with tempfile.TemporaryDirectory() as scratch, serve(*serve_options) as served:
        results = Path(scratch) / "results.json"
        with behind_proxy(served.base_url, latency_ms) as url:
            command = [
                sys.executable, "-m", "pytest", *(extra or ["tests/conformance"]),
                "-p", "no:cacheprovider", "-q", "-n", workers, "--dist", "loadgroup", "--seed", str(seed),
                "--hypothesis-profile", profile, "--close-results", str(results),
                "--close-state-dir", str(Path(scratch) / "state"),
                *_swap_url(served.suite_args(), url),
            ]  # fmt: skip
            began = time.monotonic()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            seconds = time.monotonic() - began
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        data = json.loads(results.read_text()) if results.exists() else {}
    summary = lines[-1] if lines else done.stderr[-300:]
    failed = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]
    return {
        "exit": done.returncode,
        "seconds": seconds,
        "summary": summary,
        "failed": failed,
        # What pytest said of the failures (the part from its FAILURES section on): a failing
        # benchmark run is rare and is only useful with the reason.
        "failures": done.stdout[done.stdout.find("= FAILURES ="):][:6000] if failed else "",
        "results": data,
    }


def _table(title: str, counts: Counter[str], top: int) -> None:
    print(f"  {title}:")
    for name, count in counts.most_common(top):
        print(f"    {count:>7,}  {name}")


def report(profile: str, latency_ms: float, outcome: dict, top: int) -> None:
    data = outcome["results"]
    by_test: dict[str, int] = data.get("requests_by_test", {})
    # The tests' own records carry their rules (under xdist the controller collects nothing).
    rules_of = {str(t["nodeid"]): list(t["rules"]) for t in data.get("collected", [])}
    rules_of.update({str(t["nodeid"]): list(t["rules"]) for t in data.get("tests", []) if t.get("rules")})
    per_file: Counter[str] = Counter()
    per_rule: Counter[str] = Counter()
    for nodeid, count in by_test.items():
        per_file[nodeid.split("::", 1)[0]] += count
        for rule in rules_of.get(nodeid, []):
            per_rule[rule] += count  # a test guarding several rules counts for each
    print(
        f"\n== {profile} at {latency_ms:g} ms: exit {outcome['exit']}, {outcome['seconds']:.1f} s, "
        f"{data.get('requests_sent', 0):,} requests, {data.get('waits_on_429', 0):,} waits on 429"
    )
    print(f"  pytest: {outcome['summary']}")
    for line in outcome["failed"]:
        print(f"    {line}")
    if outcome["failures"]:
        print("    " + outcome["failures"].replace("\n", "\n    "))
    if SESSION_TEARDOWN in by_test:
        print(f"  cleanup at the end: {by_test[SESSION_TEARDOWN]:,} requests")
    _table("per test file", per_file, top)
    _table("per rule (a test guarding several rules counts for each)", per_rule, top)
    _table("costliest tests", Counter({k: v for k, v in by_test.items() if k != SESSION_TEARDOWN}), top)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency-ms", type=float, default=100.0, help="delay of each answer (default 100)")
    parser.add_argument(
        "--profile", "--hypothesis-profile", dest="profiles", action="append",
        choices=["quick", "standard", "thorough"], help="repeatable (default: quick and standard)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, help="the suite's --seed (default 1)")
    parser.add_argument("--rate-limit", type=int, help="close-mock serve --rate-limit N (requests/s per key)")
    parser.add_argument(
        "--workers", default="auto",
        help="pytest -n: auto (what a user's `pytest -n auto` gets against a server) or a count; 0 = serial",
    )  # fmt: skip
    parser.add_argument("--top", type=int, default=15, help="rows per table (default 15)")
    parser.add_argument("--json", type=Path, help="also write every run's numbers here")
    parser.add_argument("pytest_args", nargs="*", help="test paths instead of tests/conformance (after --)")
    args = parser.parse_args()
    serve_options = ["--rate-limit", str(args.rate_limit)] if args.rate_limit else []
    rows = []
    for profile in args.profiles or ["quick", "standard"]:
        outcome = run(profile, args.latency_ms, serve_options, args.pytest_args, args.seed, args.workers)
        report(profile, args.latency_ms, outcome, args.top)
        rows.append((profile, outcome))
    print(f"\n{'profile':10} {'latency':>8} {'exit':>4} {'seconds':>8} {'requests':>9} {'429 waits':>9}")
    for profile, outcome in rows:
        data = outcome["results"]
        print(
            f"{profile:10} {args.latency_ms:>6g}ms {outcome['exit']:>4} {outcome['seconds']:>8.1f} "
            f"{data.get('requests_sent', 0):>9,} {data.get('waits_on_429', 0):>9,}"
        )
    if args.json:
        args.json.write_text(json.dumps({p: o for p, o in rows}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
