"""The Send As model against the rules and the register, case by case."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from close_conformance.models.send_as import (
    EMPTY,
    Association,
    Expectation,
    NotJson,
    SendAsModel,
    Undecided,
    Verdict,
    parse_body,
    show,
)

pytestmark = pytest.mark.selftest

ME, PEER, OTHER, OUT = "user_me", "user_peer", "user_other", "user_out"
ORG, ELSEWHERE = "orga_mine", "orga_theirs"
ORGANIZATIONS = {ME: ORG, PEER: ORG, OTHER: ORG, OUT: ELSEWHERE}
ME_PEER = Association("sdas_1", ME, PEER, ORG)
PEER_ME = Association("sdas_2", PEER, ME, ORG)
OTHER_PEER = Association("sdas_3", OTHER, PEER, ORG)
LENIENT_REFUSAL = frozenset({400, 403})
UNINVOLVED = frozenset({403, 404})


def model(*associations: Association, strict: bool = False) -> SendAsModel:
    return SendAsModel(ORGANIZATIONS, associations, strict=strict)


def data(*associations: Association) -> dict[str, object]:
    return {"data": [a.as_json() for a in associations]}


def admitted(expectation: Expectation, status: int, body: object) -> Verdict:
    verdict = expectation.judge(status, body)
    assert verdict.ok, verdict.problem
    return verdict


def broken(expectation: Expectation, status: int, body: object, rule: str | None = None) -> Verdict:
    verdict = expectation.judge(status, body)
    assert not verdict.ok, f"{status} {body} was admitted for {expectation.describe()}"
    assert verdict.problem is not None
    assert expectation.request in verdict.problem
    assert show(status, body) in verdict.problem, "the message shows what came back"
    if rule is not None:
        assert verdict.rule == rule
    return verdict


# --------------------------------------------------------------------------- state
def test_a_pair_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        model(ME_PEER, Association("sdas_9", ME, PEER, ORG))


def test_visible_to_is_what_a_user_is_involved_in() -> None:
    m = model(ME_PEER, PEER_ME, OTHER_PEER)
    assert m.visible_to(ME) == (ME_PEER, PEER_ME)
    assert m.visible_to(PEER) == (ME_PEER, PEER_ME, OTHER_PEER)
    assert m.visible_to(OUT) == ()


def test_apply_refuses_a_broken_verdict() -> None:
    with pytest.raises(ValueError, match="broke"):
        model().apply(Verdict("send_as.delete-by-id", "wrong"))


# --------------------------------------------------------------------------- create
def test_create_as_the_allowing_user_answers_201_with_the_association() -> None:
    m = model()
    expectation = m.expect_create(ME, ME, PEER)
    assert expectation.success == {201}
    assert expectation.must_refuse is False
    created = Association("sdas_new", ME, PEER, ORG)
    verdict = admitted(expectation, 201, created.as_json())
    m.apply(verdict)
    assert m.state == (created,)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, Association("sdas_new", ME, PEER, ORG).as_json()),
        (201, Association("sdas_new", PEER, ME, ORG).as_json()),
        (201, Association("sdas_new", ME, PEER, ELSEWHERE).as_json()),
        (201, {"id": "sdas_new"}),
        (201, EMPTY),
        (400, {"error": "no"}),
    ],
)
def test_create_with_a_wrong_answer_breaks_the_rule(status: int, body: object) -> None:
    broken(model().expect_create(ME, ME, PEER), status, body, "send_as.create-as-allowing-user")


@pytest.mark.parametrize(("strict", "statuses"), [(False, LENIENT_REFUSAL), (True, frozenset({400}))])
def test_create_for_another_allowing_user_is_refused(strict: bool, statuses: frozenset[int]) -> None:
    expectation = model(strict=strict).expect_create(PEER, ME, PEER)
    assert expectation.must_refuse
    assert expectation.refusal == statuses
    assert expectation.rule == "send_as.create-as-allowing-user"
    for status in statuses:
        assert admitted(expectation, status, {"error": "no"}).succeeded is False
    broken(expectation, 201, Association("sdas_x", ME, PEER, ORG).as_json())
    broken(expectation, 404, {"error": "no"})


@pytest.mark.parametrize(("actor", "allowed"), [(ME, OUT), (OUT, ME)])
def test_create_across_organizations_is_refused(actor: str, allowed: str) -> None:
    expectation = model().expect_create(actor, actor, allowed)
    assert expectation.rule == "send_as.create-same-organization"
    assert expectation.refusal == LENIENT_REFUSAL
    broken(expectation, 201, Association("sdas_x", actor, allowed, ORG).as_json())


def test_create_of_an_existing_pair_may_answer_it_again() -> None:
    m = model(ME_PEER)
    expectation = m.expect_create(ME, ME, PEER)
    assert expectation.success == {201}
    verdict = admitted(expectation, 201, ME_PEER.as_json())
    assert verdict.removed == frozenset()
    assert verdict.added == ()
    m.apply(verdict)
    assert m.state == (ME_PEER,)


def test_create_of_an_existing_pair_may_replace_it_but_the_pair_exists_once() -> None:
    m = model(ME_PEER)
    replacement = Association("sdas_new", ME, PEER, ORG)
    verdict = admitted(m.expect_create(ME, ME, PEER), 201, replacement.as_json())
    assert verdict.removed == {ME_PEER.id}
    m.apply(verdict)
    assert m.state == (replacement,)
    assert m.expect_get(ME, ME_PEER.id).refusal == {404}


@pytest.mark.parametrize(("actor", "allowing", "allowed"), [(ME, ME, ME), (ME, ME, "user_unknown")])
def test_create_the_sources_say_nothing_about_is_undecided(actor: str, allowing: str, allowed: str) -> None:
    with pytest.raises(Undecided):
        model().expect_create(actor, allowing, allowed)


# --------------------------------------------------------------------------- list
def test_list_without_filters_is_where_i_am_allowing() -> None:
    m = model(ME_PEER, PEER_ME, OTHER_PEER)
    expectation = m.expect_list(ME)
    assert expectation.rule == "send_as.list-default-allowing"
    assert expectation.listing == (ME_PEER,)
    admitted(expectation, 200, data(ME_PEER))
    broken(expectation, 200, data(ME_PEER, PEER_ME), "send_as.list-default-allowing")
    broken(expectation, 200, data(PEER_ME), "send_as.list-default-allowing")
    broken(expectation, 200, data(), "send_as.list-default-allowing")


def test_list_order_does_not_matter_but_duplicates_do() -> None:
    m = model(PEER_ME, OTHER_PEER, ME_PEER)
    expectation = m.expect_list(PEER, allowed=PEER)
    admitted(expectation, 200, data(OTHER_PEER, ME_PEER))
    admitted(expectation, 200, data(ME_PEER, OTHER_PEER))
    verdict = broken(expectation, 200, data(ME_PEER, ME_PEER, OTHER_PEER))
    assert "unexpected" in (verdict.problem or "")


@pytest.mark.parametrize(
    ("actor", "allowing", "allowed", "expected"),
    [
        (ME, ME, None, (ME_PEER,)),
        (ME, None, ME, (PEER_ME,)),
        (ME, ME, PEER, (ME_PEER,)),
        (ME, PEER, ME, (PEER_ME,)),
        (ME, ME, ME, ()),
        (ME, ME, OUT, ()),
        (PEER, None, PEER, (ME_PEER, OTHER_PEER)),
        (PEER, OTHER, PEER, (OTHER_PEER,)),
        (OUT, OUT, None, ()),
        (OUT, None, None, ()),
    ],
)
def test_list_with_a_filter_naming_me_is_exactly_what_matches(
    actor: str, allowing: str | None, allowed: str | None, expected: tuple[Association, ...]
) -> None:
    expectation = model(ME_PEER, PEER_ME, OTHER_PEER).expect_list(actor, allowing=allowing, allowed=allowed)
    assert expectation.listing == expected
    assert expectation.success == {200}
    admitted(expectation, 200, data(*expected))
    broken(expectation, 400, {"error": "no"})


@pytest.mark.parametrize(
    ("actor", "allowing", "allowed"),
    [(ME, PEER, None), (ME, None, PEER), (ME, PEER, OTHER), (OUT, ME, None), (OUT, ME, PEER)],
)
def test_list_with_filters_naming_only_others_is_refused(
    actor: str, allowing: str | None, allowed: str | None
) -> None:
    m = model(ME_PEER, PEER_ME, OTHER_PEER)
    lenient = m.expect_list(actor, allowing=allowing, allowed=allowed)
    assert lenient.rule == "send_as.list-involved-only"
    assert lenient.must_refuse
    for status in (400, 403, 404):
        admitted(lenient, status, {"error": "no"})
    admitted(lenient, 200, data())
    broken(lenient, 200, data(OTHER_PEER))
    strict = model(ME_PEER, PEER_ME, OTHER_PEER, strict=True).expect_list(
        actor, allowing=allowing, allowed=allowed
    )
    admitted(strict, 400, {"error": "no"})
    broken(strict, 200, data())
    broken(strict, 404, {"error": "no"})


def test_a_list_answer_that_is_no_list_is_named() -> None:
    verdict = broken(model().expect_list(ME), 200, {"items": []})
    assert '{"data": [...]}' in (verdict.problem or "")
    broken(model().expect_list(ME), 200, {"data": [{"id": "sdas_1"}]})
    broken(model().expect_list(ME), 200, NotJson("<html>"))


# --------------------------------------------------------------------------- get
@pytest.mark.parametrize("actor", [ME, PEER])
def test_get_answers_the_two_users_involved(actor: str) -> None:
    expectation = model(ME_PEER).expect_get(actor, ME_PEER.id)
    assert expectation.success == {200}
    admitted(expectation, 200, ME_PEER.as_json())
    broken(expectation, 200, PEER_ME.as_json(), "send_as.get-involved-only")
    broken(expectation, 404, {"error": "Not found"}, "send_as.get-involved-only")


@pytest.mark.parametrize(("strict", "statuses"), [(False, UNINVOLVED), (True, frozenset({404}))])
@pytest.mark.parametrize("actor", [OTHER, OUT])
def test_get_by_anyone_else_is_refused_per_register(
    actor: str, strict: bool, statuses: frozenset[int]
) -> None:
    expectation = model(ME_PEER, strict=strict).expect_get(actor, ME_PEER.id)
    assert expectation.must_refuse
    assert expectation.refusal == statuses
    broken(expectation, 200, ME_PEER.as_json(), "send_as.get-involved-only")


def test_get_of_an_unknown_id_is_404() -> None:
    expectation = model().expect_get(ME, "sdas_nothing")
    assert expectation.refusal == {404}
    broken(expectation, 403, {"error": "no"})


# --------------------------------------------------------------------------- delete by id
def test_delete_by_the_allowing_user_removes_it() -> None:
    m = model(ME_PEER, PEER_ME)
    expectation = m.expect_delete(ME, ME_PEER.id)
    assert expectation.success == {200, 204}
    verdict = admitted(expectation, 204, EMPTY)
    assert verdict.removed == {ME_PEER.id}
    m.apply(verdict)
    assert m.state == (PEER_ME,)
    after = m.expect_get(ME, ME_PEER.id)
    assert after.refusal == {404}
    assert after.rule == "send_as.delete-by-id"
    assert m.expect_delete(ME, ME_PEER.id).refusal == {404}


@pytest.mark.parametrize(
    ("strict", "status", "body", "ok"),
    [
        (False, 204, EMPTY, True),
        (False, 200, EMPTY, True),
        (False, 200, {}, True),
        (False, 200, {"id": "sdas_1"}, False),
        (False, 204, {}, False),
        (True, 204, EMPTY, True),
        (True, 200, EMPTY, False),
        (True, 200, {}, False),
    ],
)
def test_delete_status_follows_the_register(strict: bool, status: int, body: object, ok: bool) -> None:
    for expectation in (
        model(ME_PEER, strict=strict).expect_delete(ME, ME_PEER.id),
        model(ME_PEER, strict=strict).expect_delete_by_users(ME, allowing=ME, allowed=PEER),
    ):
        verdict = expectation.judge(status, body)
        assert verdict.ok is ok, verdict.problem
        if not ok:
            assert verdict.rule == "send_as.delete-status"


def test_delete_that_is_refused_when_it_must_succeed_breaks_the_delete_rule() -> None:
    broken(model(ME_PEER).expect_delete(ME, ME_PEER.id), 404, {"error": "no"}, "send_as.delete-by-id")
    broken(
        model(ME_PEER).expect_delete_by_users(ME, allowing=ME, allowed=PEER),
        400,
        {"error": "no"},
        "send_as.delete-by-users",
    )


def test_delete_by_the_allowed_user_is_either_by_default() -> None:
    m = model(ME_PEER)
    expectation = m.expect_delete(PEER, ME_PEER.id)
    assert expectation.kind == "either"
    assert expectation.may_succeed
    assert not expectation.must_refuse
    removed = admitted(expectation, 204, EMPTY)
    assert removed.removed == {ME_PEER.id}
    for status in (403, 404):
        kept = admitted(expectation, status, {"error": "no"})
        assert kept.removed == frozenset()
    broken(expectation, 400, {"error": "no"}, "send_as.delete-by-id")


def test_delete_by_the_allowed_user_is_refused_with_404_under_strict() -> None:
    expectation = model(ME_PEER, strict=True).expect_delete(PEER, ME_PEER.id)
    assert expectation.must_refuse
    assert expectation.refusal == {404}
    broken(expectation, 204, EMPTY, "send_as.delete-by-id")
    broken(expectation, 403, {"error": "no"}, "send_as.delete-by-id")


@pytest.mark.parametrize(("strict", "statuses"), [(False, UNINVOLVED), (True, frozenset({404}))])
def test_delete_by_someone_not_involved_is_refused(strict: bool, statuses: frozenset[int]) -> None:
    for actor in (OTHER, OUT):
        expectation = model(ME_PEER, strict=strict).expect_delete(actor, ME_PEER.id)
        assert expectation.refusal == statuses
        assert expectation.must_refuse
        broken(expectation, 204, EMPTY, "send_as.delete-by-id")


# --------------------------------------------------------------------------- delete by users
def test_delete_by_users_removes_my_association() -> None:
    m = model(ME_PEER, PEER_ME)
    verdict = admitted(m.expect_delete_by_users(ME, allowing=ME, allowed=PEER), 204, EMPTY)
    m.apply(verdict)
    assert m.state == (PEER_ME,)
    assert m.expect_get(PEER, ME_PEER.id).rule == "send_as.delete-by-users"


@pytest.mark.parametrize(
    ("allowing", "allowed", "lenient", "strict"),
    [
        (ME, None, {400, 403, 404}, {400}),
        (None, PEER, {400, 403, 404}, {400}),
        (None, None, {400, 403, 404}, {400}),
        (PEER, None, {400, 403, 404}, {400}),  # both refusals apply
        (PEER, ME, {400, 403}, {400}),
        (ME, OUT, {404}, {404}),  # no such pair
        (ME, OTHER, {404}, {404}),
    ],
)
def test_delete_by_users_is_refused(
    allowing: str | None, allowed: str | None, lenient: set[int], strict: set[int]
) -> None:
    for mode, statuses in ((False, lenient), (True, strict)):
        expectation = model(ME_PEER, PEER_ME, strict=mode).expect_delete_by_users(
            ME, allowing=allowing, allowed=allowed
        )
        assert expectation.rule == "send_as.delete-by-users"
        assert expectation.must_refuse
        assert expectation.refusal == statuses
        broken(expectation, 204, EMPTY, "send_as.delete-by-users")


# --------------------------------------------------------------------------- bulk
def test_bulk_answers_every_association_where_i_am_allowing() -> None:
    m = model(ME_PEER, PEER_ME, OTHER_PEER)
    expectation = m.expect_bulk(ME, [], [])
    assert expectation.rule == "send_as.bulk-returns-all-allowing"
    admitted(expectation, 200, data(ME_PEER))
    broken(expectation, 200, data(), "send_as.bulk-returns-all-allowing")
    broken(expectation, 200, data(ME_PEER, PEER_ME))
    broken(expectation, 201, data(ME_PEER))


def test_bulk_allows_and_disallows() -> None:
    m = model(ME_PEER, PEER_ME, OTHER_PEER)
    expectation = m.expect_bulk(PEER, [OTHER], [ME])
    new = Association("sdas_new", PEER, OTHER, ORG)
    broken(expectation, 200, data(PEER_ME, new))  # the disallowed one is still there
    broken(expectation, 200, data())  # the allowed one is missing
    broken(expectation, 200, data(new, new))
    broken(expectation, 200, data(Association("sdas_new", PEER, OTHER, ELSEWHERE)))
    verdict = admitted(expectation, 200, data(new))
    m.apply(verdict)
    assert m.state == (ME_PEER, OTHER_PEER, new)


def test_bulk_may_renew_a_pair_it_allows_but_not_others() -> None:
    m = model(ME_PEER, Association("sdas_4", ME, OTHER, ORG))
    expectation = m.expect_bulk(ME, [PEER], [])
    renewed = Association("sdas_5", ME, PEER, ORG)
    admitted(expectation, 200, data(ME_PEER, Association("sdas_4", ME, OTHER, ORG)))
    verdict = admitted(expectation, 200, data(renewed, Association("sdas_4", ME, OTHER, ORG)))
    broken(expectation, 200, data(ME_PEER, Association("sdas_6", ME, OTHER, ORG)))
    m.apply(verdict)
    assert m.state == (Association("sdas_4", ME, OTHER, ORG), renewed)


def test_bulk_disallowing_someone_not_allowed_changes_nothing() -> None:
    m = model(ME_PEER)
    verdict = admitted(m.expect_bulk(ME, [], [OTHER]), 200, data(ME_PEER))
    m.apply(verdict)
    assert m.state == (ME_PEER,)


@pytest.mark.parametrize(("actor", "allowed"), [(ME, [OUT]), (ME, [PEER, OUT]), (OUT, [ME])])
def test_bulk_allowing_another_organization_is_refused_and_changes_nothing(
    actor: str, allowed: list[str]
) -> None:
    m = model(ME_PEER)
    expectation = m.expect_bulk(actor, allowed, [])
    assert expectation.rule == "send_as.create-same-organization"
    assert expectation.refusal == LENIENT_REFUSAL
    verdict = admitted(expectation, 400, {"error": "no"})
    m.apply(verdict)
    assert m.state == (ME_PEER,)
    broken(expectation, 200, data(ME_PEER))


@pytest.mark.parametrize(("allowed", "disallowed"), [([ME], []), ([], [ME]), ([PEER], [PEER]), ([], [OUT])])
def test_bulk_the_sources_say_nothing_about_is_undecided(allowed: list[str], disallowed: list[str]) -> None:
    with pytest.raises(Undecided):
        model().expect_bulk(ME, allowed, disallowed)


# --------------------------------------------------------------------------- bodies and messages
def test_parse_body() -> None:
    assert parse_body(b"") is EMPTY
    assert parse_body(b"  \n") is EMPTY
    assert parse_body(b"{}") == {}
    assert parse_body(b"<html>") == NotJson("<html>")


def test_show_shortens_long_bodies() -> None:
    assert show(204, EMPTY) == "204 (no body)"
    assert show(200, {"data": []}) == '200 {"data": []}'
    assert show(200, {"data": ["x" * 1000]}).endswith("...")


def test_an_expectation_admits_something() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Expectation("GET /send_as/", "send_as.list-default-allowing", "list")


# --------------------------------------------------------------------------- a property
USERS = st.sampled_from([ME, PEER, OTHER])


@st.composite
def steps(draw: st.DrawFn) -> list[tuple[str, str, str]]:
    """(operation, actor, other user) for create, delete by users and bulk allow/disallow."""
    kinds = st.sampled_from(["create", "delete_by_users", "allow", "disallow"])
    return draw(st.lists(st.tuples(kinds, USERS, USERS).filter(lambda s: s[1] != s[2]), max_size=30))


@settings(database=None, max_examples=60)
@given(steps())
def test_ideal_answers_keep_every_pair_once_and_lists_consistent(plan: list[tuple[str, str, str]]) -> None:
    """Feeding the model the answers it admits keeps its own picture coherent."""
    m = model()
    for counter, (operation, actor, other) in enumerate(plan):
        if operation == "create":
            expectation = m.expect_create(actor, actor, other)
            body: object = Association(f"sdas_{counter}", actor, other, ORG).as_json()
            status = 201
        elif operation == "delete_by_users":
            expectation = m.expect_delete_by_users(actor, allowing=actor, allowed=other)
            status, body = (204, EMPTY) if expectation.may_succeed else (404, {"error": "Not found"})
        else:
            allow, disallow = ([other], []) if operation == "allow" else ([], [other])
            expectation = m.expect_bulk(actor, allow, disallow)
            existing = [a for a in m.matching(allowing=actor) if a.allowed_user_id not in (allow + disallow)]
            renewed = [m.find(actor, u) or Association(f"sdas_{counter}", actor, u, ORG) for u in allow]
            status, body = 200, data(*existing, *renewed)
        m.apply(admitted(expectation, status, body))
        pairs = [a.pair for a in m.state]
        assert len(pairs) == len(set(pairs))
        for user in (ME, PEER, OTHER):
            mine = m.expect_list(user)
            assert all(a.allowing_user_id == user for a in mine.listing)
            assert set(m.expect_list(user, allowed=user).listing) | set(mine.listing) == set(
                m.visible_to(user)
            )
