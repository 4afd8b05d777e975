"""`tandem bench native`: every kernel and the whole front-end chain, per 10 ms frame,
compiled and numpy twin side by side in one run, pinned to one core.

Timing method: each case is called in batches of `BATCH` calls; the figure is the median
over batches of the mean time per call (robust to the other processes sharing the machine),
alternating compiled and twin batches so both see the same background load. The load
average at the start is reported with the figures.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np

from native import convert_py, frontend_py, mixer_py, resampler_py, ringbuffer_py

BATCH = 50
CHAIN_TARGET_US = 15.0
CHAIN_TARGET_RATIO = 5.0


def _impls() -> dict[str, SimpleNamespace]:
    twin = SimpleNamespace(rb=ringbuffer_py, cv=convert_py, fe=frontend_py, mx=mixer_py,
                           rs=resampler_py)
    impls = {"python": twin}
    try:
        from native import _frontend, _mixer, _resampler, _ringbuffer
    except ImportError:
        return impls
    cv: ModuleType = _ringbuffer
    impls["cython"] = SimpleNamespace(rb=_ringbuffer, cv=cv, fe=_frontend, mx=_mixer,
                                      rs=_resampler)
    return impls


def _signal(rate: int, ms: float = 10.0, seed: int = 0) -> np.ndarray:
    """Speech-like test audio: a 150 Hz harmonic series plus noise, about -20 dBFS."""
    n = int(rate * ms / 1000)
    t = np.arange(n) / rate
    rng = np.random.default_rng(seed)
    x = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 8)) * 1500
    return np.rint(x + rng.standard_normal(n) * 100).astype(np.int16)


def chain(m: SimpleNamespace) -> Callable[[], None]:
    """The whole front end for one 10 ms frame: 48 kHz capture into a ring, read it,
    resample to 16 kHz, DC-block, meter, energy VAD, endpointer, into the 16 kHz ring, and
    the pipeline's zero-copy frame out (peek + commit)."""
    cap = m.rb.RingBuffer(4800)
    ring = m.rb.RingBuffer(16_000)
    rs = m.rs.Resampler(48_000, 16_000)
    dc = m.fe.DcBlocker(16_000)
    vad = m.fe.EnergyVad(16_000)
    ep = m.fe.FrameEndpointer(2560, 6400, 48_000, 160_000)
    x48 = _signal(48_000)
    buf48 = np.zeros(480, np.int16)
    mid = np.zeros(rs.output_length(480) + 1, np.int16)
    out16 = np.zeros(len(mid), np.int16)
    decisions = np.zeros(4, np.uint8)

    def run() -> None:
        cap.write(x48)
        got = cap.read_into(buf48)
        n = rs.process_into(buf48[:got], mid)
        dc.process_into(mid[:n], out16)
        frame = out16[:n]
        m.fe.levels(frame)
        k = vad.process_into(frame, decisions)
        if ep.push(n, k > 0 and decisions[0] == 2):
            ep.begin()
        ring.write(frame)
        view = ring.peek(160)
        if view is not None:
            ring.commit(160)

    return run


def cases(m: SimpleNamespace) -> dict[str, tuple[Callable[[], Any], str]]:
    """name -> (one call, what one call processes)."""
    x16, x48 = _signal(16_000), _signal(48_000)
    x441, x2205 = _signal(44_100), _signal(22_050)
    stereo48 = np.repeat(x48, 2)
    f16 = m.cv.int16_to_float32(x16)
    ring = m.rb.RingBuffer(16_000)
    out480 = np.zeros(480, np.int16)
    rs = {pair: m.rs.Resampler(*pair) for pair in
          [(48_000, 16_000), (44_100, 16_000), (22_050, 48_000), (16_000, 48_000),
           (8_000, 16_000)]}
    x8 = _signal(8_000)
    outs = {pair: np.zeros(r.output_length(4800), np.int16) for pair, r in rs.items()}
    dc, vad = m.fe.DcBlocker(16_000), m.fe.EnergyVad(16_000)
    ep = m.fe.FrameEndpointer(2560, 6400, 48_000, 160_000)
    duck = m.mx.Ducker(48_000)
    o160 = np.zeros(160, np.int16)
    dec = np.zeros(2, np.uint8)
    mixed = np.zeros(480, np.int16)

    def ring_rw() -> None:
        ring.write(x48)
        ring.read_into(out480)

    def ring_view() -> None:
        ring.write(x16)
        if ring.peek(160) is not None:
            ring.commit(160)

    def resample(pair: tuple[int, int], x: np.ndarray) -> Callable[[], int]:
        r, out = rs[pair], outs[pair]
        return lambda: r.process_into(x, out)

    return {
        "ring write+read_into (480 samples)": (ring_rw, "10 ms at 48 kHz"),
        "ring write+peek+commit (160)": (ring_view, "10 ms at 16 kHz"),
        "int16 -> float32 (160)": (lambda: m.cv.int16_to_float32(x16), "10 ms at 16 kHz"),
        "float32 -> int16 (160)": (lambda: m.cv.float32_to_int16(f16), "10 ms at 16 kHz"),
        "downmix stereo (2 x 480)": (lambda: m.fe.downmix(stereo48, 2), "10 ms at 48 kHz"),
        "resample 48k -> 16k (480)": (resample((48_000, 16_000), x48), "10 ms"),
        "resample 44.1k -> 16k (441)": (resample((44_100, 16_000), x441), "10 ms"),
        "resample 22.05k -> 48k (220)": (resample((22_050, 48_000), x2205), "10 ms"),
        "resample 16k -> 48k (160)": (resample((16_000, 48_000), x16), "10 ms"),
        "resample 8k -> 16k (80)": (resample((8_000, 16_000), x8), "10 ms"),
        "DC blocker (160)": (lambda: dc.process_into(x16, o160), "10 ms at 16 kHz"),
        "levels rms+peak (160)": (lambda: m.fe.levels(x16), "10 ms at 16 kHz"),
        "energy+ZCR VAD (160)": (lambda: vad.process_into(x16, dec), "10 ms at 16 kHz"),
        "endpointer push": (lambda: ep.push(160, True) and ep.begin(), "one 10 ms step"),
        "ducking mixer (480)": (lambda: duck.mix_into(x48, x48, mixed, True), "10 ms at 48 kHz"),
        "WHOLE CHAIN 48k in -> 16k frame out": (chain(m), "10 ms of capture"),
    }


def _pin() -> int | None:
    """Pin this process to one core (the first it may use); returns it."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core


def run_all(seconds: float = 0.5) -> dict[str, Any]:
    core = _pin()
    impls = _impls()
    built = {name: cases(m) for name, m in impls.items()}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    rows = []
    for case in built["python"]:
        samples: dict[str, list[float]] = {name: [] for name in built}
        for fn in (built[name][case][0] for name in built):
            for _ in range(5):  # warm up caches and allocators
                fn()
        deadline = time.perf_counter() + seconds * len(built)
        while time.perf_counter() < deadline or min(len(v) for v in samples.values()) < 5:
            for name in built:  # alternate: both see the same background load
                fn = built[name][case][0]
                t0 = time.perf_counter()
                for _ in range(BATCH):
                    fn()
                samples[name].append((time.perf_counter() - t0) / BATCH * 1e6)
        row: dict[str, Any] = {"kernel": case, "per_call": built["python"][case][1]}
        for name, values in samples.items():
            row[f"{name}_us"] = round(statistics.median(values), 3)
        if "cython" in samples:
            row["ratio"] = round(row["python_us"] / row["cython_us"], 1)
        rows.append(row)
    chain_row = rows[-1]
    return {
        "pinned_core": core,
        "load_average_1min": load,
        "compiled_available": "cython" in impls,
        "batch": BATCH,
        "kernels": rows,
        "chain_target_us": CHAIN_TARGET_US,
        "chain_target_ratio": CHAIN_TARGET_RATIO,
        "chain_meets_targets": (
            "cython_us" in chain_row and chain_row["cython_us"] <= CHAIN_TARGET_US
            and chain_row["ratio"] >= CHAIN_TARGET_RATIO
        ),
    }


def format_table(results: dict[str, Any]) -> str:
    lines = [
        f"tandem bench native: median µs per call, pinned to core {results['pinned_core']}, "
        f"load average {results['load_average_1min']:.2f} at start",
        f"{'kernel':40} {'per call':>18} {'cython µs':>10} {'numpy µs':>10} {'ratio':>7}",
    ]
    for r in results["kernels"]:
        c = f"{r['cython_us']:10.2f}" if "cython_us" in r else f"{'-':>10}"
        ratio = f"{r['ratio']:6.1f}x" if "ratio" in r else f"{'-':>7}"
        lines.append(f"{r['kernel']:40} {r['per_call']:>18} {c} {r['python_us']:10.2f} {ratio}")
    if not results["compiled_available"]:
        lines.append("compiled kernels not built: run `python setup.py build_ext --inplace`")
    else:
        verdict = "meets" if results["chain_meets_targets"] else "MISSES"
        lines.append(
            f"whole chain {verdict} the targets (<= {results['chain_target_us']:.0f} µs per "
            f"10 ms frame, >= {results['chain_target_ratio']:.0f}x the numpy twin)"
        )
    return "\n".join(lines)
