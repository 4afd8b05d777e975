"""Tool calls on the cloud side: reading calls out of streamed text, the upstream API's
streamed `tool_calls`, and the service relaying them over real gRPC as ToolCall messages."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import grpc
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from cloud.backends import UpstreamBackend
from cloud.server import CloudServer
from cloud.settings import CloudSettings
from cloud.testing import run_bounded
from cloud.tool_calls import ToolCall, ToolCallFilter, offered_names, tools_problem
from cloud.upstream import OpenAIUpstream, UpstreamPool, UpstreamSettings
from cloud.worker_messages import JobDone, TokenText
from tests.test_cloud_upstream import chunk, collect, fake_upstream, http, sse

TOOLS = json.dumps([
    {"type": "function", "function": {
        "name": "turn_on", "description": "Turn on a device.",
        "parameters": {"type": "object", "properties": {
            "name": {"type": "string", "enum": ["Kitchen Lights"]}}, "required": ["name"]}}},
])
CALL = '<tool_call>{"name": "turn_on", "arguments": {"name": "Kitchen Lights"}}</tool_call>'


def run_filter(pieces: list[str]) -> list[str | ToolCall]:
    f = ToolCallFilter()
    out: list[str | ToolCall] = []
    for piece in pieces:
        out += f.push(piece)
    out.append(f.flush())
    # Adjacent text pieces joined: where the stream was cut must not matter.
    joined: list[str | ToolCall] = []
    for item in out:
        if isinstance(item, str) and joined and isinstance(joined[-1], str):
            joined[-1] += item
        elif item != "":
            joined.append(item)
    return joined


def test_a_call_is_taken_out_of_the_text_and_never_spoken() -> None:
    text = f"Okay. {CALL} The lights are on."
    assert run_filter([text]) == [
        "Okay. ", ToolCall("turn_on", '{"name":"Kitchen Lights"}'), " The lights are on."]


@given(st.lists(st.integers(min_value=1, max_value=len(CALL) + 20), max_size=12))
def test_a_call_cut_anywhere_by_the_token_stream_reads_the_same(cuts: list[int]) -> None:
    text = f"Okay. {CALL} Done, and <b>not</b> a tag."
    points = sorted({c for c in cuts if c < len(text)})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    assert run_filter(pieces) == run_filter([text])


def test_malformed_and_unclosed_calls_are_dropped_not_spoken() -> None:
    assert run_filter(["Hi <tool_call>not json</tool_call> there."]) == ["Hi  there."]
    assert run_filter(['Hi <tool_call>{"name": "x y"}</tool_call>.']) == ["Hi ."]
    assert run_filter(["Hi <tool_call>{\"name\": \"turn_on\", \"argu"]) == ["Hi "]
    # Arguments written as a JSON string are read as the object they hold.
    (call,) = run_filter(['<tool_call>{"name": "turn_on", "arguments": "{\\"a\\": 1}"}'
                          '</tool_call>'])
    assert call == ToolCall("turn_on", '{"a":1}')


def test_offered_tools_are_checked_before_admission() -> None:
    assert tools_problem("") is None and tools_problem(TOOLS) is None
    assert offered_names(TOOLS) == {"turn_on"}
    assert "not JSON" in (tools_problem("[{") or "")
    assert "array" in (tools_problem('{"a": 1}') or "")
    bad_name = TOOLS.replace('"turn_on"', '"turn on; rm -rf"')
    assert "name" in (tools_problem(bad_name) or "")
    assert "bytes" in (tools_problem("[" + ",".join([TOOLS[1:-1]] * 200) + "]") or "")


# --- an OpenAI-compatible server that calls a function --------------------------------


def tool_delta(index: int, name: str | None = None, arguments: str | None = None,
               **extra: Any) -> dict[str, Any]:
    function = {k: v for k, v in (("name", name), ("arguments", arguments)) if v is not None}
    return {"index": index, "type": "function", "function": function, **extra}


def calling(*deltas: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    body = chunk(text)
    body["choices"][0]["delta"]["tool_calls"] = list(deltas)
    return body


# Two calls, each streamed in fragments (as OpenAI and vLLM do), then text and the end.
TWO_CALLS = http("200 OK", "text/event-stream", sse(
    calling(tool_delta(0, "turn_on", id="c0")),
    calling(tool_delta(0, arguments='{"name": "Kit')),
    calling(tool_delta(0, arguments='chen Lights"}')),
    calling(tool_delta(1, "volume_up", id="c1", arguments="{}")),
    chunk(" Done."), chunk(finish="tool_calls"),
))


def test_the_upstream_passes_the_tools_and_returns_each_call_whole() -> None:
    async def scenario() -> tuple[list[Any], list[dict[str, Any]]]:
        seen: list[dict[str, Any]] = []
        async with fake_upstream(TWO_CALLS, seen) as url:
            upstream = OpenAIUpstream(UpstreamSettings(url, health_interval_s=60.0))
            try:
                events = await collect(upstream.generate(
                    (("user", "lights and louder"),), 32, None, "d/s/1", TOOLS))
            finally:
                await upstream.close()
        return events, seen

    events, seen = run_bounded(scenario())
    assert seen[0]["tools"] == json.loads(TOOLS)
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert calls == [ToolCall("turn_on", '{"name":"Kitchen Lights"}'),
                     ToolCall("volume_up", "{}")]
    assert [e.text for e in events if isinstance(e, TokenText)] == [" Done."]
    assert isinstance(events[-1], JobDone) and events[-1].finish_reason == "tool_calls"


def test_the_service_relays_offered_calls_and_drops_the_others() -> None:
    """Real gRPC and the real service over the scripted upstream: the device gets a
    ToolCall for the function it offered; volume_up, not offered, never reaches it."""

    async def scenario() -> tuple[list[pb.ConverseResponse], list[dict[str, Any]]]:
        seen: list[dict[str, Any]] = []
        async with fake_upstream(TWO_CALLS, seen) as url:
            upstream = UpstreamSettings(url, health_interval_s=60.0)
            settings = CloudSettings(upstreams=(upstream,), listen="127.0.0.1:0",
                                     answer_cache=False)
            backend = UpstreamBackend(UpstreamPool.from_settings([upstream]), settings.n_ctx)
            server = await CloudServer.start(settings, backend)
            serving = asyncio.create_task(server.serve_when_loaded(None))
            try:
                await asyncio.wait_for(asyncio.shield(serving), 10)  # the probe found it
                async with grpc.aio.insecure_channel(server.target) as channel:
                    stub = pb_grpc.ConversationStub(channel)
                    request = pb.ConverseRequest(device_id="d", session_id="s", turn_id=1,
                                                 transcript="lights on and louder",
                                                 tools_json=TOOLS)
                    answer = [r async for r in stub.Converse(request, timeout=10)]
                    bad = pb.ConverseRequest(device_id="d", session_id="s", turn_id=2,
                                             transcript="x", tools_json="[{")
                    refused = [r async for r in stub.Converse(bad, timeout=10)]
            finally:
                serving.cancel()
                await server.drain(0.5)
        return answer + refused, seen

    responses, seen = run_bounded(scenario())
    kinds = [r.WhichOneof("kind") for r in responses]
    assert kinds == ["tool_call", "chunk", "final", "error"], kinds
    assert (responses[0].tool_call.name, json.loads(responses[0].tool_call.arguments_json)) \
        == ("turn_on", {"name": "Kitchen Lights"})
    assert responses[1].chunk.text == "Done."
    assert responses[3].error.code == pb.Error.CODE_BAD_REQUEST
    assert "tools_json" in responses[3].error.message
    assert len(seen) == 1  # the bad request never reached the model


def test_tool_modes() -> None:
    upstream = UpstreamSettings("http://127.0.0.1:1/v1")
    assert CloudSettings(upstreams=(upstream,)).tool_mode == "native"
    assert CloudSettings(model_path="m.gguf").tool_mode == "off"  # SmolLM2-135M cannot
    assert CloudSettings(model_path="m.gguf", tools="prompt").tool_mode == "prompt"
    with pytest.raises(ValueError, match="tools must be"):
        CloudSettings(model_path="m.gguf", tools="always")
