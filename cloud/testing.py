"""Shipped test harness: a tiny real model and a real server on a free loopback port.

    async with running_server(tmp_path / "tiny.gguf") as server:
        async with grpc.aio.insecure_channel(server.target) as channel:
            ...

Nothing here is mocked: the server is the production CloudServer with the
production worker process and llama-cpp-python; only the model is tiny.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import grpc

from cloud.answer_cache import AnswerCache
from cloud.server import CloudServer
from cloud.settings import CloudSettings
from cloud.user_memory import UserMemory
from cloud.worker_client import WorkerClient
from contract.tasks import cancel_and_wait
from models.tiny_gguf import write_tiny_gguf

T = TypeVar("T")

__all__ = ["connected_server", "run_bounded", "running_server", "write_tiny_gguf"]


@contextlib.asynccontextmanager
async def running_server(
    model_path: str | Path,
    *,
    wait_serving: bool = True,
    before_serving: Callable[[], Awaitable[None]] | None = None,
    grace_s: float = 1.0,
    memory: UserMemory | None = None,
    handoff: Callable[[bytes], object] | None = None,
    cache: AnswerCache | None = None,
    respawn: bool = False,
    **overrides: Any,
) -> AsyncIterator[CloudServer]:
    """Run a real cloud server on 127.0.0.1:<free port> for the duration of the block.

    `model_path` is created with `write_tiny_gguf` if it does not exist.
    `overrides` are CloudSettings fields (max_pending=1, max_tokens=..., ...).
    With `wait_serving` the block starts once health is SERVING; otherwise it
    starts while the model may still be loading (`before_serving` can hold the
    NOT_SERVING phase open). `respawn`: a worker that dies is replaced, as `cloud serve`
    does. The server is drained on exit.
    """
    model_path = Path(model_path)
    if not model_path.exists():
        write_tiny_gguf(model_path)
    # Port 0: the kernel picks a free port and gRPC reports it; no race.
    settings = CloudSettings(model_path=model_path, listen="127.0.0.1:0", **overrides)
    # "spawn" never forks this (gRPC-using) process image, so this is safe here too.
    worker = WorkerClient.spawn(settings)
    try:
        server = await CloudServer.start(
            settings, worker, memory=memory, handoff=handoff, cache=cache,
            respawn=(lambda: WorkerClient.spawn(settings)) if respawn else None)
    except BaseException:
        worker.kill()
        raise
    serving = asyncio.create_task(
        server.serve_when_loaded(before_serving), name="serve-when-loaded"
    )
    try:
        if wait_serving:
            await asyncio.wait_for(asyncio.shield(serving), timeout=30.0)
        yield server
    finally:
        await cancel_and_wait([serving], grace_s=2.0)
        if serving.done() and not serving.cancelled():
            serving.exception()  # retrieved: a load failure already surfaced above
        try:
            await server.drain(grace_s)
        finally:
            worker.kill()  # no-op after a clean drain; never leak a worker process
            server.worker.kill()  # (the replacement, if the first one died)


@contextlib.asynccontextmanager
async def connected_server(
    model_path: str | Path, **kwargs: Any
) -> AsyncIterator[tuple[CloudServer, grpc.aio.Channel]]:
    """`running_server` plus an insecure client channel to it (closed first on exit)."""
    async with (
        running_server(model_path, **kwargs) as server,
        grpc.aio.insecure_channel(server.target) as channel,
    ):
        yield server, channel


def run_bounded(coro: Awaitable[T], limit_s: float = 30.0) -> T:
    """`asyncio.run` that fails after `limit_s` instead of hanging a test run."""

    async def bounded() -> T:
        async with asyncio.timeout(limit_s):
            return await coro

    return asyncio.run(bounded())
