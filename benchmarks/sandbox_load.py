"""The mock as a sandbox under load: 8 concurrent clients x 500 mixed operations against
`close-mock serve` over HTTP, then a check that no acknowledged write was lost or duplicated and
every list agrees with the writes acknowledged.

Each client owns the leads it creates (named `load-<client>-<n>`), so it can keep an exact model
of them: leads with their description, contacts with their title, draft emails. The operations,
drawn with a fixed seed: create/get/update/delete lead, create/update/delete contact, create an
email draft, list a lead's contacts and emails, list leads (a page). While running, a read of the
client's own objects must match its model (no one else writes them); afterwards every page of the
lead list of each organization is read and compared with all the models together: each live lead
listed exactly once (else lost or duplicated), no deleted or unknown `load-` lead listed, each
lead's contacts and emails as acknowledged, fields as last written.

    python benchmarks/sandbox_load.py [--clients 8] [--operations 500] [--seed 1] [--fault NAME]

`--fault` runs it against a mock with a planted fault, to see the check fail (e.g.
`lead-description-dropped`: every lead read back differs from what was written).

Prints requests per second and the count of inconsistencies (target 0), and exits 1 if there is
any (a benchmark asserts nothing else).
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from close_conformance.served import Served, serve


@dataclass
class Model:
    """What one client's acknowledged writes say exists."""

    leads: dict[str, str] = field(default_factory=dict)  # id -> description
    contacts: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (lead id, title)
    emails: dict[str, str] = field(default_factory=dict)  # id -> lead id
    deleted: set[str] = field(default_factory=set)
    created: int = 0


@dataclass
class Tally:
    requests: int = 0
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


class LoadClient:
    def __init__(
        self, index: int, served: Served, organization: int, user: int, seed: int, tally: Tally
    ) -> None:
        self.index = index
        self.random = random.Random(seed * 1000 + index)
        self.http = httpx.Client(
            base_url=served.base_url, auth=(served.user(organization, user)["api_key"], "")
        )
        self.model = Model()
        self.tally = tally
        self.organization = organization

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        answer = self.http.request(method, path, **kwargs)
        with self.tally.lock:
            self.tally.requests += 1
        if answer.status_code >= 300:
            self.tally.problem(
                f"client {self.index}: {method} {path} answered {answer.status_code}: {answer.text[:200]}"
            )
        return answer

    def _any(self, items: dict[str, Any]) -> str | None:
        return self.random.choice(sorted(items)) if items else None

    def step(self) -> None:
        m = self.model
        choice = self.random.choices(
            [
                "create_lead",
                "get_lead",
                "update_lead",
                "delete_lead",
                "create_contact",
                "update_contact",
                "delete_contact",
                "create_email",
                "list_children",
                "list_leads",
            ],
            weights=[14, 12, 12, 4, 14, 10, 5, 8, 12, 9],
        )[0]
        lead = self._any(m.leads)
        if choice == "create_lead" or lead is None:
            m.created += 1
            description = f"v0-{self.random.random():.6f}"
            body = self.call(
                "POST", "/lead/", json={"name": f"load-{self.index}-{m.created}", "description": description}
            ).json()
            m.leads[body["id"]] = description
        elif choice == "get_lead":
            body = self.call("GET", f"/lead/{lead}/").json()
            if body.get("description") != m.leads[lead]:
                self.tally.problem(
                    f"client {self.index}: lead {lead} reads {body.get('description')!r}, "
                    f"wrote {m.leads[lead]!r}"
                )
        elif choice == "update_lead":
            description = f"v-{self.random.random():.6f}"
            self.call("PUT", f"/lead/{lead}/", json={"description": description})
            m.leads[lead] = description
        elif choice == "delete_lead":
            self.call("DELETE", f"/lead/{lead}/")
            del m.leads[lead]
            m.deleted.add(lead)
            m.contacts = {c: v for c, v in m.contacts.items() if v[0] != lead}
            m.emails = {e: v for e, v in m.emails.items() if v != lead}
        elif choice == "create_contact":
            title = f"t-{self.random.randrange(10**6)}"
            body = self.call(
                "POST", "/contact/", json={"lead_id": lead, "name": "Load", "title": title}
            ).json()
            m.contacts[body["id"]] = (lead, title)
        elif choice in ("update_contact", "delete_contact") and m.contacts:
            contact = self._any(m.contacts)
            assert contact is not None
            if choice == "update_contact":
                title = f"t-{self.random.randrange(10**6)}"
                self.call("PUT", f"/contact/{contact}/", json={"title": title})
                m.contacts[contact] = (m.contacts[contact][0], title)
            else:
                self.call("DELETE", f"/contact/{contact}/")
                del m.contacts[contact]
        elif choice == "create_email":
            body = self.call(
                "POST", "/activity/email/", json={"lead_id": lead, "status": "draft", "subject": "load"}
            ).json()
            m.emails[body["id"]] = lead
        elif choice == "list_children":
            self.check_children(lead)
        else:
            self.call("GET", "/lead/", params={"_limit": 20, "_skip": self.random.randrange(0, 100)})

    def check_children(self, lead: str) -> None:
        m = self.model
        contacts = self.call("GET", "/contact/", params={"lead_id": lead, "_limit": 200}).json()["data"]
        listed = Counter(c["id"] for c in contacts)
        expected = {c: v[1] for c, v in m.contacts.items() if v[0] == lead}
        if set(listed) != set(expected) or any(n > 1 for n in listed.values()):
            self.tally.problem(
                f"client {self.index}: contacts of {lead}: listed {dict(listed)}, "
                f"acknowledged {sorted(expected)}"
            )
        for contact in contacts:
            if contact["id"] in expected and contact["title"] != expected[contact["id"]]:
                self.tally.problem(f"client {self.index}: contact {contact['id']} title {contact['title']!r}")
        emails = self.call("GET", "/activity/email/", params={"lead_id": lead, "_limit": 100}).json()["data"]
        listed_emails = Counter(e["id"] for e in emails)
        expected_emails = {e for e, owner in m.emails.items() if owner == lead}
        if set(listed_emails) != expected_emails or any(n > 1 for n in listed_emails.values()):
            self.tally.problem(f"client {self.index}: emails of {lead}: listed {dict(listed_emails)}")

    def run(self, operations: int) -> None:
        try:
            for _ in range(operations):
                self.step()
        except Exception as error:  # a crash is an inconsistency to count, not a traceback to lose
            self.tally.problem(f"client {self.index}: {type(error).__name__}: {error}")


def all_leads(client: LoadClient) -> list[dict[str, Any]]:
    leads: list[dict[str, Any]] = []
    while True:
        page = client.call("GET", "/lead/", params={"_limit": 100, "_skip": len(leads)}).json()
        leads.extend(page["data"])
        if not page["has_more"]:
            return leads


def final_check(clients: list[LoadClient], tally: Tally) -> None:
    for organization in sorted({c.organization for c in clients}):
        mine = [c for c in clients if c.organization == organization]
        listed = Counter(lead["id"] for lead in all_leads(mine[0]))
        described = {lead["id"]: lead.get("description") for lead in all_leads(mine[0])}
        names = Counter(lead["name"] for lead in all_leads(mine[0]) if str(lead["name"]).startswith("load-"))
        for client in mine:
            for lead, description in client.model.leads.items():
                if listed[lead] != 1:
                    tally.problem(f"lead {lead} listed {listed[lead]} times (lost or duplicated)")
                elif described[lead] != description:
                    tally.problem(
                        f"lead {lead}: listed description {described[lead]!r}, last written {description!r}"
                    )
                client.check_children(lead)
            for lead in client.model.deleted:
                if listed[lead]:
                    tally.problem(f"deleted lead {lead} still listed")
        created = sum(len(c.model.leads) for c in mine)
        if sum(names.values()) != created or any(n > 1 for n in names.values()):
            tally.problem(
                f"organization {organization}: {sum(names.values())} load- leads listed, "
                f"{created} live acknowledged"
            )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--operations", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        help="run against a mock with this fault (the check must see it)",
    )
    args = parser.parse_args()
    tally = Tally()
    # Identities: the three users of the first organization and the one of the second, in turn.
    who = [(0, 0), (0, 1), (0, 2), (1, 0)]
    faults = [option for name in args.fault for option in ("--fault", name)]
    with serve("--log-level", "warning", *faults) as served:
        clients = [LoadClient(i, served, *who[i % len(who)], args.seed, tally) for i in range(args.clients)]
        threads = [threading.Thread(target=c.run, args=(args.operations,)) for c in clients]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        during = tally.requests
        final_check(clients, tally)
        for client in clients:
            client.http.close()
    for problem in tally.problems[:20]:
        print(problem)
    print(
        f"{args.clients} clients x {args.operations} operations: {during} requests in {elapsed:.1f} s, "
        f"{during / elapsed:.0f} requests/s; inconsistencies: {len(tally.problems)}"
    )
    return 1 if tally.problems else 0


if __name__ == "__main__":
    sys.exit(main())
