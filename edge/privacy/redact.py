"""The redactor: every detector over one tokenisation, overlaps merged, placeholders in.

    redactor = Redactor(contacts=inventory.contacts)
    redactor("call Tomas on 555 123 4567")      -> "call [name] on [phone]"
    redactor.redact(text).spans                  -> (Span(5, 10, "name"), Span(14, 26, "phone"))

Every kind is on by default (KINDS); there is no switch that turns one off, so a caller
(or a fleet policy) can only add to it: more names to hide. Redacting a redacted text
changes nothing: placeholders are never found again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import lru_cache

from edge.privacy.addresses import find_addresses
from edge.privacy.credentials import find_secrets
from edge.privacy.dates_of_birth import find_birth_dates
from edge.privacy.emails import find_emails
from edge.privacy.health import find_health
from edge.privacy.names import contact_phrases, find_names
from edge.privacy.numbers import find_numbers
from edge.privacy.spans import PLACEHOLDER, Redaction, Span, apply, merge
from edge.privacy.text import Token, tokens

Detector = Callable[[str, tuple[Token, ...]], list[Span]]
DETECTORS: tuple[Detector, ...] = (find_emails, find_numbers, find_secrets, find_birth_dates,
                                   find_addresses)
WITHHELD = "[withheld]"  # the whole text, when a detector failed on it
log = logging.getLogger(__name__)
MAX_CHARS = 20_000  # a longer text is redacted in pieces of this size (a transcript is short)


class Redactor:
    """Finds personal data in a text; `contacts` are names that are always a name."""

    def __init__(self, contacts: Iterable[str] = ()) -> None:
        self.contacts = contact_phrases(contacts)

    def spans(self, text: str) -> tuple[Span, ...]:
        if len(text) > MAX_CHARS:
            return tuple(Span(s.start + at, s.end + at, s.kind)
                         for at in range(0, len(text), MAX_CHARS)
                         for s in self.spans(text[at:at + MAX_CHARS]))
        toks = tokens(text)
        found: list[Span] = []
        for detect in DETECTORS:
            found.extend(detect(text, toks))
        names = find_names(text, toks, self.contacts)
        found.extend(names)
        found.extend(find_health(text, toks, names))  # "bridget's dementia": a name's
        return merge(_outside_placeholders(text, _numbers_in_addresses(
            _numbers_in_dates(found), text)))

    def redact(self, text: str) -> Redaction:
        spans = self.spans(text)
        return Redaction(text, apply(text, spans), spans)

    def __call__(self, text: str) -> str:
        """`text` with its personal data replaced. A detector that fails on it (a bug) must
        neither let the text leave unredacted nor stop the voice loop that prints, traces or
        sends it: the whole text is withheld and the failure logged."""
        if not text:
            return text
        try:
            return self.redact(text).redacted
        except Exception:  # noqa: BLE001  (fail closed, whatever the bug)
            log.exception("redaction failed; the text is withheld")
            return WITHHELD


def _outside_placeholders(text: str, found: list[Span]) -> list[Span]:
    """Findings less those that start on a placeholder of an earlier redaction, trimmed
    off the placeholders and the spaces and punctuation at their edges."""
    marks = [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)] if "[" in text else []
    kept: list[Span] = []
    for span in found:
        start, end = span.start, span.end
        if any(a <= start < b for a, b in marks):
            continue  # found because of a placeholder ("password is [secret]")
        for a, b in marks:
            if a < end <= b:
                end = a
        while start < end and not text[start].isalnum() and text[start] not in "+(#":
            start += 1
        while end > start and not text[end - 1].isalnum() and text[end - 1] not in ")!&":
            end -= 1
        if end > start and not any(start <= a and b <= end or a <= start < b
                                   for a, b in marks):
            kept.append(Span(start, end, span.kind))  # none left on or around a placeholder
    return kept


def _numbers_in_dates(found: list[Span]) -> list[Span]:
    """Findings less the phone numbers inside a date of birth: "date of birth 06 26 1994"
    is eight digits, but a date."""
    dates = [s for s in found if s.kind == "dob"]
    if not dates:
        return found
    return [s for s in found if not (s.kind == "phone" and any(
        d.start <= s.start and s.end <= d.end for d in dates))]


def _numbers_in_addresses(found: list[Span], text: str) -> list[Span]:
    """Findings less the phone numbers inside an address: "Storgatan 12, 114 51 Stockholm"
    is a house number and a postal code, not the number "12, 114 51"; a phone number that
    runs on into an address's house number ends before it ("(713) 555-0164, 4410
    Westheimer Road")."""
    homes = [s for s in found if s.kind == "address"]
    if not homes:
        return found
    kept = []
    for s in found:
        if s.kind == "phone":
            if any(h.start <= s.start and s.end <= h.end and h != s for h in homes):
                continue
            cut = min((h.start for h in homes if s.start < h.start < s.end), default=None)
            if cut is not None:
                end = cut
                while end > s.start and not text[end - 1].isalnum() and text[end - 1] != ")":
                    end -= 1
                s = Span(s.start, end, "phone")
        kept.append(s)
    return kept


def redact_texts(value: object, redact: Callable[[str], str]) -> object:
    """`value` (JSON-like: strings, dicts, lists, numbers) with every string redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_texts(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_texts(v, redact) for v in value]
    return value


@lru_cache(maxsize=8)
def redactor_for(contacts: tuple[str, ...] = ()) -> Redactor:
    """A shared redactor for this set of contacts (the default one for none)."""
    return Redactor(contacts)


def default_redactor() -> Redactor:
    return redactor_for(())
