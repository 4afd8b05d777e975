"""Echo-cancellation figures for `tandem bench duplex`: ERLE, convergence, the user's voice
in double talk, delay accuracy, and CPU per 10 ms frame (compiled kernels and numpy twin).

Scenario (``measure_aec``): the device speaks the whole time through a simulated
:class:`~edge.audio.room.Room`; the user is silent for the first ``user_at_s`` seconds
(convergence, then ERLE over the echo-only audio after ``settle_s``) and then talks over the
playback (double talk). The loop is the real one in lockstep: per 10 ms slot,
``stage.playback(block)`` then ``stage.capture(mic)``.

* ERLE: ``10 log10(P(mic) / P(out))`` over the echo-only seconds after ``settle_s``, where
  the reference plays (the room's noise is in both; the suppressor removes some of it);
  ``erle_running_db`` is the stage's own running estimate just before the user talks.
* convergence: end of the first 0.5 s window whose ERLE reaches 10 dB.
* double talk: the output (latency removed) against the clean user signal over the user's
  speech: correlation, and level difference in dB.

Delay (``measure_delay``): the estimate the stage settles on for several room delays.
Drift (``measure_drift``): ERLE with the playback clock off by some ppm, with the stage's
drift compensation and without it.

CPU (``measure_cpu``): the real front end per 10 ms of 48 kHz capture (``CaptureChain``
into the ring, a 16 kHz frame out, levels + energy VAD) with and without the echo stage
(reference resampled from 48 kHz), median over batches, each implementation in its own
process (``TANDEM_NATIVE`` is chosen once per process), pinned to one core.

Run ``python -m edge.audio.echo_bench [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from edge.audio.echo import EchoStage
from edge.audio.room import Room, RoomConfig
from edge.audio.signals import espeak, speech_like

__all__ = [
    "device_speech", "measure_aec", "measure_cpu", "measure_delay", "measure_drift",
    "user_speech",
]

RATE = 16_000
SLOT = 160  # 10 ms

DEVICE_TEXT = (
    "Here is the weather for today. Mostly sunny in the morning, with clouds building "
    "in the afternoon and a light breeze from the west. Tomorrow brings rain after lunch, "
    "so take an umbrella if you go out. I have also set a timer for ten minutes, and the "
    "kitchen lights are on. Would you like me to read your calendar for the week?"
)
# synthetic voices: a lower device voice and a higher user voice (no shared harmonics)
DEVICE_PITCH, USER_PITCH = (90.0, 150.0), (170.0, 280.0)
USER_TEXT = "Hey jarvis, stop. Turn off the kitchen lights and tell me the time."


def _loop(speech: np.ndarray, seconds: float) -> np.ndarray:
    reps = int(np.ceil(seconds * RATE / max(1, len(speech))))
    return np.tile(speech, reps)[: int(seconds * RATE)]


def device_speech(seconds: float, real: bool = True, seed: int = 0) -> np.ndarray:
    """What the device says: espeak-ng speech if installed and `real`, else speech_like."""
    x = espeak(DEVICE_TEXT) if real else None
    if x is not None:
        return _loop(x, seconds)
    return speech_like(seconds, seed=seed, pitch_hz=DEVICE_PITCH)


def user_speech(real: bool = True, seed: int = 1) -> np.ndarray:
    """The user's words (another voice), or speech_like with another seed."""
    x = espeak(USER_TEXT, voice="en+f3") if real else None
    return x if x is not None else speech_like(4.0, seed=seed, pitch_hz=USER_PITCH)


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, dtype=np.float64) ** 2) + 1e-9))


def measure_aec(
    reference: np.ndarray,
    user: np.ndarray,
    room: RoomConfig | None = None,
    user_at_s: float = 10.0,
    settle_s: float = 5.0,
    stage: EchoStage | None = None,
) -> dict[str, Any]:
    """Run the scenario of the module docstring; figures as a dict (dB, s, ms)."""
    room = room or RoomConfig()
    n = len(reference)
    u0 = int(user_at_s * RATE)
    if not settle_s < user_at_s or u0 + len(user) > n:
        raise ValueError("measure_aec: need settle_s < user_at_s and the user inside the reference")
    near = np.zeros(n, np.int16)
    near[u0 : u0 + len(user)] = user
    sim = Room(room)
    st = stage or EchoStage(rate=RATE)
    mic = np.zeros(n, np.int16)
    out = np.zeros(n, np.int16)
    running = None  # the stage's own ERLE estimate when the user starts talking
    for i in range(0, n, SLOT):
        if i == u0 // SLOT * SLOT:
            running = st.erle_db
        block = reference[i : i + SLOT]
        mic[i : i + SLOT] = sim.process(block, near[i : i + SLOT])
        st.playback(block)
        out[i : i + SLOT] = st.capture(mic[i : i + SLOT])
    lat = st.latency_samples
    if stage is None:
        st.close()
    y = np.concatenate([out[lat:], np.zeros(lat, np.int16)])  # output realigned with input
    # ERLE and convergence on echo-only audio, where the reference plays
    active = _active_blocks(reference)
    s0, s1 = int(settle_s * RATE) // SLOT, u0 // SLOT
    sel = np.flatnonzero(active[s0:s1]) + s0
    erle = _erle(mic, y, sel)
    converged = None
    win = RATE // 2 // SLOT
    for b in range(0, s1 - win + 1, win // 5):  # 0.5 s windows, 0.1 s apart
        w = np.flatnonzero(active[b : b + win]) + b
        if len(w) >= win // 2 and _erle(mic, y, w) >= 10.0:
            converged = (b + win) * SLOT / RATE
            break
    seg = slice(u0, u0 + len(user))
    clean = user.astype(np.float64) * 10 ** (room.user_gain_db / 20)
    got = y[seg].astype(np.float64)
    corr = float(np.corrcoef(got, clean)[0, 1])
    return {
        "room": asdict(room),
        "erle_db": round(erle, 1),
        "erle_running_db": None if running is None else round(running, 1),
        "converged_10db_s": converged,
        "double_talk_corr": round(corr, 3),
        "double_talk_level_db": round(_db(got) - _db(clean), 2),
        "echo_to_user_db": round(_db(mic[seg] - near[seg]) - _db(clean), 1),
        "delay_true_ms": room.delay_ms,
        "delay_estimate_ms": None if st.delay_ms is None else round(st.delay_ms, 2),
        "predelay_ms": round(st.predelay_ms, 2),
        "drift_estimate_ppm": None if st.drift_ppm is None else round(st.drift_ppm, 1),
        "latency_ms": lat * 1000 / RATE,
        "realignments": st.realignments,
        "errors": st.errors,
    }


def _active_blocks(reference: np.ndarray) -> np.ndarray:
    k = len(reference) // SLOT
    p = np.mean(reference[: k * SLOT].astype(np.float64).reshape(k, SLOT) ** 2, axis=1)
    return p > (32768.0 * 10 ** (-50 / 20)) ** 2


def _erle(mic: np.ndarray, out: np.ndarray, blocks: np.ndarray) -> float:
    if not len(blocks):
        return float("nan")
    idx = (blocks[:, None] * SLOT + np.arange(SLOT)).ravel()
    return _db(mic[idx]) - _db(out[idx])


def measure_delay(reference: np.ndarray, delays_ms: tuple[float, ...] = (40.0, 120.0, 300.0),
                  room: RoomConfig | None = None) -> list[dict[str, Any]]:
    """The delay the stage settles on for several room delays (echo only), and when."""
    rows = []
    for d in delays_ms:
        sim = Room(replace(room or RoomConfig(), delay_ms=d))
        st = EchoStage(rate=RATE)
        first = None
        for i in range(0, len(reference), SLOT):
            block = reference[i : i + SLOT]
            st.playback(block)
            st.capture(sim.process(block, np.zeros(len(block), np.int16)))
            if first is None and st.delay_ms is not None:
                first = (i + SLOT) / RATE
        est = st.delay_ms
        st.close()
        rows.append({"true_ms": d, "estimate_ms": None if est is None else round(est, 2),
                     "error_ms": None if est is None else round(est - d, 2),
                     "first_estimate_s": first})
    return rows


def measure_drift(reference: np.ndarray, user: np.ndarray,
                  ppms: tuple[float, ...] = (0.0, 20.0, 100.0, -100.0)) -> list[dict[str, Any]]:
    """ERLE when the playback and capture clocks differ (two sound devices), with the
    stage's drift compensation and without it (speex alone cannot follow a sliding path)."""
    seconds = len(reference) / RATE
    u_at = seconds - len(user) / RATE - 0.5
    rows = []
    for ppm in ppms:
        room = RoomConfig(drift_ppm=ppm)
        on, off = (measure_aec(reference, user, room, user_at_s=u_at, settle_s=u_at / 2,
                               stage=EchoStage(compensate_drift=c)) for c in (True, False))
        rows.append({"drift_ppm": ppm, "erle_db": on["erle_db"],
                     "erle_uncompensated_db": off["erle_db"],
                     "double_talk_corr": on["double_talk_corr"],
                     "drift_estimate_ppm": on["drift_estimate_ppm"],
                     "delay_estimate_ms": on["delay_estimate_ms"],
                     "delay_true_end_ms": round(RoomConfig().delay_ms + ppm * seconds / 1000, 2)})
    return rows


# ---- CPU ----------------------------------------------------------------------------

def _frontend(aec: bool, capture_rate: int = 48_000) -> Callable[[], None]:
    """One 10 ms step of the capture front end (+ the echo stage), as the loop runs it."""
    from edge.audio.sources import CaptureChain
    from native import EnergyVad, RingBuffer, levels

    chain = CaptureChain(capture_rate)
    ring = RingBuffer(RATE)
    vad = EnergyVad(RATE)
    decisions = np.zeros(4, np.uint8)
    stage = EchoStage(rate=RATE) if aec else None
    n = capture_rate // 100
    speech = speech_like(2.0, capture_rate, seed=3)
    echo = speech_like(2.0, capture_rate, seed=4)
    pos = [0]

    def step() -> None:
        i = pos[0]
        pos[0] = (i + n) % (len(speech) - n)
        chain.push(speech[i : i + n], ring)
        frame = ring.peek(SLOT)
        if frame is None:
            return
        if stage is not None:
            stage.playback(echo[i : i + n], rate=capture_rate)
            frame = stage.capture(frame)
        levels(frame)
        vad.process_into(frame, decisions)
        ring.commit(SLOT)

    return step


def _time_us(fns: dict[str, Callable[[], None]], seconds: float,
             batch: int = 50) -> dict[str, float]:
    """Median over batches of the mean µs per call, the cases interleaved (same load)."""
    for fn in fns.values():
        for _ in range(200):  # warm up (and let the canceller allocate)
            fn()
    samples: dict[str, list[float]] = {k: [] for k in fns}
    deadline = time.perf_counter() + seconds * len(fns)
    while time.perf_counter() < deadline or min(len(v) for v in samples.values()) < 5:
        for k, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(batch):
                fn()
            samples[k].append((time.perf_counter() - t0) / batch * 1e6)
    return {k: round(statistics.median(v), 1) for k, v in samples.items()}


def cpu_here(seconds: float = 1.0) -> dict[str, Any]:
    """CPU per 10 ms frame in this process (whichever kernels `native` picked)."""
    import native

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from edge.audio.speex import SpeexEchoCanceller

    aec = SpeexEchoCanceller()
    mic, ref = speech_like(0.01, seed=5), speech_like(0.01, seed=6)
    us = _time_us({"frontend_us": _frontend(False), "frontend_aec_us": _frontend(True),
                   "speex_us": lambda: None if aec.process(mic, ref) is None else None},
                  seconds)
    aec.close()
    us["aec_us"] = round(us["frontend_aec_us"] - us["frontend_us"], 1)
    us["core_percent"] = round(us["frontend_aec_us"] / 10_000 * 100, 2)
    return {"implementation": native.IMPLEMENTATION, **us}


def measure_cpu(seconds: float = 1.0) -> dict[str, Any]:
    """`cpu_here` in one subprocess per implementation (compiled, then the twin)."""
    results: dict[str, Any] = {}
    for impl in ("cython", "python"):
        env = {**os.environ, "TANDEM_NATIVE": impl}
        proc = subprocess.run(
            [sys.executable, "-m", "edge.audio.echo_bench", "--cpu-here", str(seconds)],
            env=env, capture_output=True, text=True, timeout=300,
        )
        if proc.returncode != 0:
            results[impl] = {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
        else:
            results[impl] = json.loads(proc.stdout)
    results["load_average_1min"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return results


# ---- command line -------------------------------------------------------------------

def run(seconds: float = 30.0, real: bool = True, cpu_seconds: float = 1.0) -> dict[str, Any]:
    ref = device_speech(seconds, real=real)
    user = user_speech(real=real)
    room = RoomConfig()
    return {
        "signals": "espeak-ng" if real and espeak("a") is not None else "speech_like",
        "aec": measure_aec(ref, user, room, user_at_s=min(seconds - len(user) / RATE - 1, 15.0)),
        "delay": measure_delay(ref[: 8 * RATE]),
        "drift": measure_drift(ref, user),
        "cpu": measure_cpu(cpu_seconds) if cpu_seconds > 0 else None,
    }


def format_report(r: dict[str, Any]) -> str:
    a = r["aec"]
    room = a["room"]
    lines = [
        f"echo cancellation (speex MDF + residual suppression), {r['signals']} speech, room: "
        f"delay {room['delay_ms']:.0f} ms, RT60 {room['rt60_s']} s, "
        f"echo {room['echo_gain_db']:+.0f} dB, noise {room['noise_dbfs']:.0f} dBFS, "
        f"tanh drive {room['drive']}",
        f"  ERLE after convergence  {a['erle_db']:.1f} dB "
        f"(running estimate {a['erle_running_db']} dB)",
        f"  converged (10 dB)       {a['converged_10db_s']} s",
        f"  user in double talk     corr {a['double_talk_corr']:.3f}, level "
        f"{a['double_talk_level_db']:+.2f} dB (echo {a['echo_to_user_db']:+.1f} dB over the user)",
        f"  delay                   {a['delay_estimate_ms']} ms estimated, {a['delay_true_ms']} ms "
        f"true; pre-delay {a['predelay_ms']} ms; stage latency {a['latency_ms']:.0f} ms",
    ]
    for d in r["delay"]:
        lines.append(f"  delay {d['true_ms']:5.0f} ms -> {d['estimate_ms']} ms "
                     f"(error {d['error_ms']} ms, first estimate at {d['first_estimate_s']} s)")
    for d in r["drift"]:
        lines.append(f"  clock drift {d['drift_ppm']:5.0f} ppm: ERLE {d['erle_db']:.1f} dB "
                     f"({d['erle_uncompensated_db']:.1f} uncompensated), measured "
                     f"{d['drift_estimate_ppm']} ppm, double-talk corr "
                     f"{d['double_talk_corr']:.3f}, delay {d['delay_estimate_ms']} ms "
                     f"(true at the end {d['delay_true_end_ms']} ms)")
    cpu = r.get("cpu")
    if cpu:
        for impl in ("cython", "python"):
            c = cpu[impl]
            if "error" in c:
                lines.append(f"  CPU {impl}: {c['error']}")
                continue
            lines.append(
                f"  CPU per 10 ms ({c['implementation']:6}) front end {c['frontend_us']:7.1f} us, "
                f"+ AEC {c['frontend_aec_us']:7.1f} us = {c['core_percent']:.2f} % of one core "
                f"(speex alone {c['speex_us']:.1f} us)"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m edge.audio.echo_bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=30.0, help="length of the scenario")
    p.add_argument("--synthetic", action="store_true", help="speech_like, not espeak-ng")
    p.add_argument("--cpu-seconds", type=float, default=1.0, help="0 skips the CPU figures")
    p.add_argument("--cpu-here", type=float, default=None, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.cpu_here is not None:
        print(json.dumps(cpu_here(args.cpu_here)))
        return 0
    r = run(args.seconds, real=not args.synthetic, cpu_seconds=args.cpu_seconds)
    print(json.dumps(r, indent=1) if args.json else format_report(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
