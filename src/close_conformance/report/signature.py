"""A failure's stable signature: what stays the same when the same divergence is met again.

A baseline entry must match next week's run of the same divergence, whatever the seed, the ids the
server minted or the time of day: the signature is the rule, the operation and the failure's first
message line with generated and minted values taken out (quoted values, object ids, timestamps,
long numbers, JSON literals). Status codes and wording stay: they are what the divergence is.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["failure_signature", "normal_message"]

_RULE_TAG = re.compile(r"^\s*\[[a-z][a-z0-9_]*(?:\.[a-z0-9_-]+)+\]\s*")
_REPLACEMENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A quote opens after a non-word character only: "the PUT's answer" keeps its apostrophe.
    (re.compile(r"(?<!\w)'(?:[^'\\]|\\.)*'(?!\w)|(?<!\w)\"(?:[^\"\\]|\\.)*\"|`[^`]*`"), "<v>"),
    (re.compile(r"\{[^{}]*\}|\[[^\[\]]*\]"), "<v>"),
    (re.compile(r"\b[a-z]{2,10}_[A-Za-z0-9]{12,}\b"), "<id>"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ][0-9:.+\-Z]*"), "<time>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f-]{27}\b"), "<uuid>"),
    (re.compile(r"(?<![\w.])\d{4,}(?:\.\d+)?\b|\b\d+\.\d+\b"), "<n>"),
    (re.compile(r"https?://\S+?(/api/v1)?(?=/|\s|$)"), ""),
)


def normal_message(message: str) -> str:
    """The first line of a failure message, generated and minted values replaced by placeholders."""
    line = next((part for part in message.splitlines() if part.strip()), "")
    line = _RULE_TAG.sub("", line)
    for _ in range(3):  # nested literals: `{"a": [1, 2]}` needs more than one pass
        for pattern, placeholder in _REPLACEMENTS:
            line = pattern.sub(placeholder, line)
    return " ".join(line.split())[:300]


def failure_signature(rule: str, operation: str | None, message: str) -> str:
    """`sha256(rule | operation | normal message)`, first 16 hex digits."""
    text = f"{rule}|{operation or '-'}|{normal_message(message)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]
