"""The device's cache of its users' memories (contract/fleet/memory.py has the format)."""

from __future__ import annotations

import threading
import time
from typing import Any

from contract.fleet.memory import Fact, MemoryRejected, open_snapshot
from contract.fleet.signing import TrustedKeys
from edge.fleet.store import DeviceStore


class MemoryCache:
    """Snapshots per user, newest revision wins, persisted atomically when given a store."""

    def __init__(self, trusted: TrustedKeys, store: DeviceStore | None = None) -> None:
        self._trusted = trusted
        self._store = store
        self._lock = threading.Lock()
        self._users: dict[str, dict[str, Any]] = store.load_memory() if store else {}
        self.rejected: list[str] = []

    def offer(self, payload: bytes, user: str | None = None) -> bool:
        """Take a snapshot if it is newer than the cached one; False if ignored or bad.

        `user`: whose topic it came on; a snapshot of anyone else's memory is refused."""
        try:
            snapshot = open_snapshot(payload, self._trusted)
            if user is not None and snapshot["user"] != user:
                raise MemoryRejected(f"{snapshot['user']}'s memory on {user}'s topic")
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
