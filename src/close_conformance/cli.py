"""`close-conformance`: the project's verbs outside pytest.

    close-conformance lint                 the contract's consistency checks
    close-conformance drift [FILE ...]     our contract against Close's published spec
    close-conformance explain RULE_ID      a rule: statement, sources, readings, tests, faults
    close-conformance baseline update|prune FILE [--from reports/conformance.json]
                                           maintain a baseline of known divergences

Exit statuses: 0 all good, 1 problems found (lint problems, unlisted drift), 2 unusable input
or usage error, as one line on stderr (never a traceback). A verb is a function taking the parsed
arguments and returning the exit status, registered in VERBS; adding one is a parser and a function.
"""

from __future__ import annotations

import argparse
import os
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


def _explain(args: argparse.Namespace) -> int:
    from close_conformance.contract import default_contract
    from close_conformance.mock.faults import FAULTS
    from close_conformance.report.explain import explain, suggestions

    contract = default_contract()
    if args.rule not in contract.rules:
        close = suggestions(args.rule, contract)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return _fail(f"no rule {args.rule!r} in specs/rules.yaml{hint}")
    print(explain(args.rule, contract, {name: fault.description for name, fault in FAULTS.items()}))
    return EXIT_OK


def _baseline(args: argparse.Namespace) -> int:
    import datetime
    import json

    from close_conformance.report import baseline

    try:
        report = json.loads(Path(args.report).read_text(encoding="utf-8"))
        failures = report["failures"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return _fail(f"{args.report}: not a conformance.json report ({type(error).__name__}: {error})")
    path = Path(args.file)
    try:
        entries = baseline.load(path) if path.exists() else []
        expires = datetime.date.fromisoformat(args.expires) if args.expires else None
    except baseline.BaselineError as error:
        return _fail(str(error))
    except ValueError:
        return _fail(f"--expires {args.expires!r}: not a date (YYYY-MM-DD)")
    if args.action == "update":
        reason = args.reason or f"accepted {datetime.date.today().isoformat()} from {args.report}"
        kept, added = baseline.update(entries, failures, reason=reason, expires=expires)
        for entry in added:
            print(f"added: [{entry.rule}] {entry.operation or '-'} {entry.signature}: {entry.message}")
        print(f"{path}: {len(added)} added, {len(kept)} entries")
    else:
        kept, dropped = baseline.prune(entries, report)
        for entry in dropped:
            print(
                f"dropped (rule ran, divergence not observed): [{entry.rule}] {entry.operation or '-'} "
                f"{entry.signature}"
            )
        print(f"{path}: {len(dropped)} dropped, {len(kept)} kept")
    baseline.save(path, kept)
    return EXIT_OK


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
    explain = verbs.add_parser("explain", help="what a rule says, its sources, readings, tests and faults")
    explain.add_argument("rule", metavar="RULE_ID", help="a rule id of specs/rules.yaml")
    known = verbs.add_parser(
        "baseline",
        help="maintain a baseline of known divergences (pytest --close-baseline FILE)",
        description=(
            "update: add the report's failures not in FILE yet (FILE is created if missing); "
            "prune: drop entries whose rule ran in the report without the divergence (entries of "
            "rules the report did not run are kept)."
        ),
    )
    known.add_argument("action", choices=("update", "prune"))
    known.add_argument("file", metavar="FILE", help="the baseline (YAML)")
    known.add_argument(
        "--from",
        dest="report",
        default="reports/conformance.json",
        metavar="REPORT",
        help="a run's conformance.json (default reports/conformance.json)",
    )
    known.add_argument("--reason", help="update: why these divergences are accepted (stored per entry)")
    known.add_argument("--expires", metavar="YYYY-MM-DD", help="update: the day the new entries expire")
    return parser, {"lint": _lint, "drift": _drift, "explain": _explain, "baseline": _baseline}


def main(argv: Sequence[str] | None = None) -> int:
    parser, handlers = _parser()
    args = parser.parse_args(argv)
    try:
        status = handlers[args.verb](args)
        sys.stdout.flush()
    except BrokenPipeError:
        # `close-conformance explain RULE | head`: the reader left early, which is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return status


if __name__ == "__main__":
    sys.exit(main())
