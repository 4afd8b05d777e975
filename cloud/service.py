"""The tandem.v1.Conversation servicer: one Converse call per conversational turn.

Failure contract (what the edge can rely on):
  * before any answer exists, transport-level problems are gRPC statuses:
    UNAVAILABLE (model still loading / worker gone), RESOURCE_EXHAUSTED (more
    than max_pending calls waiting or running);
  * otherwise the stream is TextChunk* then exactly one Final or one Error
    (bad request, deadline spent while queued, generation failed);
  * a deadline reached mid-answer ends generation early with the sentences
    produced so far and Final(finish_reason="deadline");
  * on shutdown (`begin_drain`) calls still queued get Error(CODE_OVERLOADED,
    retryable) at once, and answers in flight end with their sentences so far and
    Final(finish_reason="shutdown") just before the grace period runs out.

Timings in Final are server-side, in ms from the call's arrival: queue_ms until
the worker took the job, first_token_ms until the first token came back from
it, total_ms until the Final.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import statistics
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import replace

import grpc
from google.protobuf.message import DecodeError
from tandem_proto import TRACE_HEADER
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from cloud.answer_cache import AnswerCache
from cloud.backends import Backend
from cloud.device_tokens import DeviceTokens
from cloud.fleet.grpc_tls import Revocations, peer_identity, peer_serial
from cloud.fleet.pki import FleetPaths
from cloud.handoff import HANDED_OFF_REPLY, NO_PERSON_REPLY, build_packet, handoff_reason
from cloud.limits import DeviceRateLimiter, for_log, neutralise_markers, request_problem
from cloud.metrics import CloudMetrics
from cloud.sentences import SentenceSplitter
from cloud.settings import CloudSettings
from cloud.tool_calls import ToolCall, ToolCallFilter, offered_names, tools_problem, tools_prompt
from cloud.user_memory import UserMemory, memory_prompt, parse_memory_command, relevant_facts
from cloud.worker_client import (
    JobStarted,
    QueueDeadline,
    WorkerEvent,
    WorkerUnavailable,
)
from cloud.worker_messages import (
    FINISH_CANCELLED,
    FINISH_DEADLINE,
    FINISH_STOP,
    JobDone,
    JobFailed,
    TokenText,
)

log = logging.getLogger(__name__)

_ROLES = {pb.ContextTurn.ROLE_USER: "user", pb.ContextTurn.ROLE_ASSISTANT: "assistant"}


def _ms_since(start: float) -> float:
    return (time.monotonic() - start) * 1000.0


def _error(code: pb.Error.Code.ValueType, message: str, retryable: bool) -> pb.ConverseResponse:
    return pb.ConverseResponse(error=pb.Error(code=code, message=message, retryable=retryable))


def _chunk(text: str, index: int) -> pb.ConverseResponse:
    return pb.ConverseResponse(chunk=pb.TextChunk(text=text, index=index))


def _tool_call(call: ToolCall) -> pb.ConverseResponse:
    return pb.ConverseResponse(tool_call=pb.ToolCall(name=call.name,
                                                     arguments_json=call.arguments_json))


_SHUTDOWN_MARGIN_S = 0.3  # the last sentences and the Final still reach the caller
FINISH_SHUTDOWN = "shutdown"
# how long past a job's deadline a silent worker is waited for (within deadline_margin_s)
WORKER_LATE_S = 0.05
FINISH_HANDOFF = "handoff"  # handed to a person (cloud.handoff)
FINISH_MEMORY = "memory"  # answered by changing the user's memory, no model involved
FINISH_CACHE = "cache"  # answered from the answer cache (cloud.answer_cache)


class ShuttingDown(Exception):
    """The server began draining while the call waited for the model."""


class Unreadable:
    """A request that never became a ConverseRequest: too large, or not one at all."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _metadata(context: grpc.aio.ServicerContext, key: str) -> str | None:
    for name, value in context.invocation_metadata() or ():
        if name == key:
            return value if isinstance(value, str) else value.decode(errors="replace")
    return None


def add_to_server(service: ConversationService, server: grpc.aio.Server) -> None:
    """Register the service with a request parser that refuses an oversized request
    before parsing it, and turns one that does not parse (invalid UTF-8 in a string
    field, truncated bytes) into INVALID_ARGUMENT instead of an UNKNOWN and a traceback."""
    limit = service.settings.limits.max_request_bytes

    def parse(data: bytes) -> pb.ConverseRequest | Unreadable:
        if len(data) > limit:
            return Unreadable(f"the request is {len(data)} bytes, over the limit of {limit}: "
                              "send fewer or shorter context turns")
        try:
            return pb.ConverseRequest.FromString(data)
        except DecodeError as exc:
            return Unreadable(f"the request is not a tandem.v1.ConverseRequest ({exc}); "
                              "strings must be UTF-8")

    handlers = {"Converse": grpc.unary_stream_rpc_method_handler(
        service.Converse, request_deserializer=parse,
        response_serializer=pb.ConverseResponse.SerializeToString)}
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("tandem.v1.Conversation", handlers),))


class ConversationService(pb_grpc.ConversationServicer):
    def __init__(self, settings: CloudSettings, worker: Backend,
                 memory: UserMemory | None = None,
                 handoff: Callable[[bytes], object] | None = None,
                 cache: AnswerCache | None = None) -> None:
        self.settings = self._settings = settings
        self.cache = cache  # answers to general questions asked before (cloud.answer_cache)
        self.memory = memory
        self.handoff = handoff  # sends a packet to the operators' queue; None: nobody there
        self._handoff_policy = tuple(re.compile(p, re.IGNORECASE)
                                     for p in settings.handoff_patterns)
        self.worker = worker  # the server swaps in a new one when this one dies
        self.metrics: CloudMetrics | None = None  # set by the server with --metrics
        self._revoked = (Revocations(FleetPaths(settings.tls_fleet_dir))
                         if settings.tls_fleet_dir is not None else None)
        self._tokens = (DeviceTokens.load(settings.device_tokens)
                        if settings.device_tokens is not None else None)
        self._pending = 0
        self._rate = DeviceRateLimiter(settings.rate)
        # Set by the server together with health: SERVING <=> accepting.
        self.accepting = False
        self._draining = asyncio.Event()
        self._running: set[int] = set()  # worker request ids of the answers in flight
        self._cut_for_shutdown = False

    def begin_drain(self, grace_s: float) -> None:
        """Stop admitting; fail queued calls now; end the answers in flight with a Final
        `_SHUTDOWN_MARGIN_S` before `grace_s` is over (the server stops then)."""
        self.accepting = False
        self._draining.set()
        asyncio.get_running_loop().call_later(
            max(0.0, grace_s - _SHUTDOWN_MARGIN_S), self._cut_running)

    def _cut_running(self) -> None:
        self._cut_for_shutdown = True
        for request_id in self._running:
            self.worker.cancel(request_id)

    @property
    def pending(self) -> int:
        """Calls admitted and not finished (waiting for or using the model)."""
        return self._pending

    async def Converse(  # noqa: N802 - name fixed by the proto
        self, request: pb.ConverseRequest | Unreadable, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ConverseResponse]:
        last: pb.ConverseResponse | None = None
        try:
            async for last in self._converse(request, context):
                yield last
        finally:
            if self.metrics is not None:
                self.metrics.observe_call(last, context)

    async def _converse(
        self, request: pb.ConverseRequest | Unreadable, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ConverseResponse]:
        arrival = time.monotonic()
        if isinstance(request, Unreadable):  # before anything else: it costs nothing
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, request.reason)
        assert isinstance(request, pb.ConverseRequest)
        if not (self.accepting and self.worker.ready):
            await context.abort(
                grpc.StatusCode.UNAVAILABLE,
                "not serving (the model is loading or the server is draining)",
            )
        certified = peer_identity(context)  # None on an insecure port
        if self._revoked is not None and (serial := peer_serial(context)) is not None \
                and serial in self._revoked:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED,
                                f"the certificate of {certified!r} is revoked")
        holder = None
        if self._tokens is not None and certified is None:
            holder = self._tokens.holder(_metadata(context, "authorization"))
            if holder is None:
                await context.abort(
                    grpc.StatusCode.UNAUTHENTICATED,
                    "a device token is required (authorization: Bearer <token>); the fleet "
                    "operator issues one with `tandem cloud token DEVICE`")
        problem = self._validate(request)
        if problem is not None:
            yield _error(pb.Error.CODE_BAD_REQUEST, problem, retryable=False)
            return
        if holder is not None and holder.device != request.device_id:
            await context.abort(
                grpc.StatusCode.PERMISSION_DENIED,
                f"the token is {holder.device!r}'s, the request claims "
                f"{for_log(request.device_id)}")
        if certified is not None and certified != request.device_id:
            # mTLS: a device speaks only for itself (its certificate's CN is its id).
            await context.abort(
                grpc.StatusCode.PERMISSION_DENIED,
                f"certificate is for {certified!r}, the request claims "
                f"{for_log(request.device_id)}",
            )
        wait_s = self._rate.admit(request.device_id)
        if wait_s is not None:
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"rate limit: {self._settings.rate.per_minute:g} requests a minute per device "
                f"(burst {self._settings.rate.burst}); retry in {wait_s:.1f} s",
            )
        if self._pending >= self._settings.max_pending:
            # Refuse at once: queueing deeper only turns overload into timeouts.
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"busy: {self._pending} calls pending (max {self._settings.max_pending})",
            )
        user = holder.user if holder is not None else self._user(request, certified)
        wait_s = self._expected_wait_s()
        remaining = context.time_remaining()
        if wait_s is not None and remaining is not None and wait_s > remaining:
            # Queued, it would only time out: refuse now, while the caller can still act.
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"busy: about {wait_s:.1f} s of answers ahead, the deadline leaves "
                f"{remaining:.1f} s",
            )
        self._pending += 1
        try:
            async for response in self._answer(request, context, arrival, user):
                yield response
        finally:
            self._pending -= 1

    def _validate(self, request: pb.ConverseRequest) -> str | None:
        problem = request_problem(request, self._settings.limits) or \
            tools_problem(request.tools_json)
        if problem is not None:
            return problem
        if request.max_tokens >= self._settings.n_ctx:
            return f"max_tokens must be below the context size ({self._settings.n_ctx})"
        return None

    async def _hand_off(self, reason: str, request: pb.ConverseRequest,
                        user: str | None) -> str:
        """Send the handoff packet; what the device tells the user."""
        packet = build_packet(reason, request.transcript.strip(), self._pairs(request),
                              request.device_id, user, request.session_id)
        if self.handoff is None:
            log.warning("%s: handoff (%s) wanted, but no operator queue is configured",
                        for_log(request.device_id), reason)
            return NO_PERSON_REPLY
        try:
            await asyncio.to_thread(self.handoff, packet.to_json())
        except Exception as exc:  # the broker being down must not become a silent turn
            log.error("handoff for %s failed: %s", for_log(request.device_id), exc)
            return NO_PERSON_REPLY
        log.info("%s: handed to a person (%s)", for_log(request.device_id), reason)
        return HANDED_OFF_REPLY

    @staticmethod
    def _pairs(request: pb.ConverseRequest) -> list[tuple[str, str]]:
        return [(_ROLES[t.role], t.text) for t in request.context if t.role in _ROLES]

    def _expected_wait_s(self) -> float | None:
        """How long a call admitted now would wait for a slot: its place in the queue times
        how often a slot frees (the median recent answer over the slots); None: no queue,
        or nothing measured yet."""
        slots = self._settings.n_parallel
        ahead = self._pending - slots + 1
        recent = [job.generate_ms for job in self.worker.recent_jobs]
        if ahead <= 0 or not recent:
            return None
        return ahead * statistics.median(recent) / 1000.0 / slots

    def _user(self, request: pb.ConverseRequest, certified: str | None) -> str | None:
        """Whose conversation: an authenticated device's registered user; otherwise the
        user the request names (a trusted network), or else the device's registered one."""
        if certified is not None:
            return self.memory.user_of(certified) if self.memory is not None else None
        if request.user_id:
            return request.user_id
        return self.memory.user_of(request.device_id) if self.memory is not None else None

    def _messages(self, request: pb.ConverseRequest,
                  facts: dict[str, str] | None = None) -> tuple[tuple[str, str], ...]:
        question = request.transcript.strip()
        known = memory_prompt(relevant_facts(facts, question)) if facts else ""
        offered = tools_prompt(request.tools_json) if self._prompted_tools(request) else ""
        turns = [("system", self._settings.system_prompt + known + offered)]
        turns += [(role, neutralise_markers(text))
                  for role, text in self._pairs(request) if text.strip()]
        turns.append(("user", neutralise_markers(question)))
        return tuple(turns)

    def _prompted_tools(self, request: pb.ConverseRequest) -> bool:
        return bool(request.tools_json) and self._settings.tool_mode == "prompt"

    def _generation_deadline(
        self, context: grpc.aio.ServicerContext, arrival: float
    ) -> float | None:
        """Absolute monotonic time at which generation must stop, or None (no deadline)."""
        remaining: float | None = context.time_remaining()
        if remaining is None:
            return None
        return arrival + remaining - self._settings.deadline_margin_s

    async def _answer(
        self, request: pb.ConverseRequest, context: grpc.aio.ServicerContext, arrival: float,
        user: str | None,
    ) -> AsyncIterator[pb.ConverseResponse]:
        deadline = self._generation_deadline(context, arrival)
        if deadline is not None and deadline <= arrival:
            yield _error(pb.Error.CODE_DEADLINE, "the deadline is too short", retryable=False)
            return
        reason = handoff_reason(request.transcript, self._pairs(request), self._handoff_policy)
        if reason is not None:
            said = await self._hand_off(reason, request, user)
            yield _chunk(said, 0)
            yield pb.ConverseResponse(final=pb.Final(
                finish_reason=FINISH_HANDOFF, timings=pb.Timings(total_ms=_ms_since(arrival))))
            return
        memory = self.memory if user is not None else None
        command = parse_memory_command(request.transcript) if memory is not None else None
        if memory is not None and command is not None:  # no model needed to store a fact
            assert user is not None
            try:
                said = await asyncio.to_thread(memory.apply, user, request.session_id, command)
            except ValueError as exc:  # the user's memory is full
                said = f"I couldn't remember that: {exc}."
            if self.cache is not None:  # answers made with the old facts are stale
                self.cache.forget_user(user)
            yield _chunk(said, 0)
            yield pb.ConverseResponse(final=pb.Final(
                finish_reason=FINISH_MEMORY, timings=pb.Timings(total_ms=_ms_since(arrival))))
            return
        facts = None
        if memory is not None and user is not None:
            facts = await asyncio.to_thread(memory.facts, user)
        question = request.transcript.strip()
        if self.cache is not None:
            cached = await asyncio.to_thread(self.cache.lookup, user, question)
            if cached is not None:  # asked before: no model, no queue
                for index, sentence in enumerate(cached):
                    yield _chunk(sentence, index)
                yield pb.ConverseResponse(final=pb.Final(
                    finish_reason=FINISH_CACHE, timings=pb.Timings(
                        first_token_ms=_ms_since(arrival), total_ms=_ms_since(arrival))))
                return
        spoken: list[str] = []
        tag = f"{request.device_id}/{request.session_id}/{request.turn_id}"
        trace = _metadata(context, TRACE_HEADER)  # the device's, for the log lines
        who = tag if trace is None else f"{tag} trace={for_log(trace)}"
        splitter = SentenceSplitter(self._settings.first_clause_words)
        calls = ToolCallFilter() if self._prompted_tools(request) else None
        offered = offered_names(request.tools_json)
        acted = False
        index = 0
        queue_ms = 0.0
        first_token_ms: float | None = None
        worker = self.worker  # this answer's, even if a new one replaces it meanwhile
        events = worker.generate(
            self._messages(request, facts),
            request.max_tokens or self._settings.max_tokens,
            deadline,
            tag,
            request.tools_json if self._settings.tool_mode == "native" else "",
        )
        request_id: int | None = None
        try:
            # aclosing: if this handler is cancelled (client cancel or deadline),
            # closing the event stream tells the worker to stop generating now.
            async with contextlib.aclosing(events):
                while True:
                    if request_id is None:  # still queued: shutdown overtakes the wait
                        event = await self._unless_draining(events)
                    else:
                        event = await self._next_by(events, deadline, request_id, tag)
                    if event is None:
                        break
                    if isinstance(event, JobStarted):
                        queue_ms = event.queue_ms
                        request_id = event.request_id
                        self._running.add(request_id)
                        # Belt and braces: gRPC cancels this task when the call
                        # ends, but also cancel the job from the call's own callback.
                        context.add_done_callback(
                            lambda _ctx, rid=event.request_id: worker.cancel(rid)
                        )
                    elif isinstance(event, TokenText | ToolCall):
                        if first_token_ms is None:
                            first_token_ms = _ms_since(arrival)
                        pieces = ([event] if isinstance(event, ToolCall) else
                                  calls.push(event.text) if calls is not None else [event.text])
                        for piece in pieces:
                            if isinstance(piece, ToolCall):
                                if piece.name not in offered:
                                    log.warning("%s: the model called %r, which the device "
                                                "did not offer: dropped", who, piece.name)
                                    continue
                                acted = True
                                yield _tool_call(piece)
                                continue
                            for sentence in splitter.push(piece):
                                spoken.append(sentence)
                                yield _chunk(sentence, index)
                                index += 1
                    elif isinstance(event, JobDone):
                        tail = calls.flush() if calls is not None else ""
                        for rest in (*splitter.push(tail), splitter.flush()):
                            if rest is not None:
                                spoken.append(rest)
                                yield _chunk(rest, index)
                                index += 1
                        if event.finish_reason == FINISH_STOP and self.cache is not None \
                                and not acted:  # an answer that acted is not one to repeat
                            # (a whole answer only; made with the user's facts: theirs only)
                            await asyncio.to_thread(self.cache.store, user, question, spoken,
                                                    personalised=bool(facts))
                        if event.finish_reason == FINISH_CANCELLED and self._cut_for_shutdown:
                            event = replace(event, finish_reason=FINISH_SHUTDOWN)
                        yield self._final(event, queue_ms, first_token_ms, arrival)
                        log.info(
                            "%s: %s after %d tokens",
                            who,
                            event.finish_reason,
                            event.completion_tokens,
                        )
                    elif isinstance(event, JobFailed):
                        code = pb.Error.CODE_MODEL if event.retryable else pb.Error.CODE_BAD_REQUEST
                        yield _error(code, event.reason, retryable=event.retryable)
        except QueueDeadline as exc:
            yield _error(pb.Error.CODE_DEADLINE, str(exc), retryable=True)
        except ShuttingDown:
            yield _error(pb.Error.CODE_OVERLOADED, "the server is shutting down; try again",
                         retryable=True)
        except WorkerUnavailable as exc:
            await context.abort(grpc.StatusCode.UNAVAILABLE, str(exc))
        finally:
            self._running.discard(request_id or 0)

    @staticmethod
    async def _next_by(events: AsyncGenerator[WorkerEvent, None], deadline: float | None,
                       request_id: int, tag: str) -> WorkerEvent | None:
        """The next event of a running job. The worker ends a job at its deadline itself;
        a worker too starved of CPU to do so is not waited for past it (plus a little):
        the job is cancelled and the answer ends as a deadline finish, in time."""
        if deadline is None:
            return await anext(events, None)
        wait_s = max(0.0, deadline - time.monotonic()) + WORKER_LATE_S
        try:
            return await asyncio.wait_for(anext(events, None), wait_s)
        except TimeoutError:  # (cancelling the wait closed the stream: the job is cancelled)
            log.warning("%s: the worker missed the deadline; answer ended", tag)
            return JobDone(request_id, tag, FINISH_DEADLINE, 0, 0, None, 0.0)

    async def _unless_draining(
        self, events: AsyncGenerator[WorkerEvent, None]
    ) -> WorkerEvent | None:
        """The next event of a queued job, or ShuttingDown if the drain starts first."""
        following = asyncio.ensure_future(anext(events, None))
        draining = asyncio.ensure_future(self._draining.wait())
        await asyncio.wait({following, draining}, return_when=asyncio.FIRST_COMPLETED)
        draining.cancel()
        if following.done():
            return following.result()
        following.cancel()  # leaves the queue (the generator ends inside its wait)
        with contextlib.suppress(asyncio.CancelledError):
            await following
        raise ShuttingDown

    @staticmethod
    def _final(
        done: JobDone, queue_ms: float, first_token_ms: float | None, arrival: float
    ) -> pb.ConverseResponse:
        return pb.ConverseResponse(
            final=pb.Final(
                usage=pb.Usage(
                    prompt_tokens=done.prompt_tokens, completion_tokens=done.completion_tokens
                ),
                timings=pb.Timings(
                    queue_ms=queue_ms,
                    first_token_ms=first_token_ms if first_token_ms is not None else 0.0,
                    total_ms=_ms_since(arrival),
                ),
                finish_reason=done.finish_reason,
            )
        )
