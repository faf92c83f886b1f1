"""drift/register.py: register keys mark findings listed; unmatched keys are stale; lint refuses
malformed or broad keys."""

from __future__ import annotations

import pytest

from close_conformance.drift.findings import Finding
from close_conformance.drift.register import apply_register, key_problems

pytestmark = pytest.mark.selftest


def _finding(kind: str, method: str, path: str, where: str) -> Finding:
    return Finding(kind=kind, method=method, path=path, where=where, close="", ours="", area="a")


def test_listed_unlisted_and_stale() -> None:
    findings = [
        _finding("request-bounds", "GET", "/user/", "query._limit"),
        _finding("request-bounds", "GET", "/contact/", "query._limit"),
        _finding("request-pattern", "GET", "/user/{id}/", "path.id"),
    ]
    stale = apply_register(
        findings,
        {
            "page-size-cap": ["request-bounds GET /* query._limit"],
            "id-format": ["request-pattern * /send_as/{id}/ path.id"],
        },
    )
    assert [(f.status, f.listed_by) for f in findings] == [
        ("listed", "page-size-cap"),
        ("listed", "page-size-cap"),
        ("unlisted", None),
    ]
    assert [(s.register_id, s.key) for s in stale] == [
        ("id-format", "request-pattern * /send_as/{id}/ path.id")
    ]


def test_glob_brackets_in_keys_are_literal_enough() -> None:
    # `[]` in a where is fnmatch syntax; an exact key still matches itself.
    finding = _finding("request-closed-object", "POST", "/contact/", "request.emails[]")
    apply_register([finding], {"x": ["request-closed-object POST /contact/ request.emails*"]})
    assert finding.status == "listed"


@pytest.mark.parametrize(
    "key",
    [
        "request-pattern GET /user/{id}/ path.id",
        "request-bounds GET /* query._limit",
        "operation-missing GET /user/availability/",
        "request-pattern * /contact/* path.id",
    ],
)
def test_sound_keys(key: str) -> None:
    assert key_problems(key) == []


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("request-* GET /user/ query._limit", "unknown kind"),
        ("request-bounds GET", "needs <kind>"),
        ("request-bounds FETCH /user/ query._limit", "not an HTTP method"),
        ("request-bounds GET user/ query._limit", "must start with /"),
        ("request-bounds * /* *", "too broad"),
        ("operation-missing * /*", "too broad"),
        ("request-bounds GET /{id}/", "too broad"),
        (12, "not a finding key"),
    ],
)
def test_malformed_or_broad_keys(key: object, problem: str) -> None:
    assert any(problem in p for p in key_problems(key))
