"""Who lives in a fresh mock: two organizations, three users in the first and one in the second.

The design asks for a peer (Send As needs two people of one organization) and an outsider (tenant
isolation needs another organization). Addresses use reserved example domains, so nothing the
mock hands out can reach a real mailbox.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ORGANIZATIONS", "CustomFieldSeed", "OrganizationSeed", "UserSeed"]


@dataclass(frozen=True, slots=True)
class UserSeed:
    first_name: str
    last_name: str
    email: str


@dataclass(frozen=True, slots=True)
class CustomFieldSeed:
    """A contact custom field: set as `custom.cf_<id>` (docs, contact create example)."""

    name: str
    # "text" takes a string, "number" a number; null clears either (single-value fields only).
    type: str


@dataclass(frozen=True, slots=True)
class OrganizationSeed:
    name: str
    # The first status is the default one a lead gets without status or status_id (facts 4.1).
    lead_statuses: tuple[str, ...]
    users: tuple[UserSeed, ...]
    contact_custom_fields: tuple[CustomFieldSeed, ...] = ()


_STATUSES = ("Potential", "Bad Fit", "Qualified", "Customer")
# A few per organization, so the suite can set one and name another organization's as unknown.
_CONTACT_FIELDS = (CustomFieldSeed("Job Level", "text"), CustomFieldSeed("Score", "number"))

ORGANIZATIONS: tuple[OrganizationSeed, ...] = (
    OrganizationSeed(
        name="Wayne Enterprises",
        lead_statuses=_STATUSES,
        users=(
            UserSeed("Bruce", "Wayne", "bruce.wayne@wayne.example.com"),
            UserSeed("Lucius", "Fox", "lucius.fox@wayne.example.com"),
            UserSeed("Selina", "Kyle", "selina.kyle@wayne.example.com"),
        ),
        contact_custom_fields=_CONTACT_FIELDS,
    ),
    OrganizationSeed(
        name="Stark Industries",
        lead_statuses=_STATUSES,
        users=(UserSeed("Pepper", "Potts", "pepper.potts@stark.example.com"),),
        contact_custom_fields=_CONTACT_FIELDS,
    ),
)
