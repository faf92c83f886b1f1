"""Wall time of the suite, embedded and over HTTP, per profile, with and without xdist."""

from __future__ import annotations

from _suite import run_suite

from close_conformance.served import serve


def main() -> None:
    rows = []
    for profile in ("quick", "standard"):
        rows.append((f"embedded, {profile}", *run_suite("--hypothesis-profile", profile, "-n", "0")))
        rows.append((f"embedded, {profile}, -n 2", *run_suite("--hypothesis-profile", profile, "-n", "2")))
        with serve() as served:
            rows.append(
                (
                    f"close-mock serve, {profile}",
                    *run_suite("--hypothesis-profile", profile, "-n", "0", *served.suite_args()),
                )
            )
    with serve("--rate-limit", "20") as served:
        rows.append(
            (
                "close-mock serve --rate-limit 20, quick",
                *run_suite("--hypothesis-profile", "quick", "-n", "0", *served.suite_args()),
            )
        )
    print(f"{'run':45} {'exit':>4} {'seconds':>8}  result")
    for name, code, seconds, summary, _ in rows:
        print(f"{name:45} {code:>4} {seconds:>8.1f}  {summary}")


if __name__ == "__main__":
    main()
