"""Actions for later ("in fifteen minutes", "at 7 pm"): persisted, listable, cancellable.

Kept in SQLite beside the audit log, so a restart loses nothing: an action whose time came
while the device was off runs at start-up if it is less than `late_limit_s` late, and is
reported as missed otherwise (turning on the porch light six hours late helps nobody).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scheduled (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    due REAL NOT NULL,
    intent TEXT NOT NULL,
    slots TEXT NOT NULL,
    said TEXT NOT NULL,
    created REAL NOT NULL
);
"""


@dataclass(frozen=True)
class ScheduledAction:
    id: int
    due: float  # epoch seconds
    intent: str
    slots: dict[str, str | int]
    said: str  # what the user said, for listing ("turn off the porch light at 7 pm")


def next_clock_time(at: str, now: float) -> float:
    """The next local time "HH:MM" after `now` (today, else tomorrow)."""
    hour, minute = (int(part) for part in at.split(":"))
    local = dt.datetime.fromtimestamp(now).astimezone()
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate.timestamp() <= now:
        candidate += dt.timedelta(days=1)
    return candidate.timestamp()


class Schedule:
    def __init__(self, path: Path | str, late_limit_s: float = 600.0) -> None:
        self.late_limit_s = late_limit_s
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)

    def add(self, intent: str, slots: dict[str, str | int], said: str, *,
            delay_s: float | None = None, at: str | None = None,
            now: float | None = None) -> ScheduledAction:
        now = time.time() if now is None else now
        if (delay_s is None) == (at is None):
            raise ValueError("give exactly one of delay_s and at")
        due = now + delay_s if delay_s is not None else next_clock_time(str(at), now)
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO scheduled (due, intent, slots, said, created) VALUES (?,?,?,?,?)",
                (due, intent, json.dumps(slots), said, now))
        return ScheduledAction(int(cursor.lastrowid or 0), due, intent, dict(slots), said)

    def pending(self) -> list[ScheduledAction]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, due, intent, slots, said FROM scheduled ORDER BY due").fetchall()
        return [ScheduledAction(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]

    def cancel(self, action_id: int | None = None) -> int:
        """Cancel one (by id) or all; returns how many."""
        with self._lock:
            if action_id is None:
                return int(self._db.execute("DELETE FROM scheduled").rowcount)
            return int(self._db.execute("DELETE FROM scheduled WHERE id = ?",
                                        (action_id,)).rowcount)

    def take_due(self, now: float | None = None
                 ) -> tuple[list[ScheduledAction], list[ScheduledAction]]:
        """Remove and return what is due: (to run now, missed: too late to run)."""
        now = time.time() if now is None else now
        with self._lock:
            rows = self._db.execute(
                "SELECT id, due, intent, slots, said FROM scheduled WHERE due <= ? ORDER BY due",
                (now,)).fetchall()
            self._db.executemany("DELETE FROM scheduled WHERE id = ?", [(r[0],) for r in rows])
        due = [ScheduledAction(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]
        return ([a for a in due if now - a.due <= self.late_limit_s],
                [a for a in due if now - a.due > self.late_limit_s])

    def close(self) -> None:
        with self._lock:
            self._db.close()
