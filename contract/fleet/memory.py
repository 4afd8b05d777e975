"""A user's long-term memory on the wire: the signed snapshot both sides read.

The cloud publishes each user's whole memory as one retained snapshot with a
revision that only increases, signed (Ed25519, by a key the device trusts, in an
envelope like a policy's) so a broker or a stolen service certificate cannot
plant facts; facts carry their own version and an expiry, and
forgotten facts stay as tombstones for a while. A device that was offline gets
the newest snapshot when it reconnects and replaces its cache with it, so a
"forget that" reaches it even though it missed the moment it was said.

    {"format": "tandem-memory-envelope/1", "key_id": "...", "signature": "...",
     "snapshot": "{\"format\": \"tandem-memory/1\", \"user\": \"alice\", \"rev\": 12,
                  \"facts\": {\"coffee\": {\"value\": \"black\", \"version\": 3,
                                        \"expires_at\": 1790000000.0}},
                  \"tombstones\": {\"address\": {\"version\": 11, \"at\": 1789000000.0}}}"}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from contract.fleet import jsontext
from contract.fleet.signing import MEMORY, SigningKey, TrustedKeys

FORMAT = "tandem-memory/1"
ENVELOPE = "tandem-memory-envelope/1"
MAX_SNAPSHOT_BYTES = 256 * 1024  # the signed envelope, as published


class MemoryRejected(ValueError):
    pass


@dataclass(frozen=True)
class Fact:
    key: str
    value: str
    version: int
    expires_at: float | None = None  # unix time; None: until forgotten

    def live(self, at: float) -> bool:
        return self.expires_at is None or at < self.expires_at


def seal_snapshot(snapshot: bytes, key: SigningKey) -> bytes:
    """The signed envelope the cloud publishes for one snapshot (JSON bytes)."""
    envelope = {"format": ENVELOPE, "key_id": key.key_id, "signature": key.sign(snapshot, MEMORY),
                "snapshot": snapshot.decode()}
    return within_limit(json.dumps(envelope, separators=(",", ":")).encode())


def within_limit(payload: bytes) -> bytes:
    if len(payload) > MAX_SNAPSHOT_BYTES:
        raise ValueError(f"memory is {len(payload)} bytes; the limit is {MAX_SNAPSHOT_BYTES}")
    return payload


def open_snapshot(payload: bytes, trusted: TrustedKeys) -> dict[str, Any]:
    """Check size, envelope and signature, then the snapshot. Raises MemoryRejected."""
    if len(payload) > MAX_SNAPSHOT_BYTES:
        raise MemoryRejected(f"memory snapshot of {len(payload)} bytes is over the limit")
    try:
        envelope = jsontext.loads(payload)
    except ValueError as exc:
        raise MemoryRejected(f"memory snapshot is not JSON ({exc})") from None
    if not isinstance(envelope, dict) or envelope.get("format") != ENVELOPE:
        raise MemoryRejected(f"not a signed {ENVELOPE}; unsigned memory is never taken")
    kid, signature, text = (envelope.get(k) for k in ("key_id", "signature", "snapshot"))
    if not isinstance(kid, str) or not isinstance(signature, str) or not isinstance(text, str):
        raise MemoryRejected("memory envelope needs 'key_id', 'signature' and 'snapshot'")
    if not trusted.verify(kid, text.encode(), signature, MEMORY):
        raise MemoryRejected(f"memory signature does not match a trusted key ({kid})")
    return _parse_snapshot(text)


def _parse_snapshot(text: str) -> dict[str, Any]:
    try:
        raw = jsontext.loads(text)
    except ValueError as exc:
        raise MemoryRejected(f"signed memory snapshot is not JSON ({exc})") from None
    return check_snapshot(raw)


def check_snapshot(raw: object) -> dict[str, Any]:
    """A decoded snapshot, if it has the shape a reader relies on; else MemoryRejected.
    (Also for one read back from the device's own cache file.)"""
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise MemoryRejected(f"not a {FORMAT} snapshot")
    if not isinstance(raw.get("rev"), int) or not isinstance(raw.get("user"), str):
        raise MemoryRejected("memory snapshot needs an integer 'rev' and a 'user'")
    facts, tombstones = raw.get("facts"), raw.get("tombstones")
    if not isinstance(facts, dict) or not isinstance(tombstones, dict):
        raise MemoryRejected("memory snapshot needs 'facts' and 'tombstones' mappings")
    for key, fact in facts.items():
        if (not isinstance(fact, dict) or not isinstance(fact.get("value"), str)
                or not isinstance(fact.get("version"), int)):
            raise MemoryRejected(f"fact {key!r} needs a string value and an integer version")
        expires = fact.get("expires_at")
        if expires is not None and (isinstance(expires, bool)
                                    or not isinstance(expires, int | float)):
            raise MemoryRejected(f"fact {key!r}: 'expires_at' must be a number (unix time)")
    return raw
