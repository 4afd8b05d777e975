"""The edge rides out a bad cloud: the circuit breaker remembers an unreachable cloud
across turns (the next request does not wait out another connect timeout), a background
probe finds it again, a retryable refusal is tried once more, and while the circuit is
open a harmless local command runs on the device instead of an apology.

The client is the real CloudLink over real gRPC sockets; the servers here are scripted
(what a draining or dead cloud does); the real cloud server is in test_cloud_link.py."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path

import grpc
import numpy as np
import pytest
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from edge.circuit_breaker import BreakerSettings, CircuitBreaker
from edge.cloud_link import UNREACHABLE, CloudLink, CloudLinkSettings, CloudUnavailable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Scripted(pb_grpc.ConversationServicer):
    """Refuses the first `refusals` calls with a retryable Error, then answers."""

    def __init__(self, refusals: int, retryable: bool = True) -> None:
        self.refusals = refusals
        self.retryable = retryable
        self.calls = 0

    async def Converse(self, request: pb.ConverseRequest,  # noqa: N802
                       context: grpc.aio.ServicerContext) -> AsyncIterator[pb.ConverseResponse]:
        self.calls += 1
        if self.calls <= self.refusals:
            yield pb.ConverseResponse(error=pb.Error(
                code=pb.Error.CODE_OVERLOADED, message="draining", retryable=self.retryable))
            return
        yield pb.ConverseResponse(chunk=pb.TextChunk(text="Hello there.", index=0))
        yield pb.ConverseResponse(final=pb.Final(finish_reason="stop"))


async def serve(servicer: pb_grpc.ConversationServicer, port: int) -> grpc.aio.Server:
    server = grpc.aio.server()
    pb_grpc.add_ConversationServicer_to_server(servicer, server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    return server


def link_to(port: int, **kw: object) -> CloudLink:
    return CloudLink(CloudLinkSettings(
        target=f"127.0.0.1:{port}", deadline_s=3.0, connect_timeout_s=0.3,
        breaker=BreakerSettings(failures_to_open=2, probe_interval_s=0.1), **kw))  # type: ignore[arg-type]


async def ask(link: CloudLink) -> list[str]:
    return [text async for text in link.converse("hi", [], "s1", 1)]


def test_breaker_opens_after_failures_in_a_row_and_the_probe_closes_it() -> None:
    async def scenario() -> None:
        reachable = False

        async def probe() -> bool:
            return reachable

        breaker = CircuitBreaker(BreakerSettings(failures_to_open=2, probe_interval_s=0.01),
                                 probe)
        breaker.failed()
        breaker.succeeded()  # a success in between: the count starts again
        breaker.failed()
        assert breaker.allow()
        breaker.failed()
        assert not breaker.allow() and breaker.opened == 1
        await asyncio.sleep(0.05)
        assert not breaker.allow()  # the probe keeps failing
        reachable = True
        await asyncio.sleep(0.05)
        assert breaker.allow()
        await breaker.aclose()

    asyncio.run(scenario())


def test_an_unreachable_cloud_is_remembered_then_found_again() -> None:
    port = free_port()

    async def scenario() -> None:
        link = link_to(port)
        try:
            waits = []
            for _ in range(3):
                started = time.monotonic()
                with pytest.raises(CloudUnavailable) as failure:
                    await ask(link)
                assert failure.value.reason == UNREACHABLE
                waits.append(time.monotonic() - started)
            # The first two waited for the connect timeout; then the circuit was open.
            assert waits[0] >= 0.25 and waits[1] >= 0.25
            assert waits[2] < 0.05 and link.circuit_open
            server = await serve(Scripted(refusals=0), port)  # the cloud comes back
            try:
                async with asyncio.timeout(5):
                    while link.circuit_open:  # noqa: ASYNC110 - the probe's own schedule
                        await asyncio.sleep(0.05)
                assert await ask(link) == ["Hello there."]
            finally:
                await server.stop(None)
        finally:
            await link.aclose()

    asyncio.run(scenario())


@pytest.mark.parametrize(("refusals", "retryable", "answered", "calls"), [
    (1, True, True, 2),  # draining: tried once more, answered
    (2, True, False, 2),  # still refusing: only one retry
    (1, False, False, 1),  # not retryable: no retry
])
def test_a_retryable_refusal_is_tried_once_more(refusals: int, retryable: bool,
                                                 answered: bool, calls: int) -> None:
    port = free_port()
    servicer = Scripted(refusals, retryable)

    async def scenario() -> list[str] | None:
        server = await serve(servicer, port)
        link = link_to(port)
        try:
            return await ask(link)
        except CloudUnavailable:
            return None
        finally:
            await link.aclose()
            await server.stop(None)

    result = asyncio.run(scenario())
    assert (result == ["Hello there."]) is answered
    assert servicer.calls == calls


class DownCloud:
    """A cloud whose circuit is open: every call fails at once."""

    circuit_open = True

    def __init__(self) -> None:
        self.calls = 0

    async def converse(self, transcript: str, context: Sequence[tuple[str, str]],
                       session_id: str, turn_id: int, tools_json: str = "", trace_id: str = ""
                       ) -> AsyncIterator[str]:
        self.calls += 1
        raise CloudUnavailable(UNREACHABLE, "circuit open")
        yield ""  # pragma: no cover - makes this an async generator

    async def aclose(self) -> None:
        pass


@pytest.mark.slow
@pytest.mark.parametrize(("said", "local", "reply"), [
    ("lights", True, "Turned on the kitchen lights."),  # harmless: done on the device
    ("sky", False, "Sorry, I can't reach the cloud right now. Please try again later."),
])
def test_while_the_cloud_is_down_a_harmless_command_runs_on_the_device(
    engines: object, speech: dict[str, np.ndarray], tmp_path: Path, said: str, local: bool,
    reply: str,
) -> None:
    from contract.inventory import load_inventory
    from edge.actions.testing import acting_skills
    from edge.audio.sinks import WavSink
    from edge.audio.sources import recording_source
    from edge.pipeline import EdgePipeline
    from edge.settings import DEFAULT_INVENTORY, Deadlines, EdgeSettings
    from edge.stages.nlu import load_nlu
    from edge.trace import TurnRecord

    inventory = load_inventory(DEFAULT_INVENTORY)
    # Every request is "unsure" here (local_confidence 1.0, and neither the fast layer nor
    # the rescoring, which have their own acceptance): normally all go to the cloud.
    settings = EdgeSettings(local_confidence=1.0, deadlines=Deadlines(filler_s=None))
    cloud = DownCloud()
    whisper_only = replace(engines, fast=None, rescorer=None)  # type: ignore[type-var]
    pipeline = EdgePipeline(settings, whisper_only, load_nlu(inventory),  # type: ignore[arg-type]
                            acting_skills(inventory), WavSink(tmp_path / "out.wav"), cloud)
    records: list[TurnRecord] = []
    asyncio.run(pipeline.run(recording_source(speech[said], realtime=False), records.append))
    (record,) = records
    assert record.reply_text == reply
    assert (record.route, record.kept_local) == (
        ("local", "cloud unreachable") if local else ("cloud", None))
    assert cloud.calls == (0 if local else 1)
