"""The llama worker process: owns the model and decodes up to n_parallel jobs at once.

Runs in a child started with the "spawn" context (see worker_client.py) so no
gRPC state is ever forked, and so a slow or crashing llama.cpp call never
blocks the event loop of the gRPC server. The jobs share one llama context,
one sequence each (cloud.batch_decode); between decode steps (one token per
running job, or one prompt chunk) the loop polls the pipe, which is how new
jobs, cancellation, shutdown and stats queries reach it while others run.
"""

from __future__ import annotations

import collections
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from cloud.settings import CloudSettings
from cloud.worker_messages import (
    FINISH_CANCELLED,
    FINISH_DEADLINE,
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

if TYPE_CHECKING:  # the parent process imports this module but never llama_cpp
    from cloud.batch_decode import BatchDecoder

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


class _PromptCaptured(Exception):
    def __init__(self, tokens: list[int]) -> None:
        super().__init__("prompt captured")
        self.tokens = tokens


class _CapturingLlama:
    """Stands in for the Llama in its own chat handler: the handler formats and tokenizes
    the messages exactly as create_chat_completion would (whatever the model's template:
    a Jinja template from the GGUF or a named format), then hands the prompt tokens to
    create_completion, which here stops it and returns them."""

    def __init__(self, llm: Any) -> None:
        self._llm = llm

    def __getattr__(self, name: str) -> Any:
        return getattr(self._llm, name)

    def create_completion(self, prompt: list[int], **_: Any) -> None:
        raise _PromptCaptured(list(prompt))


def chat_prompt(llm: Any, messages: list[dict[str, str]]) -> list[int]:
    """The prompt tokens `llm.create_chat_completion(messages)` would evaluate."""
    from llama_cpp import llama_chat_format

    # The handler create_chat_completion picks, in the same order (typed loosely: it
    # gets a stand-in for the Llama and plain message dicts).
    handler: Callable[..., object] = (llm.chat_handler or llm._chat_handlers.get(llm.chat_format)
               or llama_chat_format.get_chat_completion_handler(llm.chat_format))
    try:
        handler(llama=_CapturingLlama(llm), messages=messages, stream=True)
    except _PromptCaptured as captured:
        return captured.tokens
    raise RuntimeError(f"the chat handler for {llm.chat_format!r} built no prompt")


def build_prompt(
    llm: Any, messages: tuple[tuple[str, str], ...], max_tokens: int, n_ctx: int
) -> list[int]:
    """The job's prompt tokens, its context trimmed once to the token budget
    (`fit_to_budget`); if the templated prompt still does not fit n_ctx (the template's
    own tokens were underestimated), one more turn goes per retry, a few times at most."""
    sizes = [len(llm.tokenize(text.encode(), add_bos=False, special=False))
             for _, text in messages]
    budget = n_ctx - min(max_tokens, n_ctx // 2)
    keep = fit_to_budget(sizes, budget)
    if keep is None:
        raise PromptTooLong(
            f"the question does not fit the model: {sizes[0] + sizes[-1]} tokens with "
            f"the system prompt, over the budget of {budget}")
    turns = [{"role": role, "content": text} for role, text in messages]
    turns = [turns[0], *turns[len(turns) - 1 - keep : -1], turns[-1]]
    for _ in range(_REFIT_TRIES):
        tokens = chat_prompt(llm, turns)
        if len(tokens) < n_ctx:
            return tokens
        if len(turns) <= 2:
            raise PromptTooLong(
                f"the question does not fit the model: {len(tokens)} tokens, the context "
                f"window is {n_ctx}")
        del turns[1]
    raise PromptTooLong("the prompt still did not fit after trimming the context")


def worker_main(conn: Connection, settings: CloudSettings) -> None:
    """Entry point of the child process (must stay importable at module level)."""
    # The parent owns shutdown: Ctrl-C reaches the whole process group, but
    # in-flight calls must drain first. SIGTERM keeps its default so that
    # Process.terminate() (and multiprocessing's exit handler) still work; under
    # systemd use KillMode=mixed so only the server gets the first SIGTERM.
    # If the parent dies, the pipe reaches EOF and we exit on our own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        loaded = _load(settings, conn)
        if loaded is None:
            return
        _Worker(*loaded, conn).serve()
    except (EOFError, BrokenPipeError):
        pass  # parent went away; nothing left to report to
    finally:
        conn.close()


def _load(settings: CloudSettings, conn: Connection) -> tuple[Any, BatchDecoder] | None:
    started = time.monotonic()
    try:
        from llama_cpp import Llama

        from cloud.batch_decode import BatchDecoder
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
        decoder = BatchDecoder(
            llm,
            n_parallel=settings.n_parallel,
            n_ctx_seq=settings.n_ctx,
            prefill_chunk=settings.prefill_chunk,
            temperature=settings.temperature,
            first_chunk_parallel=settings.first_chunk_parallel,
            first_clause_words=settings.first_clause_words,
        )
    except Exception as exc:  # llama-cpp-python raises bare ValueError/RuntimeError
        conn.send(ModelFailed(f"{type(exc).__name__}: {exc}"))
        return None
    load_ms = (time.monotonic() - started) * 1000.0
    conn.send(ModelLoaded(str(settings.model_path), load_ms, settings.n_ctx))
    return llm, decoder


@dataclass(frozen=True)
class _Received:
    job: GenerateJob
    at: float  # time.monotonic() when the worker read it: its timings start here


class _Worker:
    def __init__(self, llm: Any, decoder: BatchDecoder, conn: Connection) -> None:
        self._llm = llm
        self._decoder = decoder
        self._conn = conn
        self._jobs_done = 0
        self._tokens_total = 0
        self._recent: collections.deque[JobDone] = collections.deque(maxlen=RECENT_JOBS)
        # Jobs read and not finished: running in the decoder, or waiting for a slot.
        self._jobs: dict[int, _Received] = {}
        self._waiting: collections.deque[int] = collections.deque()
        self._shutdown = False

    def serve(self) -> None:
        while True:
            # Idle: block on the pipe. Busy: only look, then decode the next step.
            self._receive(block=not self._jobs)
            if self._shutdown:
                for request_id in list(self._jobs):
                    self._end(request_id, FINISH_CANCELLED)
                return
            self._expire(time.monotonic())
            self._admit()
            if self._decoder.running:
                self._step()

    def _receive(self, block: bool) -> None:
        if block:
            self._handle(self._conn.recv())
        while self._conn.poll():
            self._handle(self._conn.recv())

    def _handle(self, message: ToWorker) -> None:
        if isinstance(message, GenerateJob):
            self._jobs[message.request_id] = _Received(message, time.monotonic())
            self._waiting.append(message.request_id)
        elif isinstance(message, CancelJob):
            # A CancelJob for a job that already finished is stale: ignore it.
            if message.request_id in self._jobs:
                self._end(message.request_id, FINISH_CANCELLED)
        elif isinstance(message, StatsQuery):
            self._conn.send(WorkerStats(self._jobs_done, self._tokens_total,
                                        self._decoder.running, tuple(self._recent)))
        elif isinstance(message, Shutdown):
            self._shutdown = True

    def _expire(self, now: float) -> None:
        for request_id, received in list(self._jobs.items()):
            if received.job.deadline is not None and now >= received.job.deadline:
                self._end(request_id, FINISH_DEADLINE)

    def _admit(self) -> None:
        while self._waiting and self._decoder.free_slots:
            received = self._jobs[self._waiting.popleft()]
            job = received.job
            try:
                prompt = build_prompt(self._llm, job.messages, job.max_tokens,
                                      self._decoder.n_ctx_seq)
                self._decoder.start(job.request_id, prompt, job.max_tokens)
            except PromptTooLong as exc:
                self._fail(job.request_id, str(exc), retryable=False)
            except Exception as exc:  # a failed job must not take the worker down
                self._fail(job.request_id, f"{type(exc).__name__}: {exc}")

    def _step(self) -> None:
        try:
            pieces, finished = self._decoder.step()
        except Exception as exc:
            # The cache is in an unknown state: fail what ran, start clean.
            running = self._decoder.running
            self._decoder.reset()
            for request_id in running:
                self._fail(request_id, f"{type(exc).__name__}: {exc}")
            return
        for piece in pieces:
            if piece.text:
                self._conn.send(TokenText(piece.job, piece.text))
        for end in finished:
            self._report(self._jobs.pop(end.job), end.finish_reason, end.prompt_tokens,
                         end.completion_tokens, end.first_token_at)

    def _end(self, request_id: int, finish_reason: str) -> None:
        """Stop a job wherever it is (waiting or decoding) and report it done."""
        if request_id in self._waiting:
            self._waiting.remove(request_id)
            self._report(self._jobs.pop(request_id), finish_reason, 0, 0, None)
            return
        end = self._decoder.stop(request_id, finish_reason)
        self._report(self._jobs.pop(request_id), finish_reason, end.prompt_tokens,
                     end.completion_tokens, end.first_token_at)

    def _report(self, received: _Received, finish_reason: str, prompt_tokens: int,
                completion_tokens: int, first_token_at: float | None) -> None:
        now = time.monotonic()
        done = JobDone(
            request_id=received.job.request_id,
            tag=received.job.tag,
            finish_reason=finish_reason,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            first_token_ms=None if first_token_at is None
            else (first_token_at - received.at) * 1000.0,
            generate_ms=(now - received.at) * 1000.0,
        )
        self._jobs_done += 1
        self._tokens_total += completion_tokens
        self._recent.append(done)
        self._conn.send(done)

    def _fail(self, request_id: int, reason: str, retryable: bool = True) -> None:
        self._jobs.pop(request_id, None)
        self._conn.send(JobFailed(request_id, reason, retryable))
