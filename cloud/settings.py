"""Cloud service settings: one frozen, validated value parsed once at the edge (CLI)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cloud.limits import RateSettings, RequestLimits

if TYPE_CHECKING:  # (cloud.upstream imports the worker, which imports these settings)
    from cloud.upstream import UpstreamSettings

DEFAULT_SYSTEM_PROMPT = (
    "You are a voice assistant. Your answer will be spoken aloud. "
    "Answer briefly, in one to three plain spoken sentences. "
    "Do not use markdown, lists, code, emoji or symbols."
)

# llama.cpp's own limit on sequences per context is 256; more than this many answers at
# once only slows every one of them down on a CPU.
MAX_PARALLEL = 64
TOOL_MODES = ("auto", "native", "prompt", "off")
# Bounds the decode batch (and with it the attention scratch memory llama.cpp reserves).
MAX_PREFILL_CHUNK = 512


@dataclass(frozen=True)
class KeepaliveSettings:
    """Server side of the HTTP/2 keepalive contract with devices on cellular links.

    gRPC servers refuse client pings more often than every 5 minutes by default
    and answer with GOAWAY "too_many_pings"; devices ping every ~20 s to notice
    dead links, so the server must permit that (and pings on idle connections).
    """

    # Ping idle clients ourselves so half-open connections are reaped.
    time_ms: int = 30_000
    timeout_ms: int = 10_000
    # Accept client pings this often without data in between (must be <= the
    # client's keepalive interval, with headroom for jitter).
    min_recv_ping_interval_ms: int = 10_000
    permit_without_calls: bool = True

    def server_options(self) -> list[tuple[str, int]]:
        return [
            ("grpc.keepalive_time_ms", self.time_ms),
            ("grpc.keepalive_timeout_ms", self.timeout_ms),
            ("grpc.keepalive_permit_without_calls", int(self.permit_without_calls)),
            ("grpc.http2.min_ping_interval_without_data_ms", self.min_recv_ping_interval_ms),
        ]


@dataclass(frozen=True)
class CloudSettings:
    """Everything `cloud serve` needs. Invalid values raise ValueError at construction."""

    # The GGUF the embedded worker serves; None when `upstreams` serve instead.
    model_path: Path | None = None
    listen: str = "127.0.0.1:50051"
    n_ctx: int = 2048
    n_threads: int = 2
    # Calls waiting for or holding a generation slot (n_parallel); more are refused, and
    # so is one whose place in the queue would outlast its deadline.
    max_pending: int = 16
    # Answers decoded at once, each its own sequence of the one llama context; every
    # sequence gets its own n_ctx tokens of KV cache, so memory grows with this.
    n_parallel: int = 4
    # Prompt tokens evaluated per decode step: a long prompt is fed in chunks between
    # the other answers' tokens, and a cancel is read between chunks.
    prefill_chunk: int = 64
    # Answers still before their first chunk that decode together; the others wait, and
    # answers already speaking slow to a trickle meanwhile. On a compute-bound CPU (a
    # batch of N costs ~N tokens) one at a time gets the first chunks out soonest; where
    # a batch costs little more than one token (many AVX2 cores, a GPU) use n_parallel.
    first_chunk_parallel: int = 1
    # A worker with jobs that answers nothing (not even a ping between decode steps) for
    # this long is stuck: its jobs fail as retryable and it is killed.
    stall_s: float = 20.0
    # Used when a request asks for 0 tokens; requests may ask for up to n_ctx.
    max_tokens: int = 128
    temperature: float = 0.7
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    # Generation stops this long before the caller's deadline so the last
    # sentence and the Final still reach it in time.
    deadline_margin_s: float = 0.1
    # How long in-flight calls may finish on SIGINT/SIGTERM.
    grace_s: float = 5.0
    # A fleet directory (`tandem pki init`): serve mTLS with its server certificate and
    # accept only device certificates of its CA. None: an insecure port (loopback demos).
    tls_fleet_dir: Path | None = None
    # Bearer tokens per device (cloud.device_tokens) for a cloud not on mTLS: without a
    # valid token a call is refused; the token names the device and its user.
    device_tokens: Path | None = None
    # OpenAI-compatible servers to answer instead of the embedded worker (failover in
    # this order of preference); empty: the embedded llama.cpp worker serves `model_path`.
    upstreams: tuple[UpstreamSettings, ...] = ()
    # A fleet directory whose memory (memory.json) and registry (which user owns which
    # device) the conversations use; `broker` (HOST:PORT, the fleet's MQTT broker) makes
    # what users ask to remember or forget reach their devices. None: no memory.
    fleet_dir: Path | None = None
    broker: str | None = None
    # Answer repeated general questions from a semantic cache (cloud.answer_cache);
    # personal ones per user, time-sensitive ones never.
    answer_cache: bool = True
    # Requests matching any of these (regular expressions) go to a person, not the model
    # (cloud.handoff: topics the operators handle themselves).
    handoff_patterns: tuple[str, ...] = ()
    # The first chunk of an answer may be a clause of at least this many words, so the
    # device starts speaking sooner; None: whole sentences only.
    first_clause_words: int | None = 4
    # Functions a device offers (ConverseRequest.tools_json) reach the model: "native" as
    # the upstream API's `tools`; "prompt" in the system prompt, calls read back from the
    # text (cloud.tool_calls); "off" never; "auto" native for upstreams and off for the
    # embedded model (SmolLM2-135M, the demo's, talks about the functions instead of
    # calling them, and the longer prompt delays every first token).
    tools: str = "auto"
    # HOST:PORT of a Prometheus /metrics endpoint (cloud.metrics); None: none.
    metrics: str | None = None
    # What a request may hold (sizes, turns, identifiers), checked before admission.
    limits: RequestLimits = field(default_factory=RequestLimits)
    rate: RateSettings = field(default_factory=RateSettings)  # per device
    keepalive: KeepaliveSettings = field(default_factory=KeepaliveSettings)

    def __post_init__(self) -> None:
        if self.model_path is not None:
            object.__setattr__(self, "model_path", Path(self.model_path))
        elif not self.upstreams:
            raise ValueError("a model to serve: --model PATH (embedded llama.cpp) or "
                             "--upstream URL (an OpenAI-compatible server)")
        for what, address in (("listen address", self.listen), ("--metrics", self.metrics)):
            if address is not None and ":" not in address:
                raise ValueError(f"{what} must be HOST:PORT, got {address!r}")
        for name in ("n_ctx", "n_threads", "max_pending", "max_tokens", "n_parallel",
                     "prefill_chunk", "first_chunk_parallel"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.max_tokens >= self.n_ctx:
            raise ValueError(f"max_tokens ({self.max_tokens}) must be below n_ctx ({self.n_ctx})")
        if self.n_parallel > MAX_PARALLEL:
            raise ValueError(f"n_parallel must be at most {MAX_PARALLEL}, got {self.n_parallel}")
        if self.prefill_chunk > MAX_PREFILL_CHUNK:
            raise ValueError(
                f"prefill_chunk must be at most {MAX_PREFILL_CHUNK}, got {self.prefill_chunk}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        for pattern in self.handoff_patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"handoff pattern {pattern!r}: {exc}") from None
        if self.broker is not None and self.fleet_dir is None:
            raise ValueError("--broker publishes memory changes: it needs --fleet-dir")
        if self.tools not in TOOL_MODES:
            raise ValueError(f"tools must be one of {', '.join(TOOL_MODES)}, got {self.tools!r}")
        if self.stall_s <= 0:
            raise ValueError(f"stall_s must be > 0, got {self.stall_s}")
        if self.deadline_margin_s < 0 or self.grace_s < 0:
            raise ValueError("deadline_margin_s and grace_s must be >= 0")

    @property
    def tool_mode(self) -> str:
        """How offered functions reach the model: "native", "prompt" or "off"."""
        if self.tools != "auto":
            return self.tools
        return "native" if self.upstreams else "off"

    def server_options(self) -> list[tuple[str, int]]:
        return [*self.keepalive.server_options(),
                ("grpc.max_receive_message_length", self.limits.transport_bytes)]
