"""The answer cache's part of `tandem bench cloud`: hit rate and what a hit saves.

`cloud serve` runs with its answer cache on (the comparison with llama_cpp.server runs
without it) and gets the held-out question pairs of tests/data/answer_cache_pairs.json,
written after the cache's threshold was chosen: for each pair, question a (a miss: the
model answers and the answer is stored), then question b from another device. A hit on a
pair whose answers are interchangeable is what the cache is for; a hit on one whose are not
(an opposite, another place, another date) is a wrong answer spoken. Also timed: the first
chunk of a hit against the first chunk of the model's answers in the same run.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import grpc

from cloud.answer_cache import load_pairs
from cloud.bench_clients import Ask, RequestResult, TandemClient
from cloud.bench_servers import ServerOptions, tandem_server
from cloud.service import FINISH_CACHE

SPLIT = "heldout"


@dataclass(frozen=True)
class CacheReport:
    pairs: int
    same: int  # pairs whose answers are interchangeable
    hits: int  # b answered from the cache, a pair that is the same
    false_hits: int  # ... a pair that is not
    first_chunk_hit_ms: float | None  # p50
    first_chunk_model_ms: float | None  # p50 over the answers the model made

    @property
    def hit_rate(self) -> float:
        return self.hits / self.same if self.same else 0.0


async def cache_phase(options: ServerOptions, max_tokens: int, timeout_s: float,
                      limit: int | None = None) -> CacheReport:
    """`max_tokens`: room for whole answers (only a whole answer is stored); `limit`: the
    first pairs only."""
    pairs = load_pairs(SPLIT)[:limit]
    results: list[tuple[bool, RequestResult, RequestResult]] = []
    async with tandem_server(options, answer_cache=True) as target, \
            grpc.aio.insecure_channel(target) as channel:
        client = TandemClient(channel, max_tokens, timeout_s)
        for i, (a, b, same) in enumerate(pairs):
            first = await client.ask(Ask(i, 1, a, device_id=f"cache-{i}-a"))
            second = await client.ask(Ask(i, 2, b, device_id=f"cache-{i}-b"))
            results.append((same, first, second))
    hit = [(same, r) for same, _, r in results if r.finish_reason == FINISH_CACHE]
    model = [r for _, a, b in results for r in (a, b)
             if r.finish_reason not in (None, FINISH_CACHE)]
    return CacheReport(
        len(pairs), sum(same for same, _, _ in results),
        sum(same for same, _ in hit), sum(not same for same, _ in hit),
        _median([r.first_sentence_ms for _, r in hit]),
        _median([r.first_sentence_ms for r in model]))


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def format_cache(report: CacheReport) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f} ms"

    return (f"answer cache ({report.pairs} held-out question pairs, {report.same} with "
            f"interchangeable answers; cache on): hits {report.hits}/{report.same} "
            f"({100 * report.hit_rate:.0f} %), false hits {report.false_hits}; first chunk "
            f"p50 {ms(report.first_chunk_hit_ms)} from the cache vs "
            f"{ms(report.first_chunk_model_ms)} from the model")
