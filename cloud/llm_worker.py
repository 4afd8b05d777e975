"""The llama worker process: owns the model, generates one job at a time.

Runs in a child started with the "spawn" context (see worker_client.py) so no
gRPC state is ever forked, and so a slow or crashing llama.cpp call never
blocks the event loop of the gRPC server. Between tokens it polls the pipe,
which is how cancellation, shutdown and stats queries reach a running job.
"""

from __future__ import annotations

import collections
import signal
import time
from collections.abc import Generator
from multiprocessing.connection import Connection
from typing import Any

from cloud.settings import CloudSettings
from cloud.worker_messages import (
    FINISH_CANCELLED,
    FINISH_DEADLINE,
    FINISH_STOP,
    RECENT_JOBS,
    CancelJob,
    GenerateJob,
    JobDone,
    JobFailed,
    ModelFailed,
    ModelLoaded,
    Shutdown,
    StatsQuery,
    TokenText,
    ToWorker,
    WorkerStats,
)

_PER_MESSAGE_TOKENS = 6  # a chat template's role header and end-of-turn markers
_REFIT_TRIES = 4


def fit_to_budget(sizes: list[int], budget: int) -> int | None:
    """How many of the most recent context turns fit: `sizes` are the token counts of
    the system prompt, the context turns oldest first, and the question; None when even
    the system prompt and the question alone do not fit. One pass, newest turns first."""
    used = sizes[0] + sizes[-1] + 2 * _PER_MESSAGE_TOKENS
    if used > budget:
        return None
    kept = 0
    for size in reversed(sizes[1:-1]):
        used += size + _PER_MESSAGE_TOKENS
        if used > budget:
            break
        kept += 1
    return kept


class PromptTooLong(Exception):
    """Even without any context turns the prompt exceeds the context window."""


def worker_main(conn: Connection, settings: CloudSettings) -> None:
    """Entry point of the child process (must stay importable at module level)."""
    # The parent owns shutdown: Ctrl-C reaches the whole process group, but
    # in-flight calls must drain first. SIGTERM keeps its default so that
    # Process.terminate() (and multiprocessing's exit handler) still work; under
    # systemd use KillMode=mixed so only the server gets the first SIGTERM.
    # If the parent dies, the pipe reaches EOF and we exit on our own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        llm = _load(settings, conn)
        if llm is None:
            return
        _Worker(llm, conn, settings).serve()
    except (EOFError, BrokenPipeError):
        pass  # parent went away; nothing left to report to
    finally:
        conn.close()


def _load(settings: CloudSettings, conn: Connection) -> Any:
    started = time.monotonic()
    try:
        from llama_cpp import Llama
    except ImportError:
        conn.send(ModelFailed("llama-cpp-python is not installed (pip install llama-cpp-python)"))
        return None
    try:
        llm = Llama(
            model_path=str(settings.model_path),
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads,
            verbose=False,
        )
    except Exception as exc:  # llama-cpp-python raises bare ValueError/RuntimeError
        conn.send(ModelFailed(f"{type(exc).__name__}: {exc}"))
        return None
    load_ms = (time.monotonic() - started) * 1000.0
    conn.send(ModelLoaded(str(settings.model_path), load_ms, settings.n_ctx))
    return llm


class _Worker:
    def __init__(self, llm: Any, conn: Connection, settings: CloudSettings) -> None:
        self._llm = llm
        self._conn = conn
        self._settings = settings
        self._jobs_done = 0
        self._tokens_total = 0
        self._recent: collections.deque[JobDone] = collections.deque(maxlen=RECENT_JOBS)
        self._running: int | None = None
        self._shutdown = False
        # Messages read while a job ran that are not about that job.
        self._deferred: collections.deque[ToWorker] = collections.deque()

    def serve(self) -> None:
        while not self._shutdown:
            message = self._deferred.popleft() if self._deferred else self._conn.recv()
            if isinstance(message, GenerateJob):
                self._run(message)
            elif isinstance(message, StatsQuery):
                self._conn.send(self._stats())
            elif isinstance(message, Shutdown):
                self._shutdown = True
            # A CancelJob for a job that already finished is stale: ignore it.

    def _stats(self) -> WorkerStats:
        return WorkerStats(self._jobs_done, self._tokens_total, self._running, tuple(self._recent))

    def _run(self, job: GenerateJob) -> None:
        self._running = job.request_id
        try:
            done = self._generate(job)
        except PromptTooLong as exc:
            self._conn.send(JobFailed(job.request_id, str(exc), retryable=False))
            return
        except Exception as exc:  # a failed job must not take the worker down
            self._conn.send(JobFailed(job.request_id, f"{type(exc).__name__}: {exc}"))
            return
        finally:
            self._running = None
        self._jobs_done += 1
        self._tokens_total += done.completion_tokens
        self._recent.append(done)
        self._conn.send(done)

    def _generate(self, job: GenerateJob) -> JobDone:
        started = time.monotonic()
        if job.deadline is not None and started >= job.deadline:
            return JobDone(job.request_id, job.tag, FINISH_DEADLINE, 0, 0, None, 0.0)
        stream = self._chat_stream(job)
        finish = FINISH_STOP
        prompt_tokens: int | None = None
        first_token_ms: float | None = None
        try:
            for chunk in stream:
                choice = chunk["choices"][0]
                text = choice["delta"].get("content")
                if text:
                    if prompt_tokens is None:
                        # The prompt is fully evaluated when the first token appears.
                        prompt_tokens = self._llm.n_tokens
                        first_token_ms = (time.monotonic() - started) * 1000.0
                    self._conn.send(TokenText(job.request_id, text))
                if choice.get("finish_reason"):
                    finish = choice["finish_reason"]
                    break
                stop = self._should_stop(job)
                if stop is not None:
                    finish = stop
                    break
        finally:
            # Closing the generator is what actually stops llama's decode loop.
            stream.close()
        if prompt_tokens is None:
            prompt_tokens = self._llm.n_tokens
        return JobDone(
            request_id=job.request_id,
            tag=job.tag,
            finish_reason=finish,
            prompt_tokens=prompt_tokens,
            completion_tokens=self._sampled_tokens(prompt_tokens, finish),
            first_token_ms=first_token_ms,
            generate_ms=(time.monotonic() - started) * 1000.0,
        )

    def _chat_stream(self, job: GenerateJob) -> Generator[dict[str, Any], None, None]:
        """llama's chat stream for the job, its context trimmed once to the token budget
        (`fit_to_budget`); if llama still finds the prompt too long (the template's own
        tokens were underestimated), one more turn goes per retry, a few times at most."""
        messages = [{"role": role, "content": text} for role, text in job.messages]
        sizes = [len(self._llm.tokenize(text.encode(), add_bos=False, special=False))
                 for _, text in job.messages]
        budget = self._settings.n_ctx - min(job.max_tokens, self._settings.n_ctx // 2)
        keep = fit_to_budget(sizes, budget)
        if keep is None:
            raise PromptTooLong(
                f"the question does not fit the model: {sizes[0] + sizes[-1]} tokens with "
                f"the system prompt, over the budget of {budget}")
        messages = [messages[0], *messages[len(messages) - 1 - keep : -1], messages[-1]]
        for _ in range(_REFIT_TRIES):
            stream = self._llm.create_chat_completion(
                messages=messages,
                max_tokens=job.max_tokens,
                temperature=self._settings.temperature,
                stream=True,
            )
            try:
                # llama-cpp-python checks the prompt length lazily, on the first chunk.
                first = next(stream)
            except StopIteration:
                return
            except ValueError as exc:
                if "context window" not in str(exc):
                    raise
                if len(messages) <= 2:
                    raise PromptTooLong(f"the question does not fit the model: {exc}") from None
                del messages[1]
                continue
            yield first
            # Closing this generator closes `stream` too, which stops llama.
            yield from stream
            return
        raise PromptTooLong("the prompt still did not fit after trimming the context")

    def _sampled_tokens(self, prompt_tokens: int, finish: str) -> int:
        # llama evaluates each sampled token before sampling the next one, so
        # when we stop it (length, cancel, deadline) the last sampled token is
        # still unevaluated; an end-of-sequence stop leaves none (and the
        # end-of-sequence token itself is not output).
        evaluated = max(0, int(self._llm.n_tokens) - prompt_tokens)
        return evaluated if finish == FINISH_STOP else evaluated + 1

    def _should_stop(self, job: GenerateJob) -> str | None:
        """Check for control messages between tokens; return a finish reason to stop."""
        stop: str | None = None
        while self._conn.poll():
            message = self._conn.recv()
            if isinstance(message, CancelJob):
                if message.request_id == job.request_id:
                    stop = FINISH_CANCELLED
            elif isinstance(message, StatsQuery):
                self._conn.send(self._stats())
            elif isinstance(message, Shutdown):
                self._shutdown = True
                stop = FINISH_CANCELLED
            else:
                self._deferred.append(message)
        if stop is None and job.deadline is not None and time.monotonic() >= job.deadline:
            stop = FINISH_DEADLINE
        return stop
