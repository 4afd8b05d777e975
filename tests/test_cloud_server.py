"""The cloud server end to end: real gRPC on loopback, real worker process, real llama.cpp.

Each test runs its own server (cloud.testing.running_server) on a free port
with the tiny GGUF. Tests that need a generation to still be running use a
large max_tokens with n_ctx=8192: thousands of tokens take seconds even on a
fast machine, while every assertion about stopping happens within
milliseconds of the stop.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from cloud.server import CloudServer
from cloud.testing import connected_server, run_bounded
from cloud.worker_messages import JobDone

pytest.importorskip("llama_cpp")

T = TypeVar("T")
LONG = 7000  # tokens: several seconds of generation, far more than any test waits
LONG_SETTINGS: dict[str, Any] = {"n_ctx": 8192, "n_threads": 1}
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def request(max_tokens: int = 0, turn_id: int = 1, transcript: str = "why is the sky blue"):
    return pb.ConverseRequest(
        device_id="dev-test",
        session_id="s1",
        turn_id=turn_id,
        transcript=transcript,
        context=[
            pb.ContextTurn(role=pb.ContextTurn.ROLE_USER, text="hello"),
            pb.ContextTurn(role=pb.ContextTurn.ROLE_ASSISTANT, text="hi there."),
        ],
        max_tokens=max_tokens,
    )


async def wait_until(condition: Callable[[], bool], within_s: float = 5.0) -> None:
    # Polling is deliberate: the state lives in the server and its worker process.
    async with asyncio.timeout(within_s):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


async def job_for_turn(server: CloudServer, turn_id: int) -> JobDone:
    """The worker's own report for a turn's job, once it has finished."""
    suffix = f"/{turn_id}"

    def finished() -> JobDone | None:
        return next((j for j in server.worker.recent_jobs if j.tag.endswith(suffix)), None)

    await wait_until(lambda: finished() is not None)
    job = finished()
    assert job is not None
    return job


def test_answer_streams_as_sentence_chunks_then_one_final(tiny_gguf: Path) -> None:
    async def scenario() -> list[pb.ConverseResponse]:
        async with connected_server(tiny_gguf, n_threads=1) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            return [r async for r in stub.Converse(request(max_tokens=60), timeout=10)]

    responses = run_bounded(scenario())
    kinds = [r.WhichOneof("kind") for r in responses]
    assert kinds[-1] == "final" and set(kinds[:-1]) == {"chunk"}, kinds
    chunks = [r.chunk for r in responses[:-1]]
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert len(chunks) >= 2, "60 tokens of the tiny model hold several sentences"
    for i, chunk in enumerate(chunks[:-1]):
        # whole sentences; the first may be a clause (first_clause_words); punctuation the
        # random model put alone after a boundary joins the next sentence
        end = r"([.!?]+|[,;:])" if i == 0 else r"[.!?]+"
        assert re.fullmatch(r"([.!?,;:]+ )*[a-z][a-z ,]*[a-z,]" + end, chunk.text), chunk.text
    final = responses[-1].final
    assert final.finish_reason == "length"
    assert final.usage.completion_tokens == 60
    assert final.usage.prompt_tokens > 20  # system prompt + context + transcript
    timings = final.timings
    assert 0 <= timings.queue_ms <= timings.first_token_ms <= timings.total_ms


def test_health_is_not_serving_until_the_model_is_loaded(tiny_gguf: Path) -> None:
    async def scenario() -> None:
        release = asyncio.Event()
        held = {"wait_serving": False, "before_serving": release.wait}
        async with connected_server(tiny_gguf, **held) as (server, channel):
            health = health_pb2_grpc.HealthStub(channel)
            for service in ("", "tandem.v1.Conversation"):
                reply = await health.Check(health_pb2.HealthCheckRequest(service=service))
                assert reply.status == NOT_SERVING
            watch = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=10)
            assert (await watch.read()).status == NOT_SERVING
            # Not serving means calls are refused, not queued.
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await pb_grpc.ConversationStub(channel).Converse(request(), timeout=5).read()
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE

            release.set()
            assert (await watch.read()).status == SERVING
            watch.cancel()
            reply = await health.Check(health_pb2.HealthCheckRequest(service=""))
            assert reply.status == SERVING

    run_bounded(scenario())


def test_queue_full_answers_resource_exhausted_at_once(tiny_gguf: Path) -> None:
    async def scenario() -> None:
        # One answer at a time (n_parallel=1), so that the second call has to queue.
        async with connected_server(tiny_gguf, max_pending=2, n_parallel=1,
                                    **LONG_SETTINGS) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            running = stub.Converse(request(max_tokens=LONG, turn_id=1), timeout=20)
            assert (await running.read()).WhichOneof("kind") == "chunk"
            waiting = stub.Converse(request(max_tokens=5, turn_id=2), timeout=20)
            await wait_until(lambda: server.service.pending == 2)

            started = time.monotonic()
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.Converse(request(turn_id=3), timeout=20).read()
            assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert time.monotonic() - started < 0.5

            # Freeing the context lets the queued call through.
            running.cancel()
            answer = [r async for r in waiting]
            assert answer[-1].final.finish_reason == "length"
            assert answer[-1].final.timings.queue_ms > 0

    run_bounded(scenario())


def test_cancelled_call_stops_generation_in_the_worker(tiny_gguf: Path) -> None:
    async def scenario() -> None:
        async with connected_server(tiny_gguf, **LONG_SETTINGS) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            call = stub.Converse(request(max_tokens=LONG, turn_id=1), timeout=20)
            assert (await call.read()).WhichOneof("kind") == "chunk"
            call.cancel()

            job = await job_for_turn(server, 1)
            assert job.finish_reason == "cancelled"
            assert job.completion_tokens < LONG // 10, job

            # Nothing keeps generating behind our back...
            before = await server.worker.stats()
            await asyncio.sleep(0.3)
            after = await server.worker.stats()
            assert before.running == () and after.running == ()
            assert after.tokens_total == before.tokens_total

            # ...and the next call gets the context at once.
            started = time.monotonic()
            answer = [r async for r in stub.Converse(request(max_tokens=5, turn_id=2))]
            assert answer[-1].final.timings.queue_ms < 50
            assert time.monotonic() - started < 2.0

    run_bounded(scenario())


def test_deadline_bounds_generation_and_server_stays_healthy(tiny_gguf: Path) -> None:
    deadline_s = 0.5

    async def scenario() -> None:
        async with connected_server(tiny_gguf, **LONG_SETTINGS) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            await channel.channel_ready()
            started = time.monotonic()
            call = stub.Converse(request(max_tokens=LONG, turn_id=1), timeout=deadline_s)
            kinds: list[str] = []
            try:
                async for response in call:
                    kinds.append(str(response.WhichOneof("kind")))
                    if response.HasField("final"):
                        # The server stops just before the deadline and says why.
                        assert response.final.finish_reason == "deadline"
            except grpc.aio.AioRpcError as exc:  # lost the race against the margin
                assert exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            assert time.monotonic() - started < deadline_s + 0.3

            job = await job_for_turn(server, 1)
            assert job.finish_reason in ("deadline", "cancelled")
            assert job.completion_tokens < LONG
            assert job.generate_ms < (deadline_s + 0.2) * 1000

            health = health_pb2_grpc.HealthStub(channel)
            reply = await health.Check(health_pb2.HealthCheckRequest(service=""))
            assert reply.status == SERVING
            answer = [r async for r in stub.Converse(request(max_tokens=5, turn_id=2))]
            assert answer[-1].final.finish_reason == "length"

    run_bounded(scenario())


def test_a_stalled_worker_still_ends_the_answer_at_its_deadline(tiny_gguf: Path) -> None:
    """A worker that cannot run (here: stopped; on a device, starved of CPU) is not waited
    for past the deadline: the answer ends with a deadline finish, not the client's
    DEADLINE_EXCEEDED, and the worker serves again once it runs."""
    deadline_s = 1.0

    async def scenario() -> None:
        async with connected_server(tiny_gguf, **LONG_SETTINGS) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            await channel.channel_ready()
            pid = server.worker.pid
            assert pid is not None
            os.kill(pid, signal.SIGSTOP)
            try:
                started = time.monotonic()
                responses = [r async for r in stub.Converse(request(max_tokens=LONG),
                                                            timeout=deadline_s)]
                assert time.monotonic() - started < deadline_s
                assert responses[-1].final.finish_reason == "deadline"
            finally:
                os.kill(pid, signal.SIGCONT)
            answer = [r async for r in stub.Converse(request(max_tokens=5, turn_id=2))]
            assert answer[-1].final.finish_reason == "length"

    run_bounded(scenario())


def test_deadline_spent_in_the_queue_is_a_typed_error(tiny_gguf: Path) -> None:
    async def scenario() -> None:
        # One answer at a time (n_parallel=1), so that the second call has to queue.
        async with connected_server(tiny_gguf, max_pending=2, n_parallel=1,
                                    **LONG_SETTINGS) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            running = stub.Converse(request(max_tokens=LONG, turn_id=1), timeout=20)
            assert (await running.read()).WhichOneof("kind") == "chunk"
            started = time.monotonic()
            queued = stub.Converse(request(max_tokens=5, turn_id=2), timeout=0.4)
            try:
                (only,) = [r async for r in queued]
                assert only.error.code == pb.Error.CODE_DEADLINE
            except grpc.aio.AioRpcError as exc:  # lost the race against the margin
                assert exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            assert time.monotonic() - started < 0.6
            running.cancel()
            assert (await job_for_turn(server, 1)).finish_reason == "cancelled"
            assert all(not job.tag.endswith("/2") for job in server.worker.recent_jobs)

    run_bounded(scenario())


def test_worker_crash_fails_the_call_and_stops_serving(tiny_gguf: Path) -> None:
    async def scenario() -> None:
        async with connected_server(tiny_gguf, **LONG_SETTINGS) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            call = stub.Converse(request(max_tokens=LONG), timeout=10)
            assert (await call.read()).WhichOneof("kind") == "chunk"
            assert server.worker.pid is not None
            os.kill(server.worker.pid, signal.SIGKILL)

            last = None
            while (response := await call.read()) is not grpc.aio.EOF:
                last = response
            assert last is not None and last.error.code == pb.Error.CODE_MODEL
            assert last.error.retryable

            health = health_pb2_grpc.HealthStub(channel)
            check = health_pb2.HealthCheckRequest(service="tandem.v1.Conversation")
            assert (await health.Check(check)).status == NOT_SERVING
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.Converse(request(), timeout=5).read()
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE

    run_bounded(scenario())


def test_a_dead_worker_is_replaced_and_the_server_serves_again(tiny_gguf: Path) -> None:
    async def scenario() -> None:
        async with connected_server(tiny_gguf, respawn=True, **LONG_SETTINGS) as (
                server, channel):
            stub = pb_grpc.ConversationStub(channel)
            first = server.worker
            assert first.pid is not None
            os.kill(first.pid, signal.SIGKILL)
            await asyncio.wait_for(first.wait_exited(), 5)
            health = health_pb2_grpc.HealthStub(channel)
            check = health_pb2.HealthCheckRequest(service="tandem.v1.Conversation")
            give_up = time.monotonic() + 30
            while (await health.Check(check)).status != SERVING:
                assert time.monotonic() < give_up, "never SERVING again"
                await asyncio.sleep(0.05)
            assert server.worker is not first and server.restarts == 1
            answer = [r async for r in stub.Converse(request(max_tokens=8), timeout=10)]
            assert answer[-1].WhichOneof("kind") == "final", answer[-1]

    run_bounded(scenario(), 60)


def test_oldest_context_is_dropped_when_the_prompt_does_not_fit(tiny_gguf: Path) -> None:
    # The tiny model spells unknown words byte by byte: ~1 token per character.
    long_turns = [
        pb.ContextTurn(role=pb.ContextTurn.ROLE_USER, text="x" * 150 + f" turn {i}")
        for i in range(6)
    ]

    async def scenario() -> tuple[pb.ConverseResponse, pb.ConverseResponse]:
        async with connected_server(tiny_gguf, n_ctx=512, n_threads=1) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            fits = request(max_tokens=20)
            fits.context.extend(long_turns)
            answer = [r async for r in stub.Converse(fits, timeout=10)]
            too_long = request(transcript="y" * 700)
            (refused,) = [r async for r in stub.Converse(too_long, timeout=10)]
            return answer[-1], refused

    answer, refused = run_bounded(scenario())
    assert answer.final.finish_reason == "length"
    assert answer.final.usage.prompt_tokens < 512
    assert refused.error.code == pb.Error.CODE_BAD_REQUEST
    assert not refused.error.retryable


def test_bad_requests_get_a_typed_error(tiny_gguf: Path) -> None:
    async def scenario() -> list[pb.ConverseResponse]:
        async with connected_server(tiny_gguf, n_threads=1) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            return [r async for r in stub.Converse(request(transcript="   "), timeout=5)]

    (only,) = run_bounded(scenario())
    assert only.error.code == pb.Error.CODE_BAD_REQUEST
    assert not only.error.retryable


def test_drain_finishes_in_flight_calls_and_reports_not_serving(tiny_gguf: Path) -> None:
    async def scenario() -> None:
        async with connected_server(tiny_gguf, n_threads=1) as (server, channel):
            health = health_pb2_grpc.HealthStub(channel)
            watch = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=10)
            assert (await watch.read()).status == SERVING
            stub = pb_grpc.ConversationStub(channel)
            call = stub.Converse(request(max_tokens=400), timeout=10)
            assert (await call.read()).WhichOneof("kind") == "chunk"

            drain = asyncio.create_task(server.drain(5.0))
            assert (await watch.read()).status == NOT_SERVING
            watch.cancel()  # an open Watch would hold the server for the whole grace
            last = None
            while (response := await call.read()) is not grpc.aio.EOF:
                last = response
            assert last is not None and last.final.finish_reason == "length"
            async with asyncio.timeout(5):
                await drain
            assert not server.worker.ready

    run_bounded(scenario())
