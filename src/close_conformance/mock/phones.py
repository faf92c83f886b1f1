"""Phone numbers the way Close stores them on a contact (facts 3.2).

Close's example: `"9045551234"` comes back as `"+19045551234"`, `phone_formatted`
`"+1 904-555-1234"` and `country` `"US"`. The mock recognises US numbers (NANP: ten digits, area
code and exchange not starting with 0 or 1, optionally with a leading 1 or +1 and the usual
separators) and keeps every other number as given, since it has no numbering plan for them.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["normalise_phone"]

_SEPARATORS = re.compile(r"[\s().\-]")
_US = re.compile(r"(?:\+?1)?([2-9][0-9]{2})([2-9][0-9]{2})([0-9]{4})", re.ASCII)


def normalise_phone(
    entry: dict[str, Any], *, normalise: bool = True, formatted: bool = True
) -> dict[str, Any]:
    """The stored form of one `phones[]` entry. The keyword switches exist for the faults."""
    phone = entry.get("phone")
    stored: dict[str, Any] = {
        "phone": phone,
        "phone_formatted": phone,
        "type": entry.get("type"),
        "country": None,
    }
    if isinstance(phone, str) and normalise:
        match = _US.fullmatch(_SEPARATORS.sub("", phone))
        if match:
            area, exchange, line = match.groups()
            stored.update(
                phone=f"+1{area}{exchange}{line}",
                phone_formatted=f"+1 {area}-{exchange}-{line}",
                country="US",
            )
    if not formatted:
        stored["phone_formatted"] = None
    return stored
