"""The operator's record of pushed policies: the version counter and the last good documents.

Versions are one counter for the whole fleet and only increase. Pushing is a
compare-and-set on that counter, under an exclusive file lock, so two operators
pushing at once cannot both claim the same version (AWS shadow 409, Ditto 412).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract.files import atomic_write


class VersionConflict(Exception):
    pass


@dataclass
class History:
    path: Path

    @contextlib.contextmanager
    def locked(self) -> Iterator[dict[str, Any]]:
        """Read-modify-write the history under an exclusive lock."""
        lock = self.path.with_suffix(".lock")
        lock.parent.mkdir(parents=True, exist_ok=True)
        with lock.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                state = self.read()
                yield state
                atomic_write(self.path, (json.dumps(state, indent=1) + "\n").encode())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read(self) -> dict[str, Any]:
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            state = {}
        state.setdefault("max_version", 0)
        state.setdefault("targets", {})
        state.setdefault("rollouts", [])
        return state

    def claim(self, version: int, expected_max: int | None = None) -> None:
        """Compare-and-set: take `version` if it is above every version pushed so far."""
        with self.locked() as state:
            current = state["max_version"]
            if expected_max is not None and expected_max != current:
                raise VersionConflict(f"the fleet moved to version {current} meanwhile "
                                      f"(expected {expected_max}); re-read and retry")
            if version <= current:
                raise VersionConflict(f"version {version} is not above the latest pushed "
                                      f"version {current}; use {current + 1} or higher")
            state["max_version"] = version

    def next_version(self) -> int:
        return int(self.read()["max_version"]) + 1

    def record(self, target: str, version: int, document: dict[str, Any], outcome: str,
               detail: dict[str, Any]) -> None:
        with self.locked() as state:
            entry = state["targets"].setdefault(target, {"good": [], "docs": {}})
            entry["docs"][str(version)] = document
            if outcome == "succeeded":
                entry["good"].append(version)
            state["rollouts"].append({"target": target, "version": version,
                                      "outcome": outcome, **detail})

    def good_documents(self, target: str) -> list[tuple[int, dict[str, Any]]]:
        entry = self.read()["targets"].get(target) or {"good": [], "docs": {}}
        return [(v, entry["docs"][str(v)]) for v in entry["good"]]
