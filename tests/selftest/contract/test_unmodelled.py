"""`close_conformance.unmodelled`: what Close has that our spec lacks, derived from Close's
published spec (specs/upstream/) and the listed resources (specs/unmodelled.yaml)."""

from __future__ import annotations

import pytest
import yaml

from close_conformance.contract import default_contract, specs_dir
from close_conformance.unmodelled import Template, close_paths, load_close_paths

pytestmark = pytest.mark.selftest

OURS = {"paths": {"/lead/": {"post": {}}, "/lead/{id}/": {"get": {}, "delete": {}}}}
CLOSE = {
    "paths": {
        "/lead/": {"get": {}, "post": {}},
        "/lead/{lead_id}/": {"get": {}, "put": {}, "delete": {}},
        "/lead/merge/": {"post": {}},
    }
}


@pytest.mark.rule("http.method-not-allowed")
def test_methods_and_paths_close_has_beyond_our_spec():
    paths = close_paths(OURS, [CLOSE], ["/opportunity/", "/opportunity/{id}/", "/lead/"])
    assert paths.close_methods == {"/lead/": {"GET"}, "/lead/{id}/": {"PUT"}}
    assert sorted(t.text for t in paths.unmodelled) == ["/lead/merge/", "/opportunity/", "/opportunity/{id}/"]
    assert paths.unmodelled_methods("/lead/{id}/") == {"PUT"}


@pytest.mark.rule("http.method-not-allowed")
def test_a_method_our_spec_gains_stops_being_unmodelled():
    ours = {"paths": {**OURS["paths"], "/lead/": {"post": {}, "get": {}}}}
    assert "/lead/" not in close_paths(ours, [CLOSE], []).close_methods


@pytest.mark.rule("http.trailing-slash-redirect")
def test_matching_and_precedence():
    paths = close_paths(OURS, [CLOSE], ["/activity/", "/activity/call/{id}/"])
    assert paths.is_close_path("/lead/lead_x/")
    assert paths.is_close_path("/activity/call/acti_x/")
    assert not paths.is_close_path("/activity/call/acti_x")  # slashless: not a path Close has
    assert not paths.is_close_path("/lead/lead_x/merge/")
    # `/lead/merge/` is more literal than the route `/lead/{id}/` that would take it for an id.
    assert paths.unmodelled_path("/lead/merge/", parameters_below=1) is not None
    assert paths.unmodelled_path("/activity/call/acti_x/", parameters_below=1) is None
    assert Template.parse("/lead/{lead_id}/").key == Template.parse("/lead/{id}/").key


@pytest.mark.rule("http.method-not-allowed")
def test_the_listed_resources_are_slashed_paths_and_load():
    listed = yaml.safe_load((specs_dir() / "unmodelled.yaml").read_text(encoding="utf-8"))["paths"]
    assert listed
    assert all(p.startswith("/") and p.endswith("/") for p in listed)
    assert len(listed) == len(set(listed))
    loaded = load_close_paths(default_contract().spec)
    assert {"/lead/merge/", "/user/availability/", "/activity/", "/opportunity/"} <= {
        t.text for t in loaded.unmodelled
    }
    # Nothing our spec serves is reported as unmodelled.
    assert not any(t.key in loaded.modelled for t in loaded.unmodelled)
