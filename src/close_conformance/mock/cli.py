def main() -> None:  # placeholder until the mock lands
    raise SystemExit("close-mock: not built yet")
