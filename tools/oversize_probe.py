"""How fast the cloud service refuses an oversized request, and whether a conversation in
flight notices: one answer streams while 4 MiB requests arrive one after another.

    python -m tools.oversize_probe [--model PATH.gguf] [--tries 20]

The default model is a tiny random-weight GGUF: it never ends its answer by itself, so the
answer is still streaming through the whole flood (SmolLM2 often has finished).

Prints the refusal time p50 / max (client side: send -> INVALID_ARGUMENT) and the gaps
between the streaming answer's chunks before and during the flood (p50 / max)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import grpc
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from cloud.testing import connected_server

HUGE = 4 * 1024 * 1024


def _request(device: str, transcript: str, max_tokens: int = 0) -> pb.ConverseRequest:
    return pb.ConverseRequest(device_id=device, session_id="probe", transcript=transcript,
                              max_tokens=max_tokens)


async def probe(model: Path, tries: int) -> dict[str, float]:
    huge = _request("abuser", "hi")
    huge.context.extend([pb.ContextTurn(role=pb.ContextTurn.ROLE_USER, text="x" * 4000)]
                        * (HUGE // 4000 + 1))
    async with connected_server(model, n_ctx=8192) as (_, channel):
        stub = pb_grpc.ConversationStub(channel)
        chunks: list[float] = []
        flood: list[float] = [0.0, 0.0]  # start, end
        streaming = asyncio.Event()

        async def listen() -> None:
            call = stub.Converse(_request("listener", "tell me a long story about the sea",
                                          4000), timeout=120)
            async for response in call:
                if response.WhichOneof("kind") == "chunk":
                    chunks.append(time.monotonic())
                    if len(chunks) >= 5:
                        streaming.set()

        listener = asyncio.create_task(listen())
        await asyncio.wait_for(streaming.wait(), 60)  # the answer is streaming
        refusals = []
        flood[0] = time.monotonic()
        for _ in range(tries):
            started = time.monotonic()
            try:
                await stub.Converse(huge, timeout=10).read()
            except grpc.aio.AioRpcError as exc:
                assert exc.code() == grpc.StatusCode.INVALID_ARGUMENT, exc
            refusals.append(1000 * (time.monotonic() - started))
        flood[1] = time.monotonic()
        await asyncio.sleep(flood[1] - flood[0])  # as long again, after the flood
        assert not listener.done(), "the answer ended before the flood did: use a longer one"
        listener.cancel()
    gaps_before = [1000 * (b - a) for a, b in zip(chunks, chunks[1:], strict=False)
                   if b < flood[0]]
    gaps_during = [1000 * (b - a) for a, b in zip(chunks, chunks[1:], strict=False)
                   if flood[0] <= b <= flood[1]]
    return {
        "refusal_p50_ms": statistics.median(refusals), "refusal_max_ms": max(refusals),
        "gap_before_p50_ms": statistics.median(gaps_before or [0.0]),
        "gap_before_max_ms": max(gaps_before or [0.0]),
        "gap_during_p50_ms": statistics.median(gaps_during or [0.0]),
        "gap_during_max_ms": max(gaps_during or [0.0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--tries", type=int, default=20)
    args = parser.parse_args()
    model = args.model
    if model is None:
        from models.tiny_gguf import write_tiny_gguf

        model = Path(tempfile.mkdtemp()) / "tiny.gguf"
        write_tiny_gguf(model)
    figures = asyncio.run(probe(model, args.tries))
    print(f"oversize probe ({HUGE // 1024} KiB requests x {args.tries}, {model.name}):")
    for name, value in figures.items():
        print(f"  {name:20} {value:8.1f}")


if __name__ == "__main__":
    main()
