"""The reference mock of the Close API: stateful, rule-enforcing, and able to break one rule on request.

    from close_conformance.mock import Store, create_app
    app = create_app(store=Store(seed=1), faults=["non-draft-editable"])

`close-mock serve` runs the same app over HTTP; `close-mock faults` lists the catalogue. In-process,
`httpx.Client(transport=ASGIAppTransport(app), base_url="http://mock/api/v1")` talks to it without
a socket.
"""

from close_conformance.mock.app import create_app
from close_conformance.mock.faults import FAULTS, Fault
from close_conformance.mock.store import Store
from close_conformance.mock.transport import ASGIAppTransport

__all__ = ["FAULTS", "ASGIAppTransport", "Fault", "Store", "create_app"]
