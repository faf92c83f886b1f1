"""The plugin's interface (design.md): options, one-line errors, exit codes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from close_conformance.plugin import SERVER_WORKERS
from close_conformance.served import serve

pytestmark = pytest.mark.selftest


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # A subprocess: the plugin installs a run context and a SIGTERM handler per process.
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def output(result: pytest.RunResult) -> pytest.LineMatcher:
    """stdout and stderr together: pytest writes an early exit's reason to stderr."""
    return pytest.LineMatcher(result.outlines + result.errlines)


@pytest.mark.parametrize("workers", [[], ["-n", "2", "--dist", "loadgroup"]], ids=["serial", "xdist"])
def test_unreachable_server_is_one_line_and_exit_2(pytester: pytest.Pytester, workers: list[str]) -> None:
    # Under xdist the controller checks the keys before starting workers (each crashed on it).
    pytester.makepyfile("def test_nothing(target): pass")
    result = run(pytester, "--base-url", "http://127.0.0.1:9/api/v1", "--api-key", "secret-key-123", *workers)
    assert result.ret == 2
    assert "crashed" not in result.stdout.str()
    output(result).fnmatch_lines(["*close-conformance: --api-key: cannot reach http://127.0.0.1:9/api/v1*"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert "secret-key-123" not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "ftp://x"], "*is not an http(s) URL*"),
        (["--base-url", "http://127.0.0.1:9/api/v1"], "*no credentials for --base-url*"),
        (["--changelog-since", "last week"], "*is not a date*"),
        (["--hypothesis-profile", "huge"], "*choose one of quick, standard, thorough*"),
        (["--read-lag", "60"], "*--read-lag 60 is outside the register's bound*(0 to 10 seconds)*"),
        (
            ["--base-url", "https://api.close.invalid/api/v1", "--api-key", "k"],
            "*refusing to write to https://api.close.invalid/api/v1*--allow-writes*",
        ),
    ],
)
def test_usage_errors_exit_2(pytester: pytest.Pytester, args: list[str], message: str) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = run(pytester, *args)
    assert result.ret == 2
    output(result).fnmatch_lines([message])


def test_nothing_checked_is_not_a_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("import pytest\n\ndef test_skipped():\n    pytest.skip('no')\n")
    result = run(pytester)
    assert result.ret == 5
    result.stdout.fnmatch_lines(["*nothing was checked*not a pass*"])


def test_a_broken_rule_is_1_and_a_broken_suite_is_3(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_ok():
            pass

        def test_rule_broken():
            assert 404 == 200, "[contact.gone-after-delete] still there"
        """
    )
    assert run(pytester).ret == 1
    pytester.makepyfile(
        test_fixture="""
        import pytest

        @pytest.fixture
        def broken():
            raise RuntimeError("setup failed")

        def test_uses(broken):
            pass
        """
    )
    assert run(pytester).ret == 3


def test_health_check_is_a_suite_failure(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from hypothesis import given, strategies as st

        def test_ok():
            pass

        @given(st.integers().filter(lambda n: False))
        def test_unsatisfiable(n):
            pass
        """
    )
    assert run(pytester).ret == 3


def test_changelog_selection_keeps_only_guarding_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.rule("email.sender.required-by-status")
        def test_sender():
            pass

        @pytest.mark.rule("send_as.list-default-allowing")
        def test_send_as():
            pass
        """
    )
    result = run(pytester, "--changelog-since", "2025-12-01", "-v")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*test_sender PASSED*", "*1 passed, 1 deselected*"])


def test_report_header_names_target_profile_and_reading(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = run(pytester, "--strict", "--seed", "7", "--hypothesis-profile", "quick")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "close-conformance: target embedded reference mock",
            "close-conformance: profile quick, seed 7, strict reading of the register",
        ]
    )


SERVER = ["--base-url", "http://127.0.0.1:9/api/v1", "--api-key", "k"]


@pytest.fixture(scope="module")
def server() -> Iterator[list[str]]:
    """Options for a server that answers: under xdist the controller checks the keys first."""
    with serve() as served:
        yield served.suite_args()[:4]


@pytest.mark.parametrize(
    ("against", "args", "workers"),
    [
        (False, [], ">= 1"),  # xdist's own count for this machine
        (True, ["--dist", "loadgroup"], f"== {SERVER_WORKERS}"),
        (True, ["--dist", "load"], "== 0"),
    ],
    ids=["embedded", "against a server", "against a server, Send As not grouped"],
)
def test_auto_workers_against_a_server_only_with_send_as_grouped(
    pytester: pytest.Pytester, server: list[str], against: bool, args: list[str], workers: str
) -> None:
    # Against a server the workers share one organization: only with --dist loadgroup, which keeps
    # the tests of Send As pairs (one per organization) on one worker, do they run at all.
    # (Not PYTEST_XDIST_WORKER: a self-test running in a worker hands it down to the subprocess.)
    pytester.makepyfile(
        "import os\n"
        "def test_where(request):\n"
        "    count = int(os.environ['PYTEST_XDIST_WORKER_COUNT'])"
        " if hasattr(request.config, 'workerinput') else 0\n"
        f"    assert count {workers}\n"
    )
    result = run(pytester, "-n", "auto", *args, *(server if against else []))
    result.assert_outcomes(passed=1)


def test_workers_against_a_server_without_loadgroup_are_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = run(pytester, "-n", "2", "--dist", "load", *SERVER)
    assert result.ret == 2
    output(result).fnmatch_lines(["*-n 2 against http://127.0.0.1:9/api/v1 needs --dist loadgroup*"])


def test_against_a_server_every_send_as_test_runs_on_one_worker(
    pytester: pytest.Pytester, server: list[str]
) -> None:
    pytester.makepyfile(
        test_pairs="""
        import pytest

        @pytest.mark.rule("send_as.list-involved-only")
        @pytest.mark.parametrize("n", range(8))
        def test_pairs(n):
            pass
        """,
        test_other="""
        import pytest

        @pytest.mark.rule("lead.list")
        @pytest.mark.parametrize("n", range(8))
        def test_other(n):
            pass
        """,
    )
    result = run(pytester, "-n", "auto", "--dist", "loadgroup", "-v", *server)
    assert result.ret == 0, "\n".join(result.outlines)

    def workers(module: str) -> set[str]:
        return {line.split()[0] for line in result.outlines if f"{module}.py::" in line and "PASSED" in line}

    assert len(workers("test_pairs")) == 1, "\n".join(result.outlines)
    assert len(workers("test_other")) > 1, "\n".join(result.outlines)


def test_an_xdist_group_runs_on_one_worker(pytester: pytest.Pytester) -> None:
    # The fault proof is one module-scoped fixture in one xdist group: spread over the workers,
    # it ran once per worker (xdist's group suffix is lost on pytest 9.2's structured node ids).
    pytester.makepyfile(
        test_grouped="""
        import pytest

        pytestmark = pytest.mark.xdist_group("heavy")

        @pytest.mark.parametrize("n", range(8))
        def test_grouped(n):
            pass
        """,
        test_other="import pytest\n\n@pytest.mark.parametrize('n', range(8))\ndef test_other(n): pass\n",
    )
    result = run(pytester, "-n", "2", "--dist", "loadgroup", "-v")
    assert result.ret == 0
    passed = [line for line in result.outlines if "test_grouped.py::" in line and "PASSED" in line]
    workers = {line.split()[0] for line in passed}
    assert len(workers) == 1, "\n".join(result.outlines)
