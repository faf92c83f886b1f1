"""`close-conformance`: the project's verbs outside pytest.

    close-conformance lint                 the contract's consistency checks
    close-conformance drift [FILE ...]     our contract against Close's published spec

Exit statuses: 0 all good, 1 problems found (lint problems, unlisted drift), 2 unusable input
or usage error, as one line on stderr (never a traceback). A verb is a function taking the parsed
arguments and returning the exit status, registered in VERBS; adding one is a parser and a function.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from close_conformance.contract import load_contract, specs_dir

__all__ = ["main"]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors as one line on stderr and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: {message}\n")
        raise SystemExit(EXIT_USAGE)


def _lint(args: argparse.Namespace) -> int:
    from close_conformance.lint import lint_all

    directory = Path(args.specs) if args.specs else specs_dir()
    try:
        contract = load_contract(directory)
    except OSError as error:
        return _fail(f"{directory}: cannot read the contract ({error.strerror or error}: {error.filename})")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" in {mark.name}, line {mark.line + 1}" if mark is not None else ""
        return _fail(f"{directory}: not valid YAML{where}")
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return _fail(f"{directory}: not a contract laid out as specs/ ({type(error).__name__}: {error})")
    problems = lint_all(contract)
    for problem in problems:
        print(problem)
    return EXIT_PROBLEMS if problems else EXIT_OK


def _drift(args: argparse.Namespace) -> int:
    from close_conformance.drift import DriftInputError, run_drift
    from close_conformance.drift.render import as_json, as_table

    try:
        report = run_drift([Path(f) for f in args.files])
    except DriftInputError as error:
        return _fail(str(error))
    print(as_json(report) if args.json else as_table(report, unlisted_only=args.unlisted))
    return report.exit_code


def _fail(message: str) -> int:
    sys.stderr.write(f"close-conformance: {message}\n")
    return EXIT_USAGE


def _parser() -> tuple[argparse.ArgumentParser, dict[str, Callable[[argparse.Namespace], int]]]:
    parser = _Parser(prog="close-conformance", description="close-conformance's verbs outside pytest.")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB", parser_class=_Parser)
    lint = verbs.add_parser("lint", help="check the contract's consistency (specs/)")
    lint.add_argument(
        "--specs", metavar="DIR", help="a contract directory laid out as specs/ (default: ours)"
    )
    drift = verbs.add_parser(
        "drift",
        help="compare our contract with Close's published OpenAPI",
        description=(
            "Report every way specs/close.yaml is narrower than or different from Close's published "
            "spec, for the paths of our areas; each must be fixed or listed in specs/discrepancies.yaml "
            "(drift: keys). Exit 0 all listed, 1 unlisted differences, 2 unusable input."
        ),
    )
    drift.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="Close OpenAPI documents (YAML or JSON); default: the vendored specs/upstream/*.yml",
    )
    drift.add_argument("--json", action="store_true", help="the report as JSON on stdout")
    drift.add_argument("--unlisted", action="store_true", help="the table shows unlisted findings only")
    return parser, {"lint": _lint, "drift": _drift}


def main(argv: Sequence[str] | None = None) -> int:
    parser, handlers = _parser()
    args = parser.parse_args(argv)
    return handlers[args.verb](args)


if __name__ == "__main__":
    sys.exit(main())
