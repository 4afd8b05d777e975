"""A two-lane async queue: control messages overtake queued data.

Data is bounded (back-pressure on a fast producer); control is not, so a cancel can
always be delivered.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

from edge.messages import ControlMessage, DataMessage

D = TypeVar("D", bound=DataMessage)


class PriorityChannel(Generic[D]):
    def __init__(self, max_data: int = 64) -> None:
        if max_data < 1:
            raise ValueError("max_data must be >= 1")
        self._control: deque[ControlMessage] = deque()
        self._data: deque[D] = deque()
        self._max_data = max_data
        self._changed = asyncio.Condition()
        self._notifying: set[asyncio.Task[None]] = set()

    async def put(self, message: D) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: len(self._data) < self._max_data)
            self._data.append(message)
            self._changed.notify_all()

    async def put_control(self, message: ControlMessage) -> None:
        async with self._changed:
            self._control.append(message)
            self._changed.notify_all()

    def put_nowait(self, message: D) -> None:
        """From the loop's thread without awaiting; raises `asyncio.QueueFull` when full."""
        if len(self._data) >= self._max_data:
            raise asyncio.QueueFull
        self._data.append(message)
        self._wake_getters()

    def put_control_nowait(self, message: ControlMessage) -> None:
        self._control.append(message)
        self._wake_getters()

    def try_get(self) -> D | ControlMessage | None:
        """The next message (control first) if there is one, without waiting."""
        if self._control:
            return self._control.popleft()
        if self._data:
            return self._data.popleft()
        return None

    def _wake_getters(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: a later get() finds the message without being woken

        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        task = loop.create_task(notify())
        self._notifying.add(task)
        task.add_done_callback(self._notifying.discard)

    def drop_data(self) -> int:
        """Discard queued data (after a cancel); returns how many were dropped."""
        dropped = len(self._data)
        self._data.clear()
        return dropped

    async def get(self) -> D | ControlMessage:
        async with self._changed:
            await self._changed.wait_for(lambda: bool(self._control or self._data))
            item: D | ControlMessage = (
                self._control.popleft() if self._control else self._data.popleft()
            )
            self._changed.notify_all()
            return item

    def __len__(self) -> int:
        return len(self._control) + len(self._data)
