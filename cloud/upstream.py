"""OpenAI-compatible chat-completions upstreams, behind the same `generate` as WorkerClient.

`OpenAIUpstream` streams `/chat/completions` from one server (vLLM, llama.cpp's
server, llama-cpp-python's server, a hosted API) and turns the stream into the
worker's events: JobStarted, TokenText* (with a ToolCall for each function the model
calls), then exactly one JobDone or JobFailed.
`UpstreamPool` puts several of them behind one `generate` and fails over while
no token has been produced yet.

Each job runs in a pump task that owns the HTTP stream and puts events on a
queue, as the worker's pipe does for WorkerClient. Deadline, cancel, upstream
errors and the end of the stream all end in that task, so there is one place
that closes the stream and one terminal event per job, and the slot is released
once that task is done, whatever happened (even to a task cancelled before it
ran a single step).

Health: a background probe of `GET {base}/models` every `health_interval_s`,
skipped while jobs run on the upstream (their own read timeouts notice a hung
server, and llama-cpp-python's server serialises /models behind the running
generation and by default interrupts it for the probe). A failed probe or a job
that failed for the upstream's fault marks it unhealthy; a successful probe or
a completed job marks it healthy.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import logging
import os
import time
from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlsplit

import openai
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageParam
from openai.types.chat.chat_completion_chunk import ChoiceDeltaToolCall

from cloud.tool_calls import ToolCall, tool_call
from cloud.worker_client import JobStarted, QueueDeadline, WorkerEvent, WorkerUnavailable
from cloud.worker_messages import (
    FINISH_CANCELLED,
    FINISH_DEADLINE,
    JobDone,
    JobFailed,
    TokenText,
)

log = logging.getLogger(__name__)

# Servers that serve a single model (llama.cpp, llama-cpp-python) ignore the name.
DEFAULT_MODEL = "default"
# openai insists on a key; a keyless local server ignores the bearer it gets.
_NO_KEY = "no-key"
_REASON_CHARS = 200


@dataclass(frozen=True)
class UpstreamSettings:
    """One OpenAI-compatible server. Invalid values raise ValueError at construction."""

    # Up to and including the API version, e.g. http://127.0.0.1:8000/v1
    base_url: str
    model: str = DEFAULT_MODEL
    # Never shown in reprs or logs.
    api_key: str | None = field(default=None, repr=False)
    # Jobs sent at once; more wait for a slot (within their deadline).
    max_concurrency: int = 4
    connect_timeout_s: float = 3.0
    # Longest silence between two reads, time to the response headers included.
    read_timeout_s: float = 10.0
    health_interval_s: float = 5.0
    # None: the server's default.
    temperature: float | None = None

    def __post_init__(self) -> None:
        base_url = self.base_url.strip().rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"upstream URL must be http(s)://HOST[:PORT]/PATH, got {self.base_url!r}"
            )
        object.__setattr__(self, "base_url", base_url)
        if not self.model.strip():
            raise ValueError("upstream model name must not be empty")
        if self.api_key is not None and not self.api_key:
            raise ValueError("upstream API key must not be empty (use None for no key)")
        if self.max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {self.max_concurrency}")
        for name in ("connect_timeout_s", "read_timeout_s", "health_interval_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.temperature is not None and self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")


def parse_upstream(text: str, environ: Mapping[str, str] | None = None) -> UpstreamSettings:
    """Parse `URL[,model=NAME][,concurrency=N][,key_env=VARNAME]` (a CLI flag's value).

    The API key comes from the environment variable named by key_env, so it
    never appears on a command line (visible to every user in `ps`).
    """
    env = os.environ if environ is None else environ
    url, *options = (part.strip() for part in text.split(","))
    values: dict[str, str] = {}
    for option in options:
        name, sep, value = option.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not value:
            raise ValueError(f"upstream option {option!r} is not NAME=VALUE (in {text!r})")
        if name not in ("model", "concurrency", "key_env"):
            raise ValueError(
                f"unknown upstream option {name!r} (expected model, concurrency or key_env)"
            )
        if name in values:
            raise ValueError(f"upstream option {name!r} given twice (in {text!r})")
        values[name] = value
    api_key = None
    if "key_env" in values:
        api_key = env.get(values["key_env"])
        if not api_key:
            raise ValueError(f"environment variable {values['key_env']} (key_env) is not set")
    concurrency = 4
    if "concurrency" in values:
        try:
            concurrency = int(values["concurrency"])
        except ValueError:
            raise ValueError(
                f"upstream concurrency must be an integer, got {values['concurrency']!r}"
            ) from None
    return UpstreamSettings(
        base_url=url,
        model=values.get("model", DEFAULT_MODEL),
        api_key=api_key,
        max_concurrency=concurrency,
    )


def _one_line(text: str, limit: int = _REASON_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class _Failure:
    reason: str
    # Retrying (here or elsewhere) may help.
    retryable: bool
    # The upstream itself misbehaved: take it out of rotation until a probe passes.
    upstream_fault: bool


def _classify(exc: BaseException, read_timeout_s: float) -> _Failure:
    if isinstance(exc, openai.APITimeoutError):
        return _Failure(f"no answer within {read_timeout_s:g} s", True, True)
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc
        return _Failure(f"connection error: {cause!r}", True, True)
    if isinstance(exc, TimeoutError):
        return _Failure("timed out", True, True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        what = f"HTTP {status}: {exc.message}"
        if status >= 500:
            return _Failure(what, True, True)
        # 429: busy, another upstream may take it; other 4xx: this request is wrong.
        return _Failure(what, status == 429, False)
    # Non-JSON SSE data, chunks missing fields, HTML where SSE was due, ...
    return _Failure(f"malformed stream: {type(exc).__name__}: {exc}", True, True)


def _no_finish_reason(stream: openai.AsyncStream[ChatCompletionChunk] | None) -> str:
    content_type = stream.response.headers.get("content-type", "") if stream else ""
    if not content_type.startswith("text/event-stream"):
        # An HTML error page from a proxy, or a server that ignored stream=True.
        return f"answered {content_type or 'without a content type'}, not an event stream"
    # e.g. llama-cpp-python ends a stream it interrupts for a newer request with [DONE]
    return "the stream ended without a finish reason"


@dataclass
class _Job:
    request_id: int
    events: asyncio.Queue[TokenText | ToolCall | JobDone | JobFailed] = field(
        default_factory=asyncio.Queue)
    pump: asyncio.Task[None] | None = None


class OpenAIUpstream:
    """One OpenAI-compatible server behind WorkerClient's `generate` interface."""

    def __init__(self, settings: UpstreamSettings) -> None:
        self.settings = settings
        parts = urlsplit(settings.base_url)
        self._name = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        self._client = openai.AsyncOpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key or _NO_KEY,
            timeout=openai.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
            # Retries are the pool's business (another upstream), within the deadline.
            max_retries=0,
        )
        self._slots = asyncio.Semaphore(settings.max_concurrency)
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Job] = {}
        self._healthy: bool | None = None  # None: not known yet
        self._last_error: str | None = None
        self._health_task: asyncio.Task[None] | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"OpenAIUpstream({self.name!r}, healthy={self._healthy})"

    # --- state ----------------------------------------------------------------

    @property
    def name(self) -> str:
        """The base URL (less any user:password@): what reasons and logs call it."""
        return self._name

    @property
    def healthy(self) -> bool | None:
        """True after a passed probe or a completed job, False after a failure, None before."""
        return self._healthy

    @property
    def ready(self) -> bool:
        return self._healthy is True and not self._closed

    @property
    def last_error(self) -> str | None:
        """Why it was last marked unhealthy (one line), if ever."""
        return self._last_error

    @property
    def in_flight(self) -> int:
        """Jobs holding a slot (their HTTP stream open or opening)."""
        return len(self._jobs)

    @property
    def has_free_slot(self) -> bool:
        return not self._slots.locked()

    def _set_health(self, healthy: bool, why: str = "") -> None:
        if healthy and self._healthy is not True:
            log.info("upstream %s is healthy", self.name)
        elif not healthy and self._healthy is not False:
            log.warning("out of rotation until a probe passes: %s", why)
        self._healthy = healthy
        if not healthy:
            self._last_error = why

    # --- lifecycle ------------------------------------------------------------

    async def start(self) -> None:
        """Probe once now, then keep probing every health_interval_s in the background."""
        if self._health_task is None:
            await self.probe()
            self._health_task = asyncio.create_task(
                self._health_loop(), name=f"upstream-health {self.name}"
            )

    async def close(self) -> None:
        """Stop probing, end running jobs (their streams closed) and close the HTTP client."""
        self._closed = True
        tasks = [job.pump for job in self._jobs.values() if job.pump is not None]
        if self._health_task is not None:
            tasks.append(self._health_task)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        await self._client.close()

    async def probe(self) -> bool:
        """GET {base}/models once; mark healthy or unhealthy by the outcome."""
        try:
            await self._client.models.list()
        except Exception as exc:  # any failure at all means "not serving"
            failure = _classify(exc, self.settings.read_timeout_s)
            self._set_health(False, _one_line(f"upstream {self.name}: probe: {failure.reason}"))
            return False
        self._set_health(True)
        return True

    async def _health_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.health_interval_s)
            if not self._jobs:
                await self.probe()

    # --- jobs -----------------------------------------------------------------

    async def generate(
        self,
        messages: tuple[tuple[str, str], ...],
        max_tokens: int,
        deadline: float | None,
        tag: str = "",
        tools_json: str = "",
    ) -> AsyncGenerator[WorkerEvent, None]:
        """Stream a chat completion as JobStarted, (TokenText|ToolCall)*, JobDone|JobFailed.

        `tools_json`: functions offered to the model (the API's `tools`); each call it
        makes comes as one ToolCall once its arguments are complete.

        Use under `contextlib.aclosing`: leaving early closes the HTTP stream at once.
        Raises WorkerUnavailable (closed, or known unhealthy) or QueueDeadline (no
        slot before the deadline) before the job starts. An upstream not probed
        yet is tried: the pool relies on that to fail over from it.
        """
        if self._closed:
            raise WorkerUnavailable(f"upstream {self.name} is closed")
        if self._healthy is False:
            raise WorkerUnavailable(f"upstream {self.name} is unhealthy: {self._last_error}")
        queued_at = time.monotonic()
        try:
            budget = None if deadline is None else max(0.0, deadline - queued_at)
            async with asyncio.timeout(budget):
                await self._slots.acquire()
        except TimeoutError:
            raise QueueDeadline(
                f"the deadline passed while waiting for a slot on {self.name}"
            ) from None
        if self._closed:
            self._slots.release()
            raise WorkerUnavailable(f"upstream {self.name} is closed")
        job = _Job(next(self._ids))
        self._jobs[job.request_id] = job
        job.pump = asyncio.create_task(
            self._pump(job, messages, max_tokens, deadline, tag, tools_json),
            name=f"upstream-job {self.name} #{job.request_id}",
        )
        # Also released from a done callback: a task cancelled before its first
        # step never runs its body, and a caller may drop `generate` unclosed.
        job.pump.add_done_callback(lambda _task: self._release(job))
        try:
            yield JobStarted(job.request_id, (time.monotonic() - queued_at) * 1000.0)
            while True:
                event = await job.events.get()
                yield event
                if isinstance(event, JobDone | JobFailed):
                    return
        finally:
            if not job.pump.done():
                job.pump.cancel()
                # wait(), not await: the pump's outcome is not ours to raise.
                await asyncio.wait({job.pump})
            # The stream is closed: free the slot now rather than when the done
            # callback gets its turn, so the caller sees it free on return.
            self._release(job)

    def cancel(self, request_id: int) -> None:
        """Stop a job: its stream is closed and it ends with JobDone("cancelled")."""
        job = self._jobs.get(request_id)
        if job is not None and job.pump is not None:
            job.pump.cancel()

    def _release(self, job: _Job) -> None:
        if self._jobs.pop(job.request_id, None) is not None:
            self._slots.release()

    async def _pump(
        self,
        job: _Job,
        messages: tuple[tuple[str, str], ...],
        max_tokens: int,
        deadline: float | None,
        tag: str,
        tools_json: str = "",
    ) -> None:
        started = time.monotonic()
        calls = _ToolCallDeltas()
        first_token_ms: float | None = None
        deltas = 0
        usage: tuple[int, int] | None = None
        finish: str | None = None
        failure: _Failure | None = None
        stream: openai.AsyncStream[ChatCompletionChunk] | None = None
        scope: asyncio.Timeout | None = None
        budget = None if deadline is None else deadline - started
        try:
            if budget is not None and budget <= 0:
                finish = FINISH_DEADLINE
            else:
                async with asyncio.timeout(budget) as scope:
                    try:
                        stream = await self._client.chat.completions.create(
                            model=self.settings.model,
                            messages=[
                                cast(ChatCompletionMessageParam, {"role": role, "content": text})
                                for role, text in messages
                            ],
                            # max_tokens, not max_completion_tokens: the one that
                            # OpenAI-compatible servers all understand.
                            max_tokens=max_tokens,
                            temperature=(
                                openai.omit
                                if self.settings.temperature is None
                                else self.settings.temperature
                            ),
                            stream=True,
                            stream_options={"include_usage": True},
                            tools=json.loads(tools_json) if tools_json else openai.omit,
                        )
                        async for chunk in stream:
                            if chunk.usage is not None:
                                usage = (chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                            for choice in chunk.choices:
                                delta = choice.delta
                                text = delta.content if delta is not None else None
                                if text:
                                    if first_token_ms is None:
                                        first_token_ms = (time.monotonic() - started) * 1000.0
                                    deltas += 1
                                    job.events.put_nowait(TokenText(job.request_id, text))
                                if delta is not None and delta.tool_calls:
                                    if first_token_ms is None:
                                        first_token_ms = (time.monotonic() - started) * 1000.0
                                    deltas += 1
                                    for call in calls.add(delta.tool_calls):
                                        job.events.put_nowait(call)
                                if choice.finish_reason:
                                    finish = choice.finish_reason
                                    for call in calls.finish():
                                        job.events.put_nowait(call)
                    except Exception as exc:  # whatever the upstream did, it ends as JobFailed
                        failure = _classify(exc, self.settings.read_timeout_s)
                if finish is None and failure is None:
                    failure = _Failure(_no_finish_reason(stream), True, True)
        except TimeoutError:
            failure = _Failure("timed out", True, True)  # the deadline's, if expired: below
        except asyncio.CancelledError:
            # cancel(), or the caller went away: nobody may be reading any more.
            finish, failure = FINISH_CANCELLED, None
        finally:
            if stream is not None:
                # Closing the response closes the connection: the server sees the
                # client leave and stops generating.
                with contextlib.suppress(Exception):
                    await stream.close()
        if scope is not None and scope.expired() and finish != FINISH_CANCELLED:
            # Checked after the fact: a library may turn the deadline's cancellation
            # into an error of its own.
            finish, failure = FINISH_DEADLINE, None
        generate_ms = (time.monotonic() - started) * 1000.0
        if failure is not None:
            reason = _one_line(f"upstream {self.name}: {failure.reason}")
            if failure.upstream_fault:
                self._set_health(False, reason)
            log.warning("%s: %s", tag or f"job {job.request_id}", reason)
            job.events.put_nowait(JobFailed(job.request_id, reason, failure.retryable))
            return
        assert finish is not None
        if finish not in (FINISH_CANCELLED, FINISH_DEADLINE):
            self._set_health(True)
        # Without a usage chunk (llama-cpp-python sends none) the prompt size is unknown: 0.
        prompt_tokens, completion_tokens = usage if usage is not None else (0, deltas)
        job.events.put_nowait(
            JobDone(
                job.request_id,
                tag,
                finish,
                prompt_tokens,
                completion_tokens,
                first_token_ms,
                generate_ms,
            )
        )


class _ToolCallDeltas:
    """The API streams each tool call in pieces (name first, arguments in fragments),
    indexed; a call is whole when the next index starts or the choice finishes."""

    def __init__(self) -> None:
        self._parts: dict[int, list[str]] = {}  # index -> [name, arguments so far]
        self._done: set[int] = set()

    def add(self, deltas: list[ChoiceDeltaToolCall]) -> list[ToolCall]:
        whole = []
        for delta in deltas:
            if delta.index not in self._parts:
                whole += self._close(i for i in self._parts if i < delta.index)
                self._parts[delta.index] = ["", ""]
            part = self._parts[delta.index]
            if delta.function is not None:
                part[0] += delta.function.name or ""
                part[1] += delta.function.arguments or ""
        return whole

    def finish(self) -> list[ToolCall]:
        return self._close(list(self._parts))

    def _close(self, indices: Iterable[int]) -> list[ToolCall]:
        calls = []
        for index in sorted(set(indices) - self._done):
            self._done.add(index)
            name, arguments = self._parts[index]
            call = tool_call(name, arguments or "{}")  # (no argument fragments: none)
            if call is not None:
                calls.append(call)
        return calls


class UpstreamPool:
    """Several upstreams behind one `generate`: least loaded first, failover before speech."""

    def __init__(self, upstreams: Sequence[OpenAIUpstream]) -> None:
        if not upstreams:
            raise ValueError("an upstream pool needs at least one upstream")
        self._upstreams = tuple(upstreams)
        self._ids = itertools.count(1)
        # Pool request id -> (upstream, its request id) of the attempt running now.
        self._current: dict[int, tuple[OpenAIUpstream, int]] = {}
        self._active: set[int] = set()
        self._cancelled: set[int] = set()

    @classmethod
    def from_settings(cls, settings: Iterable[UpstreamSettings]) -> UpstreamPool:
        return cls([OpenAIUpstream(one) for one in settings])

    @property
    def upstreams(self) -> tuple[OpenAIUpstream, ...]:
        return self._upstreams

    @property
    def ready(self) -> bool:
        """True while any upstream is healthy."""
        return any(upstream.ready for upstream in self._upstreams)

    async def start(self) -> None:
        """Probe every upstream once (concurrently), then keep probing in the background."""
        await asyncio.gather(*(upstream.start() for upstream in self._upstreams))

    async def close(self) -> None:
        await asyncio.gather(*(upstream.close() for upstream in self._upstreams))

    def _pick(self, tried: set[OpenAIUpstream]) -> OpenAIUpstream | None:
        """Healthy before not-yet-probed, free slot before busy, least in flight, list order."""
        candidates = [
            (upstream.healthy is not True, not upstream.has_free_slot, upstream.in_flight, index)
            for index, upstream in enumerate(self._upstreams)
            if upstream not in tried and upstream.healthy is not False
        ]
        return self._upstreams[min(candidates)[3]] if candidates else None

    async def generate(
        self,
        messages: tuple[tuple[str, str], ...],
        max_tokens: int,
        deadline: float | None,
        tag: str = "",
        tools_json: str = "",
    ) -> AsyncGenerator[WorkerEvent, None]:
        """WorkerClient.generate over the pool (see OpenAIUpstream.generate).

        A retryable failure before the first token moves the job to the next
        upstream; after it, the JobFailed is passed on (the caller has spoken).
        Raises WorkerUnavailable when no upstream can take the job, QueueDeadline
        when the deadline passes before any upstream gave it a slot.
        """
        request_id = next(self._ids)
        queued_at = time.monotonic()
        tried: set[OpenAIUpstream] = set()
        failures: list[str] = []
        started = spoke = False
        self._active.add(request_id)
        try:
            while request_id not in self._cancelled:
                upstream = self._pick(tried)
                if upstream is None:
                    break
                tried.add(upstream)
                events = upstream.generate(messages, max_tokens, deadline, tag, tools_json)
                try:
                    async with contextlib.aclosing(events):
                        async for event in events:
                            if isinstance(event, JobStarted):
                                self._current[request_id] = (upstream, event.request_id)
                                if request_id in self._cancelled:  # while it queued
                                    upstream.cancel(event.request_id)
                                if not started:
                                    started = True
                                    queue_ms = (time.monotonic() - queued_at) * 1000.0
                                    yield JobStarted(request_id, queue_ms)
                            elif isinstance(event, TokenText):
                                spoke = True
                                yield dataclasses.replace(event, request_id=request_id)
                            elif isinstance(event, ToolCall):
                                spoke = True  # acted on: another upstream cannot redo it
                                yield event
                            elif isinstance(event, JobDone) or spoke or not event.retryable:
                                # Done, or failed where another upstream cannot help:
                                # part of the answer was spoken, or the request is bad.
                                yield dataclasses.replace(event, request_id=request_id)
                                return
                            else:
                                failures.append(event.reason)  # nothing spoken: next one
                except WorkerUnavailable as exc:
                    failures.append(str(exc))
                except QueueDeadline:
                    if not started:
                        raise
                    # Already started elsewhere: the deadline passed before a token.
                    yield JobDone(request_id, tag, FINISH_DEADLINE, 0, 0, None,
                                  (time.monotonic() - queued_at) * 1000.0)
                    return
                finally:
                    self._current.pop(request_id, None)
            if request_id in self._cancelled:
                if started:
                    yield JobDone(request_id, tag, FINISH_CANCELLED, 0, 0, None,
                                  (time.monotonic() - queued_at) * 1000.0)
                return
            # Every upstream's own reason, so none of the names is cut off.
            reason = _one_line("; ".join(failures) or "every upstream is unhealthy",
                               limit=_REASON_CHARS * max(1, len(failures)))
            if not started:
                raise WorkerUnavailable(f"no upstream can take the job: {reason}")
            yield JobFailed(request_id, f"every upstream failed: {reason}", retryable=True)
        finally:
            self._active.discard(request_id)
            self._cancelled.discard(request_id)

    def cancel(self, request_id: int) -> None:
        """Stop a job on whichever upstream runs it now, and do not fail it over."""
        if request_id in self._active:
            self._cancelled.add(request_id)
        current = self._current.get(request_id)
        if current is not None:
            upstream, upstream_id = current
            upstream.cancel(upstream_id)
