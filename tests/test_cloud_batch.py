"""Several answers at once: batched decoding in one llama context, fair queueing per device.

The server tests run the real server, worker process and llama.cpp on the tiny model
(cloud.testing); answers that must still be running use a LONG max_tokens, as in
test_cloud_server. The decoder tests drive cloud.batch_decode in this process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from cloud.server import CloudServer
from cloud.testing import connected_server, run_bounded
from cloud.worker_client import FairSlots
from cloud.worker_messages import JobDone

llama_cpp = pytest.importorskip("llama_cpp")

LONG = 7000  # tokens: seconds of generation, far longer than any test waits
LONG_SETTINGS: dict[str, Any] = {"n_ctx": 8192, "n_threads": 1}


def request(device: str, turn: int, max_tokens: int = LONG,
            transcript: str = "why is the sky blue", context: str = "hello") -> pb.ConverseRequest:
    return pb.ConverseRequest(
        device_id=device, session_id="s1", turn_id=turn, transcript=transcript,
        context=[pb.ContextTurn(role=pb.ContextTurn.ROLE_USER, text=context)],
        max_tokens=max_tokens)


async def wait_until(condition: Callable[[], bool], within_s: float = 5.0) -> None:
    # Polling is deliberate: the state lives in the server and its worker process.
    async with asyncio.timeout(within_s):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


def done_job(server: CloudServer, tag: str) -> JobDone | None:
    return next((job for job in server.worker.recent_jobs if job.tag == tag), None)


async def job_done(server: CloudServer, tag: str) -> JobDone:
    """The worker's own report for a job, once it has finished."""
    await wait_until(lambda: done_job(server, tag) is not None)
    job = done_job(server, tag)
    assert job is not None
    return job


async def read_kind(call: Any) -> str:
    return str((await call.read()).WhichOneof("kind"))


async def answer_text(stub: pb_grpc.ConversationStub, req: pb.ConverseRequest) -> str:
    responses = [r async for r in stub.Converse(req, timeout=20)]
    assert responses[-1].WhichOneof("kind") == "final", responses[-1]
    return "".join(r.chunk.text for r in responses[:-1])


# -- the server ---------------------------------------------------------------------------


def test_four_conversations_stream_at_once_and_a_cancel_frees_a_slot(tiny_gguf: Path) -> None:
    async def scenario() -> None:
        async with connected_server(tiny_gguf, n_parallel=4, max_pending=5,
                                    **LONG_SETTINGS) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            calls = [stub.Converse(request(f"dev{i}", 1), timeout=20) for i in range(4)]
            # Every answer streams before any has finished (one at a time, the second
            # would wait for the first's 7000 tokens); none is refused.
            assert [await read_kind(call) for call in calls] == ["chunk"] * 4
            assert len((await server.worker.stats()).running) == 4
            assert server.worker.recent_jobs == ()

            fifth = stub.Converse(request("dev4", 1, max_tokens=5), timeout=20)
            await wait_until(lambda: server.worker.queued == 1)
            await asyncio.sleep(0.2)
            assert server.worker.queued == 1  # it waits for a sequence

            calls[1].cancel()
            answer = [r async for r in fifth]
            assert answer[-1].final.finish_reason == "length"
            assert answer[-1].final.timings.queue_ms >= 200
            assert (await job_done(server, "dev1/s1/1")).finish_reason == "cancelled"
            # The other three never stopped.
            for call in (calls[0], calls[2], calls[3]):
                assert await read_kind(call) == "chunk"
            stats = await server.worker.stats()
            assert len(stats.running) == 3
            for call in calls:
                call.cancel()

    run_bounded(scenario())


def test_a_deadline_ends_only_its_own_answer(tiny_gguf: Path) -> None:
    async def scenario() -> None:
        async with connected_server(tiny_gguf, n_parallel=4,
                                    **LONG_SETTINGS) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            others = [stub.Converse(request(f"dev{i}", 1), timeout=20) for i in range(3)]
            assert [await read_kind(call) for call in others] == ["chunk"] * 3
            short = stub.Converse(request("short", 1), timeout=0.6)
            try:
                async for response in short:
                    if response.HasField("final"):
                        assert response.final.finish_reason == "deadline"
            except grpc.aio.AioRpcError as exc:  # lost the race against the margin
                assert exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            job = await job_done(server, "short/s1/1")
            assert job.finish_reason in ("deadline", "cancelled")
            assert job.completion_tokens < LONG  # stopped at its deadline, not its end

            for call in others:
                assert await read_kind(call) == "chunk"
            assert len((await server.worker.stats()).running) == 3
            assert [j.tag for j in server.worker.recent_jobs] == ["short/s1/1"]
            for call in others:
                call.cancel()

    run_bounded(scenario())


def test_a_queued_device_is_not_starved_by_another_devices_backlog(tiny_gguf: Path) -> None:
    async def scenario() -> list[str]:
        async with connected_server(tiny_gguf, n_parallel=1, max_pending=6,
                                    **LONG_SETTINGS) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            hog = stub.Converse(request("hog", 1), timeout=20)
            assert await read_kind(hog) == "chunk"
            queued = []
            for n, (device, turn) in enumerate((("A", 1), ("A", 2), ("A", 3), ("B", 1)), 1):
                queued.append(stub.Converse(request(device, turn, max_tokens=5), timeout=20))
                # Queued in this order for sure before the next one is sent.
                await wait_until(lambda n=n: server.worker.queued == n)
            hog.cancel()
            for call in queued:
                assert [r async for r in call][-1].final.finish_reason == "length"
            return [job.tag for job in server.worker.recent_jobs]

    order = run_bounded(scenario())
    # B waited behind three of A's jobs but runs second, not last.
    assert order == ["hog/s1/1", "A/s1/1", "B/s1/1", "A/s1/2", "A/s1/3"]


def test_a_long_prompt_is_cancelled_between_its_chunks(tiny_gguf: Path) -> None:
    # The tiny model spells unknown words byte by byte: ~6000 prompt tokens, fed two
    # at a time, take seconds; the cancel must land long before the first token.
    long_context = "x" * 3000

    async def scenario() -> tuple[JobDone, float]:
        async with connected_server(tiny_gguf, n_parallel=2, prefill_chunk=2,
                                    **LONG_SETTINGS) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            req = request("dev", 1, max_tokens=5, context=long_context)
            req.context.append(pb.ContextTurn(role=pb.ContextTurn.ROLE_ASSISTANT,
                                              text=long_context))
            call = stub.Converse(req, timeout=20)

            async def running() -> bool:
                return len((await server.worker.stats()).running) == 1

            async with asyncio.timeout(5):
                while not await running():  # noqa: ASYNC110 - state in the worker process
                    await asyncio.sleep(0.005)
            await asyncio.sleep(0.1)  # well into the prompt
            cancelled_at = time.monotonic()
            call.cancel()
            job = await job_done(server, "dev/s1/1")
            return job, time.monotonic() - cancelled_at

    job, took_s = run_bounded(scenario())
    assert job.finish_reason == "cancelled"
    assert job.first_token_ms is None, "the prompt was not finished when the cancel came"
    assert job.prompt_tokens > 6000
    assert took_s < 0.5


def test_an_answer_is_the_same_alone_or_beside_three_others(tiny_gguf: Path) -> None:
    questions = ["why is the sky blue", "what time is it", "tell me a story", "good night"]

    async def scenario() -> tuple[str, list[str]]:
        async with connected_server(tiny_gguf, n_parallel=4, temperature=0.0,
                                    **LONG_SETTINGS) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            alone = await answer_text(stub, request("a", 1, 40, questions[0]))
            together = await asyncio.gather(*(
                answer_text(stub, request(f"d{i}", 2, 40, q)) for i, q in enumerate(questions)))
            return alone, together

    alone, together = run_bounded(scenario())
    assert alone and together[0] == alone


# -- the decoder in this process ----------------------------------------------------------


def _decode_all(decoder: Any, prompts: list[list[int]], max_tokens: int) -> list[str]:
    texts = [""] * len(prompts)
    for job, prompt in enumerate(prompts):
        decoder.start(job, prompt, max_tokens)
    while decoder.running:
        pieces, _ = decoder.step()
        for piece in pieces:
            texts[piece.job] += piece.text
    return texts


def _decoder(model: Path, temperature: float, n_parallel: int = 4, seed: int = 7,
             first_chunk_parallel: int | None = None) -> Any:
    from cloud.batch_decode import BatchDecoder

    llm = llama_cpp.Llama(model_path=str(model), n_ctx=512, n_threads=2, seed=seed,
                          verbose=False)
    return llm, BatchDecoder(llm, n_parallel=n_parallel, n_ctx_seq=512, prefill_chunk=16,
                             temperature=temperature, first_chunk_parallel=first_chunk_parallel)


def _messages(question: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": question}]


def test_the_prompt_is_what_create_chat_completion_evaluates(tiny_gguf: Path) -> None:
    from cloud.llm_worker import chat_prompt

    llm = llama_cpp.Llama(model_path=str(tiny_gguf), n_ctx=512, n_threads=1, verbose=False)
    messages = _messages("why is the sky blue")
    out = llm.create_chat_completion(messages=messages, max_tokens=1, temperature=0.0)
    evaluated = [int(t) for t in llm.input_ids[: out["usage"]["prompt_tokens"]]]
    assert chat_prompt(llm, messages) == evaluated


def test_first_chunks_come_first(tiny_gguf: Path) -> None:
    # With first_chunk_parallel=1 the second answer waits while the first reaches its first
    # chunk; then the first only trickles until the second has its own; then both run.
    from cloud.batch_decode import BatchDecoder
    from cloud.llm_worker import chat_prompt
    from cloud.sentences import SentenceSplitter

    llm, decoder = _decoder(tiny_gguf, temperature=0.7, n_parallel=2, first_chunk_parallel=1)
    assert isinstance(decoder, BatchDecoder)
    for job, question in enumerate(("why is the sky blue", "good night")):
        decoder.start(job, chat_prompt(llm, _messages(question)), 200)
    splitters: list[SentenceSplitter | None] = [SentenceSplitter(), SentenceSplitter()]
    tokens = [0, 0]

    def step() -> None:
        pieces, finished = decoder.step()
        assert not finished
        for piece in pieces:
            tokens[piece.job] += 1
            splitter = splitters[piece.job]
            if splitter is not None and splitter.push(piece.text):
                splitters[piece.job] = None

    while splitters[0] is not None:
        step()
        assert tokens[1] == 0  # not even its prompt: see below
    assert decoder._slots[1].answer.fed == 0
    first_done, started = tokens[0], time.monotonic()
    while splitters[1] is not None:
        step()
    # Speaking, the first answer got a token at most every 1/8 s meanwhile.
    assert tokens[0] - first_done <= (time.monotonic() - started) / 0.125 + 1
    before = list(tokens)
    step()
    assert [t - b for t, b in zip(tokens, before, strict=True)] == [1, 1]


def test_seeded_sampling_is_unchanged_by_batching(tiny_gguf: Path) -> None:
    # Sampling at temperature 0.7 with one seed draws the same random numbers alone and
    # in a batch, so any change in the logits (cross-talk, wrong positions) shows.
    from cloud.llm_worker import chat_prompt

    llm, decoder = _decoder(tiny_gguf, temperature=0.7)
    prompts = [chat_prompt(llm, _messages(q))
               for q in ("why is the sky blue", "good night", "what time is it", "hi there")]
    together = _decode_all(decoder, prompts, 40)
    decoder.reset()
    alone = [_decode_all(decoder, [prompt], 40)[0] for prompt in prompts]
    assert together == alone
    assert len(set(alone)) == len(alone), "different prompts must give different answers"


def test_smollm2_greedy_answers_are_unchanged_by_batching() -> None:
    import models

    try:
        (path,) = models.resolve("smollm2_135m")
    except models.ModelError as exc:
        pytest.skip(f"SmolLM2 is not installed: {exc}")
    from cloud.llm_worker import chat_prompt

    llm, decoder = _decoder(path, temperature=0.0, n_parallel=3)
    prompts = [chat_prompt(llm, _messages(q))
               for q in ("why is the sky blue", "say hello", "why is the sky blue")]
    together = _decode_all(decoder, prompts, 24)
    # The decoder took over `llm`'s context: the reference runs on a Llama of its own.
    reference = llama_cpp.Llama(model_path=str(path), n_ctx=512, n_threads=2, verbose=False)
    expected = reference.create_chat_completion(messages=_messages("why is the sky blue"),
                                          max_tokens=24, temperature=0.0)
    assert together[0] == together[2] == expected["choices"][0]["message"]["content"]
    assert together[1] != together[0]


def test_characters_split_across_tokens_come_out_whole(tiny_gguf: Path) -> None:
    from cloud.batch_decode import Detokenizer

    llm, decoder = _decoder(tiny_gguf, temperature=0.0, n_parallel=1)
    text = "héllo wörld ✓ 🌍"
    tokens = llm.tokenize(text.encode(), add_bos=False, special=False)
    assert len(tokens) > len(text)  # the tiny vocabulary spells all of it byte by byte
    detokenizer = Detokenizer(decoder.token_bytes)
    pieces = [detokenizer.push(token) for token in tokens]
    whole = llm.detokenize(tokens).decode()  # the same tokens decoded all at once
    assert "".join(pieces) == whole and "héllo" in whole and "🌍" in whole
    assert "" in pieces  # a token that ended mid-character held its bytes back


# -- fair slots (no model) ----------------------------------------------------------------


def test_fair_slots_serve_devices_round_robin() -> None:
    async def scenario() -> list[str]:
        slots = FairSlots(1)
        await slots.acquire("hog", None)
        order: list[str] = []

        async def job(device: str, name: str) -> None:
            await slots.acquire(device, None)
            order.append(name)
            await asyncio.sleep(0)
            slots.release(device)

        tasks = []
        for device, name in (("A", "A1"), ("A", "A2"), ("A", "A3"), ("B", "B1")):
            tasks.append(asyncio.create_task(job(device, name)))
            await asyncio.sleep(0)
        assert slots.waiting == 4
        slots.release("hog")
        await asyncio.gather(*tasks)
        assert slots.in_use == 0 and slots.waiting == 0
        return order

    assert run_bounded(scenario(), 5) == ["A1", "B1", "A2", "A3"]


def test_fair_slots_prefer_the_device_holding_fewest() -> None:
    async def scenario() -> list[str]:
        slots = FairSlots(2)
        await slots.acquire("A", None)
        await slots.acquire("B", None)
        granted: list[str] = []

        async def wait(device: str) -> None:
            await slots.acquire(device, None)
            granted.append(device)

        a = asyncio.create_task(wait("A"))
        await asyncio.sleep(0)
        c = asyncio.create_task(wait("C"))
        await asyncio.sleep(0)
        slots.release("B")  # A still holds one, C none: C first although A queued first
        await asyncio.sleep(0)
        slots.release("A")
        await asyncio.gather(a, c)
        return granted

    assert run_bounded(scenario(), 5) == ["C", "A"]


def test_fair_slots_waiters_that_give_up_leave_the_queue() -> None:
    async def scenario() -> None:
        slots = FairSlots(1)
        await slots.acquire("A", None)
        with pytest.raises(TimeoutError):
            await slots.acquire("B", 0.05)
        cancelled = asyncio.create_task(slots.acquire("C", None))
        await asyncio.sleep(0)
        assert slots.waiting == 1
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        assert slots.waiting == 0

        # Granted and cancelled in the same instant: the slot is handed on, not leaked.
        racing = asyncio.create_task(slots.acquire("D", None))
        after = asyncio.create_task(slots.acquire("E", None))
        await asyncio.sleep(0)
        slots.release("A")  # grants D...
        racing.cancel()  # ...whose task is cancelled before it runs
        with pytest.raises(asyncio.CancelledError):
            await racing
        await asyncio.wait_for(after, 1)
        assert slots.in_use == 1 and slots.waiting == 0

    run_bounded(scenario(), 5)


# -- the progress watchdog ----------------------------------------------------------------


def test_a_stalled_worker_fails_its_jobs_and_stops_serving(tiny_gguf: Path) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    async def scenario() -> None:
        async with connected_server(tiny_gguf, n_parallel=1, max_pending=3, stall_s=0.6,
                                    **LONG_SETTINGS) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            running = stub.Converse(request("dev", 1), timeout=20)
            assert await read_kind(running) == "chunk"
            queued = stub.Converse(request("dev", 2, max_tokens=5), timeout=20)
            await wait_until(lambda: server.worker.queued == 1)
            pid = server.worker.pid
            assert pid is not None
            os.kill(pid, signal.SIGSTOP)  # alive, but it never answers again
            stopped_at = time.monotonic()

            last = None
            while (response := await running.read()) is not grpc.aio.EOF:
                last = response
            assert last is not None and last.error.code == pb.Error.CODE_MODEL
            assert last.error.retryable
            assert time.monotonic() - stopped_at < 2.0
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await queued.read()
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE

            await asyncio.wait_for(server.worker.wait_exited(), 5)
            health = health_pb2_grpc.HealthStub(channel)
            await wait_until(lambda: not server.service.accepting)
            reply = await health.Check(health_pb2.HealthCheckRequest(service=""))
            assert reply.status == health_pb2.HealthCheckResponse.NOT_SERVING

    run_bounded(scenario())


def test_a_long_prompt_is_not_mistaken_for_a_stall(tiny_gguf: Path) -> None:
    # Seconds of prompt reading (one token per step) with no token out: the pings
    # answered between steps keep it alive. stall_s leaves room for scheduling hiccups.
    async def scenario() -> pb.ConverseResponse:
        async with connected_server(tiny_gguf, n_parallel=1, prefill_chunk=1, stall_s=0.8,
                                    **LONG_SETTINGS) as (server, channel):
            stub = pb_grpc.ConversationStub(channel)
            req = request("dev", 1, max_tokens=5, context="x" * 3000)
            req.context.append(pb.ContextTurn(role=pb.ContextTurn.ROLE_ASSISTANT,
                                              text="y" * 3000))
            responses = [r async for r in stub.Converse(req, timeout=30)]
            job = await job_done(server, "dev/s1/1")
            assert job.first_token_ms is not None and job.first_token_ms > 800, job
            return responses[-1]

    final = run_bounded(scenario())
    assert final.final.finish_reason == "length", final
