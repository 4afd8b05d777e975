"""False wakes: long streams of speech without the wake word, per voice.

Each voice reads sentences (questions, commands without the wake word, and sound-alikes of
"hey jarvis" such as "hey travis" or "a jar of this") with short pauses, about three
minutes per voice, clean; ten voices make half an hour. The wake model runs over each
stream frame by frame as the daemon runs it; every rise of its score to a threshold, at
least the refractory time after the last, is one false wake.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.audio.wavfile import read_wav, write_wav
from edge.messages import SAMPLE_RATE
from edge.speech_eval.phrases import COMMANDS, spoken
from edge.speech_eval.voices import VOICES, Synthesizer

SOUND_ALIKES = (
    "Hey Travis, are you coming tonight?", "Hey Mavis, pass the salt.", "Hey Davis, look at this.",
    "She put the jam in a jar of this size.", "Hey, harvest season is here.",
    "Hey Marvin, where are the keys?", "A jar is on the shelf.", "Hey Charlie, it is late.",
    "The service was slow today.", "Hey, are you there?", "Jars of honey are on sale.",
    "Hey Darvish, nice pitch.", "They sent a jar vista postcard.", "Hey Garvey, good morning.",
    "Hey there, this is Jarrod.", "Hey jazz fans, welcome back.", "Say, Jerry, is it raining?",
    "Carve his name into the tree.", "The harbor is busy this morning.", "Hey, are we there yet?",
)
PROSE = (
    "The weather this weekend looks mild, with a little rain on Sunday afternoon.",
    "We should leave early to miss the traffic on the bridge.",
    "My brother keeps bees in the garden and sells the honey at the market.",
    "Remember to water the plants before you go on holiday.",
    "The library is open late on Thursdays, so we can study there.",
    "I think the train was delayed because of the storm last night.",
    "Could you bring the blue folder from my desk when you come?",
    "The children built a castle out of cardboard boxes.",
)
MINUTES_PER_VOICE = 3.0
# The same streams in a noisy room (the recordings' noise conditions): a room of people
# talking is speech too, and noise lifts the wake model's score on its own.
NOISY = ("white-15dB", "pink-10dB", "babble-15dB")


@dataclass(frozen=True)
class Stream:
    voice: str
    group: str
    path: Path
    seconds: float


def sentences() -> list[str]:
    texts = list(SOUND_ALIKES) + list(PROSE)
    texts += [spoken(c) for c in COMMANDS]  # commands without the wake word
    return texts


def generate_streams(folder: Path, seed: int = 7) -> list[Stream]:
    synth, rng = Synthesizer(), np.random.default_rng(seed)
    out = []
    texts = sentences()
    for voice in VOICES:
        path = folder / "nonwake" / f"{voice.name}.wav"
        if not path.exists():
            parts: list[np.ndarray] = []
            said_when: list[tuple[float, float, str]] = []
            total, target = 0, int(MINUTES_PER_VOICE * 60 * SAMPLE_RATE)
            order = rng.permutation(len(texts))
            i = 0
            while total < target:
                text = texts[order[i % len(order)]]
                said = synth.say(voice, text).astype(np.float64)
                said_when.append((total / SAMPLE_RATE, (total + len(said)) / SAMPLE_RATE, text))
                said *= 3000.0 / (np.sqrt(np.mean(said**2)) + 1e-9)
                pause = np.zeros(int(rng.uniform(0.3, 1.2) * SAMPLE_RATE))
                parts += [np.clip(said, -32768, 32767), pause]
                total += len(said) + len(pause)
                i += 1
            write_wav(path, np.round(np.concatenate(parts)).astype(np.int16), SAMPLE_RATE)
            path.with_suffix(".json").write_text(json.dumps(said_when), encoding="utf-8")
        out.append(Stream(voice.name, voice.group, path, len(read_wav(path)) / SAMPLE_RATE))
    return out


def noisy_streams(folder: Path, streams: list[Stream], seed: int = 11) -> dict[str, Stream]:
    """Each stream under each NOISY condition ("voice:condition" -> stream), the noise
    under the whole stream at the condition's SNR against the speech (pauses excluded:
    the streams are silent between sentences)."""
    from edge.speech_eval.conditions import CONDITIONS, NoiseBank, with_noise

    bank, rng = NoiseBank(), np.random.default_rng(seed)
    out = {}
    for condition in (c for c in CONDITIONS if c.name in NOISY):
        for stream in streams:
            path = folder / "nonwake" / f"{stream.voice}-{condition.name}.wav"
            if not path.exists():
                clean = read_wav(stream.path).astype(np.float64)
                power = float(np.mean(clean[clean != 0] ** 2))
                noisy = with_noise(clean, condition, power, bank, rng)
                write_wav(path, np.clip(np.round(noisy), -32768, 32767).astype(np.int16),
                          SAMPLE_RATE)
            out[f"{stream.voice}:{condition.name}"] = Stream(stream.voice, stream.group, path,
                                                             stream.seconds)
    return out


def wake_peaks(streams: list[Stream], aec: str = "off"
               ) -> dict[str, list[tuple[float, float]]]:
    """Per voice: (time, score) of every frame, from the real wake model, the stream heard
    through the echo canceller as `aec` says (`DuplexSettings.aec`)."""
    from edge.audio.duplex import hear_recording
    from edge.settings import WakeSettings
    from edge.stages.wake import WakeWordDetector, frames_of

    wake = WakeWordDetector(WakeSettings())  # its own decisions unused: scores per frame
    wake.warm_up()
    result: dict[str, list[tuple[float, float]]] = {}
    for stream in streams:
        audio = hear_recording(read_wav(stream.path), aec)
        wake.reset(new_stream=True)
        series = []
        for frame in frames_of(audio):
            wake.process(frame)
            series.append((frame.end_s, wake.last_score))
        result[stream.voice] = series
    return result


def false_wakes(series: list[tuple[float, float]], threshold: float,
                refractory_s: float = 2.0) -> list[float]:
    """Times at which the wake word would have fired."""
    fired: list[float] = []
    for at, score in series:
        if score >= threshold and (not fired or at - fired[-1] >= refractory_s):
            fired.append(at)
    return fired


def what_was_said(stream: Stream, at_s: float) -> str:
    """The sentence being spoken (or just ended) at `at_s`."""
    schedule = json.loads(stream.path.with_suffix(".json").read_text(encoding="utf-8"))
    best = ""
    for start, _end, text in schedule:
        if start <= at_s:
            best = text
    return best


def sweep(folder: Path, thresholds: tuple[float, ...], aec: str = "off") -> list[str]:
    """False wakes per threshold and voice group, and the sentences that caused them."""
    streams = generate_streams(folder)
    series = wake_peaks(streams, aec)
    lines = []
    for group in sorted({s.group for s in streams}):
        members = [s for s in streams if s.group == group]
        hours = sum(s.seconds for s in members) / 3600
        cells = []
        for t in thresholds:
            n = sum(len(false_wakes(series[s.voice], t)) for s in members)
            cells.append(f"{t}: {n} ({n / hours:.1f}/h)")
        lines.append(f"  {group} ({60 * hours:.1f} min): " + ", ".join(cells))
    lines.append("  what fired at 0.5:")
    for s in streams:
        for at in false_wakes(series[s.voice], 0.5):
            lines.append(f"    {s.voice} at {at:.1f} s: {what_was_said(s, at)!r}")
    return lines
