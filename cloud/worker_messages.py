"""Typed messages between the gRPC process and the llama worker process.

They travel pickled over a multiprocessing Pipe. Reading this file shows the
whole worker protocol:

    parent -> worker   GenerateJob, CancelJob, StatsQuery, Shutdown
    worker -> parent   ModelLoaded | ModelFailed (exactly one, first),
                       then per job: TokenText* followed by JobDone or JobFailed,
                       and WorkerStats for every StatsQuery.

The worker runs one job at a time; the parent sends the next GenerateJob only
after the previous job's JobDone/JobFailed. Deadlines are absolute
`time.monotonic()` values: CLOCK_MONOTONIC is system-wide on Linux, so both
processes read the same clock.
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
    # Free text for logs and stats, e.g. "device/session/turn".
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
    # The worker's busy job id right now, if any.
    running: int | None
    # Most recent jobs, oldest first (bounded).
    recent: tuple[JobDone, ...]


FromWorker = ModelLoaded | ModelFailed | TokenText | JobDone | JobFailed | WorkerStats
