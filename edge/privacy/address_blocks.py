"""Japanese addresses by block: "3 Chome-2-17 Ginza", "1-chome 4-2 Shibakoen", "2丁目3-1",
"15-3 Shibuya 2-chome".

A Japanese address numbers the district's chōme (a block group), the block and the
building, written with "Chome" between the first two numbers, then the district's name;
the ward and city after a comma are the locality (address_parts.widen adds them).
"""

from __future__ import annotations

import re

from edge.privacy.spans import Span

CHOME = re.compile(
    r"\b\d{1,2}\s?-?\s?(?:chome|chōme|choume)\s?-?\s?\d{1,4}(?:\s?-\s?\d{1,4})?"
    r"|\d{1,2}\s?丁目\s?\d{1,4}(?:\s?[-番]\s?\d{1,4})?号?", re.IGNORECASE)
# The building's numbers first, then the district and its chōme: "15-3 Shibuya 2-chome",
# "4-2 Jingumae 1-chome" (the numbers after it elided).
_NUMBERS_FIRST = re.compile(
    r"\b\d{1,4}-\d{1,4}(?:-\d{1,4})?,?\s[A-Z][a-z]+(?:-[A-Za-z]+)?\s\d{1,2}\s?-?\s?"
    r"(?:chome|chōme|choume)\b", re.IGNORECASE)
# The district after the numbers: one or two capitalised words ("Ginza", "Nishi-Shinjuku").
_DISTRICT = re.compile(r"(?:\s[A-Z][a-z]+(?:-[A-Za-z]+)?){1,2}\b")
_DISTRICT_BEFORE = re.compile(r"\b[A-Z][a-z]+(?:-[A-Za-z]+)?\s$")


def chome_addresses(text: str) -> list[Span]:
    """Each block address with its district, before ("Ginza 3-chome 2-17") or after."""
    found = []
    for m in CHOME.finditer(text):
        start, end = m.start(), m.end()
        after = _DISTRICT.match(text, end)
        if after is not None:
            end = after.end()
        else:
            before = _DISTRICT_BEFORE.search(text, 0, start)
            if before is not None:
                start = before.start()
        found.append(Span(start, end, "address"))
    found.extend(Span(m.start(), m.end(), "address") for m in _NUMBERS_FIRST.finditer(text))
    return found
