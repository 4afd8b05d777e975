"""`tandem bench duplex`: the real daemon in full duplex, its loop closed through a room.

    tandem bench duplex [--minutes 2] [--llm tiny|smollm2|offline | --cloud HOST:PORT]
                        [--aec on|off] [--wake-trials 5] [--stop-trials 5] [--out DIR] [--json]
    tandem bench duplex --reanalyse DIR     the report again from a run kept with --out DIR

The daemon runs as a child process, `tandem edge run --input - --output - --rate 16000
--output-rate 16000 --trace ...`, with its real models and its real echo canceller; the
cloud is the real `tandem cloud serve`, by default with the tiny random-weight llama of
`models.tiny_gguf` (its answers run to `max_tokens`: ~40 s of speech each, which is what a
barge-in and the false-wake exposure need; SmolLM2-135M with `--llm smollm2`). The driver
(`edge.duplex_bench.loop`) feeds it one 10 ms block at a time at real-time pace: the
microphone block is the simulated room's (`edge.audio.room`) mix of the echo of what the
daemon played and what the simulated user says (`edge.duplex_bench.script`). The tapes and
the trace then give the figures (`edge.duplex_bench.analysis`); the CPU per frame comes
from `edge.audio.echo_bench`. Targets are issue 11's (`config.TARGETS`).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from edge.audio.room import Room, RoomConfig
from edge.duplex_bench import analysis
from edge.duplex_bench.config import TARGETS, BenchConfig
from edge.duplex_bench.loop import BLOCK, RATE, LockstepLoop
from edge.duplex_bench.script import Said, Session, SessionPlan, Voice

__all__ = ["analyse", "daemon_command", "format_report", "reanalyse", "run_bench"]


class TraceLines:
    """How many turns the daemon has written to its trace so far (re-read only when the
    file grew)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._size = -1
        self._lines = 0

    def __call__(self) -> int:
        try:
            size = self.path.stat().st_size
        except OSError:
            return 0
        if size != self._size:
            self._size = size
            self._lines = self.path.read_bytes().count(b"\n")
        return self._lines


@contextlib.contextmanager
def _cloud(cfg: BenchConfig, work: Path) -> Iterator[str | None]:
    if cfg.cloud is not None or cfg.llm == "offline":
        yield cfg.cloud
        return
    from edge.local_cloud import local_cloud

    if cfg.llm == "tiny":
        from models.tiny_gguf import write_tiny_gguf

        model = write_tiny_gguf(work / "tiny.gguf")
    else:
        import models

        model = models.fetch(["smollm2_135m"])["smollm2_135m"][0]
    with local_cloud(model, timeout_s=120.0) as target:
        yield target


def daemon_command(cfg: BenchConfig, trace: Path, cloud: str | None) -> list[str]:
    where = ["--cloud", cloud, "--cloud-deadline", str(cfg.cloud_deadline_s)] if cloud \
        else ["--offline"]
    tandem = list(cfg.tandem) if cfg.tandem else [sys.executable, "-m", "app.cli"]
    return [*tandem, "edge", "run", "--input", "-", "--output", "-",
            "--rate", str(RATE), "--output-rate", str(RATE), "--aec", cfg.aec,
            "--trace", str(trace), *where]


def run_bench(cfg: BenchConfig, log: Any = sys.stderr) -> dict[str, Any]:
    plan = SessionPlan(silence_trials=cfg.silence_trials, wake_trials=cfg.wake_trials,
                       stop_trials=cfg.stop_trials, own_speech_s=60 * cfg.minutes,
                       seed=cfg.seed)
    room_cfg = cfg.room()
    load0 = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        work = cfg.out or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        work.mkdir(parents=True, exist_ok=True)
        print("bench duplex: synthesising the user's voice ...", file=log, flush=True)
        trace = work / "trace.jsonl"
        session = Session(plan, Voice(), turns=TraceLines(trace))
        with _cloud(cfg, work) as target:
            cmd = daemon_command(cfg, trace, target)
            print(f"bench duplex: {' '.join(cmd)}", file=log, flush=True)
            loop = LockstepLoop(cmd, Room(room_cfg), session, lag_blocks=cfg.lag_blocks,
                                paced=cfg.paced, stderr_path=work / "daemon.stderr",
                                env={**os.environ, "ORT_LOG_LEVEL": "ERROR"})
            result = loop.run()
        load1 = os.getloadavg()[0]
        records = [json.loads(line) for line in trace.read_text().splitlines()] \
            if trace.exists() else []
        print(f"bench duplex: {len(result.out) / RATE:.0f} s of stream in {result.wall_s:.0f} s, "
              f"{len(records)} turns; analysing ...", file=log, flush=True)
        if cfg.out is not None:  # kept before the analysis: a failing one loses no run
            from edge.audio.wavfile import write_wav

            for name in ("out", "mic", "user"):
                write_wav(work / f"{name}.wav", getattr(result, name), RATE)
            (work / "said.json").write_text(json.dumps([s.to_dict() for s in session.said],
                                                       indent=1))
            (work / "run.json").write_text(json.dumps(
                {"config": {k: str(v) if isinstance(v, Path) else v
                            for k, v in asdict(cfg).items()},
                 "void": session.void, "result": {k: v for k, v in vars(result).items()
                                                  if not isinstance(v, np.ndarray)}},
                indent=1))
        report = analyse(cfg, room_cfg, session.said, session.void, result, records)
        report["run"].update({"load_average_start": round(load0, 2),
                              "load_average_end": round(load1, 2), "cpus": os.cpu_count(),
                              "daemon_command": " ".join(cmd).replace(str(work), "OUT")})
    if cfg.cpu_seconds > 0:
        from edge.audio.echo_bench import measure_cpu

        print("bench duplex: CPU per 10 ms frame (compiled, then the twin) ...", file=log,
              flush=True)
        report["cpu"] = measure_cpu(cfg.cpu_seconds)
    return report


def analyse(cfg: BenchConfig, room_cfg: RoomConfig, said: list[Said],
            void: list[dict[str, Any]], result: Any,
            records: list[dict[str, Any]]) -> dict[str, Any]:
    """The report of one run: `result` has the tapes (`out`, `mic`, `user`) and the run's
    figures (a `LoopResult`, or the same fields read back by `reanalyse`)."""
    out, mic, user = result.out, result.mic, result.user
    trials = analysis.barge_in_trials(said, records, out)
    silence = analysis.silence_wakes(said, records, out)
    false = analysis.false_events(said, records)
    exposure = analysis.exposure_s(out, user)
    gaps = analysis.speech_gaps(out, user, records=records)
    hours = exposure / 3600
    barge: dict[str, Any] = {}
    for kind, name in (("barge_wake", "wake_word"), ("barge_stop", "stop_phrase")):
        rows = [t for t in trials if t["kind"] == kind and t["over_playback"]]
        reactions = [t["reaction_ms"] for t in rows if t["detected"] and "reaction_ms" in t]
        recog = [t["recognised_ms"] for t in rows if t["detected"]]
        barge[name] = {"trials": len(rows), "detected": sum(t["detected"] for t in rows),
                       "reaction_ms": analysis.summarize(reactions),
                       "recognised_ms": analysis.summarize(recog)}
    quiet = [s for s in silence if s["device_quiet"]]
    rate_silence = sum(s["detected"] for s in quiet) / len(quiet) if quiet else None
    w = barge["wake_word"]
    rate_playback = w["detected"] / w["trials"] if w["trials"] else None
    # the room's echo alone, for the echo-to-user level at the microphone
    lag = cfg.lag_blocks * BLOCK
    shifted = np.concatenate([np.zeros(lag, np.int16), out[: len(out) - lag]])
    echo = Room(room_cfg).echo(shifted)  # what the microphone got of the device's voice
    user_at_mic = user.astype(np.float64) * 10 ** (room_cfg.user_gain_db / 20)
    erle = analysis.erle_on_loop(out, mic, user)
    clean = erle.pop("clean")
    if room_cfg.drive > 0:
        erle["linear_speaker_erle_db"] = analysis.erle_linear_speaker(out, user, room_cfg,
                                                                      cfg.lag_blocks)
    offline = None
    if cfg.offline_wake:
        offline = analysis.wake_scores_offline({"raw_mic": mic, "aec_mic": clean}, said)
    return {
        "run": {
            "stream_s": round(len(out) / RATE, 1), "wall_s": round(result.wall_s, 1),
            "startup_s": result.startup_s, "returncode": result.returncode,
            "late_blocks": result.late_blocks, "max_late_ms": result.max_late_ms,
            "slow_answers": getattr(result, "slow_answers", None),
            "max_answer_ms": getattr(result, "max_answer_ms", None),
            "daemon_cpu_percent": None if result.daemon_cpu_s is None else
            round(100 * result.daemon_cpu_s / max(result.wall_s, 1e-9), 1),
            "turns": len(records), "notes": result.notes, "void_trials": void,
            "clipped_mic_samples": int(np.count_nonzero(np.abs(mic.astype(np.int32)) >= 32767)),
            "paced": cfg.paced, "llm": "cloud " + cfg.cloud if cfg.cloud else cfg.llm,
            "aec": cfg.aec, "seed": cfg.seed,
        },
        "room": {**asdict(room_cfg), "lag_blocks": cfg.lag_blocks,
                 "delay_seen_by_daemon_ms": cfg.delay_ms,
                 "echo_over_user_db": analysis.echo_to_user_db(echo, user_at_mic)},
        "erle": erle,
        "barge_in": barge,
        "wake": {"silence": {"trials": len(quiet), "detected": sum(s["detected"] for s in quiet),
                             "rate": rate_silence},
                 "over_playback": {"trials": w["trials"], "detected": w["detected"],
                                   "rate": rate_playback},
                 "ratio": None if not rate_silence or rate_playback is None
                 else round(rate_playback / rate_silence, 3),
                 "detector_offline": offline},
        "own_speech": {"exposure_s": round(exposure, 1),
                       "false_wakes": len(false["false_wakes"]),
                       "false_barge_ins": len(false["false_barge_ins"]),
                       "false_wakes_per_hour": round(len(false["false_wakes"]) / hours, 2)
                       if hours else None,
                       "false_barge_ins_per_hour": round(len(false["false_barge_ins"]) / hours, 2)
                       if hours else None,
                       "gaps": gaps,
                       "gaps_per_minute": round(gaps["count"] / (exposure / 60), 2)
                       if exposure else None,
                       "events": false},
        "trials": trials,
        "silence_trials": silence,
        "targets": TARGETS,
    }


def reanalyse(work: Path, offline_wake: bool = True) -> dict[str, Any]:
    """The report again from a run kept with `--out` (tapes, trace, what the user said),
    with this version of the analysis."""
    from types import SimpleNamespace

    from edge.audio.wavfile import read_wav

    saved = json.loads((work / "run.json").read_text()) if (work / "run.json").exists() \
        else None
    old = json.loads((work / "report.json").read_text()) if saved is None else None
    if saved is not None:
        conf = {k: v for k, v in saved["config"].items() if k in BenchConfig.__dataclass_fields__}
        conf["out"] = work
        conf["tandem"] = tuple(conf["tandem"]) if conf.get("tandem") else None
        cfg = BenchConfig(**{**conf, "offline_wake": offline_wake})
        fields, void = saved["result"], saved["void"]
    else:  # a run from before run.json: its report has the figures needed
        assert old is not None
        run, room = old["run"], old["room"]
        cfg = BenchConfig(aec=run["aec"], llm=run["llm"], seed=run["seed"],
                          paced=run["paced"], lag_blocks=room["lag_blocks"],
                          delay_ms=room["delay_seen_by_daemon_ms"], rt60_s=room["rt60_s"],
                          drive=room["drive"], echo_db=room["echo_gain_db"],
                          user_db=room["user_gain_db"], noise_dbfs=room["noise_dbfs"],
                          offline_wake=offline_wake, out=work)
        fields = {"returncode": run["returncode"], "wall_s": run["wall_s"],
                  "startup_s": run["startup_s"], "late_blocks": run["late_blocks"],
                  "max_late_ms": run["max_late_ms"], "notes": run["notes"],
                  "daemon_cpu_s": None if run["daemon_cpu_percent"] is None
                  else run["daemon_cpu_percent"] * run["wall_s"] / 100}
        void = run["void_trials"]
    result = SimpleNamespace(**fields, **{n: read_wav(work / f"{n}.wav")
                                          for n in ("out", "mic", "user")})
    said = [Said.from_dict(d) for d in json.loads((work / "said.json").read_text())]
    records = [json.loads(line) for line in (work / "trace.jsonl").read_text().splitlines()]
    report = analyse(cfg, cfg.room(), said, void, result, records)
    prior = old if old is not None else (json.loads((work / "report.json").read_text())
                                        if (work / "report.json").exists() else {})
    for key in ("load_average_start", "load_average_end", "cpus", "daemon_command"):
        report["run"][key] = prior.get("run", {}).get(key)
    report["cpu"] = prior.get("cpu")
    report["run"]["reanalysed"] = True
    return report


# ---- report -------------------------------------------------------------------------

def _v(x: Any, fmt: str = "{}") -> str:
    return "n/a" if x is None else fmt.format(x)


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("meets" if ok else "MISSES")


def format_report(r: dict[str, Any]) -> str:
    run, room, erle, b, w, own = (r["run"], r["room"], r["erle"], r["barge_in"], r["wake"],
                                  r["own_speech"])
    t = r["targets"]
    rows: list[tuple[str, str, str, str]] = []
    e = erle.get("erle_db")
    rows.append(("ERLE after convergence (AEC replayed on the loop)", _v(e, "{:.1f} dB"),
                 f">= {t['erle_db']:.0f} dB", _verdict(None if e is None else e >= t["erle_db"])))
    for name in ("wake_word", "stop_phrase"):
        x = b[name]
        p50, p95 = x["reaction_ms"]["p50"], x["reaction_ms"]["p95"]
        rows.append((f"barge-in reaction, {name.replace('_', ' ')} (p50 / p95, n={x['detected']}"
                     f" of {x['trials']})", f"{_v(p50, '{:.0f}')} / {_v(p95, '{:.0f}')} ms",
                     f"p95 <= {t['reaction_p95_ms']:.0f} ms",
                     _verdict(None if p95 is None else
                              p95 <= t["reaction_p95_ms"] and x["detected"] == x["trials"])))
    for name in ("wake_word", "stop_phrase"):
        x = b[name]["recognised_ms"]
        rows.append((f"  decided (trace: interruption recognised), {name.replace('_', ' ')}",
                     f"{_v(x['p50'], '{:.0f}')} / {_v(x['p95'], '{:.0f}')} ms", "", ""))
    s, p = w["silence"], w["over_playback"]
    rows.append(("wake rate in silence", f"{s['detected']}/{s['trials']}", "", ""))
    rows.append((f"wake rate over playback (--aec {run['aec']})",
                 f"{p['detected']}/{p['trials']} = {_v(w['ratio'], '{:.0%}')} of silence",
                 f">= {t['wake_over_playback_ratio']:.0%} of silence",
                 _verdict(None if w["ratio"] is None else
                          w["ratio"] >= t["wake_over_playback_ratio"])))
    mins = own["exposure_s"] / 60
    for key, label in (("false_wakes", "false wakes"), ("false_barge_ins", "false barge-ins")):
        rows.append((f"{label} over {mins:.1f} min of own speech",
                     f"{own[key]} ({_v(own[key + '_per_hour'], '{:.1f}')}/h)",
                     f"0 over >= {t['own_speech_min']:.0f} min",
                     "meets" if own[key] == 0 and mins >= t["own_speech_min"] else
                     ("0 but exposure short" if own[key] == 0 else "MISSES")))
    g = own.get("gaps")
    if g is not None:
        rows.append(("silences >= 100 ms inside own speech, nobody talking",
                     f"{g['count']} ({_v(own.get('gaps_per_minute'))}/min)",
                     "0: own voice triggers nothing", "meets" if g["count"] == 0 else "MISSES"))
    cpu = r.get("cpu") or {}
    for impl in ("cython", "python"):
        c = cpu.get(impl)
        if not c:
            continue
        if "error" in c:
            rows.append((f"front end + AEC CPU ({impl})", c["error"], "", ""))
            continue
        rows.append((f"front end + AEC per 10 ms ({c['implementation']})",
                     f"{c['frontend_aec_us']:.0f} us = {c['core_percent']:.2f} % of a core",
                     f"<= {t['frontend_core_percent']:.0f} %",
                     _verdict(c["core_percent"] <= t["frontend_core_percent"])))
    width = max(len(x[0]) for x in rows)
    wv = max(len(x[1]) for x in rows)
    wt = max(len(x[2]) for x in rows)
    lines = [
        f"tandem bench duplex: {run['stream_s']:.0f} s of stream ({run['wall_s']:.0f} s wall, "
        f"{'real-time pace' if run['paced'] else 'UNPACED'}), {run['turns']} turns, "
        f"llm {run['llm']}, --aec {run['aec']}",
        f"  room: {room['delay_seen_by_daemon_ms']:.0f} ms playback->mic ({room['delay_ms']:.0f} "
        f"acoustic + {room['lag_blocks']} blocks in flight), RT60 {room['rt60_s']} s, tanh "
        f"drive {room['drive']}, echo {room['echo_gain_db']:+.0f} dB, user "
        f"{room['user_gain_db']:+.0f} dB, noise {room['noise_dbfs']:.0f} dBFS; echo over the "
        f"user at the mic {_v(room['echo_over_user_db'], '{:+.1f}')} dB",
        "",
        f"  {'figure':{width}}  {'measured':{wv}}  {'target':{wt}}  verdict",
    ]
    lines += [f"  {a:{width}}  {v:{wv}}  {tt:{wt}}  {vd}" for a, v, tt, vd in rows]
    lines.append("")
    if erle.get("erle_per_second_db"):
        q = erle["erle_per_second_db"]
        lines.append(f"  ERLE per second of echo-only audio: p5 {q['p5']} / p50 {q['p50']} / "
                     f"p95 {q['p95']} dB over {erle['seconds']:.0f} s; the same loop with a "
                     f"linear loudspeaker (replayed): {_v(erle.get('linear_speaker_erle_db'))} dB")
        lines.append(f"  AEC stage at the end: {erle['stage']}")
    lines.append("  reaction: trigger end -> the reply's last sample before it stopped for good "
                 "(negative: it had paused before the trigger ended); decided: trigger end -> "
                 "the trace's interruption time (stream time)")
    off = w.get("detector_offline")
    if off:
        for stream, row in off.items():
            lines.append(f"  wake model alone on the {stream.replace('_', ' ')}: over playback "
                         f"{row['barge_wake']['detected']}/{row['barge_wake']['trials']}, in "
                         f"silence {row['silence_wake']['detected']}/"
                         f"{row['silence_wake']['trials']}, {row['unattributed']} fired with no "
                         "user speech")
    if g is not None:
        lines.append(f"  silences inside the device's own speech (>= 100 ms, nobody talking): "
                     f"{g['seconds']} s in all, median {_v(g['median_ms'])} ms, longest "
                     f"{_v(g['longest_ms'])} ms (a pause on suspected speech, or synthesis "
                     f"falling behind; first at {g['at_s'][:8]} s); not counted: "
                     f"{g.get('waiting_for_cloud', 0)} after the filler, waiting for a late "
                     f"cloud answer (at {g.get('waiting_at_s', [])[:8]} s)")
    if run.get("max_answer_ms") is not None:
        lines.append(f"  daemon slow to answer a block (> 20 ms) {run['slow_answers']} times, "
                     f"longest {run['max_answer_ms']} ms")
    lines.append(f"  daemon: {_v(run['daemon_cpu_percent'])} % of one core over the stream; "
                 f"model loading {run['startup_s']} s; driver late > 20 ms on "
                 f"{run['late_blocks']} blocks (max {run['max_late_ms']} ms); load average "
                 f"{run['load_average_start']} -> {run['load_average_end']} on {run['cpus']} CPUs")
    for v in run["void_trials"]:
        lines.append(f"  void trial: {v}")
    for n in run["notes"]:
        lines.append(f"  note: {n}")
    for key in ("false_wakes", "false_barge_ins"):
        for ev in own["events"][key]:
            lines.append(f"  {key[:-1].replace('_', ' ')}: {ev}")
    lines.append(f"  command: {run['daemon_command']}")
    return "\n".join(lines)
