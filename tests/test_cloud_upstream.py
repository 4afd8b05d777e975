"""OpenAI-compatible upstreams against a real server: llama-cpp-python's `llama_cpp.server`
serving the tiny GGUF in a child process, plus small stdlib HTTP servers written here that
misbehave on purpose (HTML, non-JSON SSE, HTTP 500, silence, a stream that drops)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cloud.testing import run_bounded
from cloud.upstream import OpenAIUpstream, UpstreamPool, UpstreamSettings, parse_upstream
from cloud.worker_client import JobStarted, QueueDeadline, WorkerEvent, WorkerUnavailable
from cloud.worker_messages import JobDone, JobFailed, TokenText

pytestmark = pytest.mark.slow

MESSAGES = (("system", "Answer briefly."), ("user", "why is the sky blue"))
# The tiny model never samples end-of-sequence, so a job runs to max_tokens; at ~1000
# tokens/s this one outlasts every deadline and cancel below by seconds.
LONG = 3500


# --- a real OpenAI-compatible server ----------------------------------------------------


@dataclass(frozen=True)
class LlamaServer:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def disconnects(self) -> int:
        """How many streams the server saw its client leave (it prints one line each)."""
        return self.log.read_text(errors="replace").count("Disconnected from client")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def llama_server(model: Path, log: Path) -> Iterator[LlamaServer]:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model),
        "--host", "127.0.0.1", "--port", str(port), "--n_threads", "1",
        # Room for LONG tokens: 512 would be generated in well under a second.
        "--n_ctx", "4096",
        # Its default lets any new request cut the running stream short.
        "--interrupt_requests", "False",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        give_up = time.monotonic() + 60.0
        while True:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited ({process.returncode}):\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=2.0) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > give_up:
                pytest.fail(f"llama_cpp.server did not answer /v1/models:\n{log.read_text()}")
            time.sleep(0.1)
        yield LlamaServer(base_url, process, log)
    finally:
        process.kill()
        process.wait(timeout=10.0)


@pytest.fixture(scope="module")
def server(tiny_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    with llama_server(tiny_gguf, tmp_path_factory.mktemp("llama-server") / "server.log") as s:
        yield s


def settings(base_url: str, **overrides: Any) -> UpstreamSettings:
    values: dict[str, Any] = {
        "model": "tiny", "connect_timeout_s": 1.0, "read_timeout_s": 5.0,
        "health_interval_s": 60.0,
    }
    return UpstreamSettings(base_url, **{**values, **overrides})


async def collect(events: AsyncGenerator[WorkerEvent, None]) -> list[WorkerEvent]:
    async with contextlib.aclosing(events):
        return [event async for event in events]


def assert_answer(events: list[WorkerEvent], max_tokens: int) -> JobDone:
    """JobStarted, TokenText+, JobDone; counts agree with what was streamed."""
    assert isinstance(events[0], JobStarted), events[:1]
    tokens = [e for e in events[1:-1] if isinstance(e, TokenText)]
    assert len(tokens) == len(events) - 2 and tokens, events
    done = events[-1]
    assert isinstance(done, JobDone), done
    assert {e.request_id for e in events} == {events[0].request_id}
    # The tiny model runs to max_tokens; llama-cpp-python sends no usage: deltas counted.
    assert done.finish_reason == "length"
    assert done.completion_tokens == len(tokens) == max_tokens
    assert done.first_token_ms is not None and 0 < done.first_token_ms <= done.generate_ms
    assert "".join(t.text for t in tokens).strip()
    return done


# --- misbehaving servers ----------------------------------------------------------------

MODELS = b'{"object": "list", "data": [{"id": "fake", "object": "model", "owned_by": "test"}]}'


def http(status: str, content_type: str, body: bytes, length: int | None = None) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body) if length is None else length}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def sse(*chunks: dict[str, Any], done: bool = True) -> bytes:
    events = b"".join(b"data: " + json.dumps(chunk).encode() + b"\n\n" for chunk in chunks)
    return events + (b"data: [DONE]\n\n" if done else b"")


def chunk(text: str | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    delta = {} if text is None else {"content": text}
    return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "fake",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


HTML = http("200 OK", "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>")
NOT_JSON = http("200 OK", "text/event-stream", b"data: this is not json\n\n")
WRONG_SHAPE = http("200 OK", "text/event-stream", sse({"choices": "not a list of choices"}))
HTTP_500 = http("500 Internal Server Error", "application/json", b'{"error": {"message": "boom"}}')
# Two tokens, then the connection closes 100 kB short of the promised body.
DROP = http("200 OK", "text/event-stream", sse(chunk(" hello"), chunk(" world"), done=False),
            length=100_000)
WITH_USAGE = http("200 OK", "text/event-stream", sse(
    chunk(" hi"), chunk(" there"), chunk(finish="stop"),
    {**chunk(), "choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 2,
                                         "total_tokens": 9}},
))


@contextlib.asynccontextmanager
async def fake_upstream(chat_reply: bytes | None,
                        seen: list[dict[str, Any]] | None = None) -> AsyncIterator[str]:
    """A server whose /v1/models answers like a real one (so probes pass) and whose chat
    completions get `chat_reply` and a closed connection; None: accept, then never answer.
    `seen` collects the chat completion requests' bodies."""
    stop = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            if seen is not None and b"/models" not in request_line:
                seen.append(json.loads(body))
            if b"/models" in request_line:
                writer.write(http("200 OK", "application/json", MODELS))
            elif chat_reply is None:
                await stop.wait()
            else:
                writer.write(chat_reply)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop.set()  # silent handlers end by themselves (cancelling them logs noise)
        listener.close()
        await listener.wait_closed()


# --- settings ---------------------------------------------------------------------------


def test_settings_are_validated_and_the_flag_reads_the_key_from_the_environment() -> None:
    parsed = parse_upstream(
        "https://llm.example/v1/,model=qwen, concurrency=2,key_env=UPSTREAM_KEY",
        environ={"UPSTREAM_KEY": "sk-secret"},
    )
    assert parsed.base_url == "https://llm.example/v1"
    assert (parsed.model, parsed.max_concurrency, parsed.api_key) == ("qwen", 2, "sk-secret")
    assert "sk-secret" not in repr(parsed)
    plain = parse_upstream("http://127.0.0.1:8000/v1", environ={})
    assert plain.api_key is None and plain.max_concurrency == 4

    for flag, complaint in [
        ("http://h/v1,key_env=MISSING", "MISSING"),
        ("http://h/v1,concurrency=two", "integer"),
        ("http://h/v1,concurrency=0", "max_concurrency"),
        ("http://h/v1,colour=blue", "unknown upstream option"),
        ("http://h/v1,model", "NAME=VALUE"),
        ("http://h/v1,model=a,model=b", "twice"),
        ("ftp://h/v1", "http"),
        ("127.0.0.1:8000", "http"),
    ]:
        with pytest.raises(ValueError, match=complaint):
            parse_upstream(flag, environ={})
    bad_fields: list[dict[str, Any]] = [
        {"read_timeout_s": 0}, {"connect_timeout_s": -1}, {"health_interval_s": 0},
        {"model": " "}, {"api_key": ""}, {"temperature": -0.1},
    ]
    for bad in bad_fields:
        with pytest.raises(ValueError):
            UpstreamSettings("http://h/v1", **bad)


# --- against the real server ------------------------------------------------------------


def test_a_streamed_answer_arrives_as_started_tokens_done(server: LlamaServer) -> None:
    async def scenario() -> None:
        upstream = OpenAIUpstream(settings(server.base_url))
        try:
            assert upstream.healthy is None and not upstream.ready
            await upstream.start()
            assert upstream.ready
            events = await collect(upstream.generate(MESSAGES, 12, None, "dev/s/1"))
            done = assert_answer(events, 12)
            assert done.tag == "dev/s/1"
            assert upstream.in_flight == 0 and upstream.has_free_slot
        finally:
            await upstream.close()

    run_bounded(scenario())


def test_leaving_early_closes_the_stream_and_the_server_stops(server: LlamaServer) -> None:
    async def scenario() -> None:
        upstream = OpenAIUpstream(settings(server.base_url))
        try:
            # aclose after three tokens: the connection closes and the server notices.
            before = server.disconnects()
            events = upstream.generate(MESSAGES, LONG, None)
            async with contextlib.aclosing(events):
                assert isinstance(await anext(events), JobStarted)
                for _ in range(3):
                    assert isinstance(await anext(events), TokenText)
                assert upstream.in_flight == 1
                leaving = time.monotonic()
            assert time.monotonic() - leaving < 1.0
            assert upstream.in_flight == 0 and upstream.has_free_slot
            give_up = time.monotonic() + 5.0
            while server.disconnects() == before:
                assert time.monotonic() < give_up, "the server never saw the client leave"
                await asyncio.sleep(0.05)

            # cancel(request_id) ends the job with JobDone("cancelled"), well short of LONG.
            events = upstream.generate(MESSAGES, LONG, None)
            async with contextlib.aclosing(events):
                started = await anext(events)
                assert isinstance(started, JobStarted)
                assert isinstance(await anext(events), TokenText)
                upstream.cancel(started.request_id)
                rest = [event async for event in events]
            done = rest[-1]
            assert isinstance(done, JobDone) and done.finish_reason == "cancelled"
            assert 1 <= done.completion_tokens < LONG
            assert upstream.in_flight == 0

            # The server is fine and serves the next request in full.
            assert_answer(await collect(upstream.generate(MESSAGES, 5, None)), 5)
        finally:
            await upstream.close()

    run_bounded(scenario())


def test_a_deadline_cuts_generation(server: LlamaServer) -> None:
    async def scenario() -> None:
        upstream = OpenAIUpstream(settings(server.base_url))
        try:
            asked = time.monotonic()
            events = await collect(upstream.generate(MESSAGES, LONG, asked + 0.5))
            took = time.monotonic() - asked
            done = events[-1]
            assert isinstance(done, JobDone) and done.finish_reason == "deadline", done
            assert 0 < done.completion_tokens < LONG
            assert done.completion_tokens == sum(isinstance(e, TokenText) for e in events)
            assert 0.5 <= took < 1.5
            # A deadline that has already passed: no request at all.
            events = await collect(upstream.generate(MESSAGES, 5, time.monotonic() - 1))
            done = events[-1]
            assert isinstance(done, JobDone) and done.finish_reason == "deadline"
            assert done.completion_tokens == 0 and len(events) == 2
            assert upstream.in_flight == 0
        finally:
            await upstream.close()

    run_bounded(scenario())


def test_max_concurrency_makes_jobs_wait_within_their_deadline(server: LlamaServer) -> None:
    async def scenario() -> None:
        upstream = OpenAIUpstream(settings(server.base_url, max_concurrency=1))
        try:
            first = upstream.generate(MESSAGES, LONG, None)
            async with contextlib.aclosing(first):
                assert isinstance(await anext(first), JobStarted)
                assert isinstance(await anext(first), TokenText)
                assert not upstream.has_free_slot

                # A job whose deadline passes while it waits never starts.
                asked = time.monotonic()
                with pytest.raises(QueueDeadline):
                    await anext(upstream.generate(MESSAGES, 5, asked + 0.3))
                assert 0.3 <= time.monotonic() - asked < 1.0

                # One without a deadline waits until the slot frees.
                second = asyncio.create_task(collect(upstream.generate(MESSAGES, 5, None)))
                await asyncio.sleep(0.4)
                assert not second.done()
                assert upstream.in_flight == 1
                released = time.monotonic()
            events = await second
            queued = events[0]
            assert isinstance(queued, JobStarted) and queued.queue_ms >= 400
            assert_answer(events, 5)
            assert time.monotonic() - released < 3.0
            assert upstream.in_flight == 0 and upstream.has_free_slot
        finally:
            await upstream.close()

    run_bounded(scenario())


def test_the_pool_sends_a_job_to_the_least_busy_upstream(server: LlamaServer) -> None:
    async def scenario() -> None:
        a, b = (OpenAIUpstream(settings(server.base_url, max_concurrency=1)) for _ in "ab")
        pool = UpstreamPool([a, b])
        try:
            await pool.start()
            first = pool.generate(MESSAGES, LONG, None)
            async with contextlib.aclosing(first):
                assert isinstance(await anext(first), JobStarted)
                assert isinstance(await anext(first), TokenText)
                assert (a.in_flight, b.in_flight) == (1, 0)
                # b is free: the second job starts at once instead of queueing behind a.
                second = pool.generate(MESSAGES, 5, None)
                started = await anext(second)
                assert isinstance(started, JobStarted) and started.queue_ms < 100
                assert (a.in_flight, b.in_flight) == (1, 1)
            # The server itself runs one generation at a time: b's answer follows a's end.
            async with contextlib.aclosing(second):
                events = [started] + [event async for event in second]
            assert_answer(events, 5)
            assert (a.in_flight, b.in_flight) == (0, 0)
        finally:
            await pool.close()

    run_bounded(scenario())


def test_the_pool_fails_over_from_a_dead_port(server: LlamaServer) -> None:
    async def scenario() -> None:
        dead = OpenAIUpstream(settings(f"http://127.0.0.1:{_free_port()}/v1"))
        real = OpenAIUpstream(settings(server.base_url))
        pool = UpstreamPool([dead, real])
        try:
            # Not probed yet: both are candidates, the dead one first (list order).
            events = await collect(pool.generate(MESSAGES, 6, None))
            assert_answer(events, 6)
            assert dead.healthy is False and "ConnectError" in (dead.last_error or "")
            assert dead.name in (dead.last_error or "")
            assert real.healthy is True and pool.ready
            # Known dead now: the next job goes straight to the real server.
            assert_answer(await collect(pool.generate(MESSAGES, 4, None)), 4)

            # cancel() with the pool's own request id reaches the upstream running the job.
            long_job = pool.generate(MESSAGES, LONG, None)
            async with contextlib.aclosing(long_job):
                started = await anext(long_job)
                assert isinstance(started, JobStarted)
                assert isinstance(await anext(long_job), TokenText)
                pool.cancel(started.request_id)
                rest = [event async for event in long_job]
            done = rest[-1]
            assert isinstance(done, JobDone) and done.finish_reason == "cancelled"
            assert done.request_id == started.request_id and done.completion_tokens < LONG
            assert real.in_flight == 0
        finally:
            await pool.close()

    run_bounded(scenario())


def test_garbage_fails_retryably_and_the_pool_fails_over_to_the_real_server(
    server: LlamaServer,
) -> None:
    async def scenario() -> None:
        replies = {"html": HTML, "not json": NOT_JSON, "wrong shape": WRONG_SHAPE,
                   "500": HTTP_500, "hang": None}
        async with contextlib.AsyncExitStack() as stack:
            urls = {name: await stack.enter_async_context(fake_upstream(reply))
                    for name, reply in replies.items()}
            read_timeout = 1.0
            for name, url in urls.items():
                upstream = OpenAIUpstream(settings(url, read_timeout_s=read_timeout))
                try:
                    asked = time.monotonic()
                    events = await collect(upstream.generate(MESSAGES, 5, None))
                    assert time.monotonic() - asked < read_timeout + 2.0, name
                    assert [type(e) for e in events] == [JobStarted, JobFailed], (name, events)
                    failed = events[-1]
                    assert isinstance(failed, JobFailed) and failed.retryable, name
                    assert url in failed.reason and "\n" not in failed.reason, failed.reason
                    assert upstream.healthy is False and upstream.in_flight == 0, name
                finally:
                    await upstream.close()

            # All of them pass the probe (their /models is fine) and are tried before the
            # real server (list order); the job fails over through each of them.
            fakes = [OpenAIUpstream(settings(url, read_timeout_s=read_timeout))
                     for url in urls.values()]
            real = OpenAIUpstream(settings(server.base_url))
            pool = UpstreamPool([*fakes, real])
            try:
                await pool.start()
                assert all(upstream.ready for upstream in pool.upstreams)
                events = await collect(pool.generate(MESSAGES, 6, None))
                assert_answer(events, 6)
                assert all(fake.healthy is False for fake in fakes)
                assert real.healthy is True and pool.ready
                assert all(upstream.in_flight == 0 for upstream in pool.upstreams)
            finally:
                await pool.close()

    run_bounded(scenario())


def test_a_drop_after_the_first_token_is_reported_not_failed_over(server: LlamaServer) -> None:
    async def scenario() -> None:
        async with fake_upstream(DROP) as drop_url, fake_upstream(WITH_USAGE) as usage_url:
            dropping = OpenAIUpstream(settings(drop_url))
            real = OpenAIUpstream(settings(server.base_url))
            pool = UpstreamPool([dropping, real])
            try:
                events = await collect(pool.generate(MESSAGES, 6, None))
                assert [type(e) for e in events] == [JobStarted, TokenText, TokenText, JobFailed]
                failed = events[-1]
                assert isinstance(failed, JobFailed) and failed.retryable
                assert drop_url in failed.reason
                assert dropping.healthy is False and dropping.in_flight == 0
                assert real.healthy is None  # never asked: the caller had already spoken
            finally:
                await pool.close()

            # A server that reports usage: its counts are used, not the deltas.
            upstream = OpenAIUpstream(settings(usage_url))
            try:
                events = await collect(upstream.generate(MESSAGES, 6, None))
                done = events[-1]
                assert isinstance(done, JobDone), events
                assert (done.finish_reason, done.prompt_tokens, done.completion_tokens) == (
                    "stop", 7, 2)
                assert "".join(e.text for e in events if isinstance(e, TokenText)) == " hi there"
            finally:
                await upstream.close()

    run_bounded(scenario())


def test_the_probe_notices_a_killed_server(tiny_gguf: Path, tmp_path: Path) -> None:
    async def scenario(doomed: LlamaServer) -> None:
        upstream = OpenAIUpstream(
            settings(doomed.base_url, health_interval_s=0.2, read_timeout_s=1.0)
        )
        pool = UpstreamPool([upstream])
        try:
            await pool.start()
            assert pool.ready and upstream.healthy is True
            doomed.process.kill()
            doomed.process.wait(timeout=10.0)
            give_up = time.monotonic() + 5.0
            while pool.ready:
                assert time.monotonic() < give_up, "the probe never noticed"
                await asyncio.sleep(0.05)
            assert upstream.healthy is False
            assert "probe" in (upstream.last_error or "")
            with pytest.raises(WorkerUnavailable):
                await anext(pool.generate(MESSAGES, 5, None))
        finally:
            await pool.close()

    with llama_server(tiny_gguf, tmp_path / "server.log") as doomed:
        run_bounded(scenario(doomed))
