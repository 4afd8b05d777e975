"""Runs actions on their backend: off the event loop, under a deadline, once per key.

The idempotency key names one action of one turn (`TurnRef.key(i)`); a key seen before, in
this process or (through the audit log) before a restart, returns the recorded result and
sends nothing. A key whose action timed out is never retried: the device may have acted.
Reads (`StateQuery`) change nothing, so they always run: a remembered state could be stale.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from edge.actions.audit import AuditLog

if TYPE_CHECKING:
    from contract.inventory import Inventory
from edge.actions.messages import (
    Action,
    ActionResult,
    CarCommand,
    MediaCommand,
    MessagesQuery,
    StateQuery,
)

_REMEMBERED_KEYS = 4096
_INTERRUPTED = ActionResult(False, "the request was interrupted")  # cancelled meanwhile


class Backend(Protocol):
    def execute(self, action: Any, timeout_s: float) -> ActionResult:
        """Blocking: act (or read) and say what happened; give up after `timeout_s`."""
        ...


class Backends:
    """Routes each action to the backend for its kind; a missing one fails with the fix."""

    def __init__(self, home: Backend | None = None, media: Backend | None = None,
                 car: Backend | None = None) -> None:
        self.home, self.media, self.car = home, media, car

    def use_inventory(self, inventory: Inventory) -> None:
        """The home's devices changed (a fleet policy): the home backend follows."""
        follow = getattr(self.home, "use_inventory", None)
        if follow is not None:
            follow(inventory)

    def execute(self, action: Action, timeout_s: float) -> ActionResult:
        if isinstance(action, MediaCommand):
            if self.media is None:
                return ActionResult(False, "no music player is set up (--music-player)")
            return self.media.execute(action, timeout_s)
        if isinstance(action, CarCommand | MessagesQuery):
            if self.car is None:
                return ActionResult(False, "no head unit is set up (--head-unit)")
            return self.car.execute(action, timeout_s)
        if self.home is None:
            return ActionResult(False, "no home broker is set up (--home-broker)")
        return self.home.execute(action, timeout_s)


@dataclass(frozen=True)
class TurnRef:
    """Which request an action belongs to, for its key and the audit log."""

    device_id: str
    session_id: str
    turn_id: int
    part_no: int = 0  # which action of the turn's plan ("...and turn on the fan")

    def part(self, part_no: int) -> TurnRef:
        return replace(self, part_no=part_no)

    def key(self, index: int) -> str:
        """One command of one part of one turn: the idempotency key."""
        return f"{self.device_id}/{self.session_id}/{self.turn_id}/{self.part_no}/{index}"


class ActionExecutor:
    def __init__(self, backend: Backend, deadline_s: float, audit: AuditLog | None = None) -> None:
        self.backend = backend
        self.deadline_s = deadline_s
        self.audit = audit
        self._results: OrderedDict[str, asyncio.Future[ActionResult]] = OrderedDict()

    async def execute(self, key: str, action: Action, turn: TurnRef) -> ActionResult:
        if isinstance(action, StateQuery | MessagesQuery):  # reads
            return await self._run(None, action, turn)
        known = self._results.get(key)
        if known is not None:  # in flight or done: the same outcome, nothing sent again
            return _as_duplicate(await asyncio.shield(known))
        recorded = self.audit.result_of(key) if self.audit is not None else None
        if recorded is not None:
            return _as_duplicate(ActionResult(**recorded))  # type: ignore[arg-type]
        future: asyncio.Future[ActionResult] = asyncio.get_running_loop().create_future()
        self._results[key] = future
        while len(self._results) > _REMEMBERED_KEYS:
            self._results.popitem(last=False)
        result = _INTERRUPTED
        try:
            result = await self._run(key, action, turn)
            return result
        finally:
            future.set_result(result)

    def outcomes(self, turn: TurnRef) -> list[ActionResult]:
        """The results of the commands this part of a turn sent (recent keys only)."""
        prefix = turn.key(0).rpartition("/")[0] + "/"
        return [f.result() for k, f in self._results.items()
                if k.startswith(prefix) and f.done()]

    async def _run(self, key: str | None, action: Action, turn: TurnRef) -> ActionResult:
        self._audit(turn, "action", {"action": type(action).__name__, **asdict(action)}, key)
        result = _INTERRUPTED
        try:
            result = await asyncio.wait_for(
                asyncio.to_thread(self.backend.execute, action, self.deadline_s),
                self.deadline_s + 0.05,  # the backend's own timeout fires first
            )
        except TimeoutError:
            result = ActionResult(False, "it did not answer in time")
        except Exception as exc:  # a backend bug must not become silence
            result = ActionResult(False, f"something went wrong ({type(exc).__name__})")
        finally:
            self._audit(turn, "result", asdict(result), key)
        return result

    def _audit(self, turn: TurnRef, kind: str, body: dict[str, object], key: str | None
               ) -> None:
        if self.audit is not None:
            self.audit.append(turn.device_id, turn.session_id, turn.turn_id,
                              kind, body, key)  # type: ignore[arg-type]


def _as_duplicate(result: ActionResult) -> ActionResult:
    return ActionResult(result.ok, result.error, result.state, duplicate=True)
