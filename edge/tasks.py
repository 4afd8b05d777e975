"""Deadlines and bounded cancellation for pipeline stages."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

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


async def cancel_and_wait(task: asyncio.Task[object], grace_s: float = 1.0) -> None:
    """Cancel a task and wait a bounded time, so a callee that swallows CancelledError
    cannot hang shutdown."""
    if task.done():
        return
    task.cancel()
    await asyncio.wait({task}, timeout=grace_s)
