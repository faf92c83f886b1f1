"""Who is calling: HTTP Basic with the API key, or an OAuth access token as Bearer.

Close's docs: the API key is the Basic username and the password is empty (`curl -u key:`); an
OAuth access token goes in `Authorization: Bearer <token>` (facts 5.1). Anything else, however
malformed, is a 401 with `{"error": "Unauthorized"}`, never a crash.

The password: the key alone is the credential, and the docs only say to leave the password
empty, not that a non-empty one is refused. Many HTTP libraries cannot send a username without
some password, so the mock ignores it rather than invent a refusal Close does not document.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from dataclasses import dataclass

from close_conformance.mock.errors import unauthorized
from close_conformance.mock.faults import FaultSet
from close_conformance.mock.store import Organization, Store, User

__all__ = ["Identity", "authenticate"]


@dataclass(frozen=True, slots=True)
class Identity:
    """The user behind a request, and the credential it came with (rate limits count per credential)."""

    user: User
    organization: Organization
    credential: str


def _basic_username(encoded: str) -> str | None:
    try:
        decoded = b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    username, colon, _password = decoded.partition(":")
    return username if colon else None


def authenticate(authorization: str | None, store: Store, faults: FaultSet) -> Identity:
    """The identity for an Authorization header value; raises a 401 `ApiError` when there is none."""
    user: User | None = None
    credential = ""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "basic":
        username = _basic_username(value)
        if username:
            credential = username
            user = store.user_by_api_key(username)
    elif scheme.lower() == "bearer" and value.strip() and not faults.on("bearer-rejected"):
        credential = value.strip()
        user = store.user_by_access_token(credential)
        if user is not None and faults.on("bearer-acts-as-peer"):
            peers = [u for u in store.members(user.organization_id) if u.id != user.id]
            user = peers[0] if peers else user
    elif not authorization and faults.on("auth-off"):
        user = next(iter(store.users.values()))
        credential = user.api_key
    if user is None:
        raise unauthorized()
    return Identity(user=user, organization=store.organizations[user.organization_id], credential=credential)
