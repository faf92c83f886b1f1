"""The fault catalogue: named, documented deviations the mock can be told to make.

A fault bends one rule of specs/rules.yaml and nothing else, so the suite can prove that the check
guarding the rule fires. The catalogue is data; the code that bends the behaviour sits next to the
behaviour, in the resource module, as `if call.faults.on("name"): ...`. Generic breakage (a 500,
authentication switched off) has faults of its own, tied to `http.no-server-error` and
`auth.required`, so no business-rule fault is caught only by a generic check.

Faults marked "(strict)" break a reading that the register accepts by default; only a run with
--strict tells them apart from Close.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["FAULTS", "Fault", "FaultSet"]


@dataclass(frozen=True, slots=True)
class Fault:
    name: str
    rule: str
    description: str
    strict: bool = False
    """Breaks a reading the register accepts by default: only a --strict run can catch it."""


def _catalogue(*faults: Fault) -> Mapping[str, Fault]:
    index: dict[str, Fault] = {}
    for fault in faults:
        if fault.name in index:
            raise ValueError(f"duplicate fault {fault.name!r}")
        index[fault.name] = fault
    return MappingProxyType(index)


FAULTS: Mapping[str, Fault] = _catalogue(
    # ---------------------------------------------------------------- every endpoint
    Fault("auth-off", "auth.required", "requests without credentials act as the first user"),
    Fault("unauthorized-plain-text", "auth.required", '401 answers carry a text body, not {"error"}'),
    Fault("bearer-rejected", "auth.schemes", "OAuth access tokens (Bearer) are refused with 401"),
    Fault(
        "bearer-acts-as-peer", "auth.schemes", "a Bearer token acts as another user of the same organization"
    ),
    Fault(
        "tenant-leak-contact-get",
        "tenant.isolation",
        "GET /contact/{id}/ answers another organization's contact",
    ),
    Fault(
        "tenant-leak-contact-update",
        "tenant.isolation",
        "PUT /contact/{id}/ changes another organization's contact",
    ),
    Fault(
        "tenant-leak-lead-delete",
        "tenant.isolation",
        "DELETE /lead/{id}/ deletes another organization's lead",
    ),
    Fault(
        "tenant-leak-email-list", "tenant.isolation", "GET /activity/email/ lists every organization's emails"
    ),
    Fault(
        "tenant-leak-user-get", "tenant.isolation", "GET /user/{id}/ answers a user of another organization"
    ),
    Fault("tenant-leak-lead-list", "tenant.isolation", "GET /lead/ lists every organization's leads"),
    Fault(
        "tenant-leak-lead-update", "tenant.isolation", "PUT /lead/{id}/ changes another organization's lead"
    ),
    Fault(
        "validation-errors-without-field-errors", "errors.shape", "400 validation errors lack `field-errors`"
    ),
    Fault("not-found-detail-key", "errors.shape", '404 answers {"detail": ...} instead of {"error": ...}'),
    Fault(
        "server-error-on-non-ascii-name",
        "http.no-server-error",
        "a contact name with non-ASCII letters answers 500",
    ),
    Fault(
        "server-error-on-malformed-json", "http.no-server-error", "a body that is not valid JSON answers 500"
    ),
    Fault("allow-header-missing", "http.method-not-allowed", "405 answers carry no Allow header"),
    Fault(
        "method-not-allowed-as-404",
        "http.method-not-allowed",
        "an unsupported method on a known path answers 404",
    ),
    Fault("json-415-missing", "http.unsupported-media-type", "bodies are parsed whatever their Content-Type"),
    Fault(
        "unsupported-media-type-plain-text", "http.unsupported-media-type", "415 answers carry a text body"
    ),
    Fault(
        "trailing-slash-404",
        "http.trailing-slash-redirect",
        "a path without its trailing slash answers 404 instead of a redirect",
    ),
    Fault(
        "trailing-slash-redirect-301",
        "http.trailing-slash-redirect",
        "a path without its trailing slash is redirected with 301, which a client may follow as a GET",
    ),
    Fault(
        "trailing-slash-query-dropped",
        "http.trailing-slash-redirect",
        "the redirect to the slashed path drops the query string",
    ),
    Fault(
        "method-override-creates",
        "http.method-override",
        "a POST with `x-http-method-override: GET` is carried out as a POST (on /lead/: a lead is created)",
    ),
    Fault(
        "method-override-params-ignored",
        "http.method-override",
        "the override is honoured but `_params` is dropped: a list comes back unfiltered",
    ),
    Fault("retry-after-missing", "ratelimit.headers", "429 answers carry no retry-after header"),
    Fault("retry-after-rounded-down", "ratelimit.headers", "retry-after is the reset rounded down, not up"),
    Fault("ratelimit-header-missing", "ratelimit.headers", "429 answers carry no RateLimit header"),
    Fault(
        "ratelimit-body-reset-in-milliseconds",
        "ratelimit.body",
        "the deprecated 429 body gives `rate_reset` in milliseconds, not the header's seconds",
    ),
    Fault("fields-ignored", "fields.selection", "`_fields` is ignored: every field comes back"),
    Fault(
        "fields-ignored-on-lists",
        "fields.selection",
        "`_fields` is honoured on single objects but not in lists",
    ),
    Fault(
        "has-more-wrong", "pagination.offset", "`has_more` is true whenever a page is full, even the last one"
    ),
    Fault("skip-ignored", "pagination.offset", "`_skip` is ignored: every page starts at the first object"),
    Fault(
        "skip-maximum-ignored",
        "pagination.skip-maximum",
        "a `_skip` past the list's maximum answers an (empty) page instead of a 400",
    ),
    Fault("ids-without-prefix-on-send-as", "ids.prefixed", "Send As ids lack the sdas_ prefix"),
    Fault("contact-ids-with-lead-prefix", "ids.prefixed", "new contacts get lead_ ids instead of cont_"),
    Fault(
        "contact-get-display-name-missing",
        "response.documented-shape",
        "GET /contact/{id}/ answers without `display_name`, which the Contact schema requires",
    ),
    Fault(
        "contact-title-max-length-ignored",
        "request.validation",
        "POST /contact/ accepts a title longer than the documented maxLength (Close's CreateContact)",
    ),
    Fault(
        "lead-unreadable-right-after-create",
        "resource.readable-after-create",
        "GET /lead/{id}/ answers 404 for a lead created less than 2 seconds ago",
    ),
    # ---------------------------------------------------------------- users
    Fault("me-organizations-as-ids", "me.current-user", "/me/ lists organizations as id strings"),
    Fault(
        "me-answers-first-user",
        "me.current-user",
        "/me/ describes the organization's first user, not the caller",
    ),
    Fault(
        "user-list-includes-outsiders",
        "user.organization-members",
        "/user/ lists users of every organization",
    ),
    Fault(
        "user-organizations-as-objects", "user.organization-members", "/user/ lists organizations as objects"
    ),
    # ---------------------------------------------------------------- leads
    Fault("lead-description-dropped", "lead.create", "a created lead forgets its description"),
    Fault("lead-contacts-dropped", "lead.create", "contacts sent with a new lead are not created"),
    Fault(
        "lead-contact-ids-stale",
        "lead.contact-ids",
        "a lead's `contact_ids` still lists its contacts after they are deleted",
    ),
    Fault(
        "lead-status-both-accepted",
        "lead.status-exclusive",
        "a lead with both status and status_id is accepted",
    ),
    Fault(
        "lead-update-status-both-accepted",
        "lead.status-exclusive",
        "a lead update with both status and status_id is accepted",
    ),
    Fault("lead-list-skips-unnamed", "lead.list", "GET /lead/ leaves out leads without a name"),
    Fault(
        "lead-list-total-is-page-size",
        "lead.list",
        "`total_results` counts the page, not the whole list",
    ),
    Fault("lead-put-replaces", "lead.update", "PUT /lead/{id}/ clears the fields it was not sent"),
    Fault("lead-put-status-ignored", "lead.update", "PUT /lead/{id}/ ignores `status` and `status_id`"),
    Fault(
        "lead-put-replaces-contacts",
        "lead.update",
        "`contacts` sent to PUT /lead/{id}/ replace the lead's contacts",
    ),
    Fault(
        "lead-put-revives-deleted",
        "lead.update",
        "PUT /lead/{id}/ on a deleted lead answers 200 with the lead",
    ),
    Fault("lead-delete-returns-204", "lead.delete", "DELETE /lead/{id}/ answers 204 without a body"),
    Fault("lead-still-readable-after-delete", "lead.delete", "a deleted lead can still be fetched"),
    Fault(
        "lead-delete-keeps-contacts",
        "lead.delete-cascade",
        "deleting a lead keeps its contacts and emails (strict)",
        strict=True,
    ),
    Fault(
        "lead-delete-contacts-still-listed",
        "lead.delete-cascade",
        "a deleted lead's contacts answer 404 but stay in the contact list",
    ),
    # ---------------------------------------------------------------- contacts
    Fault(
        "no-lead-for-orphan-contact", "contact.create-without-lead", "a contact without lead_id gets no lead"
    ),
    Fault(
        "lead-named-wrong",
        "contact.create-without-lead",
        "the lead made for a contact is named after its title",
    ),
    Fault(
        "contact-lead-filter-ignored", "contact.create-on-lead", "GET /contact/?lead_id= ignores the filter"
    ),
    Fault(
        "contact-lead-id-ignored", "contact.create-on-lead", "a contact created with lead_id gets a new lead"
    ),
    Fault(
        "put-replaces-contact",
        "contact.update-is-patch",
        "PUT /contact/{id}/ clears the fields it was not sent",
    ),
    Fault(
        "put-answers-only-changes",
        "contact.update-is-patch",
        "PUT /contact/{id}/ answers only the fields sent",
    ),
    Fault("contact-delete-returns-204", "contact.delete-empty-object", "DELETE /contact/{id}/ answers 204"),
    Fault(
        "contact-delete-returns-contact",
        "contact.delete-empty-object",
        "DELETE /contact/{id}/ answers the contact",
    ),
    Fault(
        "contact-still-readable-after-delete",
        "contact.gone-after-delete",
        "a deleted contact can still be fetched",
    ),
    Fault(
        "contact-second-delete-succeeds",
        "contact.gone-after-delete",
        "deleting a contact twice answers 200 twice",
    ),
    Fault(
        "contact-listed-after-delete",
        "contact.gone-after-delete",
        "a deleted contact stays in the contact list",
    ),
    Fault("phone-not-normalised", "contact.phone-normalised", "US national phone numbers are kept as given"),
    Fault("phone-formatted-missing", "contact.phone-normalised", "phones come back without phone_formatted"),
    # ---------------------------------------------------------------- email activities
    Fault(
        "sender-optional-for-inbox",
        "email.sender.required-by-status",
        "an inbox email without sender is created",
    ),
    Fault(
        "sender-optional-for-scheduled",
        "email.sender.required-by-status",
        "a scheduled email without sender is created",
    ),
    Fault(
        "sender-optional-for-outbox",
        "email.sender.required-by-status",
        "an outbox email without sender is created",
    ),
    Fault(
        "sender-optional-for-error",
        "email.sender.required-by-status",
        "an error email without sender is created",
    ),
    Fault(
        "sender-required-for-draft", "email.sender.optional-for-draft", "a draft without sender is refused"
    ),
    Fault(
        "sent-sender-not-defaulted",
        "email.sender.sent-default",
        "a sent email without sender keeps sender null",
    ),
    Fault(
        "sent-sender-ignores-email-user",
        "email.sender.sent-default",
        "a sent email's default sender is always the key owner, even when user_id names someone else",
    ),
    Fault(
        "draft-scheduled-without-sender",
        "email.sender.required-to-send-draft",
        "a draft without sender can move to scheduled",
    ),
    Fault(
        "draft-outbox-without-sender",
        "email.sender.required-to-send-draft",
        "a draft without sender can move to outbox",
    ),
    Fault(
        "sender-display-name-rejected",
        "email.sender.display-name",
        'create refuses `"Name" <address>` senders',
    ),
    Fault(
        "sender-display-name-rejected-on-update",
        "email.sender.display-name",
        'update refuses `"Name" <address>` senders',
    ),
    Fault("non-draft-editable", "email.only-drafts-editable", "sent, inbox and error emails can be edited"),
    Fault(
        "scheduled-editable",
        "email.only-drafts-editable",
        "a scheduled email can be edited without cancelling",
    ),
    Fault("scheduled-cannot-cancel", "email.cancel-to-draft", "a scheduled email cannot go back to draft"),
    Fault("outbox-cannot-cancel", "email.cancel-to-draft", "an outbox email cannot go back to draft"),
    Fault("draft-to-scheduled-refused", "email.draft-transitions", "a draft cannot move to scheduled"),
    Fault("draft-to-outbox-refused", "email.draft-transitions", "a draft cannot move to outbox"),
    Fault(
        "draft-to-sent-allowed", "email.draft-transitions", "a draft can move to sent (strict)", strict=True
    ),
    Fault(
        "scheduled-without-date-accepted",
        "email.scheduling-fields",
        "a scheduled email without date_scheduled is created",
    ),
    Fault("send-in-unbounded", "email.scheduling-fields", "send_in of 60 seconds or more is accepted"),
    Fault(
        "date-scheduled-dropped", "email.scheduling-fields", "a scheduled email answers date_scheduled null"
    ),
    Fault("email-delete-returns-204", "email.delete", "DELETE /activity/email/{id}/ answers 204"),
    Fault("email-still-readable-after-delete", "email.delete", "a deleted email can still be fetched"),
    # ---------------------------------------------------------------- Send As
    Fault(
        "send-as-create-for-others",
        "send_as.create-as-allowing-user",
        "anyone can create for another allowing user",
    ),
    Fault(
        "send-as-create-returns-200", "send_as.create-as-allowing-user", "POST /send_as/ answers 200, not 201"
    ),
    Fault(
        "send-as-allowed-outside-org",
        "send_as.create-same-organization",
        "POST /send_as/ accepts an allowed user of another organization",
    ),
    Fault(
        "send-as-bulk-outside-org",
        "send_as.create-same-organization",
        "POST /send_as/bulk/ allows users of another organization",
    ),
    Fault(
        "send-as-list-default-allowed",
        "send_as.list-default-allowing",
        "GET /send_as/ without filters assumes allowed_user_id = me",
    ),
    Fault(
        "send-as-list-default-both",
        "send_as.list-default-allowing",
        "GET /send_as/ without filters lists every association I am part of",
    ),
    Fault(
        "send-as-list-foreign-filter-leaks",
        "send_as.list-involved-only",
        "GET /send_as/ with filters naming other users lists their associations",
    ),
    Fault(
        "send-as-list-filter-ignored",
        "send_as.list-involved-only",
        "GET /send_as/ ignores allowed_user_id when allowing_user_id is given",
    ),
    Fault(
        "send-as-get-visible-to-outsider",
        "send_as.get-involved-only",
        "GET /send_as/{id}/ answers users not involved in the association",
    ),
    Fault(
        "send-as-get-hidden-from-allowed",
        "send_as.get-involved-only",
        "GET /send_as/{id}/ answers 404 to the allowed user",
    ),
    Fault(
        "send-as-delete-by-outsider",
        "send_as.delete-by-id",
        "DELETE /send_as/{id}/ works for users not involved",
    ),
    Fault(
        "send-as-delete-by-id-keeps",
        "send_as.delete-by-id",
        "DELETE /send_as/{id}/ answers success but keeps it",
    ),
    Fault(
        "send-as-delete-by-users-as-allowed",
        "send_as.delete-by-users",
        "DELETE /send_as/?… works when allowing_user_id is someone else",
    ),
    Fault(
        "send-as-delete-by-users-keeps",
        "send_as.delete-by-users",
        "DELETE /send_as/?… answers success but keeps the association",
    ),
    Fault(
        "send-as-delete-answers-association",
        "send_as.delete-status",
        "DELETE /send_as/{id}/ answers 200 with the deleted association",
    ),
    Fault(
        "send-as-delete-by-users-answers-200",
        "send_as.delete-status",
        "DELETE /send_as/?… answers 200 {} instead of 204 (strict)",
        strict=True,
    ),
    Fault(
        "bulk-returns-only-changed",
        "send_as.bulk-returns-all-allowing",
        "POST /send_as/bulk/ answers only the associations it created",
    ),
    Fault(
        "bulk-disallow-ignored",
        "send_as.bulk-returns-all-allowing",
        "POST /send_as/bulk/ ignores disallowed_user_ids",
    ),
    # ---------------------------------------------------------------- request widening (issue 10)
    Fault(
        "contact-nested-keys-refused",
        "contact.nested-round-trip",
        "contact emails/phones/urls items with keys beyond email/phone/url/type are refused with 400",
    ),
    Fault(
        "custom-field-dropped",
        "contact.custom-fields",
        "a known contact custom field is accepted but not stored or returned",
    ),
    Fault(
        "unknown-custom-field-accepted",
        "contact.custom-fields",
        "a custom.cf_ key naming no field of the organization is silently dropped, not refused",
    ),
    Fault(
        "email-activity-at-filter-ignored",
        "email.list-filters",
        "GET /activity/email/ ignores activity_at__gt/__gte/__lt/__lte",
    ),
    Fault(
        "email-id-list-first-only",
        "email.list-filters",
        "comma-separated id filters of GET /activity/email/ keep only their first id",
    ),
    Fault(
        "email-tz-offset-ignored",
        "email.list-filters",
        "date filters without offset are read in UTC whatever X-TZ-Offset says",
    ),
    Fault(
        "email-id-list-repeated-last-only",
        "email.list-filters",
        "(strict) an id filter of GET /activity/email/ given as repeated keys keeps only the last one",
        strict=True,
    ),
    # ---------------------------------------------------------------- response fields (issue 10)
    Fault(
        "contact-item-type-missing",
        "contact.item-fields",
        "contact emails/phones/urls sent without a type come back with type null",
    ),
    Fault(
        "contact-email-unsubscribed-missing",
        "contact.item-fields",
        "contact emails come back without is_unsubscribed",
    ),
    Fault(
        "email-attachment-keys-dropped",
        "email.attachment-fields",
        "an attachment sent without content_type comes back without the key",
    ),
)


class FaultSet:
    """The faults switched on in one app. Asking about a name not in the catalogue is a bug and raises."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        chosen = frozenset(names)
        unknown = sorted(chosen - FAULTS.keys())
        if unknown:
            raise ValueError(
                f"unknown fault(s) {', '.join(unknown)}; known faults: {', '.join(sorted(FAULTS))}"
            )
        self.names = chosen

    def on(self, name: str) -> bool:
        if name not in FAULTS:
            raise KeyError(f"no fault named {name!r} in the catalogue")
        return name in self.names

    def __bool__(self) -> bool:
        return bool(self.names)
