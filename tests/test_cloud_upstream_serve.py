"""`tandem cloud serve --upstream URL`: the Conversation service answering from an
OpenAI-compatible server instead of its embedded worker, end to end: the real CLI, real
gRPC, a real `llama_cpp.server` (tiny model), failing over from a dead upstream."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from tests.test_cloud_cli import cloud_serve, expect_one_line_error
from tests.test_cloud_upstream import llama_server

pytest.importorskip("llama_cpp.server.app")
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_serving(target: str, within_s: float = 30.0) -> None:
    async with grpc.aio.insecure_channel(target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        give_up = time.monotonic() + within_s
        while True:
            try:
                reply = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            assert time.monotonic() < give_up, "cloud serve never reported SERVING"
            await asyncio.sleep(0.1)


def test_cloud_serve_answers_from_an_upstream_failing_over_from_a_dead_one(
    tiny_gguf: Path, tmp_path: Path
) -> None:
    port = free_port()
    dead = f"http://127.0.0.1:{free_port()}/v1,concurrency=2"
    with llama_server(tiny_gguf, tmp_path / "llama.log") as upstream:
        proc = cloud_serve("--listen", f"127.0.0.1:{port}", "--upstream", dead,
                           "--upstream", f"{upstream.base_url},concurrency=1")
        try:
            async def scenario() -> list[pb.ConverseResponse]:
                await wait_serving(f"127.0.0.1:{port}")
                async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                    request = pb.ConverseRequest(device_id="dev-a", session_id="s1",
                                                 transcript="why is the sky blue",
                                                 max_tokens=24)
                    return [r async for r in pb_grpc.ConversationStub(channel).Converse(
                        request, timeout=30)]

            answer = asyncio.run(scenario())
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=30)
    kinds = [r.WhichOneof("kind") for r in answer]
    assert kinds[-1] == "final" and "chunk" in kinds, (kinds, err.decode()[-2000:])
    assert answer[-1].final.finish_reason in ("length", "stop")
    assert proc.returncode == 0, err.decode()[-2000:]


def test_serve_needs_a_model_or_an_upstream() -> None:
    expect_one_line_error(cloud_serve("--listen", "127.0.0.1:0"), "--model", "--upstream")
    expect_one_line_error(cloud_serve("--upstream", "ftp://nowhere"), "upstream")
