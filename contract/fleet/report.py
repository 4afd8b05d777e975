"""Messages a device publishes about itself: what it applied (report) and whether it is up.

An MQTT PUBACK only says the broker took the message, so these are the only
acknowledgements the operator trusts. Both are retained, so `fleet status`
reads the whole fleet's state from the broker at any time.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, fields

from contract.fleet import jsontext

APPLIED = "applied"
REJECTED = "rejected"
BOOTED = "booted"  # the report a device sends on (re)connect, before any new policy


@dataclass(frozen=True)
class Report:
    device: str
    applied_version: int  # 0: no policy yet, running on defaults
    applied_digest: str
    status: str  # APPLIED, REJECTED or BOOTED
    reason: str = ""
    subject_version: int | None = None  # the version this report is about (rejected or applied)
    generation: int = 0
    at: float = 0.0

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, payload: bytes) -> Report:
        """The report, or ValueError / KeyError / TypeError for anything else (a reader
        must never hold a report whose fields it cannot compare)."""
        raw = jsontext.loads(payload)
        if not isinstance(raw, dict):
            raise TypeError("a report is a JSON object")
        report = cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw})
        for field in fields(cls):
            value = getattr(report, field.name)
            wanted = _REPORT_TYPES[field.name]
            if isinstance(value, bool) or not isinstance(value, wanted):
                raise TypeError(f"report field {field.name!r} is {type(value).__name__}")
        return report


@dataclass(frozen=True)
class Presence:
    """Birth (online) and last will (offline), both tagged with the session generation.

    A reader keeps the highest generation it has seen; for the same generation
    "offline" wins (the will is that session's last word). A stale will from an
    older session therefore never hides a newer birth.
    """

    device: str
    online: bool
    generation: int
    at: float = 0.0

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, payload: bytes) -> Presence:
        """The presence, or ValueError / KeyError / TypeError for anything else."""
        raw = jsontext.loads(payload)
        try:
            return cls(str(raw["device"]), bool(raw["online"]), int(raw["generation"]),
                       float(raw.get("at", 0.0)))
        except OverflowError:  # a generation of 1e999, a time of 10**400
            raise ValueError("presence: a number out of range") from None

    def supersedes(self, other: Presence | None) -> bool:
        if other is None or self.generation > other.generation:
            return True
        return self.generation == other.generation and not self.online


_REPORT_TYPES: dict[str, type | tuple[type, ...]] = {
    "device": str, "applied_version": int, "applied_digest": str, "status": str,
    "reason": str, "subject_version": (int, type(None)), "generation": int,
    "at": (int, float),
}


def now() -> float:
    return time.time()
