"""The model behind the Conversation service: the embedded llama.cpp worker (the demo's
default) or a pool of OpenAI-compatible servers (vLLM, llama.cpp's server, Ollama, TGI,
hosted APIs). Both stream the same events (JobStarted, TokenText*, JobDone | JobFailed);
`Backend` is what the server and the service need of either.

`UpstreamBackend` gives the upstream pool the worker's lifecycle: "loaded" once an
upstream answers its health probe (health stays NOT_SERVING until then), "exited" only
when closed. An upstream that fails later makes the pool fail over or, with none left,
`ready` false: the service then refuses calls as UNAVAILABLE until a probe finds one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from typing import Protocol

from cloud.upstream import UpstreamPool
from cloud.worker_client import WorkerEvent
from cloud.worker_messages import JobDone, ModelLoaded

log = logging.getLogger(__name__)


class Backend(Protocol):
    @property
    def ready(self) -> bool: ...

    @property
    def recent_jobs(self) -> tuple[JobDone, ...]: ...

    def generate(self, messages: tuple[tuple[str, str], ...], max_tokens: int,
                 deadline: float | None, tag: str = "", tools_json: str = ""
                 ) -> AsyncGenerator[WorkerEvent, None]: ...

    def cancel(self, request_id: int) -> None: ...

    def attach(self) -> None: ...

    async def wait_loaded(self) -> ModelLoaded: ...

    async def wait_exited(self) -> None: ...

    async def close(self, grace_s: float = 3.0) -> None: ...

    def kill(self) -> None: ...


class UpstreamBackend:
    """An `UpstreamPool` with the worker's lifecycle (see the module docstring)."""

    def __init__(self, pool: UpstreamPool, n_ctx: int) -> None:
        self.pool = pool
        self.n_ctx = n_ctx
        self._closed: asyncio.Event | None = None
        self.recent_jobs: tuple[JobDone, ...] = ()  # the upstreams report no job records

    @property
    def ready(self) -> bool:
        return self.pool.ready

    def generate(self, messages: tuple[tuple[str, str], ...], max_tokens: int,
                 deadline: float | None, tag: str = "", tools_json: str = ""
                 ) -> AsyncGenerator[WorkerEvent, None]:
        return self.pool.generate(messages, max_tokens, deadline, tag, tools_json)

    def cancel(self, request_id: int) -> None:
        self.pool.cancel(request_id)

    def attach(self) -> None:
        self._closed = asyncio.Event()

    async def wait_loaded(self) -> ModelLoaded:
        started = time.monotonic()
        await self.pool.start()
        warned = False
        while not self.pool.ready:  # noqa: ASYNC110 - the pool's probes run on their own
            if not warned and time.monotonic() - started > 5.0:
                names = ", ".join(u.name for u in self.pool.upstreams)
                log.warning("no upstream answers yet (%s): not serving until one does", names)
                warned = True
            await asyncio.sleep(0.1)
        names = ", ".join(u.name for u in self.pool.upstreams if u.ready)
        return ModelLoaded(names, (time.monotonic() - started) * 1000.0, self.n_ctx)

    async def wait_exited(self) -> None:
        assert self._closed is not None, "attach() first"
        await self._closed.wait()

    async def close(self, grace_s: float = 3.0) -> None:
        await self.pool.close()
        if self._closed is not None:
            self._closed.set()

    def kill(self) -> None:
        """Nothing to kill: the upstreams are other people's processes."""

    @property
    def pid(self) -> int | None:
        return None
