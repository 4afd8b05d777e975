"""`tandem bench cloud` on the tiny GGUF: both real servers started and stopped by the
bench, real gRPC and HTTP streams; the report's shape and the sanity of its numbers."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from app.cli import main
from cloud.bench import BenchConfig, run_bench
from cloud.bench_clients import ANSWERED, SYSTEM_LLAMA, SYSTEM_TANDEM, RequestResult
from cloud.bench_report import Run, format_report, summarise, to_json
from cloud.bench_servers import llama_server_problem

pytest.importorskip("llama_cpp")

LEVELS = (1, 2)
REQUESTS = 4


def test_bench_runs_both_servers_alternated_and_reports_sane_numbers(
    tiny_gguf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = llama_server_problem()  # imports llama_cpp.server.app (and uvicorn)
    args = ["--concurrency", ",".join(map(str, LEVELS)), "--requests", str(REQUESTS),
            "--rounds", "1", "--max-tokens", "16", "--no-cache-phase"]
    if missing is None:
        out = tmp_path / "report.json"
        assert main(["bench", "cloud", "--model", str(tiny_gguf), *args, "--json",
                     "--out", str(out)]) == 0
        report = json.loads(capsys.readouterr().out)
        assert json.loads(out.read_text()) == report
        systems = [SYSTEM_TANDEM, SYSTEM_LLAMA]
    else:  # the Tandem half still runs, through the same code without the CLI
        config = BenchConfig(tiny_gguf, LEVELS, REQUESTS, rounds=1, max_tokens=16,
                             systems=(SYSTEM_TANDEM,))
        report = to_json(asyncio.run(run_bench(config)))
        systems = [SYSTEM_TANDEM]

    # Alternated: each level runs every system in turn, Tandem first.
    assert [(r["round"], r["concurrency"], r["system"]) for r in report["order"]] == [
        (0, level, system) for level in LEVELS for system in systems]
    assert [r["index"] for r in report["order"]] == list(range(len(report["order"])))

    levels = {(s["system"], s["concurrency"]): s for s in report["levels"]}
    assert set(levels) == {(system, level) for system in systems for level in LEVELS}
    for (system, level), s in levels.items():
        where = f"{system} @{level}"
        assert s["requests"] == REQUESTS, where
        # Every request answered or counted as refused; the tiny model makes no errors.
        assert s["answered"] + s["refused"] == REQUESTS and s["errors"] == 0, (where, s)
        assert sum(s["failures"].values()) == s["refused"], where
        assert s["answered"] > 0, where
        for key in ("ttft_ms", "first_sentence_ms"):
            assert 0 < s[key]["p50"] <= s[key]["p99"], (where, key, s[key])
        assert s["ttft_ms"]["p50"] <= s["first_sentence_ms"]["p99"], where
        assert s["stream_tokens_per_s"] > 0 and s["aggregate_tokens_per_s"] > 0, where

    for run in report["runs"]:
        assert len(run["results"]) == REQUESTS and run["wall_s"] > 0
        for result in run["results"]:
            if result["outcome"] == ANSWERED:
                assert 0 < result["completion_tokens"] <= 16, result
                assert result["first_sentence"], result
                assert result["first_sentence_ms"] <= result["total_ms"], result
    # Each conversation asks the same questions of either system.
    prompts = {(r["system"], r["concurrency"]): [x["prompt"] for x in r["results"]]
               for r in report["runs"]}
    for level in LEVELS:
        assert len({tuple(prompts[(system, level)]) for system in systems}) == 1

    assert report["scaling"] is None  # needs levels 1 and 4
    if missing is None:
        assert isinstance(report["ahead_of_llama_cpp_server"]["everywhere"], bool)
    else:
        pytest.skip(f"the llama_cpp.server half was not run: {missing}")


def test_missing_model_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "absent.gguf"
    assert main(["bench", "cloud", "--model", str(missing), "--concurrency", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "model file not found" in err[0] and str(missing) in err[0]


def test_missing_server_extras_name_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now fails
    problem = llama_server_problem()
    assert problem is not None and "uvicorn" in problem
    assert "pip install 'llama-cpp-python[server]" in problem


def _result(first_sentence_ms: float, outcome: str = ANSWERED) -> RequestResult:
    return RequestResult(0, 1, "why is the sky blue", outcome, total_ms=first_sentence_ms * 2,
                         ttft_ms=first_sentence_ms / 2, first_sentence_ms=first_sentence_ms,
                         first_sentence="Because.", completion_tokens=10)


def test_verdicts_from_first_sentence_p50s(tmp_path: Path) -> None:
    config = BenchConfig(tmp_path / "m.gguf", concurrency=(1, 4), requests=2, rounds=1)
    timings: dict[tuple[str, int], list[RequestResult]] = {
        (SYSTEM_TANDEM, 1): [_result(100), _result(100)],
        (SYSTEM_LLAMA, 1): [_result(150), _result(150)],
        (SYSTEM_TANDEM, 4): [_result(140), _result(140)],
        (SYSTEM_LLAMA, 4): [_result(130), _result(130)],
    }
    runs = [Run(i, 0, level, system, 1.0, tuple(timings[(system, level)]))
            for i, (system, level) in enumerate(timings)]
    report = summarise(config, "0.0", runs)
    assert report.scaling is not None and report.scaling.ratio == pytest.approx(1.4)
    assert report.scaling.met
    assert report.comparison is not None and report.comparison.behind_at == (4,)
    text = format_report(report)
    assert "1.40x (target <= 1.5x): PASS" in text
    assert "NO (behind at 4 concurrent)" in text


@pytest.mark.slow
def test_the_cache_phase_counts_hits_on_real_answers() -> None:
    """SmolLM2 (it ends its answers, so they are stored) and the real MiniLM: the first
    held-out pairs, asked a then b."""
    import models
    from cloud.bench_cache import cache_phase, format_cache
    from cloud.bench_servers import ServerOptions

    try:
        model = models.resolve("smollm2_135m")[0]
        models.resolve("minilm_int8")
    except models.ModelError as exc:
        pytest.skip(f"{exc}")
    report = asyncio.run(cache_phase(ServerOptions(model, 2048, 2), 256, 60.0, limit=4))
    assert (report.pairs, report.same) == (4, 4)  # (the first held-out pairs are alike)
    assert report.hits >= 1 and report.false_hits == 0
    assert report.first_chunk_hit_ms is not None and report.first_chunk_model_ms is not None
    assert report.first_chunk_hit_ms < report.first_chunk_model_ms
    assert f"hits {report.hits}/4" in format_cache(report)

