"""conformance.md: the report, short, for a CI job summary or a pull-request comment.

Verdict first; then new failures, known divergences, baseline entries not observed, changelog
entries in range, coverage totals; the full rule table folded in <details>.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["as_markdown"]

_MARK = {"pass": "pass", "fail": "**FAIL**", "not run": "not run", "partly run": "partly run"}


def _cell(text: object, limit: int = 160) -> str:
    flat = " ".join(str(text).split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def as_markdown(document: Mapping[str, Any]) -> str:
    run, summary = document["run"], document["summary"]
    rules = summary["rules"]
    lines = [
        f"## Close API conformance: {summary['verdict']}",
        "",
        f"Target {run['target']} · profile {run['profile']} · seed {run['seed']} · {run['reading']} reading"
        f" · {run['duration_seconds']:.1f} s · {run.get('requests_sent', 0):,} requests"
        f" ({run.get('waits_on_429', 0):,} waits on 429)"
        f" · exit {run['exit_code']} ({run['exit_meaning']})",
        "",
        f"Rules: {rules['fail']} failed · {rules['pass']} passed · {rules['not run']} not run."
        f" Failures: {summary['new_failures']} new, {summary['known_failures']} known divergence(s).",
    ]
    if run["mock_faults"]:
        lines += ["", f"Mock faults switched on: {', '.join(run['mock_faults'])}"]
    new = [f for f in document["failures"] if not (f["baseline"] and f["baseline"]["status"] == "known")]
    known = [f for f in document["failures"] if f["baseline"] and f["baseline"]["status"] == "known"]
    if new:
        lines += ["", "### Failures", "", "| rule | operation | expected | got |", "|---|---|---|---|"]
        lines += [
            f"| `{f['rule']}` | {f['operation'] or '-'} | {_cell(f['expected'])} | {_cell(f['got'])} |"
            for f in new
        ]
        lines += ["", "Reproduce:", ""]
        lines += [f"- `{f['rule']}`: `{f['replay'] or '-'}`" for f in new]
    if known:
        lines += [
            "",
            "### Known divergences (baseline)",
            "",
            "| rule | operation | reason | expires |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{f['rule']}` | {f['operation'] or '-'} | {_cell(f['baseline']['reason'])} |"
            f" {f['baseline']['expires'] or '-'} |"
            for f in known
        ]
    baseline = document.get("baseline")
    if baseline and baseline["unobserved"]:
        lines += ["", f"### Baseline entries not observed in this run ({baseline['file']})", ""]
        lines += ["Not run, or no longer diverging: this run cannot tell which.", ""]
        lines += [
            f"- `{e['rule']}` {e['operation'] or '-'} `{e['signature']}`: {_cell(e['reason'])}"
            for e in baseline["unobserved"]
        ]
    if document["suite_errors"]:
        lines += ["", "### Suite errors (not a verdict on the server)", ""]
        lines += [f"- `{e['test']}`" for e in document["suite_errors"]]
    changelog = document["changelog"]
    if changelog["entries"]:
        since = f" since {changelog['since']}" if changelog["since"] else ""
        lines += [
            "",
            f"### Changelog entries{since}",
            "",
            "| date | entry | verdict | rules |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {e['date']} | {_cell(e['title'])} | {_MARK[e['verdict']]} | "
            + ", ".join(f"`{r['id']}` {_MARK[r['verdict']]}" for r in e["rules"])
            + " |"
            for e in changelog["entries"]
        ]
    totals = document["coverage"]["totals"]
    lines += ["", "### Coverage (operation x documented status)", ""]
    lines += [" · ".join(f"{count} {state}" for state, count in totals.items())]
    lines += [
        "",
        f"<details><summary>All {len(document['rules'])} rules</summary>",
        "",
        "| rule | verdict | why |",
        "|---|---|---|",
    ]
    lines += [f"| `{r['id']}` | {_MARK[r['verdict']]} | {_cell(r['why'])} |" for r in document["rules"]]
    lines += ["", "</details>", ""]
    return "\n".join(lines)
