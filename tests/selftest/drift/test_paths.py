"""drift/paths.py: Close's paths matched to ours by template shape."""

from __future__ import annotations

import pytest

from close_conformance.drift.paths import Areas, shape

pytestmark = pytest.mark.selftest

AREAS = Areas(
    {"/contact/": "contacts", "/contact/{id}/": "contacts", "/user/{id}/": "users", "/me/": "users"}
)


def test_shape_ignores_parameter_names_and_the_trailing_slash() -> None:
    assert shape("/contact/{contact_id}") == shape("/contact/{id}/") == "/contact/{}/"


def test_close_paths_find_ours() -> None:
    assert AREAS.ours("/contact/{contact_id}") == "/contact/{id}/"
    assert AREAS.ours("/contact") == "/contact/"
    assert AREAS.ours("/user/availability/") is None


def test_areas_are_our_path_prefixes() -> None:
    assert AREAS.area("/user/availability/") == "users"
    assert AREAS.area("/contact/{id}/merge/") == "contacts"
    assert AREAS.area("/opportunity/") is None
    assert AREAS.area("/meeting/") is None
