"""A user's long-term memory as the device caches it (for offline use).

The cloud publishes each user's whole memory as one retained snapshot with a
revision that only increases; facts carry their own version and an expiry, and
forgotten facts stay as tombstones for a while. A device that was offline gets
the newest snapshot when it reconnects and replaces its cache with it, so a
"forget that" reaches it even though it missed the moment it was said.

    {"format": "tandem-memory/1", "user": "alice", "rev": 12,
     "facts": {"coffee": {"value": "black", "version": 3, "expires_at": 1790000000.0}},
     "tombstones": {"address": 11}}
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from edge.fleet.store import DeviceStore

FORMAT = "tandem-memory/1"
MAX_SNAPSHOT_BYTES = 256 * 1024


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


def parse_snapshot(payload: bytes) -> dict[str, Any]:
    if len(payload) > MAX_SNAPSHOT_BYTES:
        raise MemoryRejected(f"memory snapshot of {len(payload)} bytes is over the limit")
    try:
        raw = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MemoryRejected(f"memory snapshot is not JSON ({exc})") from None
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
    return raw


class MemoryCache:
    """Snapshots per user, newest revision wins, persisted atomically when given a store."""

    def __init__(self, store: DeviceStore | None = None) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._users: dict[str, dict[str, Any]] = store.load_memory() if store else {}
        self.rejected: list[str] = []

    def offer(self, payload: bytes) -> bool:
        """Take a snapshot if it is newer than the cached one; False if ignored or bad."""
        try:
            snapshot = parse_snapshot(payload)
        except MemoryRejected as exc:
            self.rejected.append(str(exc))
            return False
        with self._lock:
            cached = self._users.get(snapshot["user"])
            if cached is not None and snapshot["rev"] <= cached["rev"]:
                return False
            self._users[snapshot["user"]] = snapshot
            if self._store is not None:
                self._store.save_memory(self._users)
        return True

    def rev(self, user: str) -> int:
        cached = self._users.get(user)
        return int(cached["rev"]) if cached else 0

    def facts(self, user: str, at: float | None = None) -> dict[str, Fact]:
        """The user's facts that have not expired (works offline: no network needed)."""
        at = time.time() if at is None else at
        cached = self._users.get(user) or {"facts": {}}
        facts = {
            key: Fact(key, f["value"], f["version"], f.get("expires_at"))
            for key, f in cached["facts"].items()
        }
        return {key: fact for key, fact in facts.items() if fact.live(at)}
