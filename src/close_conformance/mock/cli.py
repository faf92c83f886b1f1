"""`close-mock`: run the reference mock over HTTP, or list its faults and readings.

    close-mock serve --port 0 --fault non-draft-editable
    close-mock serve --port 0 --reading uninvolved-status=403 --reading read-after-delete-lag=1.0
    close-mock serve --validate --report sdk.json
    close-mock proxy --upstream https://staging.example.com/api/v1 --port 8001
    close-mock faults
    close-mock readings

`serve` prints one JSON line on stdout once the server accepts connections (base_url and the
seeded organizations with their contact custom fields and their users' credentials) and nothing
else there; logs go to stderr.
Ctrl-C and SIGTERM stop it cleanly with exit status 0. `--validate` and `proxy` validate each
exchange against the contract (close_conformance.sdk.proxy_cli, which documents their options).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import uvicorn

from close_conformance.contract import default_contract
from close_conformance.mock.app import API_PREFIX, SPEC_PATH, create_app
from close_conformance.mock.faults import FAULTS
from close_conformance.mock.readings import can_take, parse_override, untaken
from close_conformance.mock.store import Store
from close_conformance.report.redact import scrub

__all__ = ["main", "port_number"]

# Exit statuses: 0 stopped cleanly, 1 could not serve (port taken...), 2 usage error.
EXIT_FAILURE = 1
EXIT_USAGE = 2

_LOG_CONFIG = {
    # uvicorn's default config sends the access log to stdout, which belongs to the JSON line.
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # A client's bug can put its key in the query (`?api_key=`): the access log never shows it.
    "filters": {"credentials": {"()": "close_conformance.sdk.secrets.AccessLogFilter"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain"}
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {
            "handlers": ["stderr"],
            "level": "INFO",
            "propagate": False,
            "filters": ["credentials"],
        },
        "close_conformance": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def port_number(text: str) -> int:
    """argparse type of --port: a TCP port, 0..65535 (the socket layer would wrap 99999 silently)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0..65535)")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="close-mock",
        description=(
            "The reference mock of the Close CRM API: stateful, enforcing every rule of "
            "close-conformance's contract, and able to break one rule on request (--fault)."
        ),
        epilog="Run `close-mock <command> --help` for the options of a command.",
    )
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the mock as an HTTP server",
        description=(
            "Run the mock as an HTTP server. Once it accepts connections it prints one JSON line\n"
            "on stdout: base_url and the seeded organizations, each with its contact custom fields\n"
            "(custom_fields.contact: id, name, type; set as custom.<id>) and its users, each with\n"
            "id, email, api_key (HTTP Basic username, empty password) and access_token (Bearer).\n"
            "Logs go to stderr.\n"
            "Ctrl-C or SIGTERM stops it."
        ),
        epilog=(
            "examples:\n"
            "  close-mock serve --port 0\n"
            "  close-mock serve --fault non-draft-editable --fault bulk-returns-only-changed\n"
            "  close-mock serve --strict --rate-limit 20\n"
            "  close-mock serve --reading uninvolved-status=403 --reading ratelimit-body=no-body\n"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    serve.add_argument(
        "--port",
        type=port_number,
        default=8000,
        help="port to listen on; 0 picks a free one (default: %(default)s)",
    )
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="switch on one documented deviation (repeatable); `close-mock faults` lists them",
    )
    serve.add_argument(
        "--reading",
        action="append",
        default=[],
        metavar="ID=VALUE",
        help="take this reading of a register entry instead of the mock's own, one its default "
        "accepts (repeatable; also under --strict); `close-mock readings` lists them",
    )
    serve.add_argument(
        "--rate-limit",
        type=int,
        metavar="N",
        help="answer 429 past N requests per second per API key or token",
    )
    serve.add_argument(
        "--strict",
        action="store_true",
        help="follow the strict reading of every documented discrepancy instead of the default",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="how much to log on stderr (default: %(default)s)",
    )
    from close_conformance.sdk.proxy_cli import add_proxy_parser, add_validate_options

    add_validate_options(serve)
    add_proxy_parser(commands)
    commands.add_parser(
        "faults",
        help="list the faults --fault can switch on",
        description="List the fault catalogue: NAME, what it breaks, and the rule id in specs/rules.yaml.",
    )
    commands.add_parser(
        "readings",
        help="list the register readings --reading can take",
        description=(
            "List the discrepancy register (specs/discrepancies.yaml): each entry with the readings "
            "its default and strict modes accept, the mock's own, and which of the default's the "
            "mock can take (--reading ID=VALUE) or cannot."
        ),
    )
    return parser


def _print_readings() -> None:
    def shown(values: object) -> str:
        return ",".join(map(str, values)) if isinstance(values, (list, tuple)) else str(values)

    entries = list(default_contract().discrepancies.values())
    width = max(len(entry.id) for entry in entries)
    for entry in entries:
        taken = shown(can_take(entry)) or "its own only"
        missing = untaken(entry)
        line = (
            f"{entry.id:<{width}}  default {shown(entry.default)}; strict {shown(entry.strict)}; "
            f"mock {shown(entry.mock)}; takes {taken}"
        )
        if missing:
            line += f"; cannot take {shown(missing)}"
        if entry.measure is not None:
            m = entry.measure
            line += f" ({m['reading']} = {m['unit']}, {m['minimum']}..{m['maximum']})"
        print(line)


def _print_faults() -> None:
    width = max(len(name) for name in FAULTS)
    for fault in FAULTS.values():
        print(f"{fault.name:<{width}}  {fault.description} ({fault.rule})")


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises a captured signal after its graceful shutdown, which turns Ctrl-C into a
        # traceback and SIGTERM into exit status 143; for the mock, being stopped is a clean exit.
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _listen(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it h11's separate header and body writes meet
    # delayed ACKs and every request costs ~40 ms on loopback.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(address)
    sock.listen(128)
    return sock


def _listening(host: str, port: int) -> tuple[socket.socket, str, int] | None:
    """A listening socket, the host as a URL shows it and the port; None after saying on stderr,
    in one line, why it cannot listen."""
    try:
        sock = _listen(host, port)
    except OSError as error:
        print(f"close-mock: cannot listen on {host}:{port}: {error.strerror or error}", file=sys.stderr)
        return None
    bound, bound_port = sock.getsockname()[:2]
    return sock, f"[{bound}]" if ":" in bound else bound, bound_port


async def _serve(server: _Server, sock: socket.socket, announcement: str) -> None:
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if server.started:
        print(announcement, flush=True)
    await task


def _run_server(args: argparse.Namespace) -> int:
    unknown = [name for name in args.fault if name not in FAULTS]
    if unknown:
        print(f"close-mock: unknown fault {', '.join(unknown)} (see `close-mock faults`)", file=sys.stderr)
        return EXIT_USAGE
    readings = {}
    for text in args.reading:
        try:
            discrepancy_id, value = parse_override(default_contract(), text)
        except ValueError as error:
            print(f"close-mock: {error}", file=sys.stderr)
            return EXIT_USAGE
        readings[discrepancy_id] = value
    if args.rate_limit is not None and args.rate_limit < 1:
        print("close-mock: --rate-limit must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.report and not args.validate:
        print("close-mock: --report needs --validate", file=sys.stderr)
        return EXIT_USAGE
    store = Store()
    app: Any = create_app(
        store=store, faults=args.fault, strict=args.strict, rate_limit=args.rate_limit, readings=readings
    )
    session = None
    if args.validate:
        from close_conformance.sdk.proxy_cli import mock_proxy

        app, session = mock_proxy(app, API_PREFIX)
    listening = _listening(args.host, args.port)
    if listening is None:
        return EXIT_FAILURE
    sock, shown_host, port = listening
    announcement = json.dumps(
        {"base_url": f"http://{shown_host}:{port}{API_PREFIX}", "organizations": store.describe()}
    )
    config = uvicorn.Config(app, log_config=_LOG_CONFIG, log_level=args.log_level, lifespan="off")
    server = _Server(config)
    logging.getLogger("close_conformance").info(
        "faults: %s; readings: %s; strict: %s; spec at http://%s:%d%s",
        ", ".join(args.fault) or "none",
        ", ".join(args.reading) or "the mock's own",
        args.strict,
        shown_host,
        port,
        SPEC_PATH,
    )
    try:
        with sock:
            asyncio.run(_serve(server, sock, announcement))
    finally:
        if session is not None:
            from close_conformance.sdk.proxy_cli import finish

            finish(session, args.report)
    return 0


def _run_proxy(args: argparse.Namespace) -> int:
    """`close-mock proxy` (close_conformance.sdk.proxy_cli)."""
    from close_conformance.sdk.proxy_cli import check_upstream, finish, upstream_proxy

    problem, status = check_upstream(args.upstream, args.timeout)
    if problem is not None:
        print(problem, file=sys.stderr)
        return status
    app, session = upstream_proxy(args.upstream, args.timeout)
    listening = _listening(args.host, args.port)
    if listening is None:
        return EXIT_FAILURE
    sock, shown_host, port = listening
    base_path = session.validator.index.base_path
    announcement = json.dumps(
        {"base_url": f"http://{shown_host}:{port}{base_path}", "upstream": scrub(args.upstream)}
    )
    config = uvicorn.Config(app, log_config=_LOG_CONFIG, log_level=args.log_level, lifespan="off")
    try:
        with sock:
            asyncio.run(_serve(_Server(config), sock, announcement))
    finally:
        finish(session, args.report)
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command in ("faults", "readings"):
        try:
            _print_faults() if args.command == "faults" else _print_readings()
            sys.stdout.flush()
        except BrokenPipeError:
            # `close-mock faults | head`: the reader left early, which is not an error.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    sys.exit(_run_proxy(args) if args.command == "proxy" else _run_server(args))
