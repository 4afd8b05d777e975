"""What redaction finds and what it makes: typed spans and the redacted text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["name", "phone", "card", "dob", "address", "email", "secret", "health"]
KINDS: tuple[Kind, ...] = ("name", "phone", "card", "dob", "address", "email", "secret",
                           "health")
# Where two findings overlap, their union takes the kind found first here.
PRIORITY: dict[str, int] = {k: i for i, k in enumerate(
    ("email", "card", "secret", "phone", "dob", "address", "health", "name"))}
PLACEHOLDER = re.compile(r"\[(?:" + "|".join(KINDS) + r")\]")


def placeholder(kind: str) -> str:
    return f"[{kind}]"


@dataclass(frozen=True, order=True)
class Span:
    """Characters [start, end) of the original text are personal data of this kind."""

    start: int
    end: int
    kind: Kind

    def to_json(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "kind": self.kind}


@dataclass(frozen=True)
class Redaction:
    text: str
    redacted: str
    spans: tuple[Span, ...]

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "redacted": self.redacted,
                "spans": [s.to_json() for s in self.spans]}


def merge(found: list[Span]) -> tuple[Span, ...]:
    """Overlapping findings become one span (their union) of the highest-priority kind."""
    merged: list[Span] = []
    for span in sorted(found):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            kind = min(last.kind, span.kind, key=PRIORITY.__getitem__)
            merged[-1] = Span(last.start, max(last.end, span.end), kind)
        else:
            merged.append(span)
    return tuple(merged)


def apply(text: str, spans: tuple[Span, ...]) -> str:
    parts, at = [], 0
    for span in spans:
        parts.append(text[at:span.start])
        parts.append(placeholder(span.kind))
        at = span.end
    parts.append(text[at:])
    return "".join(parts)
