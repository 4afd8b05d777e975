"""Feed each recording through the real models, frame by frame, as the daemon does.

Per recording, with 80 ms frames from the start of the stream:

* wake word (openWakeWord, `edge.stages.wake`) on every frame; the first detection opens
  the request. A missed wake word is scored as a miss; the request is then still opened at
  the true end of the wake phrase + 0.3 s ("oracle wake"), so the recognisers are scored
  on every recording too;
* energy VAD on every frame, Silero when it hears something, the native endpointer with the
  daemon's settings (`edge.stages.endpoint`); the request is the audio from the pre-roll
  to the endpoint;
* the fast layer (`GrammarRecognizer`), its cepstral mean started from the anchor and primed
  from the 2 s up to the wake decision as the daemon does (a recording's outcome hardly
  depends on the ones before), fed each frame from the wake decision on; once the user
  has spoken and then been silent for 0.16 s, its partial hypothesis is checked at
  each frame: a whole command there ends the fast layer's utterance at once (the early
  endpoint the daemon would take, scored with the confidence it would see); otherwise it
  finishes at the normal endpoint;
* Whisper on the request (`FasterWhisperStt`, as the turn does), then the text NLU;
* the rescoring (`edge.stages.whisper_rescore`): Whisper's decoder scores its hypothesis and
  a few grammar sentences (the fast layer's, the nearest to Whisper's text) on the
  request's encoder output; every candidate's score is kept, so the report replays the
  decision for any gap.

Each recording's raw outcome goes to one JSON line, so the report (and the calibration of
the fast layer's threshold) is recomputed without decoding again. Whisper's part is cached
by file, since it does not change when the grammar does; the rescoring's by file, hints,
grammar and settings (`tandem bench speech rescore` fills it from a results file without
decoding the rest again).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from contract.files import atomic_write
from contract.inventory import load_inventory
from edge.audio.duplex import canceller_key, hear_recording
from edge.audio.wavfile import read_wav
from edge.messages import SAMPLE_RATE, AudioFrame
from edge.settings import ConfirmSettings, EndpointSettings, WakeSettings
from edge.speech_eval.generate import Recording, load_manifest
from edge.speech_eval.phrases import INVENTORY
from edge.stages.early_endpoint import EarlyEndpoint, PauseAfterSpeech
from edge.stages.fast_confirm import confirm
from edge.stages.grammar_stt import GrammarResult
from edge.stages.stt import BEAM_SIZE
from edge.stages.whisper_rescore import (
    CANDIDATES_VERSION,
    RescoreSettings,
    WhisperJudge,
    rescore,
)

ORACLE_DELAY_S = 0.3  # a missed wake word: open the request this long after the phrase
WAKE_WINDOW_S = 0.8  # a detection later than this after the phrase is a miss
WAKE_EARLY_S = 0.5  # ... and one earlier than this before its end


def near_wake_phrase(at_s: float, wake_end_s: float) -> bool:
    """Whether a wake decision (or a score) at `at_s` counts for the phrase ending there."""
    return -WAKE_EARLY_S <= at_s - wake_end_s <= WAKE_WINDOW_S


PAUSES_S = (0.08, 0.16)  # silences after speech counted per request (Outcome.pauses)


class PauseCounter:
    """How many times the user fell silent for `after_s` after speaking."""

    def __init__(self, speech_threshold: float, after_s: float) -> None:
        self.pause = PauseAfterSpeech(speech_threshold)
        self.after_s = after_s
        self.count = 0
        self._counted = False

    def push(self, frame: AudioFrame, probability: float) -> None:
        if self.pause.push(frame, probability):
            self._counted = False
        elif not self._counted and self.pause.lasted(self.after_s):
            self.count, self._counted = self.count + 1, True


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
    rescore: dict[str, Any] | None = None  # RescoreResult.to_json() (+ timings), or None
    # Pauses of at least N s (key: N) between the wake word and the endpoint: the early
    # transcriptions the daemon would start, the last one the request's own, the rest
    # dropped when the user went on (EndpointSettings.early_transcript_s).
    pauses: dict[str, int] = field(default_factory=dict)
    # When Whisper started on the request: in the hangover (EarlyTranscript) or at the
    # endpoint; None in results written before it was recorded.
    whisper_at_s: float | None = None
    # Whisper's decoder on the fast layer's whole command at its early decision
    # (edge.stages.fast_confirm; Confirmation.to_json()), whatever its score; None: none.
    confirm: dict[str, Any] | None = None
    # The recording went through the daemon's echo canceller first (`DuplexSettings.aec`),
    # whose residual-echo suppressor denoises it; False in results written before.
    aec: bool = False


class Evaluator:
    """The models, loaded once."""

    def __init__(self, inventory_path: Path = INVENTORY, whisper: bool = True,
                 grammar: bool = True, whisper_bias: bool = True, rescore: bool = True,
                 beam_size: int = BEAM_SIZE, fast_lead: bool = True,
                 endpoint: EndpointSettings | None = None, aec: str = "auto",
                 wake: WakeSettings | None = None) -> None:
        """`endpoint`, `wake`: the daemon's settings (None), or the variant a run measures;
        `aec`: as `DuplexSettings.aec`, whether recordings go through the echo canceller."""
        from edge.skills import default_skills
        from edge.stages.endpoint import SileroVad
        from edge.stages.nlu import load_nlu
        from edge.stages.wake import WakeWordDetector

        self.inventory = load_inventory(inventory_path)
        self.echo_key = canceller_key(aec)  # "": none runs (off, or auto without speex)
        self.aec = aec if self.echo_key else "off"
        self.fast_lead = fast_lead  # as EdgeSettings.stt_fast_lead
        self.wake = WakeWordDetector(wake or WakeSettings())
        self.wake.warm_up()
        self.silero = SileroVad()
        self.endpoint_settings = endpoint or EndpointSettings()
        self.nlu = load_nlu(self.inventory)
        self.skills = default_skills(self.inventory)
        self.stt = None
        if whisper:
            from edge.stages.stt import FasterWhisperStt

            self.stt = FasterWhisperStt(threads=2, beam_size=beam_size)
            if whisper_bias:  # as the daemon does (EdgeSettings.stt_bias)
                self.stt.bias_towards(self.inventory.names(), "Hey Jarvis")
            self.stt.warm_up()
        self.grammar = None
        if grammar:
            from edge.stages.grammar_stt import GrammarRecognizer

            self.grammar = GrammarRecognizer(self.inventory)
        self.judge = None
        self.rescore_settings = RescoreSettings()
        self.confirm_settings = ConfirmSettings()
        if rescore and self.stt is not None and self.grammar is not None:
            self.judge = WhisperJudge(self.stt._model)

    def cache_paths(self, folder: Path, whisper_bias: bool = True) -> tuple[Path, Path]:
        """Where Whisper's and the rescoring's outcomes per recording are kept."""
        # Whisper's outcomes depend on its hints: one cache per hint text.
        hints = getattr(self.stt, "hotwords", None) if whisper_bias else None
        # (greedy decoding kept the names of the first runs' caches)
        key = (hints or "") + ("" if self.stt is None or self.stt.beam_size == 1
                               else f"|beam {self.stt.beam_size}") + _aec_key(self.echo_key)
        digest = hashlib.sha256(key.encode()).hexdigest()[:8]
        whisper = folder / ("whisper_cache.jsonl" if not key else
                            f"whisper_cache-{digest}.jsonl")
        return whisper, folder / f"rescore_cache-{self.rescore_key()}.jsonl"

    def rescore_key(self) -> str:
        """What the rescoring of a file depends on besides the file: hints, grammar, settings,
        and the code that makes the candidates (`CANDIDATES_VERSION`)."""
        hints = getattr(self.stt, "hotwords", None) or ""
        jsgf = self.grammar.grammar.jsgf if self.grammar is not None else ""
        text = "\n".join((hints, jsgf, repr(self.rescore_settings),
                          f"candidates {CANDIDATES_VERSION}")) + _aec_key(self.echo_key)
        return hashlib.sha256(text.encode()).hexdigest()[:8]

    def hear(self, audio: np.ndarray) -> np.ndarray:
        """A recording as the daemon's models hear it (`hear_recording`)."""
        return hear_recording(audio, self.aec)

    def rescore(self, samples: np.ndarray, whisper: dict[str, Any],
                fast: GrammarResult | None) -> dict[str, Any] | None:
        """The rescoring of one request, with its timings (encode apart: the daemon reuses
        the transcription's encoder output)."""
        if self.judge is None or self.grammar is None or not whisper.get("raw"):
            return None
        t0 = time.perf_counter()
        encoded = self.judge.encode(samples)
        encode_ms = 1000 * (time.perf_counter() - t0)
        r = rescore(self.judge, samples, whisper["raw"], self.grammar.grammar, fast,
                    self.rescore_settings, encoder_output=encoded)
        row = r.to_json()
        row["ms"]["encode"] = encode_ms
        row["hypothesis"], row["fast_text"] = whisper["raw"], fast.text if fast else None
        row["samples"] = len(samples)
        fast_text = [s.candidate.text for s in r.scored if "fast" in s.candidate.source]
        if fast_text:  # the cheap variant: the hypothesis and the fast layer's sentence only
            t0 = time.perf_counter()
            self.judge.score(encoded, [whisper["raw"], fast_text[0]], len(samples),
                             self.rescore_settings.margin_frames)
            row["ms"]["fast_only"] = 1000 * (time.perf_counter() - t0)
        return row

    def run(self, rec: Recording, audio: np.ndarray, cached_whisper: dict[str, Any] | None,
            cached_rescore: dict[str, Any] | None = None) -> Outcome:
        from edge.stages.endpoint import AFTER_SPEECH, Endpointer, speech_detector
        from edge.stages.wake import FRAME_SAMPLES, frames_of

        out = Outcome(rec.file, rec.voice, rec.group, rec.condition, rec.command, rec.route,
                      rec.intent, rec.slots, rec.command_end_s,
                      aec=bool(self.echo_key))
        frames = list(frames_of(audio))
        # Wake word over the whole stream, as the daemon runs it.
        self.wake.reset(new_stream=True)
        for frame in frames:
            heard = self.wake.process(frame)
            score = self.wake.last_score
            if near_wake_phrase(frame.end_s, rec.wake_end_s):
                out.wake_peak = max(out.wake_peak, score)
            else:
                out.wake_peak_elsewhere = max(out.wake_peak_elsewhere, score)
            if heard is None:
                continue
            out.wake_detections += 1
            if out.wake_at_s is None and near_wake_phrase(heard.at_s, rec.wake_end_s):
                out.wake_at_s, out.wake_score = heard.at_s, heard.score
        listen_at = out.wake_at_s if out.wake_at_s is not None \
            else rec.wake_end_s + ORACLE_DELAY_S
        out.listen_at_s = listen_at
        # VAD + endpointer from the wake decision; the grammar decodes alongside.
        s = self.endpoint_settings
        speech = speech_detector(self.silero, s, FRAME_SAMPLES / SAMPLE_RATE)
        endpointer = Endpointer(
            s, audio=lambda a, b: audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)])
        listening = False
        early = EarlyEndpoint(self.grammar, s.speech_threshold, s.fast_hangover_s,
                              s.fast_final_at_pause) if self.grammar else None
        pauses = {after: PauseCounter(s.speech_threshold, after) for after in PAUSES_S}
        # Whisper starts at each such pause (the daemon's EarlyTranscript), told what the
        # fast layer holds then; the last start is the request's transcription.
        starts = None if s.early_transcript_s is None else \
            PauseCounter(s.speech_threshold, s.early_transcript_s)
        told, told_at_s = "", None
        utterance = None
        for frame in frames:
            decisions = speech.observe(frame.samples)
            if not listening:
                if frame.end_s >= listen_at:
                    listening = True
                    speech.reset()
                    endpointer.begin(max(0.0, listen_at - s.preroll_s), [])
                    if early is not None:  # the room from before, as edge.pipeline._listen
                        room = audio[int(max(0.0, frame.end_s - s.fast_room_s) * SAMPLE_RATE)
                                     : int(frame.end_s * SAMPLE_RATE)]
                        early.begin(room if s.fast_room_s else None)
                continue
            p = speech.probability(frame.samples, decisions)
            for counter in pauses.values():
                counter.push(frame, p)
            if early is not None and (decided := early.push(frame, p)) is not None:
                # A whole command, then silence: the daemon decides here (and cuts the
                # request when the result is accepted, or confirmed). Scored from this
                # decision.
                out.early = {"at_s": early.decided_at_s}
                out.confirm = self.confirm(
                    audio[int(max(0.0, listen_at - s.preroll_s) * SAMPLE_RATE)
                          : int(frame.end_s * SAMPLE_RATE)], decided)
            past_room = speech.without_background(p)  # once: it counts frames
            if starts is not None:  # after the fast layer's frame, as edge.pipeline
                paused = past_room if s.early_transcript_past_room else p
                started = starts.count
                starts.push(frame, paused)
                if starts.count > started:
                    told = early.heard() if early is not None else ""
                    told_at_s = frame.end_s
                elif paused >= s.speech_threshold:
                    told_at_s = None  # the user went on: that transcription is dropped
            utterance = endpointer.push(frame, p, past_room)
            if utterance is not None:
                break
        if utterance is None:  # the recording ended first: what the daemon's input end does
            end = frames[-1].end_s
            samples = audio[int(max(0.0, listen_at - s.preroll_s) * SAMPLE_RATE):]
            out.endpoint_at_s, out.endpoint_reason = end, "end_of_input"
        else:
            samples = utterance.samples
            out.endpoint_at_s, out.endpoint_reason = utterance.endpoint_at_s, utterance.reason
            if utterance.reason in AFTER_SPEECH and told_at_s is not None:
                # Whisper heard the request as it was when it started, in the hangover
                # (the daemon's EarlyTranscript), not the rest of the silence.
                samples = samples[: int(round((told_at_s - utterance.start_s) * SAMPLE_RATE))]
        out.pauses = {f"{after:g}": c.count for after, c in pauses.items()}
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
        if utterance is None or utterance.reason not in AFTER_SPEECH or told_at_s is None:
            # Whisper starts at the endpoint (edge.turn._transcribe), told the result
            told, told_at_s = (early.heard() if early is not None else ""), None
        out.whisper_at_s = told_at_s if told_at_s is not None else out.endpoint_at_s
        told = told if self.fast_lead else ""
        if cached_whisper is not None and (cached_whisper.get("heard", "") != told
                                           or cached_whisper.get("samples") != len(samples)):
            cached_whisper = None  # told another command, or heard other audio, than now
        out.whisper = cached_whisper if cached_whisper is not None else \
            self._whisper(samples, told)
        fresh = _still_valid(cached_rescore, out.whisper, result)
        if fresh is not None and fresh.get("samples") != len(samples):
            fresh = None
        out.rescore = fresh if fresh is not None else self.rescore(samples, out.whisper, result)
        return out

    def confirm(self, samples: np.ndarray, decided: GrammarResult) -> dict[str, Any] | None:
        """Whisper's decoder on the fast layer's whole command, as the daemon confirms one
        below the threshold (computed for every one: the report picks the threshold)."""
        if self.judge is None or self.grammar is None or decided.understanding is None:
            return None
        return confirm(self.judge, samples, self.grammar.grammar, decided,
                       self.confirm_settings, self.rescore_settings).to_json()

    def _whisper(self, samples: np.ndarray, heard: str = "") -> dict[str, Any]:
        from edge.stages.stt import strip_wake_phrase

        if self.stt is None:
            return {}
        t0 = time.perf_counter()
        raw = self.stt.transcribe_heard(np.asarray(samples), heard)
        stt_ms = 1000 * (time.perf_counter() - t0)
        text = strip_wake_phrase(raw)
        t0 = time.perf_counter()
        u = self.nlu.parse(text) if text else None
        nlu_ms = 1000 * (time.perf_counter() - t0)
        return {"raw": raw, "text": text, "intent": u.intent if u else "none",
                "slots": u.slots if u else {}, "confidence": u.confidence if u else 0.0,
                "stt_ms": stt_ms, "nlu_ms": nlu_ms, "heard": heard, "samples": len(samples)}


def evaluate(folder: Path, results: Path, groups: tuple[str, ...], whisper: bool,
             limit: int | None = None, conditions: tuple[str, ...] = (),
             grammar: bool = True, whisper_bias: bool = True, rescore: bool = True,
             beam_size: int = BEAM_SIZE, fast_lead: bool = True,
             endpoint: EndpointSettings | None = None,
             inventory: Path = INVENTORY, aec: str = "auto",
             wake: WakeSettings | None = None) -> list[Outcome]:
    """Run every selected recording, the device knowing `inventory` and the recordings
    going through the echo canceller as `aec` says (`DuplexSettings.aec`); write one JSON
    line per recording to `results`."""
    recordings = [r for r in load_manifest(folder) if r.group in groups
                  and (not conditions or r.condition in conditions)]
    if limit:
        recordings = recordings[:limit]
    ev = Evaluator(inventory, whisper=whisper, grammar=grammar, whisper_bias=whisper_bias,
                   rescore=rescore, beam_size=beam_size, fast_lead=fast_lead,
                   endpoint=endpoint, aec=aec, wake=wake)
    cache_path, rescore_path = ev.cache_paths(folder, whisper_bias)
    cache = _read_cache(cache_path, "whisper")
    rescores = _read_cache(rescore_path, "rescore") if ev.judge is not None else {}
    outcomes = []
    results.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with ExitStack() as files:
        f = files.enter_context(results.open("w", encoding="utf-8"))
        c = files.enter_context(cache_path.open("a", encoding="utf-8"))
        rc = (files.enter_context(rescore_path.open("a", encoding="utf-8"))
              if ev.judge is not None else None)
        for i, rec in enumerate(recordings):
            cached = cache.get(rec.file) if whisper else {}
            cached_rescore = rescores.get(rec.file)
            out = ev.run(rec, ev.hear(read_wav(folder / rec.file)), cached, cached_rescore)
            if whisper and cached is None:
                c.write(json.dumps({"file": rec.file, "whisper": out.whisper}) + "\n")
                c.flush()
            if rc is not None and out.rescore is not None and out.rescore is not cached_rescore:
                rc.write(json.dumps({"file": rec.file, "rescore": out.rescore}) + "\n")
                rc.flush()
            f.write(json.dumps(asdict(out)) + "\n")
            outcomes.append(out)
            if (i + 1) % 50 == 0:
                print(f"  {i + 1}/{len(recordings)} in {time.perf_counter() - t0:.0f} s",
                      flush=True)
    return outcomes


def rescore_results(folder: Path, results: Path, limit: int | None = None) -> list[Outcome]:
    """Add the rescoring to an existing results file, without decoding the rest again: each
    request's samples are cut from its recording as the run cut them for Whisper (pre-roll
    before the wake decision to where Whisper started: the pause in the hangover, or the
    endpoint), the fast layer's result and Whisper's text come from the file. Cached like
    the run's; the file is rewritten with the `rescore` field."""
    outcomes = load_outcomes(results)
    ev = Evaluator(whisper=True, grammar=True, rescore=True, aec=_aec_of(outcomes))
    _, rescore_path = ev.cache_paths(folder)
    rescores = _read_cache(rescore_path, "rescore")
    preroll = ev.endpoint_settings.preroll_s
    t0 = time.perf_counter()
    with rescore_path.open("a", encoding="utf-8") as rc:
        for i, o in enumerate(outcomes[:limit] if limit else outcomes):
            fast = stored_fast_result(o.grammar)
            cached = _still_valid(rescores.get(o.file), o.whisper, fast)
            if cached is None:
                audio = ev.hear(read_wav(folder / o.file))
                start = int(max(0.0, o.listen_at_s - preroll) * SAMPLE_RATE)
                if "samples" in o.whisper:  # what Whisper heard
                    end = start + o.whisper["samples"]
                elif o.endpoint_reason == "end_of_input":
                    end = len(audio)
                else:  # results written before Whisper's length was kept
                    end = int(o.endpoint_at_s * SAMPLE_RATE)
                cached = ev.rescore(audio[start:end], o.whisper, fast)
                if cached is not None:
                    rc.write(json.dumps({"file": o.file, "rescore": cached}) + "\n")
                    rc.flush()
            o.rescore = cached
            if (i + 1) % 100 == 0:
                print(f"  {i + 1}/{len(outcomes)} in {time.perf_counter() - t0:.0f} s",
                      flush=True)
    atomic_write(results, "".join(json.dumps(asdict(o)) + "\n" for o in outcomes).encode())
    return outcomes


def stored_fast_result(g: dict[str, Any]) -> GrammarResult | None:
    """The fast layer's result as a results file keeps it (None: none)."""
    from edge.messages import Understanding

    if not g:
        return None
    u = Understanding(g["intent"], g.get("slots", {}), 1.0) if g.get("intent") else None
    return GrammarResult(g["text"], u, 0.0, g["score_per_frame"], g.get("posterior", 0.0),
                         g.get("frames", 0), 0.0, 0.0)


def confirm_results(folder: Path, results: Path) -> list[Outcome]:
    """Add the fast layer's confirmation (`Outcome.confirm`) to an existing results file:
    each request with an early decision, cut from the pre-roll before the wake decision to
    that decision, as the run does. The file is rewritten."""
    outcomes = load_outcomes(results)
    ev = Evaluator(whisper=True, grammar=True, rescore=True, aec=_aec_of(outcomes))
    preroll = ev.endpoint_settings.preroll_s
    t0 = time.perf_counter()
    for i, o in enumerate(outcomes):
        fast = stored_fast_result(o.grammar)
        o.confirm = None
        if o.early is not None and fast is not None:
            audio = ev.hear(read_wav(folder / o.file))
            o.confirm = ev.confirm(audio[int(max(0.0, o.listen_at_s - preroll) * SAMPLE_RATE)
                                         : int(o.early["at_s"] * SAMPLE_RATE)], fast)
        if (i + 1) % 200 == 0:
            print(f"  {i + 1}/{len(outcomes)} in {time.perf_counter() - t0:.0f} s", flush=True)
    atomic_write(results, "".join(json.dumps(asdict(o)) + "\n" for o in outcomes).encode())
    return outcomes


def _aec_key(echo_key: str) -> str:
    """The caches' key part for recordings heard through the canceller (`canceller_key`;
    the caches of the runs before it keep their names)."""
    return f"|{echo_key}" if echo_key else ""


def _aec_of(outcomes: list[Outcome]) -> str:
    """The canceller a results file's run heard its recordings through ("on" or "off")."""
    return "on" if any(o.aec for o in outcomes) else "off"


def _still_valid(cached: dict[str, Any] | None, whisper: dict[str, Any],
                 fast: GrammarResult | None) -> dict[str, Any] | None:
    """A cached rescoring, if it was made from the same texts (the recording may have been
    generated again under the same name)."""
    if cached is None or cached.get("hypothesis") != whisper.get("raw"):
        return None
    return cached if cached.get("fast_text") == (fast.text if fast else None) else None


def _read_cache(path: Path, key: str) -> dict[str, dict[str, Any]]:
    cache: dict[str, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                cache[row["file"]] = row[key]
    return cache


def load_outcomes(results: Path) -> list[Outcome]:
    return [Outcome(**json.loads(line))
            for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]


def cpu_note() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} CPUs, load {load:.2f}"
