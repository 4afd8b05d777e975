"""Prometheus metrics on both sides, and the trace id that goes from a turn to the cloud's
log line: unit tests of the edge's turn accounting, then the real `cloud serve --metrics`
scraped over HTTP after a real Converse call that carried a trace id."""

from __future__ import annotations

import asyncio
import socket
import urllib.request
from pathlib import Path

import grpc
import pytest
from tandem_proto import TRACE_HEADER
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from edge.metrics import EdgeMetrics, fallback_reason
from edge.trace import TurnRecord
from tests.test_cloud_cli import cloud_serve
from tests.test_cloud_upstream_serve import wait_serving


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        return answer.read().decode()


def record(**fields: object) -> TurnRecord:
    base: dict[str, object] = {"turn_id": 1, "wake_word": "hey_jarvis", "wake_score": 0.9,
                               "wake_at_s": 1.0, "route": "local", "stt_layer": "fast"}
    return TurnRecord(**{**base, **fields})  # type: ignore[arg-type]


def test_each_turn_is_counted_once_by_route_layer_stage_and_outcome() -> None:
    m = EdgeMetrics()
    m.observe(record(timings_ms={"fast_finish": 2.5, "response": 60.0, "silence": 220.0}))
    m.observe(record(route="cloud", stt_layer="rescored", error="unreachable",
                     timings_ms={"stt": 300.0, "response": 700.0, "silence": 900.0}))
    m.observe(record(wake_word="(answer)", route="answer", stt_layer="whisper",
                     interrupted_by="stop_phrase"))
    m.observe(record(wake_word="(announcement)", route="announcement", stt_layer=""))
    v = m.registry.get_sample_value
    assert v("tandem_edge_wakes_total", {"word": "hey_jarvis"}) == 2  # not the others
    assert v("tandem_edge_turns_total", {"route": "local", "layer": "fast"}) == 1
    assert v("tandem_edge_turns_total", {"route": "cloud", "layer": "rescored"}) == 1
    assert v("tandem_edge_turns_total", {"route": "announcement", "layer": "none"}) is None
    assert v("tandem_edge_silence_seconds_count", {"route": "cloud"}) == 1
    assert v("tandem_edge_silence_seconds_sum", {"route": "local"}) == pytest.approx(0.22)
    assert v("tandem_edge_stage_seconds_count", {"stage": "response"}) == 2
    assert v("tandem_edge_barge_ins_total", {"by": "stop_phrase"}) == 1
    assert v("tandem_edge_fallbacks_total", {"reason": "unreachable"}) == 1
    m.follow_policy(lambda: 7)
    assert v("tandem_edge_policy_version") == 7


def test_fallback_reasons_are_a_small_set_of_labels() -> None:
    assert fallback_reason("stt missed its 5.0 s deadline") == "stt_deadline"
    assert fallback_reason("audio overrun: the request was overwritten before STT") \
        == "audio_overrun"
    assert fallback_reason("unreachable") == "unreachable"


@pytest.mark.slow
def test_cloud_serve_counts_calls_and_logs_the_devices_trace_id(tiny_gguf: Path) -> None:
    port, metrics_port = free_port(), free_port()
    proc = cloud_serve("--listen", f"127.0.0.1:{port}", "--model", str(tiny_gguf),
                       "--threads", "1", "--no-answer-cache",
                       "--metrics", f"127.0.0.1:{metrics_port}")
    try:
        async def scenario() -> None:
            await wait_serving(f"127.0.0.1:{port}")
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = pb_grpc.ConversationStub(channel)
                request = pb.ConverseRequest(device_id="dev-a", session_id="s1", turn_id=3,
                                             transcript="why is the sky blue", max_tokens=8)
                answer = [r async for r in stub.Converse(
                    request, timeout=30, metadata=((TRACE_HEADER, "5eed1e55cafe0042"),))]
                assert answer[-1].final.finish_reason == "length"
                bad = pb.ConverseRequest(device_id="dev-a", session_id="s1", turn_id=4,
                                         transcript="x", tools_json="[{")
                assert [r.WhichOneof("kind") async for r in stub.Converse(bad, timeout=30)] \
                    == ["error"]

        asyncio.run(scenario())
        text = scrape(metrics_port)
        assert 'tandem_cloud_calls_total{outcome="length"} 1.0' in text, text
        assert 'tandem_cloud_calls_total{outcome="error:CODE_BAD_REQUEST"} 1.0' in text
        assert "tandem_cloud_serving 1.0" in text and "tandem_cloud_pending 0.0" in text
        assert "tandem_cloud_first_token_seconds_count 1.0" in text
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "dev-a/s1/3 trace='5eed1e55cafe0042': length after 8 tokens" in err.decode()


@pytest.mark.slow
def test_metrics_on_a_taken_port_is_one_clear_line(tiny_gguf: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        proc = cloud_serve("--listen", f"127.0.0.1:{free_port()}", "--model", str(tiny_gguf),
                           "--no-answer-cache", "--metrics", f"127.0.0.1:{busy}")
        _, err = proc.communicate(timeout=60)
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 2 and "Traceback" not in err.decode(), err.decode()
    assert "cannot serve metrics" in lines[-1] and "--metrics" in lines[-1]
