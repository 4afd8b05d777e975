"""Time to first token and sentence, and decode speed per stream, at 1, 2 and 4
conversations starting together, for a few ways of serving them on this machine.

    nice -n 10 .venv/bin/python -m tools.batch_decode_probe --mode batched --mode serial

Modes (each runs real `cloud serve` servers in this process, on SmolLM2-135M):
  batched      one worker, n_parallel = the most streams, n_threads=2, first chunks
               first (first_chunk_parallel=1: the default design)
  batched_all  the same, but every answer advances in every step (first_chunk_parallel
               = n_parallel): plain batching
  serial       one worker, n_parallel=1, n_threads=2: one answer at a time
  workers      K workers (--workers, default 2), one thread each; streams round robin
A tree without `n_parallel` in CloudSettings (the code before batching, e.g. a
`git archive HEAD cloud` on PYTHONPATH) runs `serial` as it always ran.

Every stream is its own conversation (device, two context turns, its own question);
each round uses new questions so only the system prompt is ever a cached prefix. The
modes' servers run side by side and take turns round by round on the same questions,
so a load spike from elsewhere on the machine hits them alike; the figures pool all
rounds. --temperature 0 makes every mode generate the same answers (short ones, with
SmolLM2); the default is the service's own 0.7.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUESTIONS = (
    "why is the sky blue", "how far away is the moon", "what is a good name for a cat",
    "why do leaves change color in autumn", "how do airplanes stay in the air",
    "what causes thunder", "how many legs does a spider have", "why is the ocean salty",
    "what is the tallest mountain", "how do bees make honey", "why do we dream",
    "what is the speed of sound", "how does a rainbow form", "why do cats purr",
    "what is the capital of france", "how long does it take to boil an egg",
    "why is snow white", "how do fish breathe", "what makes a volcano erupt",
    "why do stars twinkle", "how big is the sun", "what do pandas eat",
    "why is grass green", "how do magnets work", "what is the coldest place on earth",
    "why do we have seasons", "how does the heart pump blood", "what is a black hole",
)
CONTEXT = (("user", "hello there"), ("assistant", "Hi! How can I help you today?"))


@dataclass(frozen=True)
class Stream:
    first_chunk_ms: float  # client side: call start to the first sentence (chunk)
    first_token_ms: float  # server side: arrival to the first token (Final.timings)
    tokens: int
    decode_tps: float  # tokens after the first / the time they took


def _settings_overrides(mode: str, streams: int, threads: int,
                        temperature: float) -> dict[str, Any]:
    from cloud.settings import CloudSettings

    fields = {f.name for f in dataclasses.fields(CloudSettings)}
    overrides: dict[str, Any] = {"temperature": temperature, "max_pending": 16,
                                 "n_threads": 1 if mode == "workers" else threads}
    if "n_parallel" in fields:  # absent before batching: that code is one at a time
        overrides["n_parallel"] = streams if mode.startswith("batched") else 1
    if mode == "batched_all":
        overrides["first_chunk_parallel"] = streams
    return overrides


async def _converse(stub: Any, device: str, question: str) -> Stream:
    from tandem_proto import converse_pb2 as pb

    roles = {"user": pb.ContextTurn.ROLE_USER, "assistant": pb.ContextTurn.ROLE_ASSISTANT}
    request = pb.ConverseRequest(
        device_id=device, session_id="probe", turn_id=2, transcript=question,
        context=[pb.ContextTurn(role=roles[role], text=text) for role, text in CONTEXT])
    started = time.monotonic()
    first_chunk_ms: float | None = None
    final = None
    async for response in stub.Converse(request, timeout=120):
        if response.HasField("chunk") and first_chunk_ms is None:
            first_chunk_ms = (time.monotonic() - started) * 1000.0
        elif response.HasField("final"):
            final = response.final
        elif response.HasField("error"):
            raise RuntimeError(f"{device}: {response.error.message}")
    assert final is not None and first_chunk_ms is not None
    tokens = final.usage.completion_tokens
    decode_s = (final.timings.total_ms - final.timings.first_token_ms) / 1000.0
    return Stream(first_chunk_ms, final.timings.first_token_ms, tokens,
                  (tokens - 1) / decode_s if decode_s > 0 else 0.0)


async def _measure(modes: list[str], model: Path, concurrency: list[int], rounds: int,
                   workers: int, threads: int,
                   temperature: float) -> dict[str, dict[int, list[Stream]]]:
    import grpc
    from tandem_proto import converse_pb2_grpc as pb_grpc

    from cloud.testing import running_server

    results: dict[str, dict[int, list[Stream]]] = {mode: {} for mode in modes}
    async with contextlib.AsyncExitStack() as stack:
        stubs: dict[str, list[Any]] = {}
        for mode in modes:
            stubs[mode] = []
            for _ in range(workers if mode == "workers" else 1):
                settings = _settings_overrides(mode, max(concurrency), threads, temperature)
                server = await stack.enter_async_context(running_server(model, **settings))
                channel = await stack.enter_async_context(
                    grpc.aio.insecure_channel(server.target))
                stubs[mode].append(pb_grpc.ConversationStub(channel))
        # Warm-up: page the weights in and run each worker's first decode.
        for mode in modes:
            await asyncio.gather(*(_converse(stub, f"warm{i}", "hi")
                                   for i, stub in enumerate(stubs[mode])))
        asked = 0
        for streams in concurrency:
            for round_no in range(rounds):
                questions = [QUESTIONS[(asked + i) % len(QUESTIONS)] for i in range(streams)]
                asked += streams
                for mode in modes:  # the same questions, one mode after the other
                    mode_stubs = stubs[mode]
                    results[mode].setdefault(streams, []).extend(await asyncio.gather(*(
                        _converse(mode_stubs[i % len(mode_stubs)], f"dev{i}-{round_no}", q)
                        for i, q in enumerate(questions))))
    return results


def _report(mode: str, results: dict[int, list[Stream]]) -> None:
    single = statistics.median(s.first_chunk_ms for s in results[min(results)])
    print(f"\n{mode}")
    print("streams  first token p50  first sentence p50 (x single)  decode tok/s per stream p50"
          "  tokens")
    for streams, measured in results.items():
        first_chunk = statistics.median(s.first_chunk_ms for s in measured)
        print(f"{streams:7d}  {statistics.median(s.first_token_ms for s in measured):12.0f} ms"
              f"  {first_chunk:9.0f} ms ({first_chunk / single:4.2f}x)"
              f"  {statistics.median(s.decode_tps for s in measured):27.1f}"
              f"  {sum(s.tokens for s in measured)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", action="append",
                        choices=("batched", "batched_all", "serial", "workers"))
    parser.add_argument("--streams", type=int, action="append",
                        help="concurrent conversations (default 1, 2, 4)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2, help="workers in `workers` mode")
    parser.add_argument("--threads", type=int, default=2, help="llama threads per worker "
                        "(the `workers` mode always runs one each)")
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--model", type=Path, help="GGUF (default: SmolLM2-135M from models/)")
    args = parser.parse_args()
    model = args.model
    if model is None:
        import models

        (model,) = models.resolve("smollm2_135m")
    modes = args.mode or ["batched", "serial"]
    results = asyncio.run(_measure(modes, model, args.streams or [1, 2, 4], args.rounds,
                                   args.workers, args.threads, args.temperature))
    for mode in modes:
        _report(mode, results[mode])


if __name__ == "__main__":
    main()
