"""Each user's long-term memory in the cloud, published to that user's devices.

The store is the source of truth: facts with a per-fact version and an optional
time to live; "forget" replaces a fact with a tombstone. Every change bumps the
user's revision and publishes the whole snapshot, signed and retained, on the
user's memory topic (contract.fleet.memory describes the format), so devices that were
offline converge when they reconnect, forgotten facts included. Tombstones
are dropped after `tombstone_ttl_s`; by then every device has a newer snapshot
or gets one when it returns (snapshots replace, they do not merge).
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from contract.files import atomic_write
from contract.fleet import names
from contract.fleet.memory import FORMAT, seal_snapshot, within_limit
from contract.fleet.names import check_name
from contract.fleet.signing import SigningKey

Publish = Callable[[str, bytes], None]


class MemoryStore:
    def __init__(self, path: Path | None = None, publish: Publish | None = None,
                 key: SigningKey | None = None, tombstone_ttl_s: float = 30 * 86400,
                 clock: Callable[[], float] = time.time) -> None:
        if publish is not None and key is None:
            raise ValueError("published memory is signed: give the fleet's signing key")
        self.path = path
        self.publish = publish
        self.key = key
        self.tombstone_ttl_s = tombstone_ttl_s
        self.clock = clock
        self._lock = threading.Lock()
        self._users: dict[str, dict[str, Any]] = {}
        if path is not None and path.exists():
            self._users = json.loads(path.read_text(encoding="utf-8"))

    def remember(self, user: str, key: str, value: str, ttl_s: float | None = None) -> int:
        """Add or change a fact; returns the user's new revision."""
        check_name("user", user)
        if not key or not isinstance(value, str):
            raise ValueError("a fact needs a key and a string value")
        with self._lock:
            snap = copy.deepcopy(self._snapshot(user))
            version = snap["rev"] + 1
            expires = None if ttl_s is None else self.clock() + ttl_s
            snap["facts"][key] = {"value": value, "version": version, "expires_at": expires}
            snap["tombstones"].pop(key, None)
            return self._commit(user, snap, version)

    def forget(self, user: str, key: str) -> int:
        """'Forget that': the fact disappears from the cloud and, via a tombstone, everywhere."""
        with self._lock:
            snap = copy.deepcopy(self._snapshot(user))
            version = snap["rev"] + 1
            snap["facts"].pop(key, None)
            snap["tombstones"][key] = {"version": version, "at": self.clock()}
            return self._commit(user, snap, version)

    def facts(self, user: str) -> dict[str, str]:
        now = self.clock()
        snap = self._users.get(user) or {"facts": {}}
        return {k: f["value"] for k, f in snap["facts"].items()
                if f["expires_at"] is None or now < f["expires_at"]}

    def signed_snapshot(self, user: str) -> bytes:
        """What devices get: the user's current snapshot in its signed envelope."""
        assert self.key is not None, "no signing key"
        with self._lock:
            return seal_snapshot(_dump(self._snapshot(user)), self.key)

    def republish_all(self) -> None:
        """After a broker restart that may have lost retained snapshots."""
        for user in list(self._users):
            if self.publish is not None:
                self.publish(names.user_memory(user), self.signed_snapshot(user))

    def _snapshot(self, user: str) -> dict[str, Any]:
        snap = self._users.setdefault(
            user, {"format": FORMAT, "user": user, "rev": 0, "facts": {}, "tombstones": {}})
        now = self.clock()
        snap["facts"] = {k: f for k, f in snap["facts"].items()
                         if f["expires_at"] is None or now < f["expires_at"]}
        snap["tombstones"] = {k: t for k, t in snap["tombstones"].items()
                              if now - t["at"] < self.tombstone_ttl_s}
        return snap

    def _commit(self, user: str, snap: dict[str, Any], rev: int) -> int:
        """Store the changed copy `snap`, unless it is too big (then nothing changes)."""
        snap["rev"] = rev
        body = _dump(snap)
        try:  # a store that publishes has a key (see __init__): it publishes the envelope
            payload = seal_snapshot(body, self.key) if self.key else within_limit(body)
        except ValueError as exc:
            raise ValueError(f"{user}'s memory is full: {exc}") from None
        self._users[user] = snap
        if self.path is not None:
            atomic_write(self.path, json.dumps(self._users).encode())
        if self.publish is not None:
            self.publish(names.user_memory(user), payload)
        return rev


def _dump(snapshot: dict[str, Any]) -> bytes:
    return json.dumps(snapshot, separators=(",", ":")).encode()
