"""The mock's memory: organizations, users and everything the API creates, one store per app.

Records are plain dataclasses; the resource modules turn them into Close's JSON. Every read and
write of a request happens under `Store.lock` (see `transaction`), so a check-then-act sequence
such as "find the contact, then delete it" is atomic even when an ASGI server or several test
clients call the same app from different threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from close_conformance.mock.ids import IdFactory, timestamp
from close_conformance.mock.seed import ORGANIZATIONS, OrganizationSeed

__all__ = [
    "Contact",
    "CustomField",
    "Email",
    "LeadRecord",
    "LeadStatus",
    "Organization",
    "SendAs",
    "Store",
    "Tombstone",
    "User",
]


@dataclass(frozen=True, slots=True)
class LeadStatus:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class CustomField:
    id: str
    name: str
    type: str


@dataclass(slots=True)
class Organization:
    id: str
    name: str
    lead_statuses: list[LeadStatus]
    date_created: str
    date_updated: str
    contact_custom_fields: list[CustomField] = field(default_factory=list)

    @property
    def organization_id(self) -> str:
        # Lets organizations go through the same org-scoped lookups as everything else.
        return self.id


@dataclass(slots=True)
class User:
    id: str
    email: str
    first_name: str
    last_name: str
    organization_id: str
    api_key: str
    access_token: str
    membership_id: str
    email_account_id: str
    date_created: str
    date_updated: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(slots=True)
class LeadRecord:
    id: str
    organization_id: str
    name: str | None
    description: str | None
    url: str | None
    status_id: str
    addresses: list[dict[str, Any]]
    created_by: str
    updated_by: str
    date_created: str
    date_updated: str


@dataclass(slots=True)
class Contact:
    id: str
    organization_id: str
    lead_id: str | None
    name: str | None
    title: str | None
    emails: list[dict[str, Any]]
    phones: list[dict[str, Any]]
    urls: list[dict[str, Any]]
    created_by: str
    updated_by: str
    date_created: str
    date_updated: str
    timezone: str | None = None
    # custom field id (cf_...) -> value, rendered as `custom.cf_...` keys.
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Email:
    id: str
    organization_id: str
    lead_id: str
    status: str
    user_id: str
    created_by: str
    updated_by: str
    date_created: str
    date_updated: str
    thread_id: str
    contact_id: str | None = None
    sender: str | None = None
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    subject: str | None = None
    body_text: str | None = None
    body_html: str | None = None
    template_id: str | None = None
    in_reply_to_id: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    followup_date: str | None = None
    followup_sequence_id: str | None = None
    followup_sequence_delay: int | None = None
    followup_sequence_add_cc_bcc: bool | None = None
    activity_at: str | None = None
    email_account_id: str | None = None
    date_scheduled: str | None = None
    date_sent: str | None = None
    opens: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SendAs:
    id: str
    organization_id: str
    allowing_user_id: str
    allowed_user_id: str


@dataclass(frozen=True, slots=True)
class Tombstone:
    """A deleted record. Kept only so faults can play stale reads; a correct mock never reads it."""

    record: Any
    by_cascade: bool
    buried_at: float = 0.0
    """When, by the store's clock (seconds): a read lag (`read-after-delete-lag`) counts from it."""


class _Owned(Protocol):
    @property
    def organization_id(self) -> str: ...


Record = TypeVar("Record", bound=_Owned)


class Store:
    """All state of one mock instance. Build it with `Store(seed=...)` for reproducible ids and keys."""

    def __init__(self, *, seed: int | None = None) -> None:
        self.ids = IdFactory(seed)
        self.lock = threading.RLock()
        self.organizations: dict[str, Organization] = {}
        self.users: dict[str, User] = {}
        self.leads: dict[str, LeadRecord] = {}
        self.contacts: dict[str, Contact] = {}
        self.emails: dict[str, Email] = {}
        self.send_as: dict[str, SendAs] = {}
        self.deleted: dict[str, Tombstone] = {}
        # The app's clock (create_app sets it): a read lag is measured on it.
        self.clock: Callable[[], float] = time.monotonic
        for organization in ORGANIZATIONS:
            self._add_organization(organization)

    def _add_organization(self, seed: OrganizationSeed) -> None:
        now = timestamp()
        organization = Organization(
            id=self.ids.object_id("orga"),
            name=seed.name,
            lead_statuses=[LeadStatus(self.ids.object_id("stat"), label) for label in seed.lead_statuses],
            date_created=now,
            date_updated=now,
        )
        self.organizations[organization.id] = organization
        for person in seed.users:
            user = User(
                id=self.ids.object_id("user"),
                email=person.email,
                first_name=person.first_name,
                last_name=person.last_name,
                organization_id=organization.id,
                api_key=self.ids.api_key(),
                access_token=self.ids.access_token(),
                membership_id=self.ids.object_id("memb"),
                email_account_id=self.ids.object_id("emailacct"),
                date_created=now,
                date_updated=now,
            )
            self.users[user.id] = user
        # Drawn after the users, so seeded stores keep the ids they had before custom fields.
        organization.contact_custom_fields = [
            CustomField(self.ids.object_id("cf"), f.name, f.type) for f in seed.contact_custom_fields
        ]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the store for a whole request, so its reads and writes see one consistent state."""
        with self.lock:
            yield

    # ---------------------------------------------------------------- lookups

    @staticmethod
    def find(table: dict[str, Record], object_id: str, organization_id: str | None) -> Record | None:
        """The record with this id, if it belongs to the organization (`None`: any organization)."""
        record = table.get(object_id)
        if record is None or (organization_id is not None and record.organization_id != organization_id):
            return None
        return record

    @staticmethod
    def of_organization(table: dict[str, Record], organization_id: str | None) -> list[Record]:
        """Every record of the organization (`None`: of all), in creation order."""
        return [r for r in table.values() if organization_id is None or r.organization_id == organization_id]

    def find_deleted(self, kind: type[Record], object_id: str, organization_id: str | None) -> Record | None:
        tombstone = self.deleted.get(object_id)
        if tombstone is None or not isinstance(tombstone.record, kind):
            return None
        record: Record = tombstone.record
        if organization_id is not None and record.organization_id != organization_id:
            return None
        return record

    def deleted_of_organization(
        self, kind: type[Record], organization_id: str, *, by_cascade: bool
    ) -> list[Record]:
        return [
            t.record
            for t in self.deleted.values()
            if isinstance(t.record, kind)
            and t.by_cascade == by_cascade
            and t.record.organization_id == organization_id
        ]

    def user_by_api_key(self, api_key: str) -> User | None:
        return next((u for u in self.users.values() if u.api_key == api_key), None)

    def user_by_access_token(self, token: str) -> User | None:
        return next((u for u in self.users.values() if u.access_token == token), None)

    def members(self, organization_id: str) -> list[User]:
        return self.of_organization(self.users, organization_id)

    def contacts_of_lead(self, lead_id: str) -> list[Contact]:
        return [c for c in self.contacts.values() if c.lead_id == lead_id]

    def exists(self, kind: str, value: str, organization_id: str) -> bool:
        """Whether an object of this `x-close-ref` kind exists in the organization."""
        organization = self.organizations[organization_id]
        tables: dict[str, dict[str, Any]] = {
            "user": self.users,
            "lead": self.leads,
            "contact": self.contacts,
            "activity": self.emails,
            "send_as": self.send_as,
        }
        if kind in tables:
            return self.find(tables[kind], value, organization_id) is not None
        if kind == "organization":
            return value == organization_id
        if kind == "email_account":
            return any(u.email_account_id == value for u in self.members(organization_id))
        if kind == "lead_status":
            return any(s.id == value for s in organization.lead_statuses)
        if kind == "lead_status_label":
            return self.status_by_label(organization, value) is not None
        # Templates, sequences and anything else the mock does not model: nothing of that kind exists.
        return False

    @staticmethod
    def status_by_label(organization: Organization, label: str) -> LeadStatus | None:
        return next((s for s in organization.lead_statuses if s.label.lower() == label.lower()), None)

    # ---------------------------------------------------------------- writes

    def add_lead(
        self,
        organization_id: str,
        creator_id: str,
        *,
        name: str | None,
        description: str | None = None,
        url: str | None = None,
        status_id: str | None = None,
        addresses: list[dict[str, Any]] | None = None,
    ) -> LeadRecord:
        now = timestamp()
        organization = self.organizations[organization_id]
        lead = LeadRecord(
            id=self.ids.object_id("lead"),
            organization_id=organization_id,
            name=name,
            description=description,
            url=url,
            # With neither status nor status_id, the organization's first status (facts 4.1).
            status_id=status_id or organization.lead_statuses[0].id,
            addresses=addresses or [],
            created_by=creator_id,
            updated_by=creator_id,
            date_created=now,
            date_updated=now,
        )
        with self.lock:
            self.leads[lead.id] = lead
        return lead

    def add_contact(self, contact: Contact) -> Contact:
        with self.lock:
            self.contacts[contact.id] = contact
        return contact

    def add_email(self, email: Email) -> Email:
        with self.lock:
            self.emails[email.id] = email
        return email

    def add_send_as(self, organization_id: str, allowing_user_id: str, allowed_user_id: str) -> SendAs:
        with self.lock:
            existing = self.find_send_as(allowing_user_id, allowed_user_id)
            if existing is not None:
                return existing
            association = SendAs(
                id=self.ids.object_id("sdas", 22),
                organization_id=organization_id,
                allowing_user_id=allowing_user_id,
                allowed_user_id=allowed_user_id,
            )
            self.send_as[association.id] = association
            return association

    def bury(self, table: dict[str, Any], object_id: str, *, by_cascade: bool = False) -> None:
        """Delete a record, remembering it as a tombstone."""
        with self.lock:
            self.deleted[object_id] = Tombstone(table.pop(object_id), by_cascade, self.clock())

    def lagging(self, kind: type[Record], object_id: str, organization_id: str, lag: float) -> Record | None:
        """A record deleted less than `lag` seconds ago, which a GET still answers under the
        register's `read-after-delete-lag` poll reading (facts 6.17); None once the lag is over."""
        tombstone = self.deleted.get(object_id)
        if lag <= 0 or tombstone is None or self.clock() - tombstone.buried_at >= lag:
            return None
        return self.find_deleted(kind, object_id, organization_id)

    def find_send_as(self, allowing_user_id: str, allowed_user_id: str) -> SendAs | None:
        return next(
            (
                a
                for a in self.send_as.values()
                if a.allowing_user_id == allowing_user_id and a.allowed_user_id == allowed_user_id
            ),
            None,
        )

    # ---------------------------------------------------------------- identities

    def describe(self) -> list[dict[str, Any]]:
        """Organizations (with their contact custom fields) and users with credentials: `organizations`
        in `close-mock serve`'s line."""
        return [
            {
                "id": organization.id,
                "name": organization.name,
                "custom_fields": {
                    "contact": [
                        {"id": f.id, "name": f.name, "type": f.type}
                        for f in organization.contact_custom_fields
                    ]
                },
                "users": [
                    {
                        "id": user.id,
                        "email": user.email,
                        "api_key": user.api_key,
                        "access_token": user.access_token,
                    }
                    for user in self.members(organization.id)
                ],
            }
            for organization in self.organizations.values()
        ]
