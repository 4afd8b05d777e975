"""Kitchen timers: start, cancel, pause, resume, add or take time, ask what is left, on the
device's own clock.

A timer that runs out rings: `due()` gives its line (said as proactive speech) at once and
again every `RING_REPEAT_S` until someone stops it (`silence()`, or "cancel the timer" /
"never mind" while it rings, which then stop the ringing rather than another timer) or
`RING_FOR_S` has passed, when it stops by itself.

With a path (`state_dir / "timers.db"`) the timers are kept in SQLite, so a restart keeps
them: wall-clock end times (`time.time()`; a monotonic clock starts again with the machine)
and, for a paused timer, the seconds left. A timer that ran out while the device was off
rings as soon as it is back ("... finished while I was off."). A database that cannot be
read (corrupt, or another version) is left untouched for a person to look at: one warning
names the file, and the timers live in memory only until the next start. Without a path
they are only ever in memory.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from edge.messages import Understanding
from edge.skills.confirm import FollowUp

log = logging.getLogger(__name__)

RING_REPEAT_S = 8.0  # a ringing timer says its line again this often...
RING_FOR_S = 300.0  # ...for at most this long, then stops by itself (nobody is home)
DB_VERSION = 1  # PRAGMA user_version of timers.db; another one is refused, not guessed at

_STOPS_RINGING = frozenset({"HassCancelTimer", "HassCancelAllTimers"})


@dataclass
class Timer:
    seconds: int  # as set (what it is called: "the timer for 10 minutes")
    ends_at: float  # wall clock (time.time()), so that a restart keeps it
    paused_left: float | None = None  # seconds left while paused
    ended_while_off: bool = False  # it ran out before this start: its line says so

    def left_s(self, now: float) -> float:
        if self.paused_left is not None:
            return self.paused_left
        return max(0.0, self.ends_at - now)

    def ran_out(self, now: float) -> bool:
        return self.paused_left is None and self.ends_at <= now

    @property
    def line(self) -> str:
        """What it says while it rings."""
        name = f"The timer for {_spoken(self.seconds)}"
        return f"{name} finished while I was off." if self.ended_while_off else f"{name} is done."


@dataclass
class Ringing:
    timer: Timer
    since: float  # when it first rang (wall clock)
    next_at: float  # when it says its line again


def spoken_duration(hours: int, minutes: int, seconds: int) -> str:
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((hours, "hour"), (minutes, "minute"), (seconds, "second"))
        if n
    ]
    return " and ".join(parts) if parts else "zero seconds"


def spoken_seconds(text: str) -> int:
    """ "ten minutes", "1 hour and 30 minutes", "half an hour" -> seconds (0: none)."""
    from edge.nlu.plan import duration_of
    from edge.nlu.text import words_of

    words = words_of(text)
    return max((duration_of(words[i:]) for i in range(len(words))), default=0)


def _spoken(seconds: int) -> str:
    return spoken_duration(seconds // 3600, seconds // 60 % 60, seconds % 60)


_Row = tuple[int, float, float | None]


class TimerStore:
    """The timers in one SQLite file, rewritten whole on each change (a handful of rows)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._saved: list[_Row] = []

    @classmethod
    def open(cls, path: Path) -> tuple[TimerStore, list[Timer]]:
        """The store and the timers in it, oldest first; sqlite3.Error (or ValueError,
        TypeError for rows that aren't timers) if it can't be read."""
        db = sqlite3.connect(str(path), check_same_thread=False)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, DB_VERSION):  # 0: a new file
                raise sqlite3.DatabaseError(f"version {version}, this device reads "
                                            f"{DB_VERSION}")
            with db:
                db.execute("CREATE TABLE IF NOT EXISTS timers (seconds INTEGER NOT NULL, "
                           "ends_at REAL NOT NULL, paused_left REAL)")
            db.execute(f"PRAGMA user_version = {DB_VERSION}")
            rows: list[_Row] = [
                (int(s), float(e), None if p is None else float(p)) for s, e, p in
                db.execute("SELECT seconds, ends_at, paused_left FROM timers ORDER BY rowid")]
        except (sqlite3.Error, ValueError, TypeError):  # unreadable, or rows that aren't timers
            db.close()
            raise
        store = cls(db)
        store._saved = rows
        return store, [Timer(s, e, p) for s, e, p in rows]

    def save(self, timers: list[Timer]) -> None:
        rows = [(t.seconds, t.ends_at, t.paused_left) for t in timers]
        with self._lock:
            if rows == self._saved:  # due() asks twice a second: write only what changed
                return
            with self._db:  # one transaction: all of it or none
                self._db.execute("DELETE FROM timers")
                self._db.executemany("INSERT INTO timers (seconds, ends_at, paused_left) "
                                     "VALUES (?, ?, ?)", rows)
            self._saved = rows

    def close(self) -> None:
        self._db.close()


class TimerSkill:
    intents = frozenset({"HassStartTimer", "HassCancelTimer", "HassCancelAllTimers",
                         "HassTimerStatus", "HassPauseTimer", "HassUnpauseTimer",
                         "HassIncreaseTimer", "HassDecreaseTimer"})

    def __init__(self, path: Path | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._clock = clock  # wall clock; tests pass their own so nothing sleeps
        self.timers: list[Timer] = []  # running or paused, the latest last ("the timer")
        self._ringing: list[Ringing] = []
        self._store: TimerStore | None = None
        self.path = path
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            self._store, self.timers = TimerStore.open(path)
        except (sqlite3.Error, ValueError, TypeError) as e:
            log.warning("timers: cannot read %s (%s); timers are kept in memory only until "
                        "the next start, and the file is left as it is", path, e)
            return
        now = self._clock()
        for timer in self.timers:
            timer.ended_while_off = timer.ran_out(now)  # it rings at the next due()

    def _save(self) -> None:
        if self._store is None:
            return
        try:  # ringing ones too: a restart before anyone stops them rings them again
            self._store.save(self.timers + [r.timer for r in self._ringing])
        except sqlite3.Error as e:
            log.warning("timers: cannot write %s (%s); timers are kept in memory only from "
                        "now on", self.path, e)
            self._store.close()
            self._store = None

    @property
    def ringing(self) -> tuple[Timer, ...]:
        """The timers ringing now (empty, so false, when none is)."""
        return tuple(r.timer for r in self._ringing)

    def silence(self) -> int:
        """Stop every ringing timer (they are gone); how many there were."""
        count, self._ringing = len(self._ringing), []
        self._save()
        return count

    def stop_ringing(self) -> str | None:
        """Silence what rings and say so; None when nothing was ringing."""
        count = self.silence()
        if not count:
            return None
        return "Timer stopped." if count == 1 else f"{count} timers stopped."

    def handle(self, understanding: Understanding) -> str | FollowUp:
        if understanding.intent in _STOPS_RINGING:  # "cancel the timer": the one that rings
            stopped = self.stop_ringing()
            if stopped is not None:
                return stopped
        said = self._change(understanding)
        self._save()
        return said

    def _change(self, understanding: Understanding) -> str | FollowUp:
        intent = understanding.intent
        h, m, s = (int(understanding.slots.get(k, 0)) for k in ("hours", "minutes", "seconds"))
        total = 3600 * h + 60 * m + s
        now = self._clock()
        if intent == "HassStartTimer":
            if total <= 0:
                return FollowUp("For how long?", self._for_how_long)
            self.timers.append(Timer(total, now + total))
            return f"Timer set for {spoken_duration(h, m, s)}."
        if not self.timers:
            return "There is no timer running."
        timer = self.timers[-1]  # the latest: "the timer"
        if intent == "HassCancelAllTimers":
            count, self.timers = len(self.timers), []
            return "Timer cancelled." if count == 1 else f"All {count} timers cancelled."
        if intent == "HassCancelTimer":
            self.timers.pop()
            return "Timer cancelled."
        if intent == "HassTimerStatus":
            left = _spoken(round(timer.left_s(now)))
            return f"{left} left{' (paused)' if timer.paused_left is not None else ''}."
        if intent == "HassPauseTimer":
            if timer.paused_left is None:
                timer.paused_left = timer.left_s(now)
            return "Timer paused."
        if intent == "HassUnpauseTimer":
            if timer.paused_left is not None:
                timer.ends_at, timer.paused_left = now + timer.paused_left, None
            return "Timer resumed."
        if total <= 0:
            return "By how much?"
        delta = total if intent == "HassIncreaseTimer" else -total
        if timer.paused_left is not None:
            timer.paused_left = max(1.0, timer.paused_left + delta)
        else:
            timer.ends_at = max(now + 1, timer.ends_at + delta)
        return f"{_spoken(round(timer.left_s(now)))} left."

    async def _for_how_long(self, transcript: str) -> str:
        """The answer to "For how long?": "ten minutes", "an hour and a half"..."""
        seconds = spoken_seconds(transcript)
        if not seconds:
            return "I didn't catch how long, so I didn't set a timer."
        h, m, s = seconds // 3600, seconds // 60 % 60, seconds % 60
        return str(self.handle(Understanding("HassStartTimer",
                                             {"hours": h, "minutes": m, "seconds": s}, 1.0)))

    def due(self) -> list[str]:
        """What the ringing timers say now: a timer's line when it runs out, then again every
        RING_REPEAT_S until it is silenced or has rung for RING_FOR_S (then it is dropped)."""
        now = self._clock()
        for timer in [t for t in self.timers if t.ran_out(now)]:
            self.timers.remove(timer)
            self._ringing.append(Ringing(timer, since=now, next_at=now))
        self._ringing = [r for r in self._ringing if now - r.since < RING_FOR_S]
        said = []
        for ringing in self._ringing:
            if now >= ringing.next_at:
                said.append(ringing.timer.line)
                ringing.next_at = now + RING_REPEAT_S
        self._save()
        return said
