"""Drive hypothesis for a time budget, and count what each input did.

Each fuzzer is a strategy plus a check. The check runs on a watchdog thread: it returns
when the target behaved, raises `Lost` when the target survived but its state did not,
and anything else it raises is a crash. An input still running after `hang_s` is a hang
(the watchdog gives up on that thread and starts a fresh one). Uncaught exceptions in
other threads while a target runs (paho's network thread, say) are crashes too.

Hypothesis is run the ordinary way (`@given`, generate phase only, no database) in a loop
of short runs until the time is up; the check never raises into hypothesis, so nothing is
shrunk or replayed.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

MAX_NOTES = 8


class Lost(Exception):
    """The target is up, but the state it should have kept changed or became unreadable."""


class Hang(Exception):
    """The target did not answer within the bound (raised by checks with their own clock)."""


@dataclass
class Tally:
    target: str
    tried: int = 0
    crashes: int = 0
    hangs: int = 0
    lost: int = 0
    seconds: float = 0.0
    slow: int = 0  # inputs past the bound once and in time when tried again (a busy machine)
    oversize: dict[str, str] = field(default_factory=dict)  # payload -> what the broker did
    notes: list[str] = field(default_factory=list)  # the first few failures, one line each

    @property
    def failed(self) -> bool:
        return bool(self.crashes or self.hangs or self.lost)

    def note(self, kind: str, what: str) -> None:
        """Keep the first of each kind of failure (the same error at the same line once)."""
        line = f"{kind}: {what}"[:400]
        seen = {note.split(" for ")[0] for note in self.notes}
        if len(self.notes) < MAX_NOTES and line.split(" for ")[0] not in seen:
            self.notes.append(line)

    def crash(self, what: str) -> None:
        self.crashes += 1
        self.note("crash", what)

    def hang(self, what: str) -> None:
        self.hangs += 1
        self.note("hang", what)

    def lose(self, what: str) -> None:
        self.lost += 1
        self.note("state lost", what)

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "inputs": self.tried, "crashes": self.crashes,
                "hangs": self.hangs, "state_lost": self.lost, "slow_retried": self.slow,
                "seconds": round(self.seconds, 1), "oversize": self.oversize,
                "notes": self.notes}


def describe(value: object, keep: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= keep else f"{text[:keep]}...({len(text)} chars)"


def last_frame(exc: BaseException) -> str:
    """`Type: message at file:line` of where an exception was raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename.rsplit('/', 2)[-1]}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}: {str(exc)[:160]}{where}"


class Watchdog:
    """Runs one call at a time on a daemon thread, waiting at most `timeout_s` for it."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], object], queue.Queue[Any]]] | None = None

    def _start(self) -> queue.Queue[tuple[Callable[[], object], queue.Queue[Any]]]:
        jobs: queue.Queue[tuple[Callable[[], object], queue.Queue[Any]]] = queue.Queue()

        def serve() -> None:
            while True:
                call, reply = jobs.get()
                try:
                    reply.put((call(), None))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    reply.put((None, exc))

        threading.Thread(target=serve, name="abuse-check", daemon=True).start()
        return jobs

    def call(self, fn: Callable[[], object], timeout_s: float) -> object:
        """fn's result; re-raises what fn raised; Hang when it takes longer than timeout_s."""
        if self._jobs is None:
            self._jobs = self._start()
        reply: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._jobs.put((fn, reply))
        try:
            result, exc = reply.get(timeout=timeout_s)
        except queue.Empty:
            self._jobs = None  # that thread is stuck; the next call gets a new one
            raise Hang(f"no result after {timeout_s:g} s") from None
        if exc is not None:
            raise exc
        return result


# Uncaught exceptions in other threads since the last input (see `thread_crashes`).
_thread_deaths: list[str] = []


def check_one(tally: Tally, watchdog: Watchdog, check: Callable[[Any], object], value: Any,
              hang_s: float) -> None:
    """Run one input through `check` and count what happened (one outcome per input)."""
    tally.tried += 1
    count: Callable[[str], None] | None = None
    what = ""
    try:
        watchdog.call(lambda: check(value), hang_s)
    except Hang as exc:
        count, what = tally.hang, str(exc)
    except Lost as exc:
        count, what = tally.lose, str(exc)
    except Exception as exc:  # noqa: BLE001 - that is what is being counted
        count, what = tally.crash, last_frame(exc)
    if _thread_deaths:  # a thread that died is the crash, whatever the check saw after
        count, what = tally.crash, _thread_deaths[0]
        _thread_deaths.clear()
    if count is not None:
        count(f"{what} for {describe(value)}")


def fuzz(strategy: Any, check: Callable[[Any], object], seconds: float, tally: Tally,
         hang_s: float, batch: int = 50) -> None:
    """Feed `check` values drawn from `strategy` for `seconds`."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings

    until = time.monotonic() + seconds
    watchdog = Watchdog()

    @settings(max_examples=batch, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
              report_multiple_bugs=False)
    @given(strategy)
    def one(value: Any) -> None:
        if time.monotonic() < until:
            check_one(tally, watchdog, check, value, hang_s)

    while time.monotonic() < until:
        one()


@contextlib.contextmanager
def thread_crashes(tally: Tally) -> Iterator[None]:
    """Count an uncaught exception in any other thread (a dead network loop) as a crash."""
    before = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            name = args.thread.name if args.thread is not None else "?"
            _thread_deaths.append(f"thread {name} died: {last_frame(args.exc_value)}")

    _thread_deaths.clear()
    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = before
        for death in _thread_deaths:  # after the last input: nobody else counted it
            tally.crash(death)
        _thread_deaths.clear()


@contextlib.contextmanager
def timed(tally: Tally) -> Iterator[None]:
    start = time.monotonic()
    try:
        yield
    finally:
        tally.seconds += time.monotonic() - start
