"""`tandem bench cloud`'s numbers: per system and concurrency level, over all rounds, and
the two verdicts (Tandem's first sentence at 4 concurrent vs 1; ahead of llama_cpp.server
at every level). Pure: runs in, report out."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from cloud.bench_clients import (
    ANSWERED,
    FAILED,
    REFUSED,
    SYSTEM_LLAMA,
    SYSTEM_TANDEM,
    RequestResult,
)

if TYPE_CHECKING:
    from cloud.bench import BenchConfig

SCALING_TARGET = 1.5  # Tandem's first-sentence p50 at 4 concurrent over 1 concurrent
SCALING_LEVELS = (1, 4)
# `cloud serve` settings worth keeping with the numbers (its defaults; None if gone).
TANDEM_SHOWN = ("max_pending", "n_parallel", "prefill_chunk", "first_clause_words")


@dataclass(frozen=True)
class Run:
    """One system at one concurrency level in one round: its closed-loop conversations."""

    index: int  # position in the alternated order
    round: int
    concurrency: int
    system: str
    wall_s: float
    results: tuple[RequestResult, ...]


@dataclass(frozen=True)
class Spread:
    p50: float
    p99: float


@dataclass(frozen=True)
class LevelStats:
    system: str
    concurrency: int
    requests: int
    answered: int
    refused: int
    errors: int
    failures: tuple[tuple[str, int], ...]  # (kind, count), most frequent first
    ttft_ms: Spread | None
    first_sentence_ms: Spread | None
    stream_tokens_per_s: float | None  # p50 over answers of their own tokens / wall time
    aggregate_tokens_per_s: float  # all completion tokens / all runs' wall time


@dataclass(frozen=True)
class Scaling:
    """Tandem's first-sentence p50 at 4 concurrent over 1 concurrent."""

    ratio: float
    target: float = SCALING_TARGET

    @property
    def met(self) -> bool:
        return self.ratio <= self.target


@dataclass(frozen=True)
class Comparison:
    """Ahead at a level: a lower first-sentence p50 and no fewer requests answered."""

    behind_at: tuple[int, ...]

    @property
    def ahead_everywhere(self) -> bool:
        return not self.behind_at


@dataclass(frozen=True)
class BenchReport:
    config: BenchConfig
    llama_cpp_version: str
    runs: tuple[Run, ...]
    stats: tuple[LevelStats, ...]
    scaling: Scaling | None  # None without levels 1 and 4 (or no first sentences there)
    comparison: Comparison | None  # None unless both systems ran

    def level(self, system: str, concurrency: int) -> LevelStats | None:
        return next((s for s in self.stats
                     if s.system == system and s.concurrency == concurrency), None)


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _spread(values: list[float]) -> Spread | None:
    return Spread(percentile(values, 0.5), percentile(values, 0.99)) if values else None


def level_stats(system: str, concurrency: int, runs: list[Run]) -> LevelStats:
    results = [r for run in runs for r in run.results]
    answered = [r for r in results if r.outcome == ANSWERED]
    rates = [rate for r in answered if (rate := r.tokens_per_s) is not None]
    wall_s = sum(run.wall_s for run in runs)
    return LevelStats(
        system=system, concurrency=concurrency, requests=len(results),
        answered=len(answered),
        refused=sum(r.outcome == REFUSED for r in results),
        errors=sum(r.outcome == FAILED for r in results),
        failures=tuple(Counter(r.kind or "?" for r in results
                               if r.outcome != ANSWERED).most_common()),
        ttft_ms=_spread([r.ttft_ms for r in answered if r.ttft_ms is not None]),
        first_sentence_ms=_spread([r.first_sentence_ms for r in answered
                                   if r.first_sentence_ms is not None]),
        stream_tokens_per_s=percentile(rates, 0.5) if rates else None,
        aggregate_tokens_per_s=(sum(r.completion_tokens for r in answered) / wall_s
                                if wall_s > 0 else 0.0),
    )


def summarise(config: BenchConfig, llama_cpp_version: str, runs: list[Run]) -> BenchReport:
    stats = tuple(
        level_stats(system, level, [r for r in runs
                                    if r.system == system and r.concurrency == level])
        for system in config.systems for level in config.concurrency)
    report = BenchReport(config, llama_cpp_version, tuple(runs), stats, None, None)
    return BenchReport(config, llama_cpp_version, tuple(runs), stats,
                       _scaling(report), _comparison(report))


def _scaling(report: BenchReport) -> Scaling | None:
    one, four = (report.level(SYSTEM_TANDEM, n) for n in SCALING_LEVELS)
    if one is None or four is None or one.first_sentence_ms is None \
            or four.first_sentence_ms is None or one.first_sentence_ms.p50 <= 0:
        return None
    return Scaling(four.first_sentence_ms.p50 / one.first_sentence_ms.p50)


def _comparison(report: BenchReport) -> Comparison | None:
    if not {SYSTEM_TANDEM, SYSTEM_LLAMA} <= set(report.config.systems):
        return None
    behind = []
    for level in report.config.concurrency:
        ours, theirs = report.level(SYSTEM_TANDEM, level), report.level(SYSTEM_LLAMA, level)
        assert ours is not None and theirs is not None
        if not _ahead(ours, theirs):
            behind.append(level)
    return Comparison(tuple(behind))


def _ahead(ours: LevelStats, theirs: LevelStats) -> bool:
    if ours.first_sentence_ms is None or ours.answered < theirs.answered:
        return False
    return (theirs.first_sentence_ms is None
            or ours.first_sentence_ms.p50 < theirs.first_sentence_ms.p50)


def to_json(report: BenchReport) -> dict[str, Any]:
    config = asdict(report.config)
    config["model"] = str(report.config.model)
    tandem = report.config.tandem_settings()
    config["temperature"] = tandem.temperature
    config["tandem_server"] = {name: getattr(tandem, name, None) for name in TANDEM_SHOWN}
    return {
        "config": config,
        "llama_cpp_python": report.llama_cpp_version,
        "order": [{"index": r.index, "round": r.round, "concurrency": r.concurrency,
                   "system": r.system} for r in report.runs],
        "levels": [{**asdict(s), "failures": dict(s.failures)} for s in report.stats],
        "scaling": None if report.scaling is None else {
            "levels": list(SCALING_LEVELS), "ratio": round(report.scaling.ratio, 3),
            "target": report.scaling.target, "met": report.scaling.met},
        "ahead_of_llama_cpp_server": None if report.comparison is None else {
            "everywhere": report.comparison.ahead_everywhere,
            "behind_at": list(report.comparison.behind_at)},
        "runs": [{"index": r.index, "round": r.round, "concurrency": r.concurrency,
                  "system": r.system, "wall_s": round(r.wall_s, 3),
                  "results": [asdict(x) for x in r.results]} for r in report.runs],
    }


def _ms(spread: Spread | None) -> str:
    return "-" if spread is None else f"{spread.p50:.0f} / {spread.p99:.0f}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def format_report(report: BenchReport) -> str:
    cfg = report.config
    order = ", ".join(dict.fromkeys(r.system for r in report.runs))
    lines = [
        f"tandem bench cloud: {cfg.model.name}, llama-cpp-python {report.llama_cpp_version}",
        f"  closed-loop conversations, ~{cfg.requests} requests per run, {cfg.rounds} round(s) "
        f"alternated ({order}, ...); max_tokens {cfg.max_tokens}, temperature "
        f"{cfg.temperature}, n_ctx {cfg.n_ctx}, {cfg.threads} threads each",
        "  first sentence: Tandem's first TextChunk; for llama_cpp.server the first chunk the "
        f"same SentenceSplitter cuts from its stream ({_first_chunk(cfg)})",
        "",
        f"{'system':<17} {'conc':>4} {'answered':>9} {'refused':>7} {'errors':>6}  "
        f"{'TTFT ms p50 / p99':>17}  {'1st sentence p50 / p99':>22}  "
        f"{'tok/s stream':>12} {'aggregate':>9}",
    ]
    for s in sorted(report.stats, key=lambda s: s.concurrency):  # the systems side by side
        lines.append(
            f"{s.system:<17} {s.concurrency:>4} {f'{s.answered}/{s.requests}':>9} "
            f"{s.refused:>7} {s.errors:>6}  {_ms(s.ttft_ms):>17}  "
            f"{_ms(s.first_sentence_ms):>22}  {_rate(s.stream_tokens_per_s):>12} "
            f"{_rate(s.aggregate_tokens_per_s):>9}")
    failures = [f"{s.system} @{s.concurrency}: "
                + ", ".join(f"{kind} x{count}" for kind, count in s.failures)
                for s in report.stats if s.failures]
    lines += ["", "refusals/errors by kind: " + ("; ".join(failures) if failures else "none"),
              "TTFT: llama_cpp.server at its first streamed token (client side); Tandem streams "
              "sentences, so its own Final.timings.first_token_ms",
              "tok/s stream: p50 of each answer's tokens over its wall time; aggregate: all "
              "tokens over the runs' wall time", ""]
    lines.append(_scaling_line(report.scaling))
    if report.comparison is not None:
        verdict = ("YES" if report.comparison.ahead_everywhere else "NO (behind at "
                   + ", ".join(str(n) for n in report.comparison.behind_at) + " concurrent)")
        lines.append("Tandem ahead of llama_cpp.server at every level (lower first-sentence "
                     f"p50, no fewer answered): {verdict}")
    return "\n".join(lines)


def _first_chunk(config: BenchConfig) -> str:
    words = config.tandem_settings().first_clause_words
    return ("a whole sentence" if words is None
            else f"a clause of >= {words} words or a whole sentence, as Tandem's service")


def _scaling_line(scaling: Scaling | None) -> str:
    head = (f"Tandem first-sentence p50, {SCALING_LEVELS[1]} concurrent / "
            f"{SCALING_LEVELS[0]} concurrent")
    if scaling is None:
        return f"{head}: n/a (needs --concurrency with 1 and 4, and answers at both)"
    verdict = "PASS" if scaling.met else "FAIL"
    return f"{head}: {scaling.ratio:.2f}x (target <= {scaling.target}x): {verdict}"
