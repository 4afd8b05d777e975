"""Bounded cancellation for long-lived asyncio tasks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any]], grace_s: float = 2.0) -> None:
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
