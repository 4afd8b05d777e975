"""The answer cache in the Conversation service: a general question asked again in other
words is answered from the cache (no model, no queue); a time-sensitive one always goes to
the model; a personal one is cached for its user only. Real server, worker and SmolLM2
(it ends its answers by itself, which a random-weight model rarely does), real MiniLM."""

from __future__ import annotations

from pathlib import Path

import pytest
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

import models
from cloud.testing import connected_server, run_bounded

pytest.importorskip("llama_cpp")
pytestmark = pytest.mark.slow


def test_a_question_asked_again_is_answered_from_the_cache() -> None:
    from cloud.answer_cache import AnswerCache
    from cloud.embeddings import Embedder

    try:
        model = models.resolve("smollm2_135m")[0]
        cache = AnswerCache(Embedder())
    except models.ModelError as exc:
        pytest.skip(f"{exc}")

    async def scenario() -> dict[str, list[pb.ConverseResponse]]:
        async with connected_server(Path(model), cache=cache, temperature=0.0,
                                    n_threads=2) as (_, channel):
            stub = pb_grpc.ConversationStub(channel)

            async def ask(text: str, user: str = "") -> list[pb.ConverseResponse]:
                request = pb.ConverseRequest(device_id="dev-a", session_id="s1",
                                             transcript=text, user_id=user, max_tokens=200)
                return [r async for r in stub.Converse(request, timeout=60)]

            return {
                "first": await ask("Why is the sky blue?"),
                "again": await ask("why's the sky blue"),
                "time": await ask("What time is it?"),
                "time again": await ask("what time is it"),
                "mine": await ask("What is my favourite colour?", "alice"),
                "mine again": await ask("what's my favourite colour", "alice"),
                "someone else's": await ask("what's my favourite colour", "bob"),
            }

    answers = run_bounded(scenario(), limit_s=180)

    def finish(key: str) -> str:
        return answers[key][-1].final.finish_reason

    def said(key: str) -> list[str]:
        return [r.chunk.text for r in answers[key] if r.WhichOneof("kind") == "chunk"]

    assert finish("first") == "stop", said("first")  # a whole answer: cached
    assert finish("again") == "cache" and said("again") == said("first")
    assert finish("time again") != "cache"  # time-sensitive: never from the cache
    assert finish("mine") == "stop"
    assert finish("mine again") == "cache" and said("mine again") == said("mine")
    assert finish("someone else's") != "cache"  # another user's answer is theirs
    stats = cache.stats()
    assert stats.hits == 2 and stats.lookups >= 6
