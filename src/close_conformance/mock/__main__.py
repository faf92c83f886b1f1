"""`python -m close_conformance.mock` is `close-mock`."""

from close_conformance.mock.cli import main

main()
