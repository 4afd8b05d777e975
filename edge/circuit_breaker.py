"""A circuit breaker for the cloud link: remember that the cloud is unreachable across
turns, so that in a tunnel or a dead zone the next request answers from the device at
once instead of waiting out another connect timeout.

    closed --(failures_to_open transport failures in a row)--> open
    open   --(a background probe reaches the cloud)-----------> closed

While open, `allow()` is False and the caller answers locally; the probe runs every
`probe_interval_s` (`CloudLink` supplies it: the channel connects within its timeout).
Only transport failures count (unreachable, connect timeout): a busy or erring server is
reachable, and a request that was refused is no reason to stop asking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BreakerSettings:
    failures_to_open: int = 2
    probe_interval_s: float = 5.0

    def __post_init__(self) -> None:
        if self.failures_to_open < 1 or self.probe_interval_s <= 0:
            raise ValueError("failures_to_open must be >= 1 and probe_interval_s > 0")


class CircuitBreaker:
    """State only; one event loop. `probe` returns whether the cloud is reachable."""

    def __init__(self, settings: BreakerSettings, probe: Callable[[], Awaitable[bool]]) -> None:
        self.settings = settings
        self._probe = probe
        self._failures = 0
        self._opened_at: float | None = None
        self._prober: asyncio.Task[None] | None = None
        self.opened = 0  # times it opened (for the trace and tests)

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def allow(self) -> bool:
        return self._opened_at is None

    def succeeded(self) -> None:
        self._failures = 0
        self._close()

    def failed(self) -> None:
        """A transport failure: the cloud could not be reached."""
        self._failures += 1
        if self._opened_at is None and self._failures >= self.settings.failures_to_open:
            self._opened_at = time.monotonic()
            self.opened += 1
            log.warning("cloud unreachable %d times in a row: answering on the device, "
                        "probing every %.0f s", self._failures, self.settings.probe_interval_s)
            self._prober = asyncio.create_task(self._probe_until_closed(), name="cloud-probe")

    async def _probe_until_closed(self) -> None:
        while self._opened_at is not None:
            await asyncio.sleep(self.settings.probe_interval_s)
            reachable = False
            with contextlib.suppress(Exception):  # a probe failing is the expected case
                reachable = await self._probe()
            if reachable:
                log.info("cloud reachable again after %.0f s",
                         time.monotonic() - (self._opened_at or time.monotonic()))
                self._failures = 0
                self._opened_at = None

    def _close(self) -> None:
        self._opened_at = None
        if self._prober is not None and not self._prober.done():
            self._prober.cancel()
        self._prober = None

    async def aclose(self) -> None:
        prober, self._prober = self._prober, None
        if prober is not None and not prober.done():
            prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await prober
