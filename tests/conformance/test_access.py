"""Who may do what, and how much comes back: credentials on every operation, both auth schemes,
another organization's objects, `_fields`, offset pagination of contacts, id prefixes
(facts 0, 5.1, 5.4, 5.5)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from close_conformance import runtime
from close_conformance.client import CloseClient
from close_conformance.client import json_or_none as _json
from close_conformance.client import said as _said
from close_conformance.contract import Contract
from close_conformance.preconditions import expect_success
from close_conformance.retry import RateLimitedTransport
from close_conformance.target import TIMEOUT, Identity, Role, Target

Api = Callable[[Role], CloseClient]
CONTRACT = runtime.current().contract
PROBE = "ConformanceProbe000000"
"""22 base62 characters: with a prefix, an id that is valid and names nothing."""
PAGE = 200
MAX_PAGES = 5
"""How far a list is walked looking for what must not be there (a live org can be large)."""


def _created(response: httpx.Response, what: str) -> dict[str, Any]:
    """A setup create's body; a refusal breaks the rule that admits the request (exit 1)."""
    created: dict[str, Any] = expect_success(response, what)
    return created


# --------------------------------------------------------------------------- auth.required
def _resolve(contract: Contract, node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        target: Any = contract.spec
        for part in str(node["$ref"]).lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _sample(contract: Contract, schema: Mapping[str, Any]) -> str:
    """A value the parameter's schema admits: an id with the right prefix, naming nothing."""
    schema = _resolve(contract, schema)
    match = re.match(r"^\^([a-z]+_)", str(schema.get("pattern", "")))
    return f"{match.group(1)}{PROBE}" if match else "probe"


def request_for(contract: Contract, operation_id: str) -> tuple[str, str, dict[str, str]]:
    """METHOD, a concrete path and the required query of an operation, with ids naming nothing."""
    method, path = contract.operations[operation_id]
    item = contract.spec["paths"][path]
    query: dict[str, str] = {}
    for parameter in [*item.get("parameters", []), *item[method.lower()].get("parameters", [])]:
        parameter = _resolve(contract, parameter)
        value = _sample(contract, parameter.get("schema", {}))
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", value)
        elif parameter["in"] == "query" and parameter.get("required"):
            query[parameter["name"]] = value
    return method, path, query


WRONG = {
    "no credentials": {},
    "a wrong API key": {
        "Authorization": "Basic " + base64.b64encode(b"close-conformance-wrong-key:").decode()
    },
    "a wrong access token": {"Authorization": "Bearer close-conformance-wrong-token"},
}


@pytest.fixture(scope="module")
def anonymous(target: Target) -> Iterator[httpx.Client]:
    """A raw client with no credentials (429-aware)."""
    with httpx.Client(
        base_url=target.base_url,
        timeout=TIMEOUT,
        transport=RateLimitedTransport(httpx.HTTPTransport(), counter=target.requests_sent),
    ) as client:
        yield client


@pytest.mark.rule("auth.required")
@pytest.mark.parametrize("credentials", list(WRONG))
@pytest.mark.parametrize("operation_id", list(CONTRACT.operations))
def test_every_operation_needs_credentials(
    anonymous: httpx.Client, close_context: runtime.RunContext, operation_id: str, credentials: str
) -> None:
    method, path, query = request_for(close_context.contract, operation_id)
    body = {"json": {}} if method in ("POST", "PUT") else {}
    response = anonymous.request(method, path, params=query, headers=WRONG[credentials], **body)
    assert response.status_code == 401, (
        f"[auth.required] {operation_id} with {credentials}: expected 401, got {_said(response)}"
    )
    error = _json(response)
    assert isinstance(error, dict), f"[auth.required] 401 without a JSON object: {_said(response)}"
    assert isinstance(error.get("error"), str), f"[auth.required] 401 without `error`: {_said(response)}"
    assert error["error"], f"[auth.required] 401 with an empty `error`: {_said(response)}"


# --------------------------------------------------------------------------- auth.schemes
@pytest.mark.rule("auth.schemes")
@pytest.mark.parametrize("role", ["me", "peer", "outsider"])
def test_basic_and_bearer_are_the_same_user(target: Target, anonymous: httpx.Client, role: Role) -> None:
    identity = target.identity(role)
    alternate = target.alternates.get(role)
    if identity is None or alternate is None:
        pytest.skip(
            "needs --access-token beside --api-key: the acting user's Bearer token"
            if role == "me"
            else f"the {role}'s other auth scheme is known only on the embedded mock (--access-token is mine)"
        )
    seen: dict[str, Any] = {}
    for credentials in (identity.credentials, alternate):
        scheme = credentials.authorization.split(" ", 1)[0]
        response = anonymous.get("/me/", headers={"Authorization": credentials.authorization})
        assert response.status_code == 200, f"[auth.schemes] GET /me/ with {scheme}: {_said(response)}"
        seen[scheme] = response.json().get("id")
    assert set(seen) == {"Basic", "Bearer"}, f"[auth.schemes] both schemes were not tried: {sorted(seen)}"
    assert seen["Basic"] == seen["Bearer"] == identity.user_id, (
        f"[auth.schemes] Basic acts as {seen['Basic']}, Bearer as {seen['Bearer']}; "
        f"the {role} is {identity.user_id}"
    )


# --------------------------------------------------------------------------- tenant.isolation
@dataclass(frozen=True)
class Objects:
    """A lead, a contact on it and a draft email, all made by one identity."""

    role: Role
    lead_id: str
    contact_id: str
    email_id: str

    @property
    def paths(self) -> dict[str, str]:
        return {
            "lead": f"/lead/{self.lead_id}/",
            "contact": f"/contact/{self.contact_id}/",
            "email": f"/activity/email/{self.email_id}/",
        }

    @property
    def ids(self) -> set[str]:
        return {self.lead_id, self.contact_id, self.email_id}


def _objects(client: CloseClient, role: Role) -> Objects:
    lead = _created(client.post("/lead/", {"name": f"close-conformance {role}'s lead"}), "POST /lead/")
    contact = _created(
        client.post("/contact/", {"lead_id": lead["id"], "name": f"{role.title()} Contact"}), "POST /contact/"
    )
    email = _created(
        client.post(
            "/activity/email/",
            {
                "lead_id": lead["id"],
                "status": "draft",
                "subject": f"{role}'s draft",
            },
        ),
        "POST /activity/email/",
    )
    return Objects(role, lead["id"], contact["id"], email["id"])


@pytest.fixture(scope="module")
def mine(api: Api) -> Objects:
    return _objects(api("me"), "me")


@pytest.fixture(scope="module")
def theirs(api: Api, outsider: Identity) -> Objects:
    return _objects(api("outsider"), "outsider")


def _listed(client: CloseClient, path: str, **query: Any) -> tuple[httpx.Response, set[str]]:
    """Ids of a list, walked up to MAX_PAGES pages."""
    ids: set[str] = set()
    response = httpx.Response(0)
    for page in range(MAX_PAGES):
        response = client.get(path, _limit=PAGE, _skip=page * PAGE, **query)
        body = _json(response)
        if (
            response.status_code != 200
            or not isinstance(body, dict)
            or not isinstance(body.get("data"), list)
        ):
            return response, ids
        ids |= {str(o.get("id")) for o in body["data"] if isinstance(o, dict)}
        if not body.get("has_more"):
            break
    return response, ids


def _assert_invisible(client: CloseClient, objects: Objects, context: runtime.RunContext) -> None:
    accepted = context.accepted("uninvolved-status")
    viewer = client.role
    writes = {
        "lead": {"name": "Hijacked"},
        "contact": {"name": "Hijacked"},
        "email": {"subject": "Hijacked"},
    }
    for kind, path in objects.paths.items():
        tries = [("get", lambda path=path: client.get(path))]
        if kind in writes:
            tries.append(("update", lambda path=path, kind=kind: client.put(path, writes[kind])))
        for what, send in tries:
            response = send()
            assert context.accepts("uninvolved-status", response.status_code), (
                f"[tenant.isolation] the {viewer}'s {what} of the {objects.role}'s {kind}: "
                f"expected {accepted}, got {_said(response)}"
            )
    for kind in ("contact", "email", "lead"):  # children first: a leaked lead delete would take them
        response = client.delete(objects.paths[kind])
        assert context.accepts("uninvolved-status", response.status_code), (
            f"[tenant.isolation] the {viewer}'s delete of the {objects.role}'s {kind}: "
            f"expected {accepted}, got {_said(response)}"
        )
    for path, query in (
        ("/contact/", {"lead_id": objects.lead_id}),
        ("/activity/email/", {"lead_id": objects.lead_id}),
        ("/contact/", {}),
        ("/activity/email/", {}),
        ("/lead/", {}),
    ):
        response, ids = _listed(client, path, **query)
        refused = response.status_code != 200 and context.accepts("uninvolved-status", response.status_code)
        assert response.status_code == 200 or refused, (
            f"[tenant.isolation] the {viewer}'s list {path} {query}: expected 200 or {accepted}, "
            f"got {_said(response)}"
        )
        assert not ids & objects.ids, (
            f"[tenant.isolation] the {viewer}'s list {path} {query} shows the {objects.role}'s "
            f"{sorted(ids & objects.ids)}"
        )


def _assert_intact(client: CloseClient, objects: Objects) -> None:
    for kind, path in objects.paths.items():
        response = client.get(path)
        assert response.status_code == 200, (
            f"[tenant.isolation] the {objects.role}'s {kind} after another organization's tries: "
            f"{_said(response)}"
        )
    lead = client.get(objects.paths["lead"]).json()
    contact = client.get(objects.paths["contact"]).json()
    email = client.get(objects.paths["email"]).json()
    assert lead.get("name") != "Hijacked", f"[tenant.isolation] another organization renamed {lead}"
    assert contact.get("name") != "Hijacked", f"[tenant.isolation] another organization renamed {contact}"
    assert email.get("subject") != "Hijacked", f"[tenant.isolation] another organization edited {email}"


@pytest.mark.rule("tenant.isolation")
def test_my_objects_are_invisible_to_the_outsider(
    api: Api, outsider: Identity, mine: Objects, close_context: runtime.RunContext
) -> None:
    _assert_invisible(api("outsider"), mine, close_context)
    _assert_intact(api("me"), mine)


@pytest.mark.rule("tenant.isolation")
def test_the_outsiders_objects_are_invisible_to_me(
    api: Api, theirs: Objects, close_context: runtime.RunContext
) -> None:
    _assert_invisible(api("me"), theirs, close_context)
    _assert_intact(api("outsider"), theirs)


# --------------------------------------------------------------------------- fields.selection
def _required(schema: str) -> list[str]:
    return list(CONTRACT.spec["components"]["schemas"][schema]["required"])


CONTACT_FIELDS = sorted({*_required("Contact"), "lead_id", "emails", "phones", "urls"})
LEAD_FIELDS = _required("Lead")
ME_FIELDS = _required("Me")
USER_FIELDS = _required("User")


def _chosen(fields: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(fields), min_size=1, max_size=len(fields), unique=True)


@pytest.fixture(scope="module")
def lead_with_contacts(api: Api) -> tuple[str, list[str]]:
    """A lead of mine with seven contacts, created in order."""
    client = api("me")
    lead = _created(client.post("/lead/", {"name": "close-conformance pages"}), "POST /lead/")
    contacts = [
        _created(
            client.post(
                "/contact/",
                {
                    "lead_id": lead["id"],
                    "name": f"Page Contact {n}",
                    "title": "Tester",
                    "emails": [{"email": f"page{n}@example.com", "type": "office"}],
                },
            ),
            "POST /contact/",
        )["id"]
        for n in range(7)
    ]
    return lead["id"], contacts


def _assert_only(body: Any, wanted: list[str], what: str, response: httpx.Response) -> None:
    assert isinstance(body, dict), f"[fields.selection] {what}: {_said(response)}"
    assert set(body) == set(wanted), (
        f"[fields.selection] {what} with _fields={','.join(wanted)} answered the keys {sorted(body)}"
    )


@pytest.mark.rule("fields.selection")
@given(fields=_chosen(CONTACT_FIELDS))
def test_fields_on_a_contact_and_its_list(
    api: Api, lead_with_contacts: tuple[str, list[str]], fields: list[str]
) -> None:
    lead_id, contacts = lead_with_contacts
    client = api("me")
    selection = ",".join(fields)
    response = client.get(f"/contact/{contacts[0]}/", _fields=selection)
    assert response.status_code == 200, f"[fields.selection] {_said(response)}"
    _assert_only(response.json(), fields, "GET /contact/{id}/", response)
    response = client.get("/contact/", lead_id=lead_id, _fields=selection)
    body = _json(response)
    assert response.status_code == 200, f"[fields.selection] {_said(response)}"
    assert isinstance(body, dict), f"[fields.selection] {_said(response)}"
    assert isinstance(body.get("data"), list), f"[fields.selection] {_said(response)}"
    assert len(body["data"]) == len(contacts), (
        f"[fields.selection] _fields changed the list: {_said(response)}"
    )
    for contact in body["data"]:
        _assert_only(contact, fields, "GET /contact/", response)


@pytest.mark.rule("fields.selection")
@given(fields=_chosen(LEAD_FIELDS))
def test_fields_on_a_lead(api: Api, lead_with_contacts: tuple[str, list[str]], fields: list[str]) -> None:
    response = api("me").get(f"/lead/{lead_with_contacts[0]}/", _fields=",".join(fields))
    assert response.status_code == 200, f"[fields.selection] {_said(response)}"
    _assert_only(response.json(), fields, "GET /lead/{id}/", response)


@pytest.mark.rule("fields.selection")
def test_fields_id_name(api: Api, lead_with_contacts: tuple[str, list[str]]) -> None:
    lead_id, contacts = lead_with_contacts
    client = api("me")
    for path, query in (
        (f"/contact/{contacts[0]}/", {}),
        (f"/lead/{lead_id}/", {}),
        ("/contact/", {"lead_id": lead_id}),
        ("/lead/", {}),
    ):
        response = client.get(path, _fields="id,name", **query)
        assert response.status_code == 200, f"[fields.selection] {_said(response)}"
        body = response.json()
        for obj in body.get("data", [body]):
            _assert_only(obj, ["id", "name"], path, response)


@pytest.mark.rule("fields.selection")
@given(me_fields=_chosen(ME_FIELDS), user_fields=_chosen(USER_FIELDS))
def test_fields_on_me_and_users(api: Api, me: Identity, me_fields: list[str], user_fields: list[str]) -> None:
    client = api("me")
    response = client.get("/me/", _fields=",".join(me_fields))
    assert response.status_code == 200, f"[fields.selection] {_said(response)}"
    _assert_only(response.json(), me_fields, "GET /me/", response)
    response = client.get(f"/user/{me.user_id}/", _fields=",".join(user_fields))
    assert response.status_code == 200, f"[fields.selection] {_said(response)}"
    _assert_only(response.json(), user_fields, "GET /user/{id}/", response)
    response = client.get("/user/", _fields=",".join(user_fields))
    assert response.status_code == 200, f"[fields.selection] {_said(response)}"
    for user in response.json().get("data", []):
        _assert_only(user, user_fields, "GET /user/", response)


# --------------------------------------------------------------------------- pagination.offset
def _contact_page(client: CloseClient, lead_id: str, **query: Any) -> tuple[list[str], bool]:
    response = client.get("/contact/", lead_id=lead_id, **query)
    body = _json(response)
    assert response.status_code == 200, f"[pagination.offset] {_said(response)}"
    assert isinstance(body, dict), f"[pagination.offset] {_said(response)}"
    assert isinstance(body.get("data"), list), f"[pagination.offset] a list answers `data`: {_said(response)}"
    assert isinstance(body.get("has_more"), bool), (
        f"[pagination.offset] a list answers `has_more`: {_said(response)}"
    )
    return [str(c.get("id")) for c in body["data"] if isinstance(c, dict)], body["has_more"]


@pytest.mark.rule("pagination.offset")
@given(limit=st.integers(1, 9), skip=st.integers(0, 9))
def test_contact_pages_are_slices_of_the_list(
    api: Api, lead_with_contacts: tuple[str, list[str]], limit: int, skip: int
) -> None:
    lead_id, contacts = lead_with_contacts
    client = api("me")
    everything, has_more = _contact_page(client, lead_id, _limit=PAGE)
    assert sorted(everything) == sorted(contacts), (
        f"[pagination.offset] the lead's list holds {everything}, the run made {contacts}"
    )
    assert not has_more, f"[pagination.offset] has_more with all {len(everything)} contacts on the page"
    page, has_more = _contact_page(client, lead_id, _limit=limit, _skip=skip)
    assert page == everything[skip : skip + limit], (
        f"[pagination.offset] _skip={skip}&_limit={limit} answered {page}, the list is {everything}"
    )
    assert has_more == (skip + limit < len(everything)), (
        f"[pagination.offset] _skip={skip}&_limit={limit} of {len(everything)} answered has_more={has_more}"
    )


@pytest.mark.rule("pagination.offset")
@pytest.mark.parametrize("limit", [1, 3, 7])
def test_walking_contact_pages_gives_the_list(
    api: Api, lead_with_contacts: tuple[str, list[str]], limit: int
) -> None:
    lead_id, _ = lead_with_contacts
    client = api("me")
    everything, _ = _contact_page(client, lead_id, _limit=PAGE)
    walked: list[str] = []
    for _ in range(len(everything) + 1):
        page, has_more = _contact_page(client, lead_id, _limit=limit, _skip=len(walked))
        walked += page
        assert has_more == (len(walked) < len(everything)), (
            f"[pagination.offset] _skip={len(walked) - len(page)}&_limit={limit} of {len(everything)} "
            f"answered has_more={has_more}"
        )
        if not has_more:
            break
    assert walked == everything, (
        f"[pagination.offset] pages of {limit} walked {walked}, the list is {everything}"
    )


# --------------------------------------------------------------------------- ids.prefixed
def _assert_prefixes(obj: Any, prefixes: dict[str, str], what: str) -> None:
    assert isinstance(obj, dict), f"[ids.prefixed] {what} is not an object: {obj!r}"
    for key, prefix in prefixes.items():
        value = obj.get(key)
        if key == "id" or value is not None:
            assert isinstance(value, str), f"[ids.prefixed] {what} `{key}` is {value!r}"
            assert value.startswith(prefix), f"[ids.prefixed] {what} `{key}` {value!r} lacks {prefix!r}"


CONTACT_IDS = {"id": "cont_", "lead_id": "lead_", "organization_id": "orga_", "created_by": "user_"}
LEAD_IDS = {"id": "lead_", "organization_id": "orga_", "status_id": "stat_", "created_by": "user_"}
EMAIL_IDS = {
    "id": "acti_",
    "lead_id": "lead_",
    "contact_id": "cont_",
    "organization_id": "orga_",
    "user_id": "user_",
    "thread_id": "acti_",
    "created_by": "user_",
}


@pytest.mark.rule("ids.prefixed")
def test_created_objects_carry_their_prefixes(api: Api) -> None:
    client = api("me")
    lead = _created(
        client.post("/lead/", {"name": "close-conformance prefixes", "contacts": [{"name": "Nested"}]}),
        "POST /lead/",
    )
    _assert_prefixes(lead, LEAD_IDS, "a created lead")
    for nested in lead.get("contacts") or []:
        _assert_prefixes(nested, CONTACT_IDS, "a lead's nested contact")
    contact = _created(client.post("/contact/", {"lead_id": lead["id"], "name": "Prefix"}), "POST /contact/")
    _assert_prefixes(contact, CONTACT_IDS, "a created contact")
    orphan = _created(client.post("/contact/", {"name": "Prefix Orphan"}), "POST /contact/")
    _assert_prefixes(orphan, CONTACT_IDS, "a contact created without a lead")
    email = _created(
        client.post(
            "/activity/email/", {"lead_id": lead["id"], "contact_id": contact["id"], "status": "draft"}
        ),
        "POST /activity/email/",
    )
    _assert_prefixes(email, EMAIL_IDS, "a created email")
    for path, prefixes in (
        (f"/lead/{lead['id']}/", LEAD_IDS),
        (f"/contact/{contact['id']}/", CONTACT_IDS),
        (f"/activity/email/{email['id']}/", EMAIL_IDS),
    ):
        response = client.get(path)
        assert response.status_code == 200, f"[ids.prefixed] {_said(response)}"
        _assert_prefixes(response.json(), prefixes, f"GET {path}")
    me = client.get("/me/").json()
    _assert_prefixes(me, {"id": "user_"}, "GET /me/")
    for organization in me.get("organizations") or []:
        _assert_prefixes(organization, {"id": "orga_"}, "an organization of /me/")
    for user in client.get("/user/").json().get("data") or []:
        _assert_prefixes(user, {"id": "user_"}, "a user of GET /user/")
        assert all(str(o).startswith("orga_") for o in user.get("organizations") or []), (
            f"[ids.prefixed] a user's organizations {user.get('organizations')}"
        )
