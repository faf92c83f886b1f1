"""Thin on purpose: the plugin (options, fixtures, markers) comes from the installed package's
`pytest11` entry point, so a checkout and an installed suite behave alike. This file only turns
a missing install into one readable line."""

import pytest

try:
    import close_conformance.plugin  # noqa: F401 - presence check only
except ImportError as error:  # pragma: no cover - depends on the environment
    raise pytest.UsageError(
        f"close-conformance is not installed ({error}); run: python -m pip install -e '.[test]'"
    ) from None
