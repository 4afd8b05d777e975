"""Edge side of tandem.v1.Conversation: stream a cloud answer sentence by sentence.

One `CloudLink` per device, created inside the running event loop (gRPC aio
channels belong to the loop that made them). Every failure surfaces as one
exception type, `CloudUnavailable`, with a short reason, because the caller
does one thing about all of them: speak a fallback.

Budget: `converse` as a whole (connecting included) takes at most
`deadline_s`; connecting alone at most `connect_timeout_s`, so an unreachable
cloud is noticed fast instead of after the whole deadline. If the consumer
stops iterating (break + aclose, task cancellation, `CloudLink.aclose`) the
call is cancelled, which makes the server stop generating.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field

import grpc
from tandem_proto import TRACE_HEADER
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from edge.circuit_breaker import BreakerSettings, CircuitBreaker
from edge.privacy import Redactor, default_redactor

# CloudUnavailable.reason values (short, human, stable: the caller may log or branch on them).
UNREACHABLE = "unreachable"
DEADLINE_EXCEEDED = "deadline exceeded"
OVERLOADED = "overloaded"
SERVER_ERROR = "server error"
BAD_REQUEST = "bad request"
CLOSED = "link closed"

_STATUS_REASONS = {
    grpc.StatusCode.UNAVAILABLE: UNREACHABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED: OVERLOADED,
    grpc.StatusCode.INVALID_ARGUMENT: BAD_REQUEST,
}
_ERROR_REASONS = {
    pb.Error.CODE_OVERLOADED: OVERLOADED,
    pb.Error.CODE_DEADLINE: DEADLINE_EXCEEDED,
    pb.Error.CODE_BAD_REQUEST: BAD_REQUEST,
    pb.Error.CODE_MODEL: SERVER_ERROR,
}
_ROLES = {"user": pb.ContextTurn.ROLE_USER, "assistant": pb.ContextTurn.ROLE_ASSISTANT}


class CloudUnavailable(Exception):
    """The cloud could not (fully) answer; `reason` is one of the constants above;
    `retryable`: the server said another try may succeed (it was draining, or busy)."""

    def __init__(self, reason: str, detail: str = "", retryable: bool = False) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.retryable = retryable


@dataclass(frozen=True)
class CloudLinkSettings:
    target: str  # HOST:PORT
    deadline_s: float = 4.0  # whole converse() call, connecting included
    connect_timeout_s: float = 1.0
    device_id: str = "dev-0"
    # Client keepalive, for cellular links that silently drop idle NAT state.
    # The cloud permits pings every 10 s (cloud.settings.KeepaliveSettings);
    # 20 s leaves headroom so pings are never counted as abusive.
    keepalive_time_s: float = 20.0
    keepalive_timeout_s: float = 5.0
    # Cap reconnect backoff (gRPC's default grows to 120 s) so a cloud that
    # comes back is found again within a couple of seconds.
    max_reconnect_backoff_s: float = 2.0
    # mTLS with the device certificate (edge.fleet.grpc_tls); None: insecure channel.
    credentials: grpc.ChannelCredentials | None = None
    # A bearer token (`tandem cloud token`) for a cloud not on mTLS; None: none sent.
    token: str | None = field(default=None, repr=False)
    breaker: BreakerSettings = field(default_factory=BreakerSettings)
    # One more try after a retryable failure, if this much of the deadline is left.
    retry_min_left_s: float = 1.0

    def __post_init__(self) -> None:
        if ":" not in self.target:
            raise ValueError(f"cloud target must be HOST:PORT, got {self.target!r}")
        for name in ("deadline_s", "connect_timeout_s", "keepalive_time_s", "keepalive_timeout_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")

    def channel_options(self) -> list[tuple[str, int]]:
        return [
            ("grpc.keepalive_time_ms", int(self.keepalive_time_s * 1000)),
            ("grpc.keepalive_timeout_ms", int(self.keepalive_timeout_s * 1000)),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.max_pings_without_data", 0),
            ("grpc.initial_reconnect_backoff_ms", 250),
            ("grpc.min_reconnect_backoff_ms", 250),
            ("grpc.max_reconnect_backoff_ms", int(self.max_reconnect_backoff_s * 1000)),
        ]


@dataclass(frozen=True)
class CloudFinal:
    """What the cloud reported at the end of an answer (usage and server-side timings)."""

    finish_reason: str  # "stop", "length" or "deadline" (answer cut short in time)
    prompt_tokens: int
    completion_tokens: int
    queue_ms: float
    first_token_ms: float
    total_ms: float

    @classmethod
    def from_proto(cls, final: pb.Final) -> CloudFinal:
        return cls(
            finish_reason=final.finish_reason,
            prompt_tokens=final.usage.prompt_tokens,
            completion_tokens=final.usage.completion_tokens,
            queue_ms=final.timings.queue_ms,
            first_token_ms=final.timings.first_token_ms,
            total_ms=final.timings.total_ms,
        )


@dataclass(frozen=True)
class CloudToolCall:
    """The model asks the device to call one of the functions it offered."""

    name: str
    arguments_json: str


class CloudLink:
    """A gRPC channel to the cloud plus the Converse call. Make it inside the running loop."""

    def __init__(self, settings: CloudLinkSettings) -> None:
        self.settings = settings
        if settings.credentials is not None:
            self._channel = grpc.aio.secure_channel(
                settings.target, settings.credentials, options=settings.channel_options()
            )
        else:
            self._channel = grpc.aio.insecure_channel(
                settings.target, options=settings.channel_options()
            )
        self._stub = pb_grpc.ConversationStub(self._channel)
        self._calls: set[grpc.aio.UnaryStreamCall] = set()
        self._closed = False
        # The Final of the most recent converse() that completed (None until then,
        # and reset at the start of each call).
        self.last_final: CloudFinal | None = None
        self.breaker = CircuitBreaker(settings.breaker, self._reachable)
        # Personal data never leaves in a request: every transcript and context turn is
        # redacted here, whoever called (edge.privacy; callers may add the contacts).
        self.redactor: Redactor = default_redactor()
        self.retries = 0  # calls tried a second time (for the trace and tests)

    @property
    def circuit_open(self) -> bool:
        """The cloud has been unreachable: answer on the device, do not wait for it."""
        return self.breaker.is_open

    async def converse(
        self,
        transcript: str,
        context: Sequence[tuple[str, str]],
        session_id: str,
        turn_id: int,
        tools_json: str = "",
        trace_id: str = "",
    ) -> AsyncGenerator[str | CloudToolCall, None]:
        """Yield the answer's sentences as they arrive, and each call of a function the
        request offered (`tools_json`, see edge.cloud_tools) where the model made it;
        raise CloudUnavailable on any failure. `trace_id` goes with the call (metadata
        TRACE_HEADER) into the cloud's log line.

        `context` holds recent (role, text) turns, oldest first; role is
        "user" or "assistant". Prefer `contextlib.aclosing(link.converse(...))`
        so breaking out of the loop cancels the call at once rather than when
        the generator is garbage collected.
        """
        if self._closed:
            raise CloudUnavailable(CLOSED)
        if not self.breaker.allow():
            raise CloudUnavailable(UNREACHABLE, "unreachable before; probing in the background")
        self.last_final = None
        started = time.monotonic()
        request = self._request(transcript, context, session_id, turn_id)
        request.tools_json = tools_json
        spoke = retried = False
        while True:
            try:
                async for text in self._attempt(request, started, trace_id):
                    spoke = True
                    yield text
                return
            except CloudUnavailable as exc:
                left = self.settings.deadline_s - (time.monotonic() - started)
                # Once part of the answer was spoken, a second answer cannot follow it.
                if spoke or retried or not exc.retryable or left < self.settings.retry_min_left_s:
                    raise
                retried = True
                self.retries += 1

    async def _attempt(self, request: pb.ConverseRequest, started: float,
                       trace_id: str = "") -> AsyncGenerator[str | CloudToolCall, None]:
        """One Converse call within what is left of the deadline."""
        try:
            await self._wait_ready()
        except CloudUnavailable:
            self.breaker.failed()
            raise
        remaining = self.settings.deadline_s - (time.monotonic() - started)
        if remaining <= 0:
            raise CloudUnavailable(DEADLINE_EXCEEDED, "no time left after connecting")
        metadata = tuple((key, value) for key, value in (
            ("authorization", f"Bearer {self.settings.token}" if self.settings.token else ""),
            (TRACE_HEADER, trace_id)) if value) or None
        call = self._stub.Converse(request, timeout=remaining, metadata=metadata)
        self._calls.add(call)
        try:
            final: CloudFinal | None = None
            async for response in call:
                self.breaker.succeeded()  # it answered: reachable
                kind = response.WhichOneof("kind")
                if kind == "chunk":
                    yield response.chunk.text
                elif kind == "tool_call":
                    yield CloudToolCall(response.tool_call.name,
                                        response.tool_call.arguments_json)
                elif kind == "final":
                    final = CloudFinal.from_proto(response.final)
                elif kind == "error":
                    error = response.error
                    reason = _ERROR_REASONS.get(error.code, SERVER_ERROR)
                    raise CloudUnavailable(reason, error.message, error.retryable)
            if final is None:
                raise CloudUnavailable(SERVER_ERROR, "the answer ended without a Final")
            self.last_final = final
        except grpc.aio.AioRpcError as exc:
            code = exc.code()
            if code == grpc.StatusCode.UNAVAILABLE:
                self.breaker.failed()
            # UNAVAILABLE before any answer: a server draining or restarting; try again.
            raise CloudUnavailable(_STATUS_REASONS.get(code, SERVER_ERROR), exc.details() or "",
                                   retryable=code == grpc.StatusCode.UNAVAILABLE) from None
        except asyncio.CancelledError:
            # aclose() cancelling our call is a link failure; our own task
            # being cancelled is not ours to swallow.
            task = asyncio.current_task()
            if self._closed and task is not None and not task.cancelling():
                raise CloudUnavailable(CLOSED) from None
            raise
        finally:
            self._calls.discard(call)
            if not call.done():
                call.cancel()

    async def _reachable(self) -> bool:
        try:
            await self._wait_ready()
        except CloudUnavailable:
            return False
        return True

    async def aclose(self) -> None:
        """Cancel calls in flight and close the channel."""
        self._closed = True
        await self.breaker.aclose()
        for call in list(self._calls):
            call.cancel()
        await self._channel.close()

    async def _wait_ready(self) -> None:
        try:
            await asyncio.wait_for(self._channel.channel_ready(), self.settings.connect_timeout_s)
        except TimeoutError:
            raise CloudUnavailable(
                UNREACHABLE,
                f"no connection to {self.settings.target} "
                f"within {self.settings.connect_timeout_s:g} s",
            ) from None

    def _request(
        self, transcript: str, context: Sequence[tuple[str, str]], session_id: str, turn_id: int
    ) -> pb.ConverseRequest:
        redact = self.redactor
        return pb.ConverseRequest(
            device_id=self.settings.device_id,
            session_id=session_id,
            turn_id=turn_id,
            transcript=redact(transcript),
            context=[
                pb.ContextTurn(role=_ROLES.get(role, pb.ContextTurn.ROLE_UNSPECIFIED),
                               text=redact(text))
                for role, text in context
            ],
        )
