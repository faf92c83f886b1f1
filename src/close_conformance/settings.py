"""The settings of one run: which target, which identities, how strict, how hard to search.

Resolved once from the command line, then the environment, then the ini file (pytest-base-url's
order) and frozen; everything else reads this object instead of pytest's config.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["ENV", "RunSettings", "SettingsError", "given_base_url", "is_loopback"]

# Option name -> environment variable that can give it.
ENV = {
    "base_url": "CLOSE_BASE_URL",
    "api_key": "CLOSE_API_KEY",
    "peer_api_key": "CLOSE_PEER_API_KEY",
    "outsider_api_key": "CLOSE_OUTSIDER_API_KEY",
    "access_token": "CLOSE_ACCESS_TOKEN",
}


class SettingsError(ValueError):
    """A bad option: reported as one line, exit code 2."""


def given_base_url(option: Callable[[str], object], ini: Callable[[str], object]) -> str | None:
    """The server to test as given (not yet checked): --base-url, else CLOSE_BASE_URL, else the
    ini `base_url`; None for the embedded mock."""
    value = option("base_url") or os.environ.get(ENV["base_url"], "") or ini("base_url")
    return str(value) if value else None


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class RunSettings:
    base_url: str | None = None
    """None: the embedded reference mock."""
    api_key: str | None = field(default=None, repr=False)
    peer_api_key: str | None = field(default=None, repr=False)
    outsider_api_key: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    allow_writes: bool = False
    allow_send: bool = False
    strict: bool = False
    seed: int | None = None
    seed_chosen: bool = True
    """False when the plugin drew the seed itself (no --seed)."""
    profile: str = "standard"
    mock_faults: tuple[str, ...] = ()
    mock_readings: tuple[str, ...] = ()
    """--mock-reading ID=VALUE: register readings the embedded mock takes instead of its own."""
    changelog_since: date | None = None
    rules: tuple[str, ...] = ()
    """--rule: only the tests guarding these rules."""
    no_shrink: bool = False
    """--no-shrink: report a failing example as found, without minimising it."""
    state_dir: Path = Path(".close-conformance")
    read_lag: float | None = None
    """--read-lag: seconds a lagging read is polled, within the register's bound (None: the bound)."""

    @property
    def shrinks(self) -> bool:
        """Whether failing examples are minimised: never live, where shrinking replays writes
        against someone's organization; not with --no-shrink."""
        return not (self.live or self.no_shrink)

    @property
    def live(self) -> bool:
        return self.base_url is not None

    @property
    def writes_allowed(self) -> bool:
        """Loopback servers (a mock, a dev server) may always be written to."""
        return not self.live or self.allow_writes or is_loopback(self.base_url or "")

    @property
    def sends_allowed(self) -> bool:
        return not self.live or self.allow_send or is_loopback(self.base_url or "")

    @classmethod
    def resolve(cls, option: Callable[[str], object], ini: Callable[[str], object]) -> RunSettings:
        """Build from pytest's `config.getoption` and `config.getini`."""

        def text(name: str) -> str | None:
            value = option(name) or os.environ.get(ENV.get(name, ""), "") or None
            return str(value) if value else None

        base_url = given_base_url(option, ini)
        if base_url is not None:
            parts = urlsplit(base_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise SettingsError(f"--base-url {base_url!r} is not an http(s) URL")
            base_url = base_url.rstrip("/")
            if option("mock_fault"):
                raise SettingsError(
                    "--mock-fault switches a fault of the embedded mock; it has no effect with --base-url"
                )
            if option("mock_reading"):
                raise SettingsError(
                    "--mock-reading sets a reading of the embedded mock; it has no effect with --base-url"
                )
            if not (text("api_key") or text("access_token")):
                raise SettingsError(
                    "no credentials for --base-url: give --api-key (or CLOSE_API_KEY) or --access-token"
                )
        since = option("changelog_since")
        try:
            changelog_since = date.fromisoformat(str(since)) if since else None
        except ValueError:
            raise SettingsError(f"--changelog-since {since!r} is not a date (YYYY-MM-DD)") from None
        seed = option("close_seed")
        faults = option("mock_fault")
        readings = option("mock_reading")
        if isinstance(readings, list):
            _check_readings(readings)
        rules = option("close_rules")
        read_lag = option("close_read_lag")
        if read_lag is not None:
            _check_read_lag(float(str(read_lag)))
        return cls(
            base_url=base_url,
            api_key=text("api_key"),
            peer_api_key=text("peer_api_key"),
            outsider_api_key=text("outsider_api_key"),
            access_token=text("access_token"),
            allow_writes=bool(option("allow_writes")),
            allow_send=bool(option("allow_send")),
            strict=bool(option("strict"))
            or bool(ini("close_strict"))
            or os.environ.get("CLOSE_STRICT", "") in ("1", "true"),
            seed=int(str(seed)) if seed is not None else None,
            profile=str(option("hypothesis_profile") or "standard"),
            mock_faults=tuple(str(name) for name in faults) if isinstance(faults, list) else (),
            mock_readings=tuple(str(r) for r in readings) if isinstance(readings, list) else (),
            changelog_since=changelog_since,
            rules=tuple(str(r) for r in rules) if isinstance(rules, list) else (),
            no_shrink=bool(option("close_no_shrink")),
            state_dir=Path(str(option("close_state_dir") or ".close-conformance")),
            read_lag=float(str(read_lag)) if read_lag is not None else None,
        )


def _check_read_lag(seconds: float) -> None:
    """--read-lag lies within the register's measure of read-after-delete-lag (0..10 s)."""
    from close_conformance.contract import default_contract

    measure = default_contract().discrepancy("read-after-delete-lag").measure or {}
    low, high = float(measure.get("minimum", 0)), float(measure.get("maximum", 0))
    if not low <= seconds <= high:
        raise SettingsError(
            f"--read-lag {seconds:g} is outside the register's bound for read-after-delete-lag "
            f"({low:g} to {high:g} seconds)"
        )


def _check_readings(readings: list[object]) -> None:
    """Each --mock-reading is one the register allows by default and the mock can take."""
    from close_conformance.contract import default_contract
    from close_conformance.mock.readings import parse_override

    for text in readings:
        try:
            parse_override(default_contract(), str(text))
        except ValueError as error:
            raise SettingsError(f"--mock-reading: {error}") from None
