"""Feed each recording through the real models, frame by frame, as the daemon does.

Per recording, with 80 ms frames from the start of the stream:

* wake word (openWakeWord, `edge.stages.wake`) on every frame; the first detection opens
  the request. A missed wake word is scored as a miss; the request is then still opened at
  the true end of the wake phrase + 0.3 s ("oracle wake"), so the recognisers are scored
  on every recording too;
* energy VAD on every frame, Silero when it hears something, the native endpointer with the
  daemon's settings (`edge.stages.endpoint`); the request is the audio from the pre-roll
  to the endpoint;
* the fast layer (`GrammarRecognizer`) fed each frame from the wake decision on; once the
  user has spoken and then been silent for 0.16 s, its partial hypothesis is checked at
  each frame: a whole command there ends the fast layer's utterance at once (the early
  endpoint the daemon would take, scored with the confidence it would see); otherwise it
  finishes at the normal endpoint;
* Whisper on the request (`FasterWhisperStt`, as the turn does), then the text NLU.

Each recording's raw outcome goes to one JSON line, so the report (and the calibration of
the fast layer's threshold) is recomputed without decoding again. Whisper's part is cached
by file, since it does not change when the grammar does.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from edge.audio.wavfile import read_wav
from edge.inventory import load_inventory
from edge.messages import SAMPLE_RATE, AudioFrame
from edge.settings import EndpointSettings, WakeSettings
from edge.speech_eval.generate import Recording, load_manifest
from edge.speech_eval.phrases import INVENTORY
from edge.stages.early_endpoint import EarlyEndpoint

ORACLE_DELAY_S = 0.3  # a missed wake word: open the request this long after the phrase
WAKE_WINDOW_S = 0.8  # a detection later than this after the phrase is a miss


@dataclass
class Outcome:
    file: str
    voice: str
    group: str
    condition: str
    command: int
    route: str
    intent: str
    slots: dict[str, Any]
    command_end_s: float
    wake_at_s: float | None = None  # first detection in the window (None: missed)
    wake_score: float = 0.0
    wake_detections: int = 0  # detections anywhere in the recording
    wake_peak: float = 0.0  # the model's highest score near the wake phrase
    wake_peak_elsewhere: float = 0.0  # ... elsewhere (includes the tail of the true wake)
    listen_at_s: float = 0.0
    endpoint_at_s: float = 0.0
    endpoint_reason: str = ""
    grammar: dict[str, Any] = field(default_factory=dict)
    early: dict[str, Any] | None = None  # the early endpoint the fast layer allowed
    whisper: dict[str, Any] = field(default_factory=dict)


class Evaluator:
    """The models, loaded once."""

    def __init__(self, inventory_path: Path = INVENTORY, whisper: bool = True,
                 grammar: bool = True, whisper_bias: bool = True) -> None:
        from edge.skills import default_skills
        from edge.stages.endpoint import SileroVad
        from edge.stages.nlu import load_nlu
        from edge.stages.wake import WakeWordDetector

        self.inventory = load_inventory(inventory_path)
        self.wake = WakeWordDetector(WakeSettings())
        self.wake.warm_up()
        self.silero = SileroVad()
        self.endpoint_settings = EndpointSettings()
        self.nlu = load_nlu(self.inventory)
        self.skills = default_skills(self.inventory)
        self.stt = None
        if whisper:
            from edge.stages.stt import FasterWhisperStt

            self.stt = FasterWhisperStt(threads=2)
            if whisper_bias:  # as the daemon does (EdgeSettings.stt_bias)
                self.stt.bias_towards(self.inventory.names(), "Hey Jarvis")
            self.stt.warm_up()
        self.grammar = None
        if grammar:
            from edge.stages.grammar_stt import GrammarRecognizer

            self.grammar = GrammarRecognizer(self.inventory)

    def run(self, rec: Recording, audio: np.ndarray, cached_whisper: dict[str, Any] | None
            ) -> Outcome:
        from edge.stages.endpoint import Endpointer, SpeechDetector
        from edge.stages.wake import FRAME_SAMPLES

        out = Outcome(rec.file, rec.voice, rec.group, rec.condition, rec.command, rec.route,
                      rec.intent, rec.slots, rec.command_end_s)
        frames = [AudioFrame(audio[i : i + FRAME_SAMPLES], i / SAMPLE_RATE)
                  for i in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES)]
        # Wake word over the whole stream, as the daemon runs it.
        self.wake.reset(new_stream=True)
        scores = self.wake._model.prediction_buffer[self.wake._label]  # per-frame scores
        for frame in frames:
            heard = self.wake.process(frame)
            score = float(scores[-1]) if scores else 0.0
            if -0.5 <= frame.end_s - rec.wake_end_s <= WAKE_WINDOW_S:
                out.wake_peak = max(out.wake_peak, score)
            else:
                out.wake_peak_elsewhere = max(out.wake_peak_elsewhere, score)
            if heard is None:
                continue
            out.wake_detections += 1
            late = heard.at_s - rec.wake_end_s
            if out.wake_at_s is None and -0.5 <= late <= WAKE_WINDOW_S:
                out.wake_at_s, out.wake_score = heard.at_s, heard.score
        listen_at = out.wake_at_s if out.wake_at_s is not None \
            else rec.wake_end_s + ORACLE_DELAY_S
        out.listen_at_s = listen_at
        # VAD + endpointer from the wake decision; the grammar decodes alongside.
        s = self.endpoint_settings
        speech = SpeechDetector(self.silero, s.vad)
        endpointer = Endpointer(
            s, audio=lambda a, b: audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)])
        listening = False
        early = EarlyEndpoint(self.grammar, s.speech_threshold) if self.grammar else None
        utterance = None
        for frame in frames:
            decisions = speech.observe(frame.samples)
            if not listening:
                if frame.end_s >= listen_at:
                    listening = True
                    speech.reset()
                    endpointer.begin(max(0.0, listen_at - s.preroll_s), [])
                    if early is not None:
                        early.begin()
                continue
            p = speech.probability(frame.samples, decisions)
            if early is not None and early.push(frame, p) is not None:
                # A whole command, then silence: the daemon decides here (and cuts the
                # request when the result is accepted). Scored from this decision.
                out.early = {"at_s": early.decided_at_s}
            utterance = endpointer.push(frame, p)
            if utterance is not None:
                break
        if utterance is None:  # the recording ended first: what the daemon's input end does
            end = frames[-1].end_s
            samples = audio[int(max(0.0, listen_at - s.preroll_s) * SAMPLE_RATE):]
            out.endpoint_at_s, out.endpoint_reason = end, "end_of_input"
        else:
            samples = utterance.samples
            out.endpoint_at_s, out.endpoint_reason = utterance.endpoint_at_s, utterance.reason
        result = early.finish() if early is not None else None
        if result is not None:
            u = result.understanding
            out.grammar = {
                "text": result.text, "intent": u.intent if u else None,
                "slots": u.slots if u else {}, "score_per_frame": result.score_per_frame,
                "posterior": result.posterior, "frames": result.frames,
                "decode_ms": result.decode_ms, "finish_ms": result.finish_ms,
                "words": result.words,
                "at_s": out.early["at_s"] if out.early else out.endpoint_at_s,
            }
        out.whisper = cached_whisper if cached_whisper is not None else self._whisper(samples)
        return out

    def _whisper(self, samples: np.ndarray) -> dict[str, Any]:
        from edge.stages.stt import strip_wake_phrase

        if self.stt is None:
            return {}
        t0 = time.perf_counter()
        raw = self.stt.transcribe(np.asarray(samples))
        stt_ms = 1000 * (time.perf_counter() - t0)
        text = strip_wake_phrase(raw)
        t0 = time.perf_counter()
        u = self.nlu.parse(text) if text else None
        nlu_ms = 1000 * (time.perf_counter() - t0)
        return {"raw": raw, "text": text, "intent": u.intent if u else "none",
                "slots": u.slots if u else {}, "confidence": u.confidence if u else 0.0,
                "stt_ms": stt_ms, "nlu_ms": nlu_ms}


def evaluate(folder: Path, results: Path, groups: tuple[str, ...], whisper: bool,
             limit: int | None = None, conditions: tuple[str, ...] = (),
             grammar: bool = True, whisper_bias: bool = True) -> list[Outcome]:
    """Run every selected recording; write one JSON line per recording to `results`."""
    recordings = [r for r in load_manifest(folder) if r.group in groups
                  and (not conditions or r.condition in conditions)]
    if limit:
        recordings = recordings[:limit]
    ev = Evaluator(whisper=whisper, grammar=grammar, whisper_bias=whisper_bias)
    # Whisper's outcomes depend on its hints: one cache per hint text.
    hints = getattr(ev.stt, "hotwords", None) if whisper_bias else None
    cache_path = folder / ("whisper_cache.jsonl" if not hints else
                           f"whisper_cache-{hashlib.sha256(hints.encode()).hexdigest()[:8]}.jsonl")
    cache: dict[str, dict[str, Any]] = {}
    if cache_path.exists():
        for line in cache_path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            cache[row["file"]] = row["whisper"]
    outcomes = []
    results.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with results.open("w", encoding="utf-8") as f, cache_path.open("a", encoding="utf-8") as c:
        for i, rec in enumerate(recordings):
            cached = cache.get(rec.file) if whisper else {}
            out = ev.run(rec, read_wav(folder / rec.file), cached)
            if whisper and cached is None:
                c.write(json.dumps({"file": rec.file, "whisper": out.whisper}) + "\n")
                c.flush()
            f.write(json.dumps(asdict(out)) + "\n")
            outcomes.append(out)
            if (i + 1) % 50 == 0:
                print(f"  {i + 1}/{len(recordings)} in {time.perf_counter() - t0:.0f} s",
                      flush=True)
    return outcomes


def load_outcomes(results: Path) -> list[Outcome]:
    return [Outcome(**json.loads(line))
            for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]


def cpu_note() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} CPUs, load {load:.2f}"
