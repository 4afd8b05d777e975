"""The two clients of `tandem bench cloud`: one question each, timed on the caller's side.

Both report the same things for a request: when the first sentence was ready to speak
(Tandem: its first TextChunk; llama_cpp.server: the first chunk `SentenceSplitter`, set up
as Tandem's service sets it up, cuts from the streamed text: a sentence, or a first clause
of `first_clause_words` words), the completion tokens, the whole wall time, and why it was
refused or failed. Time to first token: llama_cpp.server streams
tokens, so it is taken when the first one arrives here; Tandem streams sentences, so its
own measure is used (Final.timings.first_token_ms, from the call's arrival).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

import grpc
import httpx2
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from cloud.sentences import SentenceSplitter
from cloud.settings import DEFAULT_SYSTEM_PROMPT

SYSTEM_TANDEM = "tandem"
SYSTEM_LLAMA = "llama_cpp.server"

# What became of a request.
ANSWERED = "answered"
REFUSED = "refused"  # the server declined to take the request (overload, not serving)
FAILED = "error"  # anything else: timeout, broken stream, server error

# Sampling as Tandem's worker gets it (llama-cpp-python's create_chat_completion
# defaults); llama_cpp.server's own request defaults differ (repeat_penalty 1.1).
SAMPLING: dict[str, float | int] = {"top_p": 0.95, "top_k": 40, "min_p": 0.05,
                                    "repeat_penalty": 1.0}

_REFUSING_STATUSES = (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.UNAVAILABLE)
_REFUSING_HTTP = (429, 503)


@dataclass(frozen=True)
class Ask:
    """One question of one conversation."""

    conversation: int
    turn: int
    prompt: str
    device_id: str


@dataclass(frozen=True)
class RequestResult:
    conversation: int
    turn: int
    prompt: str
    outcome: str  # ANSWERED, REFUSED or FAILED
    total_ms: float
    kind: str | None = None  # why not answered: "grpc:RESOURCE_EXHAUSTED", "http:503", ...
    ttft_ms: float | None = None
    first_sentence_ms: float | None = None
    first_sentence: str | None = None
    completion_tokens: int = 0
    finish_reason: str | None = None

    @property
    def tokens_per_s(self) -> float | None:
        """This answer's completion tokens over its whole wall time (send to end)."""
        if self.outcome != ANSWERED or self.completion_tokens == 0 or self.total_ms <= 0:
            return None
        return self.completion_tokens / (self.total_ms / 1000.0)


class Client(Protocol):
    async def ask(self, ask: Ask) -> RequestResult: ...


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


class TandemClient:
    """Converse calls over one insecure channel; each request is its own device."""

    def __init__(self, channel: grpc.aio.Channel, max_tokens: int, timeout_s: float) -> None:
        self._stub = pb_grpc.ConversationStub(channel)
        self._max_tokens = max_tokens
        self._timeout_s = timeout_s

    async def ask(self, ask: Ask) -> RequestResult:
        request = pb.ConverseRequest(
            device_id=ask.device_id, session_id=f"bench-{ask.conversation}", turn_id=ask.turn,
            transcript=ask.prompt, max_tokens=self._max_tokens)
        start = time.perf_counter()
        first_ms: float | None = None
        first: str | None = None

        def ended(outcome: str, kind: str) -> RequestResult:
            return RequestResult(ask.conversation, ask.turn, ask.prompt, outcome,
                                 _ms_since(start), kind, None, first_ms, first)

        try:
            async for response in self._stub.Converse(request, timeout=self._timeout_s):
                which = response.WhichOneof("kind")
                if which == "chunk" and first_ms is None:
                    first_ms, first = _ms_since(start), response.chunk.text
                elif which == "final":
                    final = response.final
                    tokens = final.usage.completion_tokens
                    return RequestResult(
                        ask.conversation, ask.turn, ask.prompt, ANSWERED, _ms_since(start),
                        ttft_ms=final.timings.first_token_ms if tokens else None,
                        first_sentence_ms=first_ms, first_sentence=first,
                        completion_tokens=tokens, finish_reason=final.finish_reason)
                elif which == "error":
                    code = response.error.code
                    return ended(REFUSED if code == pb.Error.CODE_OVERLOADED else FAILED,
                                 f"error:{pb.Error.Code.Name(code)}")
        except grpc.aio.AioRpcError as exc:
            status = exc.code()
            if status == grpc.StatusCode.DEADLINE_EXCEEDED:
                return ended(FAILED, "timeout")
            return ended(REFUSED if status in _REFUSING_STATUSES else FAILED,
                         f"grpc:{status.name}")
        return ended(FAILED, "no-final")


class LlamaServerClient:
    """Streamed /v1/chat/completions with Tandem's system prompt and sampling."""

    def __init__(self, http: httpx2.AsyncClient, max_tokens: int, temperature: float,
                 timeout_s: float, first_clause_words: int | None) -> None:
        self._http = http
        self._first_clause_words = first_clause_words
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._timeout_s = timeout_s

    def _body(self, prompt: str) -> dict[str, Any]:
        return {
            "messages": [{"role": "system", "content": DEFAULT_SYSTEM_PROMPT},
                         {"role": "user", "content": prompt}],
            "max_tokens": self._max_tokens, "temperature": self._temperature,
            "stream": True, **SAMPLING,
        }

    async def ask(self, ask: Ask) -> RequestResult:
        start = time.perf_counter()
        stream = _SentenceStream(start, SentenceSplitter(self._first_clause_words))

        def ended(outcome: str, kind: str) -> RequestResult:
            return RequestResult(ask.conversation, ask.turn, ask.prompt, outcome,
                                 _ms_since(start), kind, stream.ttft_ms,
                                 stream.first_sentence_ms, stream.first_sentence,
                                 stream.tokens)

        try:
            async with (
                asyncio.timeout(self._timeout_s),
                self._http.stream("POST", "/v1/chat/completions",
                                  json=self._body(ask.prompt)) as response,
            ):
                if response.status_code != 200:
                    await response.aread()
                    status = response.status_code
                    return ended(REFUSED if status in _REFUSING_HTTP else FAILED,
                                 f"http:{status}")
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue  # blank separators and ": ping" comments
                    data = line[len("data:"):].strip()
                    if data == "[DONE]":
                        break
                    stream.feed(json.loads(data)["choices"][0])
        except TimeoutError:
            return ended(FAILED, "timeout")
        except httpx2.TransportError as exc:
            return ended(FAILED, f"connection:{type(exc).__name__}")
        except (ValueError, KeyError, IndexError):
            return ended(FAILED, "bad-stream")
        if stream.finish_reason is None:  # e.g. cut short by another request (interrupt)
            return ended(FAILED, "interrupted")
        return RequestResult(ask.conversation, ask.turn, ask.prompt, ANSWERED, _ms_since(start),
                             None, stream.ttft_ms, stream.first_sentence_ms,
                             stream.first_sentence, stream.tokens, stream.finish_reason)


class _SentenceStream:
    """Streamed chat deltas in; first token, first sentence and token count out. The text
    left at the finish is a sentence too, as Tandem's service flushes it then."""

    def __init__(self, start: float, splitter: SentenceSplitter) -> None:
        self._start = start
        self._splitter = splitter
        self.tokens = 0  # one content delta per token (llama-cpp-python streams so)
        self.ttft_ms: float | None = None
        self.first_sentence_ms: float | None = None
        self.first_sentence: str | None = None
        self.finish_reason: str | None = None

    def feed(self, choice: dict[str, Any]) -> None:
        text = choice["delta"].get("content")
        if text:
            self.tokens += 1
            if self.ttft_ms is None:
                self.ttft_ms = _ms_since(self._start)
            self._sentences(self._splitter.push(text))
        if choice.get("finish_reason"):
            self.finish_reason = str(choice["finish_reason"])
            rest = self._splitter.flush()
            self._sentences([rest] if rest is not None else [])

    def _sentences(self, sentences: list[str]) -> None:
        if sentences and self.first_sentence_ms is None:
            self.first_sentence_ms = _ms_since(self._start)
            self.first_sentence = sentences[0]
