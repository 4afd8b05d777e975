"""From one run's tapes, trace and utterance log to the figures of `tandem bench duplex`.

Every time is a position in the lockstep stream (output sample `i` was played in the slot
of input sample `i`), so nothing here depends on how fast the machine was.

* Barge-in reaction: from the end of the user's trigger ("Jarvis", or the stop phrase) to
  the reply audio stopping for good in the daemon's output: the start of the all-zero
  stretch (at least `min_gap_s`) in which the trace says the interruption was recognised,
  or of the first one after it (the daemon plays exact zeros when nothing plays; piper's
  own pauses are never that long). Negative: the reply had already fallen silent before
  the trigger ended (a daemon that pauses on suspected speech). The trace's recognition
  time (the decision) is reported beside it.
* A trigger counts as detected when the trace has an interruption of its kind recognised
  between the start of the trigger and `detect_window_s` after its end.
* False wake / false barge-in: a turn woken by the wake word, or an interruption, with no
  user speech in the `attribution_s` before it: the device's own voice did it.
* Exposure: seconds of device speech (nonzero output blocks) while the user is silent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from edge.duplex_bench.loop import BLOCK, RATE
from edge.duplex_bench.script import Said

if TYPE_CHECKING:
    from edge.audio.room import RoomConfig

__all__ = [
    "active_blocks", "barge_in_trials", "erle_linear_speaker", "erle_on_loop", "exposure_s",
    "false_events", "percentile", "silence_wakes", "speech_gaps", "stop_time", "summarize",
    "wake_scores_offline",
]

INTERRUPTIONS = ("wake_word", "stop_phrase", "speech")
TRIGGER_KIND = {"barge_wake": "wake_word", "barge_stop": "stop_phrase"}


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (linear interpolation, numpy's default); None for no values."""
    return None if not len(values) else float(np.percentile(np.asarray(values, float), q))


def summarize(values: Sequence[float]) -> dict[str, Any]:
    return {"n": len(values), "p50": _r(percentile(values, 50)), "p95": _r(percentile(values, 95)),
            "min": _r(min(values)) if values else None, "max": _r(max(values)) if values else None}


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(x, nd)


def active_blocks(x: np.ndarray) -> np.ndarray:
    """Per 10 ms block: whether any sample is nonzero."""
    k = len(x) // BLOCK
    return np.any(x[: k * BLOCK].reshape(k, BLOCK) != 0, axis=1)


def stop_time(out: np.ndarray, at: int, min_gap: int) -> int | None:
    """Where the reply stopped for good around `at`, the moment the interruption was
    recognised: the start of the all-zero stretch (at least `min_gap` long) that `at` falls
    in, which may begin before `at` (a daemon that pauses its reply on suspected speech
    falls silent before it has decided), or else of the first one after `at`. A final
    stretch reaching the end of the tape counts if it is that long; None: never stopped."""
    at = min(max(0, at), len(out))
    before = np.flatnonzero(out[:at])
    run_start = int(before[-1]) + 1 if len(before) else 0
    after = np.flatnonzero(out[at:])
    if not len(after):
        return run_start if len(out) - run_start >= min_gap else None
    if after[0] > 0 and at + int(after[0]) - run_start >= min_gap:
        return run_start  # silent at `at` already, and long enough
    nz = after + at
    gaps = np.flatnonzero(np.diff(nz) > min_gap)  # diff - 1 zeros between two sounds
    if len(gaps):
        return int(nz[gaps[0]]) + 1
    last = int(nz[-1]) + 1
    return last if len(out) - last >= min_gap else None


def speech_gaps(out: np.ndarray, user: np.ndarray, min_gap_s: float = 0.1,
                max_gap_s: float = 3.0, user_margin_s: float = 2.0,
                records: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """Silences inside the device's speech with nobody talking: all-zero stretches of
    `min_gap_s` to `max_gap_s` between two sounds, with no user speech from `user_margin_s`
    before the stretch to its end. The daemon plays exact zeros only when nothing is
    queued or playback is paused, so each is a pause on suspected speech (its own echo)
    or synthesis falling behind; piper's own pauses are not exact zeros."""
    nz = np.flatnonzero(out)
    if len(nz) < 2:
        return {"count": 0, "seconds": 0.0, "median_ms": None, "longest_ms": None, "at_s": []}
    d = np.diff(nz)
    idx = np.flatnonzero((d > min_gap_s * RATE) & (d < max_gap_s * RATE))
    talk = np.flatnonzero(user)
    found = []
    for i in idx:
        a, b = int(nz[i]) + 1, int(nz[i + 1])
        j = np.searchsorted(talk, a - user_margin_s * RATE)
        if j < len(talk) and talk[j] < b:
            continue  # the user spoke around it: not the device's doing alone
        found.append((a, b))
    waiting = [(a, b) for a, b in found if _after_filler(a, records)]
    found = [g for g in found if g not in waiting]
    lens = [(b - a) * 1000 / RATE for a, b in found]
    return {"count": len(found), "seconds": round(sum(lens) / 1000, 1),
            "waiting_for_cloud": len(waiting),
            "waiting_at_s": [round(a / RATE, 2) for a, _ in waiting[:20]],
            "median_ms": _r(percentile(lens, 50), 0), "longest_ms": _r(max(lens), 0)
            if lens else None, "at_s": [round(a / RATE, 2) for a, _ in found[:50]]}


def _after_filler(at: int, records: Sequence[dict[str, Any]]) -> bool:
    """Whether a silence at `at` falls between a turn's filler ("One moment.") and its late
    cloud answer: the device said it would take a moment, and is waiting (stream time
    follows the wall clock at real-time pace)."""
    t = at / RATE
    for r in records:
        timings = r.get("timings_ms", {})
        if "filler" not in timings or "cloud_first_chunk" not in timings:
            continue
        start = float(r["endpoint_at_s"])
        answer = start + (timings.get("stt", 0.0) + timings["cloud_first_chunk"]) / 1000
        if start + timings["filler"] / 1000 <= t <= answer + _TTS_SLACK_S:
            return True
    return False


_TTS_SLACK_S = 0.5  # the first answer sentence's synthesis after the cloud's chunk


def _near(said: Iterable[Said], at: int, before: int, after: int) -> list[Said]:
    return [s for s in said if s.start - after <= at <= s.end + before]


def barge_in_trials(
    said: list[Said], records: list[dict[str, Any]], out: np.ndarray,
    min_gap_s: float = 0.1, detect_window_s: float = 3.0,
) -> list[dict[str, Any]]:
    """One row per barge-in trigger spoken (see the module docstring)."""
    rows = []
    interrupts = [r for r in records if r.get("interrupted_by") in INTERRUPTIONS]
    for s in said:
        if s.kind not in TRIGGER_KIND:
            continue
        want = TRIGGER_KIND[s.kind]
        # the device was talking when the user began (else the trial is not over playback)
        pre = out[max(0, s.start - RATE // 5) : s.start + RATE // 10]
        row: dict[str, Any] = {
            "trial": s.trial, "kind": s.kind, "text": s.text,
            "trigger_start_s": round(s.start / RATE, 3),
            "trigger_end_s": round(s.trigger_end / RATE, 3),
            "device_talked_s": round(s.device_talked_s, 2),
            "over_playback": bool(np.any(pre)),
            "detected": False, "by": None,
        }
        window_end = (s.trigger_end + detect_window_s * RATE) / RATE
        hits = [r for r in interrupts
                if s.start / RATE <= float(r["interrupted_at_s"]) <= window_end]
        if hits:
            r = hits[0]
            row["by"] = r["interrupted_by"]
            row["detected"] = r["interrupted_by"] == want
            at = round(float(r["interrupted_at_s"]) * RATE)
            row["recognised_ms"] = round(1000 * (at - s.trigger_end) / RATE, 1)
            stop = stop_time(out, at, round(min_gap_s * RATE))
            if stop is not None:
                row["stopped_at_s"] = round(stop / RATE, 3)
                row["reaction_ms"] = round(1000 * (stop - s.trigger_end) / RATE, 1)
        rows.append(row)
    return rows


def silence_wakes(said: list[Said], records: list[dict[str, Any]], out: np.ndarray,
                  window_s: float = 1.0) -> list[dict[str, Any]]:
    """The wake-in-silence trials: was there a wake-word turn woken during the request?"""
    rows = []
    for s in said:
        if s.kind != "silence_wake":
            continue
        hits = [r for r in records if r.get("wake_word") == "hey_jarvis" and
                s.start / RATE - 0.2 <= float(r["wake_at_s"]) <= s.end / RATE + window_s]
        pre = out[max(0, s.start - RATE // 2) : s.end]
        rows.append({"start_s": round(s.start / RATE, 3), "detected": bool(hits),
                     "device_quiet": not bool(np.any(pre)),
                     "wake_score": hits[0]["wake_score"] if hits else None,
                     "transcript": hits[0].get("transcript") if hits else None})
    return rows


def false_events(said: list[Said], records: list[dict[str, Any]],
                 attribution_s: float = 1.2) -> dict[str, list[dict[str, Any]]]:
    """Wakes and interruptions with no user speech in the `attribution_s` before them.
    An interruption counts from when the device first acted on it: the pause of a stop
    phrase the keyword model or the fast layer found likely (its `stop_checks`), else the
    decision; Whisper's confirmation may come a second later. 1.2 s: the slowest true
    trigger is acted on within about 0.9 s of its end; 3 s let a false barge-in right after
    a request go uncounted."""
    before = round(attribution_s * RATE)
    wakes, barges = [], []
    for r in records:
        if r.get("wake_word") == "hey_jarvis":
            at = round(float(r["wake_at_s"]) * RATE)
            if not _near(said, at, before, 0):
                wakes.append({"turn": r["turn_id"], "at_s": r["wake_at_s"],
                              "score": r["wake_score"], "transcript": r.get("transcript")})
        if r.get("interrupted_by") in INTERRUPTIONS:
            acted = [float(c["at_s"]) for c in r.get("stop_checks", []) if c.get("by")]
            at = round(min([float(r["interrupted_at_s"]), *acted]) * RATE)
            if not _near(said, at, before, 0):
                barges.append({"turn": r["turn_id"], "at_s": r["interrupted_at_s"],
                               "by": r["interrupted_by"]})
    return {"false_wakes": wakes, "false_barge_ins": barges}


def exposure_s(out: np.ndarray, user: np.ndarray) -> float:
    """Seconds of device speech while the user was silent (10 ms blocks)."""
    n = min(len(out), len(user))
    return float(np.count_nonzero(active_blocks(out[:n]) & ~active_blocks(user[:n]))) / 100


def erle_on_loop(out: np.ndarray, mic: np.ndarray, user: np.ndarray,
                 settle_s: float = 5.0) -> dict[str, Any]:
    """The daemon's echo canceller replayed on the loop's own signals.

    The daemon (`--rate 16000 --output-rate 16000`, mono) hands its `EchoStage` exactly
    `playback(out block)` then `capture(mic block)` per slot, with no conversion in between,
    so the same calls here give the same output sample for sample. ERLE = mic power over
    output power over the blocks where the device plays (reference above -50 dBFS) and the
    user is silent (with 0.3 s margin), after the first `settle_s` of device speech."""
    from edge.audio.echo import EchoStage

    stage = EchoStage()
    clean = np.zeros_like(mic)
    for i in range(0, len(mic) - BLOCK + 1, BLOCK):
        stage.playback(out[i : i + BLOCK])
        clean[i : i + BLOCK] = stage.capture(mic[i : i + BLOCK])
    lat = stage.latency_samples
    stats = stage.stats()
    stage.close()
    y = np.concatenate([clean[lat:], np.zeros(lat, np.int16)])  # realigned with the mic
    k = len(mic) // BLOCK
    power = np.mean(out[: k * BLOCK].astype(np.float64).reshape(k, BLOCK) ** 2, axis=1)
    playing = power > (32768.0 * 10 ** (-50 / 20)) ** 2
    talk = active_blocks(user)[:k]
    margin = 30  # blocks
    near_user = np.convolve(talk.astype(float), np.ones(2 * margin + 1), "same")[:k] > 0
    settled = np.cumsum(playing) > settle_s * 100
    sel = np.flatnonzero(playing & ~near_user & settled)
    res: dict[str, Any] = {"blocks": int(len(sel)), "seconds": len(sel) / 100, "stage": stats,
                           "latency_ms": lat * 1000 / RATE}
    if len(sel):
        idx = (sel[:, None] * BLOCK + np.arange(BLOCK)).ravel()
        p_mic = float(np.mean(mic[idx].astype(np.float64) ** 2))
        p_out = float(np.mean(y[idx].astype(np.float64) ** 2))
        res["erle_db"] = round(10 * np.log10(p_mic / max(p_out, 1e-9)), 1)
        # per second of echo-only audio, to see it is not one loud stretch
        per = [10 * np.log10(np.mean(mic[j].astype(float) ** 2) /
                             max(np.mean(y[j].astype(float) ** 2), 1e-9))
               for j in np.array_split(idx, max(1, len(sel) // 100))]
        res["erle_per_second_db"] = {"p5": _r(percentile(per, 5)), "p50": _r(percentile(per, 50)),
                                     "p95": _r(percentile(per, 95))}
    res["clean"] = y
    return res


def erle_linear_speaker(out: np.ndarray, user: np.ndarray, room: RoomConfig,
                        lag_blocks: int) -> float | None:
    """ERLE on the same playback and user, the room replayed with a linear loudspeaker
    (``drive = 0``; same response, same noise): how much of the ERLE the loudspeaker's
    nonlinearity costs. (The daemon would have answered the same: only the AEC is replayed.)"""
    from dataclasses import replace

    from edge.audio.room import Room

    sim = Room(replace(room, drive=0.0))
    lag = lag_blocks * BLOCK
    shifted = np.concatenate([np.zeros(lag, np.int16), out[: len(out) - lag]])
    mic = np.concatenate([sim.process(shifted[i : i + BLOCK], user[i : i + BLOCK])
                          for i in range(0, len(out) - BLOCK + 1, BLOCK)])
    n = len(mic)
    erle = erle_on_loop(out[:n], mic, user[:n]).get("erle_db")
    return None if erle is None else float(erle)


def echo_to_user_db(out_echo: np.ndarray, user_at_mic: np.ndarray) -> float | None:
    """Level of the echo over the user's voice at the microphone, each over its active
    blocks (dB)."""
    def level(x: np.ndarray) -> float | None:
        a = active_blocks(x)
        k = len(a)
        blocks = x[: k * BLOCK].astype(np.float64).reshape(k, BLOCK)[a]
        return None if not len(blocks) else float(10 * np.log10(np.mean(blocks**2) + 1e-9))

    e, u = level(out_echo), level(user_at_mic)
    return None if e is None or u is None else round(e - u, 1)


def wake_scores_offline(streams: dict[str, np.ndarray], said: list[Said],
                        threshold: float = 0.5) -> dict[str, Any]:
    """The daemon's wake-word model run over whole streams of the loop (the raw microphone,
    the echo-cancelled one): per stream, how many wake triggers spoken over playback and in
    silence it catches, and how often it fires with no user speech near."""
    from edge.settings import WakeSettings
    from edge.stages.wake import WakeWordDetector, frames_of

    det = WakeWordDetector(WakeSettings(threshold=threshold, refractory_s=2.0))
    res: dict[str, Any] = {}
    for name, x in streams.items():
        det.reset(new_stream=True)
        hits: list[float] = []
        for frame in frames_of(x):
            w = det.process(frame)
            if w is not None:
                hits.append(w.at_s)
        row: dict[str, Any] = {}
        for kind in ("barge_wake", "silence_wake"):
            trials = [s for s in said if s.kind == kind]
            got = sum(any(s.start / RATE <= h <= s.trigger_end / RATE + 1.0 for h in hits)
                      for s in trials)
            row[kind] = {"detected": got, "trials": len(trials)}
        wakers = [s for s in said if "Jarvis" in s.text]
        lone = [h for h in hits
                if not any(s.start / RATE <= h <= s.end / RATE + 1.0 for s in wakers)]
        row["unattributed"] = len(lone)
        row["unattributed_at_s"] = [round(h, 2) for h in lone[:20]]
        res[name] = row
    return res
