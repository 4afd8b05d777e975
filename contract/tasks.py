"""Deadlines and bounded cancellation for stages and long-lived tasks (edge and cloud)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class StageTimeout(Exception):
    def __init__(self, stage: str, seconds: float) -> None:
        super().__init__(f"{stage} missed its {seconds:.1f} s deadline")
        self.stage = stage


async def within(stage: str, seconds: float, work: Awaitable[T]) -> T:
    """Await `work` for at most `seconds`. A blocking model call in a worker thread cannot be
    interrupted; the pipeline moves on and the thread's result is discarded."""
    try:
        return await asyncio.wait_for(work, seconds)
    except TimeoutError:
        raise StageTimeout(stage, seconds) from None


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any]], grace_s: float = 1.0) -> None:
    """Cancel `tasks` and wait at most `grace_s` seconds for them to finish.

    Bounded so that a library swallowing CancelledError cannot hang shutdown;
    stragglers are logged by name rather than awaited forever.
    """
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    if not pending:
        return
    _, stuck = await asyncio.wait(pending, timeout=grace_s)
    for task in stuck:
        log.warning("task %s did not stop within %.1fs", task.get_name(), grace_s)
