"""Contact custom fields: `custom.cf_<id>` keys in contact bodies and answers (rule
contact.custom-fields; discrepancy `contact-custom-fields`).

Close's CreateContact/UpdateContact admit any key matching `^custom\\.` with a non-object value,
and its create example sets `custom.cf_j0P7…: "Account Executive"`. Each organization of the mock
has a few single-value contact fields (seed.py; listed in `close-mock serve`'s JSON line). A key
naming one of them is stored and returned; any other `custom.` key (another organization's field,
a name, `.add`/`.remove`, which only multi-value fields take) is a 400 field error keyed by it,
as is a value of the wrong type for its field. null clears a field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from close_conformance.mock.errors import ValidationFailed, refusal
from close_conformance.mock.operations import Call
from close_conformance.mock.store import CustomField

__all__ = ["PREFIX", "custom_values", "render_custom"]

PREFIX = "custom."


def _type_error(field: CustomField, value: Any) -> str | None:
    if value is None:
        return None
    if field.type == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return "Enter a number."
    if field.type == "text" and not isinstance(value, str):
        return "Enter a text value."
    return None


def custom_values(call: Call, body: Mapping[str, Any]) -> dict[str, Any]:
    """cf id -> value for every `custom.` key of the body, or a refusal naming the bad keys."""
    fields = {f.id: f for f in call.organization.contact_custom_fields}
    values: dict[str, Any] = {}
    unknown: dict[str, str] = {}
    wrong: dict[str, str] = {}
    for key, value in body.items():
        if not key.startswith(PREFIX):
            continue
        field = fields.get(key.removeprefix(PREFIX))
        if field is None:
            if call.faults.on("unknown-custom-field-accepted"):
                continue  # the fault: silently dropped, as if the key were not there
            unknown[key] = "Unknown custom field."
            continue
        problem = _type_error(field, value)
        if problem:
            wrong[key] = problem
        elif not call.faults.on("custom-field-dropped"):
            values[field.id] = value
    if unknown:
        status = call.readings.status("contact-custom-fields")
        if status != 400:
            key, message = next(iter(unknown.items()))
            raise refusal(status, key, message)
        raise ValidationFailed({**unknown, **wrong})
    if wrong:
        raise ValidationFailed(wrong)
    return values


def render_custom(custom: Mapping[str, Any]) -> dict[str, Any]:
    """The `custom.cf_…` keys of a contact's answer; a cleared (null) field is left out."""
    return {f"{PREFIX}{field_id}": value for field_id, value in custom.items() if value is not None}
