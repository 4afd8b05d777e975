"""`tandem bench idle`: CPU use of the real edge daemon listening to a quiet room.

Loads the real models, feeds `seconds` of low white noise through the real pipeline at
real-time pace (the capture thread writes 10 ms chunks on the clock, as a microphone would),
and reports the process's CPU time (all threads: capture, event loop, onnxruntime) over
the wall time of the run, in percent of one core (model loading excluded), and its
resident memory with every model loaded: at the end of the run and at its peak, what each
model added when it loaded (in load order, `Engines.load`), and the end figure split into
anonymous memory (heaps, arenas, weights) and mapped files (libraries, the dictionary).
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from edge.audio.sinks import WavSink
from edge.audio.sources import recording_source
from edge.daemon import run_daemon
from edge.pipeline import Engines
from edge.settings import ActionSettings, EdgeSettings, EndpointSettings
from edge.trace import TurnRecord

RSS_TARGET_MB = 350.0


def _memory_mb() -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of this process, and from smaps_rollup its Pss, its
    USS (private pages) and its anonymous part, in MB (Linux; {} elsewhere)."""
    out: dict[str, float] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out[key] = round(int(value.split()[0]) / 1024, 1)
        with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
            kb = {p[0].rstrip(":"): int(p[1]) for p in (line.split() for line in rollup)
                  if len(p) == 3 and p[1].isdigit()}
    except OSError:
        return out
    out["Pss"] = round(kb.get("Pss", 0) / 1024, 1)
    out["Uss"] = round((kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)) / 1024, 1)
    out["Anonymous"] = round(kb.get("Anonymous", 0) / 1024, 1)
    return out


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bench_idle(seconds: float, noise_dbfs: float = -60.0, vad: str = "gated") -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        # A state directory of its own: timers that other runs left in the default one ring
        # here as announcements ("... finished while I was off"), which are no idle turns.
        settings = EdgeSettings(endpoint=EndpointSettings(vad=vad),
                                actions=ActionSettings(state_dir=Path(tmp) / "state"))
        before = _memory_mb().get("VmRSS", 0.0)
        loads: dict[str, float] = {"python_and_libraries": before}

        def loaded(name: str) -> None:
            nonlocal before
            now = _memory_mb().get("VmRSS", 0.0)
            loads[name] = round(now - before, 1)
            before = now

        engines = Engines.load(settings, loaded)
        rng = np.random.default_rng(0)
        rms = 32768.0 * 10 ** (noise_dbfs / 20)
        audio = np.rint(rng.standard_normal(int(seconds * 16_000)) * rms).astype(np.int16)
        turns: list[TurnRecord] = []
        sink = WavSink(Path(tmp) / "replies.wav")
        source = recording_source(audio, realtime=True)
        cpu0, wall0 = _cpu_s(), time.monotonic()
        pipeline = asyncio.run(run_daemon(settings, engines, source, sink, turns.append))
        cpu, wall = _cpu_s() - cpu0, time.monotonic() - wall0
    speech = pipeline.speech
    return {
        "audio_s": seconds,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 3),
        "cpu_percent_of_one_core": round(100 * cpu / wall, 2),
        "target_percent": 10.0,
        "noise_dbfs": noise_dbfs,
        "vad": vad,
        "turns": len(turns),
        "rss_mb": (memory := _memory_mb()).get("VmRSS"),
        "peak_rss_mb": memory.get("VmHWM"),
        "pss_mb": memory.get("Pss"),
        "uss_mb": memory.get("Uss"),
        "anonymous_mb": memory.get("Anonymous"),
        "rss_target_mb": RSS_TARGET_MB,
        "rss_by_load_mb": loads,
        "malloc_arena_max": os.environ.get("MALLOC_ARENA_MAX"),
        "frames": speech.energy.frames // 8 if speech else None,
        "load_average_1min": os.getloadavg()[0],
        "cpus": os.cpu_count(),
    }


def format_idle(r: dict[str, Any]) -> str:
    verdict = "meets" if r["cpu_percent_of_one_core"] < r["target_percent"] else "MISSES"
    return (
        f"tandem bench idle: {r['audio_s']:.0f} s of {r['noise_dbfs']:.0f} dBFS noise at "
        f"real-time pace, vad={r['vad']}\n"
        f"  CPU {r['cpu_s']:.2f} s over {r['wall_s']:.2f} s wall = "
        f"{r['cpu_percent_of_one_core']:.2f}% of one core ({verdict} the < "
        f"{r['target_percent']:.0f}% target); {r['turns']} false turns; load average "
        f"{r['load_average_1min']:.2f} at the end\n"
        f"  memory with every model loaded: {r['rss_mb']:.0f} MB resident at the end, "
        f"{r['peak_rss_mb']:.0f} MB at the peak ("
        f"{'meets' if r['peak_rss_mb'] <= r['rss_target_mb'] else 'MISSES'} the "
        f"<= {r['rss_target_mb']:.0f} MB target)"
        + _breakdown(r)
    )


def _breakdown(r: dict[str, Any]) -> str:
    if r.get("anonymous_mb") is None:
        return ""
    loads = ", ".join(f"{name.replace('_', ' ')} {'+' if i else ''}{mb:.0f}"
                      for i, (name, mb) in enumerate(r["rss_by_load_mb"].items()))
    arenas = r.get("malloc_arena_max")
    return (
        f"\n  end figure: {r['anonymous_mb']:.0f} MB anonymous, "
        f"{r['rss_mb'] - r['anonymous_mb']:.0f} MB mapped files; PSS {r['pss_mb']:.0f} MB, "
        f"USS {r['uss_mb']:.0f} MB; MALLOC_ARENA_MAX={arenas or 'unset'}"
        f"\n  resident MB as loaded: {loads}; the rest is the run's (threads, buffers)"
    )
