"""Pure-Python models of documented behaviour, written from specs/rules.yaml and the docs."""
