"""The reference mock of the Close API: stateful, rule-enforcing, and able to break one rule on request.

    from close_conformance.mock import Store, create_app
    app = create_app(store=Store(seed=1), faults=["non-draft-editable"])

`close-mock serve` runs the same app over HTTP; `close-mock faults` lists the catalogue.
"""

from close_conformance.mock.app import create_app
from close_conformance.mock.faults import FAULTS, Fault
from close_conformance.mock.store import Store

__all__ = ["FAULTS", "Fault", "Store", "create_app"]
