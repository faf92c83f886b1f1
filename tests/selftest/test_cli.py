"""`close-conformance` (cli.py): its verbs through the installed script, the old lint module entry,
and unusable input as one line on stderr with exit 2, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from close_conformance.cli import main
from close_conformance.contract import specs_dir

pytestmark = pytest.mark.selftest

SCRIPT = shutil.which("close-conformance", path=str(Path(sys.executable).parent))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    assert SCRIPT is not None, "close-conformance is not installed next to this Python (pip install -e .)"
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=120, check=False)


def test_lint_through_the_script_and_the_module() -> None:
    script = _run("lint")
    module = subprocess.run(
        [sys.executable, "-m", "close_conformance.lint"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (script.returncode, script.stdout) == (0, "")
    assert (module.returncode, module.stdout) == (0, "")


def test_lint_reports_problems_with_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "specs"
    shutil.copytree(specs_dir(), copy)
    register = copy / "discrepancies.yaml"
    register.write_text(
        register.read_text(encoding="utf-8") + "    drift: [request-bounds * /* *]\n", encoding="utf-8"
    )
    assert main(["lint", "--specs", str(copy)]) == 1
    assert "too broad" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("absent.yml", None, "cannot read"),
        ("garbage.yml", "paths: [: {\n", "not valid YAML"),
        ("notes.yml", "title: not an API\n", "not an OpenAPI 3.x document"),
        # A truncated download or another API's spec: nothing of ours to compare, not a pass.
        ("empty.yml", 'openapi: 3.1.0\ninfo: {title: x, version: "1"}\npaths: {}\n', "nothing to compare"),
        (
            "other.yml",
            'openapi: 3.1.0\ninfo: {title: x, version: "1"}\npaths: {/pet/: {get: {responses: {}}}}\n',
            "nothing to compare",
        ),
    ],
)
def test_drift_unusable_input_is_one_line_and_exit_2(
    tmp_path: Path, name: str, content: str | None, reason: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = _run("drift", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert reason in result.stderr
    assert "Traceback" not in result.stderr


def test_lint_of_an_unreadable_contract_is_one_line_and_exit_2(tmp_path: Path) -> None:
    copy = tmp_path / "specs"
    shutil.copytree(specs_dir(), copy)
    (copy / "rules.yaml").write_text("rules: [: {\n", encoding="utf-8")
    result = _run("lint", "--specs", str(copy))
    assert (result.returncode, result.stderr.count("\n")) == (2, 1)
    assert "not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr
    missing = _run("lint", "--specs", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr


def test_usage_errors_exit_2() -> None:
    assert _run().returncode == 2
    assert _run("no-such-verb").returncode == 2
    assert _run("drift", "--no-such-option").returncode == 2


def test_a_reader_that_leaves_early_is_no_traceback() -> None:
    # `close-conformance explain RULE | head -3`: the pipe closes before everything is written.
    with subprocess.Popen(
        [SCRIPT, "explain", "email.sender.required-by-status"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read()
        assert process.wait(60) == 0
    assert "Traceback" not in stderr
