"""The SDK-validation parts of the `close-mock` command: `serve --validate` and `proxy`.

    close-mock serve --validate [--report FILE]
    close-mock proxy --upstream URL [--host H] [--port N] [--report FILE] [--timeout S]

`proxy` checks its upstream once before listening (a GET of `<upstream>/me/` without credentials:
any HTTP answer will do); a URL that is not http(s)://host[/path] is a usage error (exit 2), an
upstream that does not answer exits 1, each with one line on stderr. Once it accepts connections it
prints one JSON line on stdout: {"base_url": "http://HOST:PORT/<upstream path>", "upstream": URL}.
`--report FILE` writes the session's summary (violations, warnings, coverage; `ValidationSession.
summary`) when the server stops, on Ctrl-C and SIGTERM too.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any
from urllib.parse import urlsplit

import httpx

from close_conformance.report.redact import scrub
from close_conformance.sdk.proxy import ValidatingProxy
from close_conformance.sdk.session import ValidationSession

__all__ = [
    "add_proxy_parser",
    "add_validate_options",
    "check_upstream",
    "finish",
    "mock_proxy",
    "upstream_proxy",
]

EXIT_FAILURE = 1
EXIT_USAGE = 2


def add_validate_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--validate",
        action="store_true",
        help="validate every exchange against the contract both ways: each violation one JSON line on "
        "stderr, a Close-Conformance-Violations header on each answer (status and body unchanged)",
    )
    serve.add_argument(
        "--report", metavar="FILE", help="with --validate: write the summary (violations, coverage) at exit"
    )


def add_proxy_parser(commands: Any) -> argparse.ArgumentParser:
    from close_conformance.mock.cli import port_number  # the command's own module, loaded by now

    proxy: argparse.ArgumentParser = commands.add_parser(
        "proxy",
        help="a validating proxy in front of any Close-compatible server",
        description=(
            "Forward every request to --upstream and validate each exchange against the contract both\n"
            "ways. Violations: one JSON line each on stderr, a Close-Conformance-Violations: N header on\n"
            "the answer; status and body are never changed. Once it accepts connections it prints one\n"
            'JSON line on stdout: {"base_url": ..., "upstream": ...}.\n'
            "exit status: 0 stopped cleanly, 1 upstream unreachable or port taken, 2 usage error."
        ),
        epilog=(
            "example:\n"
            "  close-mock proxy --upstream https://api.close.com/api/v1 --port 8001 --report sdk.json\n"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    proxy.add_argument(
        "--upstream", required=True, metavar="URL", help="base URL of the answering server (…/api/v1)"
    )
    proxy.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    proxy.add_argument(
        "--port",
        type=port_number,
        default=8000,
        help="port to listen on; 0 picks a free one (default: %(default)s)",
    )
    proxy.add_argument("--report", metavar="FILE", help="write the summary (violations, coverage) at exit")
    proxy.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="seconds to wait for the upstream (default: %(default)s)",
    )
    proxy.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="how much to log on stderr (default: %(default)s)",
    )
    return proxy


def mock_proxy(app: Any, base_path: str = "/api/v1") -> tuple[ValidatingProxy, ValidationSession]:
    """`serve --validate`: the mock's app answering in-process behind the validator."""
    session = ValidationSession(base_path=base_path)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=None)
    return ValidatingProxy(session, client), session


def check_upstream(url: str, timeout: float) -> tuple[str | None, int]:
    """(None, 0) if `url` is usable, else (one readable line, exit status)."""
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not one
    except ValueError:
        usable = False
    if not usable:
        return scrub(f"close-mock: --upstream {url!r} is not an http(s)://host[:port]/path URL"), EXIT_USAGE
    try:
        httpx.get(url.rstrip("/") + "/me/", timeout=min(timeout, 10.0))
    except httpx.HTTPError as error:
        line = f"close-mock: cannot reach the upstream {url}: {error or type(error).__name__}"
        return scrub(line), EXIT_FAILURE  # a user:password in the URL stays out of the log
    return None, 0


def upstream_proxy(url: str, timeout: float) -> tuple[ValidatingProxy, ValidationSession]:
    parts = urlsplit(url)
    session = ValidationSession(base_path=parts.path.rstrip("/") or "/")
    client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
    return ValidatingProxy(session, client, upstream=f"{parts.scheme}://{parts.netloc}"), session


def finish(session: ValidationSession, report: str | None) -> None:
    """At exit: the coverage table and one summary line on stderr, and the report file if asked for."""
    if report:
        session.write(report)
    print(session.coverage.table(), file=sys.stderr)
    print(
        f"close-mock: {len(session.violations)} violation(s), {len(session.warnings)} warning(s) "
        f"in {session.exchanges} exchange(s)" + (f"; report in {report}" if report else ""),
        file=sys.stderr,
        flush=True,
    )
