"""Parent side of the llama worker: spawn it, queue jobs, read its pipe without blocking.

`WorkerClient.spawn` must run before any gRPC object exists in a program that
forks: it uses the "spawn" start method (fork + immediate exec), so the child
never inherits gRPC's threads or locks.

Everything else runs in the event loop thread. The pipe is read with
`loop.add_reader` on its file descriptor, so the loop never blocks on the
worker; each message is routed to the job it belongs to. The worker decodes up
to `n_parallel` jobs at once; a job holds one of those slots from sending its
GenerateJob until the worker's JobDone/JobFailed arrives, and jobs beyond that
wait here, granted fairly across devices (`FairSlots`). A job whose caller went
away (client cancel, deadline) gets a CancelJob and keeps its slot until the
worker confirms, so the worker never holds more jobs than it has sequences.

A watchdog notices a worker that stopped making progress (a llama.cpp call that
never returns): while jobs run, silence for half of `stall_s` earns a ping (a
StatsQuery, answered between decode steps, so a long prompt being read still
answers); no word at all for `stall_s` fails every job as retryable, turns
`ready` off and kills the worker, whose exit the server then reports.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import multiprocessing
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from cloud.llm_worker import worker_main
from cloud.settings import CloudSettings
from cloud.tool_calls import ToolCall
from cloud.worker_messages import (
    RECENT_JOBS,
    CancelJob,
    FromWorker,
    GenerateJob,
    JobDone,
    JobFailed,
    ModelFailed,
    ModelLoaded,
    Shutdown,
    StatsQuery,
    TokenText,
    WorkerStats,
)

log = logging.getLogger(__name__)


class ModelLoadError(Exception):
    """The worker could not load the model (reason is one line, for humans)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WorkerUnavailable(Exception):
    """The worker is not loaded yet, or has exited."""


class QueueDeadline(Exception):
    """The caller's deadline passed while the job waited for the llama context."""


@dataclass(frozen=True)
class JobStarted:
    """The job left the queue and was handed to the worker."""

    request_id: int
    queue_ms: float


WorkerEvent = JobStarted | TokenText | ToolCall | JobDone | JobFailed


def device_of(tag: str) -> str:
    """The device a job is for: the first component of its "device/session/turn" tag."""
    return tag.split("/", 1)[0]


class FairSlots:
    """At most `capacity` jobs hold a slot; the others wait, and a freed slot goes to
    the waiting device holding the fewest slots, ties broken round robin (the device
    served last goes to the back), so one device queueing many jobs cannot starve the
    others. Event loop only."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._held: collections.Counter[str] = collections.Counter()
        # Waiters per device; the dict's insertion order is the round.
        self._waiting: dict[str, collections.deque[asyncio.Future[None]]] = {}

    @property
    def in_use(self) -> int:
        return self._held.total()

    @property
    def waiting(self) -> int:
        return sum(len(queue) for queue in self._waiting.values())

    async def acquire(self, device: str, timeout_s: float | None) -> None:
        """Take a slot for `device`; TimeoutError after `timeout_s` in the queue. A waiter
        that is cancelled or times out leaves the queue (a slot granted in that same
        instant is handed on, never leaked)."""
        if self.in_use < self.capacity and not self._waiting:
            self._held[device] += 1
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(device, collections.deque()).append(granted)
        try:
            async with asyncio.timeout(timeout_s):
                await granted
        except BaseException:
            if granted.done() and not granted.cancelled() and granted.exception() is None:
                self.release(device)  # granted just as we gave up: pass it on
            else:
                self._forget(device, granted)
            raise

    def release(self, device: str) -> None:
        self._held[device] -= 1
        if self._held[device] <= 0:
            del self._held[device]
        self._grant()

    def fail_waiters(self, error: Exception) -> None:
        """Wake every waiter with `error` (the worker is gone)."""
        waiting, self._waiting = self._waiting, {}
        for queue in waiting.values():
            for granted in queue:
                if not granted.done():
                    granted.set_exception(error)

    def _grant(self) -> None:
        while self.in_use < self.capacity and self._waiting:
            # min() keeps the first of equals: the round's order breaks ties.
            device = min(self._waiting, key=lambda d: self._held[d])
            queue = self._waiting.pop(device)
            granted = queue.popleft()
            if queue:
                self._waiting[device] = queue  # to the back of the round
            if granted.done():
                continue  # cancelled in this same loop iteration; its task forgets it
            self._held[device] += 1
            granted.set_result(None)

    def _forget(self, device: str, granted: asyncio.Future[None]) -> None:
        queue = self._waiting.get(device)
        if queue is not None and granted in queue:
            queue.remove(granted)
            if not queue:
                del self._waiting[device]


@dataclass
class _Job:
    request_id: int
    device: str
    events: asyncio.Queue[TokenText | JobDone | JobFailed] = field(default_factory=asyncio.Queue)
    finished: bool = False


class WorkerClient:
    """Handle on one llama worker process. Create with `spawn`, then `attach` in the loop."""

    def __init__(self, process: BaseProcess, conn: Connection, settings: CloudSettings) -> None:
        self._process = process
        self._conn = conn
        self._settings = settings
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Job] = {}
        self._stats_waiters: collections.deque[asyncio.Future[WorkerStats]] = collections.deque()
        self._recent: collections.deque[JobDone] = collections.deque(maxlen=RECENT_JOBS)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loaded: asyncio.Future[ModelLoaded] | None = None
        self._slots = FairSlots(settings.n_parallel)
        self._exited: asyncio.Event | None = None
        self._ready = False
        self._closing = False
        self._heard_at = time.monotonic()  # the worker's last message of any kind
        self._watchdog: asyncio.TimerHandle | None = None

    # --- lifecycle ----------------------------------------------------------

    @classmethod
    def spawn(cls, settings: CloudSettings) -> WorkerClient:
        """Start the worker process; it begins loading the model immediately."""
        context = multiprocessing.get_context("spawn")
        parent_conn, child_conn = context.Pipe(duplex=True)
        process = context.Process(
            target=worker_main, args=(child_conn, settings), name="tandem-llm-worker", daemon=True
        )
        process.start()
        # Drop our copy of the child's end so the worker exiting reads as EOF here.
        child_conn.close()
        return cls(process, parent_conn, settings)

    def attach(self) -> None:
        """Start reading the worker's pipe in the running event loop."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._loaded = loop.create_future()
        self._exited = asyncio.Event()
        loop.add_reader(self._conn.fileno(), self._on_readable)
        # Messages may already be waiting (a fast load): drain them now.
        self._on_readable()
        self._watchdog = loop.call_later(self._settings.stall_s / 4, self._check_progress)

    async def wait_loaded(self) -> ModelLoaded:
        """Wait for the model to load; raise ModelLoadError if it cannot."""
        assert self._loaded is not None, "attach() first"
        return await asyncio.shield(self._loaded)

    @property
    def pid(self) -> int | None:
        """The worker's process id (for operators and crash tests)."""
        return self._process.pid

    @property
    def ready(self) -> bool:
        """True once the model is loaded and while the worker lives."""
        return self._ready

    async def wait_exited(self) -> None:
        """Return when the worker process has gone away (crash or shutdown)."""
        assert self._exited is not None, "attach() first"
        await self._exited.wait()

    async def close(self, grace_s: float = 3.0) -> None:
        """Ask the worker to exit; kill it if it does not within `grace_s`."""
        self._closing = True
        with contextlib.suppress(OSError, ValueError):
            self._conn.send(Shutdown())
        if self._exited is not None:
            # The worker closes its end of the pipe on exit: EOF sets _exited.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace_s):
                    await self._exited.wait()
        self.kill()

    def kill(self) -> None:
        """Synchronous last resort (also safe after close)."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join(timeout=1.0)
        self._detach()
        with contextlib.suppress(OSError):
            self._conn.close()

    # --- jobs ---------------------------------------------------------------

    async def generate(
        self,
        messages: tuple[tuple[str, str], ...],
        max_tokens: int,
        deadline: float | None,
        tag: str = "",
        tools_json: str = "",
    ) -> AsyncGenerator[WorkerEvent, None]:
        """Queue a job and stream its events: JobStarted, TokenText*, JobDone|JobFailed.

        `tools_json` is not used: the embedded model is offered functions in its prompt
        (`cloud.tool_calls.tools_prompt`), and its calls are read from its text.

        Use under `contextlib.aclosing` so that leaving early (the caller was
        cancelled) cancels the job in the worker at once.
        Raises WorkerUnavailable or QueueDeadline before the job starts.
        """
        if not self._ready:
            raise WorkerUnavailable("the model is not loaded")
        queued_at = time.monotonic()
        device = device_of(tag)
        try:
            budget = None if deadline is None else max(0.0, deadline - queued_at)
            await self._slots.acquire(device, budget)
        except TimeoutError:
            raise QueueDeadline("the deadline passed while waiting for the model") from None
        if not self._ready:
            self._slots.release(device)
            raise WorkerUnavailable("the worker exited")
        job = _Job(next(self._ids), device)
        self._jobs[job.request_id] = job
        try:
            self._conn.send(GenerateJob(job.request_id, messages, max_tokens, deadline, tag))
        except (OSError, ValueError) as exc:
            del self._jobs[job.request_id]
            self._slots.release(device)
            raise WorkerUnavailable(f"cannot reach the worker: {exc}") from exc
        try:
            yield JobStarted(job.request_id, (time.monotonic() - queued_at) * 1000.0)
            while True:
                event = await job.events.get()
                yield event
                if isinstance(event, JobDone | JobFailed):
                    return
        finally:
            if not job.finished:
                self.cancel(job.request_id)

    def cancel(self, request_id: int) -> None:
        """Tell the worker to stop a job (idempotent; a stale id is ignored there)."""
        if request_id in self._jobs:
            with contextlib.suppress(OSError, ValueError):
                self._conn.send(CancelJob(request_id))

    async def stats(self, wait_s: float = 5.0) -> WorkerStats:
        """Ask the worker itself for its counters (answered between tokens)."""
        assert self._loop is not None, "attach() first"
        if not self._process.is_alive():
            raise WorkerUnavailable("the worker exited")
        waiter: asyncio.Future[WorkerStats] = self._loop.create_future()
        self._stats_waiters.append(waiter)
        self._conn.send(StatsQuery())
        return await asyncio.wait_for(waiter, wait_s)

    @property
    def queued(self) -> int:
        """Jobs waiting here for one of the worker's n_parallel sequences."""
        return self._slots.waiting

    @property
    def recent_jobs(self) -> tuple[JobDone, ...]:
        """The last finished jobs as reported by the worker, oldest first."""
        return tuple(self._recent)

    # --- pipe reading (event loop callbacks) ----------------------------------

    def _on_readable(self) -> None:
        try:
            while self._conn.poll():
                self._heard_at = time.monotonic()
                self._dispatch(self._conn.recv())
        except (EOFError, OSError):
            self._on_exit()

    def _check_progress(self) -> None:
        assert self._loop is not None
        stall_s = self._settings.stall_s
        self._watchdog = self._loop.call_later(stall_s / 4, self._check_progress)
        if not (self._ready and self._jobs):
            self._heard_at = time.monotonic()  # idle silence is no stall
            return
        # Read what is waiting first: if this process was the one starved of CPU, the
        # worker's messages are in the pipe, not missing.
        self._on_readable()
        if not self._ready:
            return  # it had exited: _on_exit has failed the jobs
        silent_s = time.monotonic() - self._heard_at
        if silent_s >= stall_s:
            self._stalled(silent_s)
        elif silent_s >= stall_s / 2:
            # A ping: its answer counts as progress. Nobody awaits the future; the
            # callback retrieves the error it gets if the worker dies first.
            ping: asyncio.Future[WorkerStats] = self._loop.create_future()
            ping.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._stats_waiters.append(ping)
            with contextlib.suppress(OSError, ValueError):
                self._conn.send(StatsQuery())

    def _stalled(self, silent_s: float) -> None:
        log.error("the llama worker made no progress for %.1f s with %d jobs: killing it",
                  silent_s, len(self._jobs))
        self._ready = False
        reason = f"the model stopped responding for {silent_s:.1f} s"
        self._slots.fail_waiters(WorkerUnavailable(reason))
        for request_id in list(self._jobs):
            self._finish(JobFailed(request_id, reason, retryable=True))
        # Its exit (EOF on the pipe) then runs _on_exit: `wait_exited` returns, and the
        # server reports NOT_SERVING.
        if self._process.is_alive():
            self._process.kill()

    def _dispatch(self, message: FromWorker) -> None:
        if isinstance(message, TokenText):
            job = self._jobs.get(message.request_id)
            if job is not None:
                job.events.put_nowait(message)
        elif isinstance(message, JobDone | JobFailed):
            self._finish(message)
        elif isinstance(message, WorkerStats):
            if self._stats_waiters:
                waiter = self._stats_waiters.popleft()
                if not waiter.done():
                    waiter.set_result(message)
        elif isinstance(message, ModelLoaded):
            self._ready = True
            self._settle_load(message)
        elif isinstance(message, ModelFailed):
            self._settle_load(ModelLoadError(message.reason))

    def _settle_load(self, outcome: ModelLoaded | ModelLoadError) -> None:
        if self._loaded is None or self._loaded.done():
            return
        if isinstance(outcome, ModelLoadError):
            self._loaded.set_exception(outcome)
        else:
            self._loaded.set_result(outcome)

    def _finish(self, message: JobDone | JobFailed) -> None:
        job = self._jobs.pop(message.request_id, None)
        if isinstance(message, JobDone):
            self._recent.append(message)
        else:
            log.warning("generation failed: %s", message.reason)
        if job is not None:
            job.finished = True
            job.events.put_nowait(message)
            # The worker freed that job's sequence: let the next queued job in.
            self._slots.release(job.device)

    def _on_exit(self) -> None:
        self._detach()
        was_ready, self._ready = self._ready, False
        if was_ready and not self._closing:
            log.error("the llama worker exited unexpectedly")
        if self._loaded is not None and not self._loaded.done():
            self._process.join(timeout=1.0)
            code = self._process.exitcode
            self._settle_load(ModelLoadError(f"the worker exited while loading (exit code {code})"))
        # Waiters first, so the slots the failed jobs free below are not granted.
        self._slots.fail_waiters(WorkerUnavailable("the worker exited"))
        for request_id in list(self._jobs):
            self._finish(JobFailed(request_id, "the worker exited"))
        while self._stats_waiters:
            waiter = self._stats_waiters.popleft()
            if not waiter.done():
                waiter.set_exception(WorkerUnavailable("the worker exited"))
        if self._exited is not None:
            self._exited.set()

    def _detach(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(OSError, ValueError):
                self._loop.remove_reader(self._conn.fileno())
