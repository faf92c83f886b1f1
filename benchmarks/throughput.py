"""Requests per second of `close-mock serve` for `GET /contact/{id}/`, next to a bare Starlette
"hello" on uvicorn measured the same way on the same machine.

The load comes from wrk when it is installed (Debian package `wrk`), else from several client
processes on keep-alive connections (http.client: no client-library overhead worth the name).
Both servers run as one uvicorn worker, as `close-mock serve` does.
"""

from __future__ import annotations

import base64
import http.client
import json
import multiprocessing
import re
import shutil
import subprocess
import sys
import time
from urllib.parse import urlsplit

from close_conformance.served import serve

HELLO = """
import socket, sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def hello(request):
    return JSONResponse({"hello": "world"})

app = Starlette(routes=[Route("/", hello)])
sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[sock])
"""


def _client(url: str, headers: dict[str, str], seconds: float, results: multiprocessing.Queue) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port)
    count, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        connection.request("GET", parts.path, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
        count += 1
    results.put(count)


def with_processes(url: str, headers: dict[str, str], seconds: float, clients: int = 4) -> float:
    results: multiprocessing.Queue = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_client, args=(url, headers, seconds, results)) for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    total = sum(results.get() for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds


def with_wrk(url: str, headers: dict[str, str], seconds: float) -> float:
    args = ["wrk", "-t2", "-c16", f"-d{int(seconds)}s", url]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert match, output
    return float(match.group(1))


def measure(url: str, headers: dict[str, str], seconds: float) -> tuple[str, float]:
    if shutil.which("wrk"):
        return "wrk -t2 -c16", with_wrk(url, headers, seconds)
    return "4 http.client processes", with_processes(url, headers, seconds)


def _wait_until_listening(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def main(seconds: float = 10) -> None:
    with serve("--log-level", "warning") as served:
        me = served.user(0, 0)
        token = base64.b64encode(f"{me['api_key']}:".encode()).decode()
        headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
        parts = urlsplit(served.base_url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port)
        connection.request(
            "POST", parts.path + "/contact/", body=json.dumps({"name": "Bench Mark"}), headers=headers
        )
        contact = json.loads(connection.getresponse().read())
        tool, mock_rps = measure(f"{served.base_url}/contact/{contact['id']}/", headers, seconds)
    hello = subprocess.Popen([sys.executable, "-c", HELLO], stdout=subprocess.PIPE, text=True)
    try:
        assert hello.stdout is not None
        port = int(hello.stdout.readline())
        _wait_until_listening(port)
        _, hello_rps = measure(f"http://127.0.0.1:{port}/", {}, seconds)
    finally:
        hello.terminate()
        hello.wait()
    print(f"load generator: {tool}, {seconds:.0f} s each, one uvicorn worker per server, 2 cores shared")
    print(f"{'server':45} {'requests/s':>10}")
    print(f"{'close-mock serve, GET /contact/{id}/':45} {mock_rps:>10.0f}")
    print(f"{'bare Starlette hello on uvicorn':45} {hello_rps:>10.0f}")
    print(f"mock / hello: {mock_rps / hello_rps:.2f}")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10)
