"""edge.cloud_link.CloudLink against a real cloud server (and against nothing at all)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from cloud.server import CloudServer
from cloud.settings import KeepaliveSettings
from cloud.testing import connected_server, run_bounded, running_server
from cloud.worker_messages import JobDone
from contract.ports import free_port
from edge.cloud_link import CloudLink, CloudLinkSettings, CloudUnavailable

T = TypeVar("T")
CONTEXT = [("user", "what is the sky"), ("assistant", "the sky is above us.")]
LONG: dict[str, Any] = {"n_ctx": 8192, "n_threads": 1, "max_tokens": 7000}


async def job_for_turn(server: CloudServer, turn_id: int) -> JobDone:
    suffix = f"/{turn_id}"

    def finished() -> JobDone | None:
        return next((j for j in server.worker.recent_jobs if j.tag.endswith(suffix)), None)

    # Polling is deliberate: the job runs in the server's worker process.
    async with asyncio.timeout(5):
        while (job := finished()) is None:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
    return job


async def with_link(target: str, body: Callable[[CloudLink], Awaitable[T]], **kw: float) -> T:
    link = CloudLink(CloudLinkSettings(target=target, device_id="dev-7", **kw))
    try:
        return await body(link)
    finally:
        await link.aclose()


def test_unreachable_cloud_fails_within_the_connect_timeout() -> None:
    target = f"127.0.0.1:{free_port()}"

    async def body(link: CloudLink) -> float:
        started = time.monotonic()
        with pytest.raises(CloudUnavailable) as failure:
            async for _ in link.converse("hello", [], "s1", 1):
                pass
        assert failure.value.reason == "unreachable"
        return time.monotonic() - started

    elapsed = run_bounded(with_link(target, body, connect_timeout_s=0.3, deadline_s=5.0))
    assert 0.25 <= elapsed < 0.8


def test_streams_sentences_and_exposes_the_final(tiny_gguf: Path) -> None:
    async def scenario() -> tuple[list[str], list[str], int, int]:
        async with running_server(tiny_gguf, n_threads=1, max_tokens=40) as server:

            async def body(link: CloudLink) -> tuple[list[str], list[str], int, int]:
                with_context = [t async for t in link.converse("why", CONTEXT, "s1", 1)]
                final = link.last_final
                assert final is not None
                assert (final.finish_reason, final.completion_tokens) == ("length", 40)
                assert 0 <= final.queue_ms <= final.first_token_ms <= final.total_ms
                without = [t async for t in link.converse("why", [], "s1", 2)]
                assert link.last_final is not None
                return with_context, without, final.prompt_tokens, link.last_final.prompt_tokens

            return await with_link(server.target, body)

    with_context, without, prompt_with, prompt_without = run_bounded(scenario())
    assert with_context and without
    assert all(isinstance(text, str) and text == text.strip() and text for text in with_context)
    assert prompt_with > prompt_without  # the context reached the model


def test_breaking_out_cancels_the_call_and_the_generation(tiny_gguf: Path) -> None:
    async def scenario() -> JobDone:
        async with running_server(tiny_gguf, **LONG) as server:

            async def body(link: CloudLink) -> JobDone:
                async with contextlib.aclosing(link.converse("why", [], "s1", 5)) as chunks:
                    async for _ in chunks:
                        break
                return await job_for_turn(server, 5)

            return await with_link(server.target, body, deadline_s=20.0)

    job = run_bounded(scenario())
    assert job.finish_reason == "cancelled"
    assert job.completion_tokens < 700


def test_cancelling_the_consumer_task_cancels_the_generation(tiny_gguf: Path) -> None:
    async def scenario() -> JobDone:
        async with running_server(tiny_gguf, **LONG) as server:

            async def body(link: CloudLink) -> JobDone:
                first = asyncio.Event()

                async def consume() -> None:
                    async for _ in link.converse("why", [], "s1", 6):
                        first.set()

                task = asyncio.create_task(consume())
                await first.wait()
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                return await job_for_turn(server, 6)

            return await with_link(server.target, body, deadline_s=20.0)

    job = run_bounded(scenario())
    assert job.finish_reason == "cancelled"
    assert job.completion_tokens < 700


def test_deadline_bounds_the_whole_call(tiny_gguf: Path) -> None:
    async def scenario() -> tuple[float, str]:
        async with running_server(tiny_gguf, **LONG) as server:

            async def body(link: CloudLink) -> tuple[float, str]:
                started = time.monotonic()
                try:
                    async for _ in link.converse("why", [], "s1", 1):
                        pass
                    assert link.last_final is not None
                    outcome = link.last_final.finish_reason  # answer cut short by the server
                except CloudUnavailable as exc:
                    outcome = exc.reason
                return time.monotonic() - started, outcome

            return await with_link(server.target, body, deadline_s=0.5)

    elapsed, outcome = run_bounded(scenario())
    assert outcome in ("deadline", "deadline exceeded")
    assert elapsed < 0.8


def test_overloaded_cloud_is_reported_as_such(tiny_gguf: Path) -> None:
    async def scenario() -> str:
        async with connected_server(tiny_gguf, max_pending=1, **LONG) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            hog = stub.Converse(pb.ConverseRequest(device_id="hog", transcript="why", turn_id=1),
                               timeout=20)
            assert (await hog.read()).WhichOneof("kind") == "chunk"

            async def body(link: CloudLink) -> str:
                with pytest.raises(CloudUnavailable) as failure:
                    async for _ in link.converse("why", [], "s1", 2):
                        pass
                return failure.value.reason

            try:
                return await with_link(server.target, body)
            finally:
                hog.cancel()

    assert run_bounded(scenario()) == "overloaded"


def test_server_refusing_calls_while_loading_reads_as_unreachable(tiny_gguf: Path) -> None:
    async def scenario() -> str:
        release = asyncio.Event()
        held: dict[str, Any] = {"wait_serving": False, "before_serving": release.wait}
        async with running_server(tiny_gguf, n_threads=1, **held) as server:

            async def body(link: CloudLink) -> str:
                with pytest.raises(CloudUnavailable) as failure:
                    async for _ in link.converse("why", [], "s1", 1):
                        pass
                return failure.value.reason

            try:
                return await with_link(server.target, body)
            finally:
                release.set()

    assert run_bounded(scenario()) == "unreachable"


def test_client_keepalive_is_within_what_the_server_permits() -> None:
    client = dict(CloudLinkSettings(target="cloud:443").channel_options())
    server = dict(KeepaliveSettings().server_options())
    assert client["grpc.keepalive_permit_without_calls"] == 1
    assert server["grpc.keepalive_permit_without_calls"] == 1
    # Pinging more often than the server allows earns GOAWAY "too_many_pings".
    assert (
        client["grpc.keepalive_time_ms"] >= server["grpc.http2.min_ping_interval_without_data_ms"]
    )


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        CloudLinkSettings(target="no-port")
    with pytest.raises(ValueError):
        CloudLinkSettings(target="h:1", deadline_s=0)


def test_context_roles_map_onto_the_proto_enum() -> None:
    # Unknown roles are passed as unspecified (the server ignores those turns).
    async def scenario() -> pb.ConverseRequest:
        link = CloudLink(CloudLinkSettings(target="127.0.0.1:1", device_id="d"))
        try:
            return link._request("hi", [*CONTEXT, ("system", "x")], "s", 3)
        finally:
            await link.aclose()

    message = run_bounded(scenario())
    assert [t.role for t in message.context] == [
        pb.ContextTurn.ROLE_USER,
        pb.ContextTurn.ROLE_ASSISTANT,
        pb.ContextTurn.ROLE_UNSPECIFIED,
    ]
    assert (message.device_id, message.session_id, message.turn_id) == ("d", "s", 3)
