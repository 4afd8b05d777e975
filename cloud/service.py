"""The tandem.v1.Conversation servicer: one Converse call per conversational turn.

Failure contract (what the edge can rely on):
  * before any answer exists, transport-level problems are gRPC statuses:
    UNAVAILABLE (model still loading / worker gone), RESOURCE_EXHAUSTED (more
    than max_pending calls waiting or running);
  * otherwise the stream is TextChunk* then exactly one Final or one Error
    (bad request, deadline spent while queued, generation failed);
  * a deadline reached mid-answer ends generation early with the sentences
    produced so far and Final(finish_reason="deadline").

Timings in Final are server-side, in ms from the call's arrival: queue_ms until
the worker took the job, first_token_ms until the first token came back from
it, total_ms until the Final.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator

import grpc
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from cloud.fleet.grpc_tls import Revocations, peer_identity, peer_serial
from cloud.fleet.pki import FleetPaths
from cloud.sentences import SentenceSplitter
from cloud.settings import CloudSettings
from cloud.worker_client import JobStarted, QueueDeadline, WorkerClient, WorkerUnavailable
from cloud.worker_messages import JobDone, JobFailed, TokenText

log = logging.getLogger(__name__)

_ROLES = {pb.ContextTurn.ROLE_USER: "user", pb.ContextTurn.ROLE_ASSISTANT: "assistant"}


def _ms_since(start: float) -> float:
    return (time.monotonic() - start) * 1000.0


def _error(code: pb.Error.Code.ValueType, message: str, retryable: bool) -> pb.ConverseResponse:
    return pb.ConverseResponse(error=pb.Error(code=code, message=message, retryable=retryable))


def _chunk(text: str, index: int) -> pb.ConverseResponse:
    return pb.ConverseResponse(chunk=pb.TextChunk(text=text, index=index))


class ConversationService(pb_grpc.ConversationServicer):
    def __init__(self, settings: CloudSettings, worker: WorkerClient) -> None:
        self._settings = settings
        self._worker = worker
        self._revoked = (Revocations(FleetPaths(settings.tls_fleet_dir))
                         if settings.tls_fleet_dir is not None else None)
        self._pending = 0
        # Set by the server together with health: SERVING <=> accepting.
        self.accepting = False

    @property
    def pending(self) -> int:
        """Calls admitted and not finished (waiting for or using the model)."""
        return self._pending

    async def Converse(  # noqa: N802 - name fixed by the proto
        self, request: pb.ConverseRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ConverseResponse]:
        arrival = time.monotonic()
        if not (self.accepting and self._worker.ready):
            await context.abort(
                grpc.StatusCode.UNAVAILABLE,
                "not serving (the model is loading or the server is draining)",
            )
        certified = peer_identity(context)  # None on an insecure port
        if self._revoked is not None and (serial := peer_serial(context)) is not None \
                and serial in self._revoked:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED,
                                f"the certificate of {certified!r} is revoked")
        if certified is not None and certified != request.device_id:
            # mTLS: a device speaks only for itself (its certificate's CN is its id).
            await context.abort(
                grpc.StatusCode.PERMISSION_DENIED,
                f"certificate is for {certified!r}, the request claims {request.device_id!r}",
            )
        problem = self._validate(request)
        if problem is not None:
            yield _error(pb.Error.CODE_BAD_REQUEST, problem, retryable=False)
            return
        if self._pending >= self._settings.max_pending:
            # Refuse at once: queueing deeper only turns overload into timeouts.
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"busy: {self._pending} calls pending (max {self._settings.max_pending})",
            )
        self._pending += 1
        try:
            async for response in self._answer(request, context, arrival):
                yield response
        finally:
            self._pending -= 1

    def _validate(self, request: pb.ConverseRequest) -> str | None:
        if not request.transcript.strip():
            return "the transcript is empty"
        if len(request.transcript) > self._settings.max_transcript_chars:
            return f"the transcript is longer than {self._settings.max_transcript_chars} characters"
        if request.max_tokens >= self._settings.n_ctx:
            return f"max_tokens must be below the context size ({self._settings.n_ctx})"
        return None

    def _messages(self, request: pb.ConverseRequest) -> tuple[tuple[str, str], ...]:
        turns = [("system", self._settings.system_prompt)]
        turns += [
            (_ROLES[turn.role], turn.text)
            for turn in request.context
            if turn.role in _ROLES and turn.text.strip()
        ]
        turns.append(("user", request.transcript.strip()))
        return tuple(turns)

    def _generation_deadline(
        self, context: grpc.aio.ServicerContext, arrival: float
    ) -> float | None:
        """Absolute monotonic time at which generation must stop, or None (no deadline)."""
        remaining: float | None = context.time_remaining()
        if remaining is None:
            return None
        return arrival + remaining - self._settings.deadline_margin_s

    async def _answer(
        self, request: pb.ConverseRequest, context: grpc.aio.ServicerContext, arrival: float
    ) -> AsyncIterator[pb.ConverseResponse]:
        deadline = self._generation_deadline(context, arrival)
        if deadline is not None and deadline <= arrival:
            yield _error(pb.Error.CODE_DEADLINE, "the deadline is too short", retryable=False)
            return
        tag = f"{request.device_id}/{request.session_id}/{request.turn_id}"
        splitter = SentenceSplitter()
        index = 0
        queue_ms = 0.0
        first_token_ms: float | None = None
        events = self._worker.generate(
            self._messages(request),
            request.max_tokens or self._settings.max_tokens,
            deadline,
            tag,
        )
        try:
            # aclosing: if this handler is cancelled (client cancel or deadline),
            # closing the event stream tells the worker to stop generating now.
            async with contextlib.aclosing(events):
                async for event in events:
                    if isinstance(event, JobStarted):
                        queue_ms = event.queue_ms
                        # Belt and braces: gRPC cancels this task when the call
                        # ends, but also cancel the job from the call's own callback.
                        context.add_done_callback(
                            lambda _ctx, rid=event.request_id: self._worker.cancel(rid)
                        )
                    elif isinstance(event, TokenText):
                        if first_token_ms is None:
                            first_token_ms = _ms_since(arrival)
                        for sentence in splitter.push(event.text):
                            yield _chunk(sentence, index)
                            index += 1
                    elif isinstance(event, JobDone):
                        rest = splitter.flush()
                        if rest is not None:
                            yield _chunk(rest, index)
                        yield self._final(event, queue_ms, first_token_ms, arrival)
                        log.info(
                            "%s: %s after %d tokens",
                            tag,
                            event.finish_reason,
                            event.completion_tokens,
                        )
                    elif isinstance(event, JobFailed):
                        code = pb.Error.CODE_MODEL if event.retryable else pb.Error.CODE_BAD_REQUEST
                        yield _error(code, event.reason, retryable=event.retryable)
        except QueueDeadline as exc:
            yield _error(pb.Error.CODE_DEADLINE, str(exc), retryable=True)
        except WorkerUnavailable as exc:
            await context.abort(grpc.StatusCode.UNAVAILABLE, str(exc))

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
