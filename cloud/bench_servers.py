"""The two servers of `tandem bench cloud`, each a child process on a free loopback port.

`tandem_server` runs `cloud serve` (this package) and is ready when gRPC health says
SERVING; `llama_server` runs `python -m llama_cpp.server` and is ready when `/v1/models`
answers. Both children get their own session (a Ctrl-C reaches the bench only, which then
stops them) and are stopped on leaving the block however it is left: SIGTERM, then SIGKILL
to the child's whole process group if it has not gone after a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.metadata
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import grpc
import httpx2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from contract.errors import TandemError
from contract.ports import free_port

READY_TIMEOUT_S = 120.0  # a model load on a busy machine
STOP_GRACE_S = 5.0
TANDEM_GRACE_S = 1.0  # `cloud serve --grace`: nothing is in flight when the bench stops it


@dataclass(frozen=True)
class ServerOptions:
    """What both servers get alike."""

    model: Path
    n_ctx: int
    threads: int


def llama_server_problem() -> str | None:
    """One line naming the fix if llama_cpp.server cannot start here, else None."""
    try:
        for module in ("uvicorn", "llama_cpp.server.app"):  # what `-m llama_cpp.server` needs
            importlib.import_module(module)
    except ImportError as exc:
        try:
            pin = f"=={importlib.metadata.version('llama-cpp-python')}"
        except importlib.metadata.PackageNotFoundError:
            pin = ""
        return (f"llama_cpp.server cannot start: {exc} (install its extras into this "
                f"environment: pip install 'llama-cpp-python[server]{pin}')")
    return None


def tandem_argv(options: ServerOptions, port: int, answer_cache: bool = False) -> list[str]:
    # The prompts repeat across levels and rounds: a cache would answer them without the
    # model, and the comparison is of the models' serving, not of caching (off by default).
    return [sys.executable, "-m", "cloud.cli", "cloud", "serve",
            "--listen", f"127.0.0.1:{port}", "--model", str(options.model),
            "--threads", str(options.threads), "--ctx", str(options.n_ctx),
            "--grace", str(TANDEM_GRACE_S), *(() if answer_cache else ("--no-answer-cache",))]


def llama_argv(options: ServerOptions, port: int) -> list[str]:
    # interrupt_requests (on by default) would end a stream early whenever another
    # request waits, which is a different service, not a slower one: off, requests
    # queue. logits_all (on by default) costs time Tandem's worker does not spend: off.
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(options.model),
            "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(options.n_ctx),
            "--n_threads", str(options.threads), "--interrupt_requests", "False",
            "--logits_all", "False"]


@contextlib.asynccontextmanager
async def tandem_server(options: ServerOptions, answer_cache: bool = False
                        ) -> AsyncIterator[str]:
    """Yields the HOST:PORT of a serving `cloud serve`."""
    target = f"127.0.0.1:{free_port()}"
    async with grpc.aio.insecure_channel(target) as channel:
        health = health_pb2_grpc.HealthStub(channel)

        async def serving() -> bool:
            with contextlib.suppress(grpc.RpcError):
                reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=1.0)
                return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)
            return False

        port = int(target.rsplit(":", 1)[1])
        async with _child("the Tandem server (cloud serve)",
                          tandem_argv(options, port, answer_cache), serving):
            yield target


@contextlib.asynccontextmanager
async def llama_server(options: ServerOptions) -> AsyncIterator[str]:
    """Yields the base URL of a llama_cpp.server that lists its model."""
    problem = llama_server_problem()
    if problem is not None:
        raise TandemError(problem)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with httpx2.AsyncClient(base_url=url, timeout=1.0) as http:

        async def listing() -> bool:
            with contextlib.suppress(httpx2.HTTPError):
                return (await http.get("/v1/models")).status_code == 200
            return False

        async with _child("llama_cpp.server", llama_argv(options, port), listing):
            yield url


@contextlib.asynccontextmanager
async def _child(
    name: str, argv: list[str], ready: Callable[[], Awaitable[bool]]
) -> AsyncIterator[subprocess.Popen[bytes]]:
    with tempfile.TemporaryFile() as log:
        # Popen returns once the child exists; a plain Popen (not asyncio's) so that
        # `stop` works the same from a finally block while the loop is being torn down.
        proc = subprocess.Popen(  # noqa: ASYNC220
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        try:
            await _wait_ready(name, proc, log, ready)
            yield proc
        finally:
            stop(proc)


async def _wait_ready(name: str, proc: subprocess.Popen[bytes], log: IO[bytes],
                      ready: Callable[[], Awaitable[bool]]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise TandemError(f"{name} exited with code {proc.returncode} while starting: "
                              f"{_last_line(log)}")
        if await ready():
            return
        await asyncio.sleep(0.1)
    raise TandemError(f"{name} did not become ready in {READY_TIMEOUT_S:.0f} s "
                      f"(last output: {_last_line(log)})")


def _last_line(log: IO[bytes]) -> str:
    log.seek(0)
    lines = [line.strip() for line in log.read().decode(errors="replace").splitlines()]
    return next((line for line in reversed(lines) if line), "no output")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM; SIGKILL to the child's process group (its own session, so the worker it
    spawned goes too) if it lingers, or if a second Ctrl-C interrupts the wait."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
    except BaseException:
        _kill_group(proc)
        raise


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    # Not reaped yet (no poll or wait succeeded), so its id still names its group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
