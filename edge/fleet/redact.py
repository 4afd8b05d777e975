"""Remove personal data from text before it leaves the device (policy privacy setting).

Rule based and conservative: e-mail addresses, phone and card-like numbers,
street addresses with a number, and the names the device knows to be personal
(contacts from the inventory, the user's name). Each becomes a typed
placeholder such as "[email]", so the cloud can still tell what was asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Runs of 7+ digits, allowing spaces, dots, dashes and brackets between them.
_NUMBER = re.compile(r"(?<!\w)\+?(?:\d[\s().-]?){6,}\d(?!\w)")
_ADDRESS = re.compile(
    r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|"
    r"boulevard|blvd|way|court|ct|place|pl)\b\.?",
    re.IGNORECASE,
)


class Redactor:
    def __init__(self, names: Iterable[str] = ()) -> None:
        words = sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)
        self._names = (
            re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
            if words else None
        )

    def __call__(self, text: str) -> str:
        text = _EMAIL.sub("[email]", text)
        text = _ADDRESS.sub("[address]", text)
        text = _NUMBER.sub("[number]", text)
        if self._names is not None:
            text = self._names.sub("[name]", text)
        return text
