"""The simulated user: what they say, and when, reacting to what the device plays.

A session is a generator of 10 ms user blocks (`Session.blocks`). It hears the device
through the output tape the driver has read so far (`DeviceEar`), so it can wait for the
device to be talking before it cuts in, or for it to be quiet before the next request.
Every utterance is logged as a `Said` (stream positions in samples), which the analysis
matches against the daemon's trace.

Phases, in order:

1. wake in silence: "Hey Jarvis, what time is it?" while the device is quiet;
2. barge-in trials, alternating the wake word and the stop phrases: a request with a long
   answer, then, once the device has talked for a random 2-5 s, "Hey Jarvis." followed by
   "What time is it?" (a new request), or a stop phrase alone;
3. the device's own speech: requests with long answers, nobody cutting in, until
   `own_speech_s` of device speech (the false-wake exposure) has played.

The user's voice is piper's (the daemon's own voice model, deterministic synthesis) at
three speaking rates, so no two takes of a phrase are the same samples.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from edge.duplex_bench.loop import BLOCK, RATE

__all__ = ["DeviceEar", "Said", "Session", "SessionPlan", "Voice", "speech_bounds"]

WAKE_TRIGGER = "Hey Jarvis."
FOLLOW_UP = "What time is it?"
SILENCE_REQUEST = "Hey Jarvis, what time is it?"
LONG_REQUESTS = (
    "Hey Jarvis, why is the sky blue?",
    "Hey Jarvis, tell me a story about a dragon.",
    "Hey Jarvis, explain how rainbows form.",
    "Hey Jarvis, what can you tell me about the ocean?",
    "Hey Jarvis, how do airplanes fly?",
    "Hey Jarvis, tell me about the history of bread.",
)
STOP_TRIGGERS = ("Stop.", "Cancel.", "Never mind.", "Be quiet.", "That's enough.")
SPEAKING_RATES = (0.95, 1.05, 1.15)  # piper length scales


def speech_bounds(x: np.ndarray, threshold: int = 300) -> tuple[int, int]:
    """First and one-past-last sample of `x` above `threshold` (0, 0 when silent)."""
    loud = np.flatnonzero(np.abs(x.astype(np.int32)) > threshold)
    return (0, 0) if not len(loud) else (int(loud[0]), int(loud[-1]) + 1)


class Voice:
    """The user's speech, 16 kHz int16, synthesised with piper (cached per text and rate)."""

    def __init__(self, synth: Callable[[str, float], np.ndarray] | None = None) -> None:
        self._synth = synth or _piper_synth()
        self._cache: dict[tuple[str, float], np.ndarray] = {}

    def prepare(self, texts: list[str], length_scales: tuple[float, ...]) -> None:
        """Synthesise ahead (the driver must not stall mid-stream for piper)."""
        for text in texts:
            for scale in length_scales:
                self.say(text, scale)

    def say(self, text: str, length_scale: float = 1.0) -> np.ndarray:
        key = (text, length_scale)
        if key not in self._cache:
            self._cache[key] = self._synth(text, length_scale)
        return self._cache[key]


def _piper_synth() -> Callable[[str, float], np.ndarray]:
    from piper import PiperVoice, SynthesisConfig

    import models
    from edge.audio.convert import resample

    onnx, config = models.resolve("piper_joe")
    voice = PiperVoice.load(str(onnx), config_path=str(config))

    def synth(text: str, length_scale: float) -> np.ndarray:
        cfg = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
        audio = np.concatenate([c.audio_int16_array for c in voice.synthesize(text, cfg)])
        x = resample(audio, voice.config.sample_rate, RATE)
        a, b = speech_bounds(x)
        return np.ascontiguousarray(x[a:b], dtype=np.int16)  # trimmed: no silence around

    return synth


@dataclass
class Said:
    """One thing the user said. Positions are input stream samples."""

    kind: str  # request, silence_wake, barge_wake, barge_stop, follow_up
    text: str
    start: int
    end: int  # one past the last sample of speech
    trigger_end: int  # for barge_wake: the end of "Hey Jarvis"; else == end
    trial: int = -1  # barge-in trial number (-1: not a trial)
    device_talked_s: float = 0.0  # how long the device had been talking (barge-in triggers)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("start", "end", "trigger_end"):
            d[f"{key}_s"] = round(d[key] / RATE, 3)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Said:
        """Back from `to_dict` (samples if present, else the rounded seconds)."""
        pos = {k: int(d[k]) if k in d else round(d[f"{k}_s"] * RATE)
               for k in ("start", "end", "trigger_end")}
        return cls(d["kind"], d["text"], trial=d.get("trial", -1),
                   device_talked_s=d.get("device_talked_s", 0.0), **pos)


class DeviceEar:
    """What the user knows of the device's output: is it talking, since when, and how much
    it has talked in all. A pause under `gap_s` does not end a stretch of talk."""

    def __init__(self, gap_s: float = 0.5) -> None:
        self.gap = int(gap_s * RATE)
        self.seen = 0  # output samples looked at
        self.talk_start: int | None = None
        self.last_active = -(10**9)  # one past the last nonzero output sample
        self.active_samples = 0

    def update(self, played: np.ndarray) -> None:
        for i in range(self.seen, len(played) - BLOCK + 1, BLOCK):
            block = played[i : i + BLOCK]
            if np.any(block):
                if self.talk_start is None or i - self.last_active >= self.gap:
                    self.talk_start = i
                self.last_active = i + BLOCK
                self.active_samples += BLOCK
            self.seen = i + BLOCK
        if self.talk_start is not None and self.seen - self.last_active >= self.gap:
            self.talk_start = None

    def talking_for(self) -> float:
        """Seconds of the current stretch of talk (0 when quiet)."""
        return 0.0 if self.talk_start is None else (self.seen - self.talk_start) / RATE

    def quiet_for(self) -> float:
        return max(0, self.seen - max(self.last_active, 0)) / RATE


@dataclass(frozen=True)
class SessionPlan:
    silence_trials: int = 4
    wake_trials: int = 5
    stop_trials: int = 5
    own_speech_s: float = 120.0
    seed: int = 0
    talk_before_trigger_s: tuple[float, float] = (2.0, 5.0)
    reply_timeout_s: float = 30.0  # a request nobody answers within this: move on
    give_up_quiet_s: float = 8.0  # a turn that has not ended after this much quiet: missed
    max_reply_s: float = 120.0  # a reply longer than this: move on anyway


class Session:
    """The user's side of one run (see the module docstring). `next_block` is the driver's
    `Talker` interface."""

    def __init__(self, plan: SessionPlan, voice: Voice,
                 turns: Callable[[], int] | None = None) -> None:
        self.plan = plan
        self.voice = voice
        # how many turns the daemon has finished (its trace lines): the user waits for the
        # turns they started to end, so a slow cloud is not mistaken for the end of a reply
        self.turns = turns
        self.expected_turns = 0
        self.ear = DeviceEar()
        self.said: list[Said] = []
        self.void: list[dict[str, Any]] = []  # barge-in trials that could not be run
        self.rng = random.Random(plan.seed)
        self.k = 0
        self.own_speech_samples = 0  # device speech during phase 3, the user silent
        voice.prepare([WAKE_TRIGGER, FOLLOW_UP, SILENCE_REQUEST, *LONG_REQUESTS,
                       *STOP_TRIGGERS], SPEAKING_RATES)
        self._gen = self._script()
        self._silence = np.zeros(BLOCK, np.int16)
        self.phase = ""
        self._waited_ok = False

    # -- Talker ---------------------------------------------------------------------------
    def next_block(self, k: int, played: np.ndarray) -> np.ndarray | None:
        self.k = k
        before = self.ear.active_samples
        self.ear.update(played)
        if self.phase == "own_speech":
            self.own_speech_samples += self.ear.active_samples - before
        return next(self._gen, None)

    # -- building blocks ------------------------------------------------------------------
    def _rate(self) -> float:
        return self.rng.choice(SPEAKING_RATES)

    def _pause(self, seconds: float) -> Iterator[np.ndarray]:
        for _ in range(max(0, round(seconds * 100))):
            yield self._silence

    def _say(self, audio: np.ndarray, said: Said) -> Iterator[np.ndarray]:
        said.start = self.k * BLOCK
        n = -(-len(audio) // BLOCK) * BLOCK
        padded = np.zeros(n, np.int16)
        padded[: len(audio)] = audio
        said.end = said.start + len(audio)
        said.trigger_end += said.start  # given relative to the audio
        self.said.append(said)
        for i in range(0, n, BLOCK):
            yield padded[i : i + BLOCK]

    def _utter(self, kind: str, text: str, trial: int = -1) -> Iterator[np.ndarray]:
        audio = self.voice.say(text, self._rate())
        yield from self._say(audio, Said(kind, text, 0, 0, len(audio), trial))

    def _wait(self, done: Callable[[], bool], timeout_s: float) -> Iterator[np.ndarray]:
        """Silence until `done()` or the timeout; afterwards `self._waited_ok` tells which."""
        self._waited_ok = False
        for _ in range(round(timeout_s * 100)):
            if done():
                self._waited_ok = True
                return
            yield self._silence

    def _await_reply_end(self, new_turns: int, quiet_s: float = 1.5) -> Iterator[np.ndarray]:
        """Until the `new_turns` turns just started have ended (the daemon's trace) and the
        device has been quiet for `quiet_s`. Without a trace: until it has answered and
        then been quiet. A turn that never comes (a missed wake word) is given up after
        `give_up_quiet_s` of quiet."""
        p = self.plan
        self.expected_turns += new_turns
        turns = self.turns
        if turns is None:
            yield from self._wait(lambda: self.ear.talking_for() > 0, p.reply_timeout_s)
            yield from self._wait(lambda: self.ear.quiet_for() >= quiet_s, p.max_reply_s)
            return
        yield from self._wait(
            lambda: self.ear.quiet_for() >= quiet_s and (
                turns() >= self.expected_turns or self.ear.quiet_for() >= p.give_up_quiet_s),
            p.max_reply_s)
        self.expected_turns = turns()  # in step with what the daemon did (a miss, a false wake)

    # -- the script ---------------------------------------------------------------------
    def _script(self) -> Iterator[np.ndarray]:
        p = self.plan
        yield from self._pause(1.0)
        self.phase = "silence"
        for _ in range(p.silence_trials):
            yield from self._utter("silence_wake", SILENCE_REQUEST)
            yield from self._await_reply_end(1)
        self.phase = "barge_in"
        kinds = ["barge_wake", "barge_stop"] * max(p.wake_trials, p.stop_trials)
        todo = {"barge_wake": p.wake_trials, "barge_stop": p.stop_trials}
        trial, attempts = 0, 0
        for kind in kinds:
            while todo[kind] > 0 and attempts < 3 * (p.wake_trials + p.stop_trials):
                attempts += 1
                ran = yield from self._barge_trial(kind, trial)
                if ran:
                    todo[kind] -= 1
                    trial += 1
                    break
        self.phase = "own_speech"
        target = int(p.own_speech_s * RATE)
        i = 0
        while self.own_speech_samples < target:
            yield from self._utter("request", LONG_REQUESTS[i % len(LONG_REQUESTS)])
            yield from self._await_reply_end(1, quiet_s=2.0)
            i += 1
            if not self._waited_ok and self.ear.talking_for() == 0:
                break  # the device stopped answering: the trace will say why
        self.phase = "end"
        yield from self._pause(2.0)

    def _barge_trial(self, kind: str, trial: int) -> Generator[np.ndarray, None, bool]:
        """One barge-in trial; returns whether the trigger was spoken over the reply."""
        p = self.plan
        request = LONG_REQUESTS[self.rng.randrange(len(LONG_REQUESTS))]
        yield from self._utter("request", request)
        wait_s = self.rng.uniform(*p.talk_before_trigger_s)
        done = self.turns if self.turns is not None else (lambda: -1)
        ended = self.expected_turns + 1  # the request's turn is over: no reply to cut into
        yield from self._wait(lambda: self.ear.talking_for() > 0, p.reply_timeout_s)
        # a filler ("One moment.") and a pause before the answer may come first
        yield from self._wait(lambda: self.ear.talking_for() >= wait_s or done() >= ended or
                              self.ear.quiet_for() >= 4.0, p.max_reply_s)
        talked = self.ear.talking_for()
        if talked < wait_s:  # the reply was over (or never came) before the cut-in time
            self.void.append({"trial": trial, "kind": kind, "request": request,
                              "reason": f"the device talked {talked:.1f} s, not {wait_s:.1f}",
                              "at_s": round(self.k * BLOCK / RATE, 2)})
            yield from self._await_reply_end(1)
            return False
        rate = self._rate()
        if kind == "barge_wake":
            wake = self.voice.say(WAKE_TRIGGER, rate)
            follow = self.voice.say(FOLLOW_UP, rate)
            gap = np.zeros(int(0.25 * RATE), np.int16)
            audio = np.concatenate([wake, gap, follow])
            said = Said(kind, f"{WAKE_TRIGGER} {FOLLOW_UP}", 0, 0, len(wake), trial, talked)
        else:
            text = STOP_TRIGGERS[trial // 2 % len(STOP_TRIGGERS)]
            audio = self.voice.say(text, rate)
            said = Said(kind, text, 0, 0, len(audio), trial, talked)
        yield from self._say(audio, said)
        # the request's turn (cut short), and for the wake word the follow-up's
        yield from self._await_reply_end(2 if kind == "barge_wake" else 1)
        return True
