"""Typed messages between the gRPC process and the llama worker process.

They travel pickled over a multiprocessing Pipe. Reading this file shows the
whole worker protocol:

    parent -> worker   GenerateJob, CancelJob, StatsQuery, Shutdown
    worker -> parent   ModelLoaded | ModelFailed (exactly one, first),
                       then per job: TokenText* followed by JobDone or JobFailed,
                       and WorkerStats for every StatsQuery.

The worker decodes up to `n_parallel` jobs at once, each its own sequence in
one llama context; the parent keeps at most that many jobs outstanding (sent,
without their JobDone/JobFailed yet), and the worker queues any beyond its free
sequences rather than refusing them. TokenText of different jobs interleave.
Deadlines are absolute `time.monotonic()` values: CLOCK_MONOTONIC is
system-wide on Linux, so both processes read the same clock.
"""

from __future__ import annotations

from dataclasses import dataclass

# Why a job ended. "stop" and "length" are llama's; the others are ours.
FINISH_STOP = "stop"
FINISH_LENGTH = "length"
FINISH_CANCELLED = "cancelled"
FINISH_DEADLINE = "deadline"

RECENT_JOBS = 16  # finished jobs kept for stats, by the worker and by its client alike


# --- parent -> worker -------------------------------------------------------


@dataclass(frozen=True)
class GenerateJob:
    request_id: int
    # Chat messages as (role, content), system prompt first, newest turn last.
    messages: tuple[tuple[str, str], ...]
    max_tokens: int
    # Absolute time.monotonic() after which generation stops; None = no deadline.
    deadline: float | None
    # "device/session/turn" for logs and stats; the parent schedules fairly by its
    # first component (the device).
    tag: str = ""


@dataclass(frozen=True)
class CancelJob:
    request_id: int


@dataclass(frozen=True)
class StatsQuery:
    pass


@dataclass(frozen=True)
class Shutdown:
    pass


ToWorker = GenerateJob | CancelJob | StatsQuery | Shutdown


# --- worker -> parent -------------------------------------------------------


@dataclass(frozen=True)
class ModelLoaded:
    model_path: str
    load_ms: float
    n_ctx: int


@dataclass(frozen=True)
class ModelFailed:
    reason: str


@dataclass(frozen=True)
class TokenText:
    request_id: int
    text: str


@dataclass(frozen=True)
class JobDone:
    request_id: int
    tag: str
    finish_reason: str
    prompt_tokens: int
    # Tokens the worker actually sampled for this job: the proof that a
    # cancelled or expired job stopped early.
    completion_tokens: int
    first_token_ms: float | None
    generate_ms: float


@dataclass(frozen=True)
class JobFailed:
    request_id: int
    reason: str
    # False when retrying the same request cannot help (it does not fit the model).
    retryable: bool = True


@dataclass(frozen=True)
class WorkerStats:
    jobs_done: int
    tokens_total: int
    # The jobs the worker is decoding right now (empty when idle).
    running: tuple[int, ...]
    # Most recent jobs, oldest first (bounded).
    recent: tuple[JobDone, ...]


FromWorker = ModelLoaded | ModelFailed | TokenText | JobDone | JobFailed | WorkerStats
