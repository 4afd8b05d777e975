"""Acoustic conditions applied to a clean recording: noise at a set SNR, reverb, low gain.

Noise is made with sox (white, pink) or from speech (babble: five espeak-ng voices talking
at once); the SNR is measured against the speech alone (the wake word and the command),
and the noise runs through the whole recording, silences included. Reverb is sox's
`reverb` (a room of moderate size); gain is a plain -12 dB.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.audio.wavfile import read_wav, write_wav
from edge.messages import SAMPLE_RATE


@dataclass(frozen=True)
class Condition:
    name: str
    noise: str | None = None  # "white", "pink", "babble"
    snr_db: float = 0.0
    reverb: bool = False
    gain_db: float = 0.0


CONDITIONS: tuple[Condition, ...] = (
    Condition("clean"),
    Condition("white-15dB", noise="white", snr_db=15.0),
    Condition("pink-10dB", noise="pink", snr_db=10.0),
    Condition("babble-15dB", noise="babble", snr_db=15.0),
    Condition("reverb", reverb=True),
    Condition("gain-12dB", gain_db=-12.0),
)

_BABBLE_TEXTS = (
    ("en-us+m2", "The committee met on Tuesday to discuss the budget for the coming year and "
                 "agreed to postpone the vote until every member had read the report."),
    ("en+f1", "My sister moved to a small town by the sea where she opened a bakery that "
              "sells bread in the morning and soup at lunch time."),
    ("en-gb+m4", "Researchers found that the river had changed its course after the storm, "
                 "flooding several farms and closing the old bridge for repairs."),
    ("en-us+f5", "If you are looking for a good book this summer, try one of the classic "
                 "adventure stories, they are short and easy to read on a train."),
    ("en+m1", "The football match ended in a draw after a late goal, and the fans stayed in "
              "the stadium singing long after the final whistle had blown."),
)


class NoiseBank:
    """Long noise recordings, made once per run, cut at a seeded offset per recording."""

    def __init__(self, seconds: float = 30.0) -> None:
        self._seconds = seconds
        self._noise: dict[str, np.ndarray] = {}

    def get(self, kind: str, length: int, rng: np.random.Generator) -> np.ndarray:
        if kind not in self._noise:
            self._noise[kind] = self._make(kind)
        noise = self._noise[kind]
        while len(noise) < length:
            noise = np.concatenate([noise, noise])
        start = int(rng.integers(0, len(noise) - length + 1))
        return noise[start : start + length].astype(np.float64)

    def _make(self, kind: str) -> np.ndarray:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "noise.wav"
            if kind in ("white", "pink"):
                _sox(["-n", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(out), "synth",
                      str(self._seconds), f"{kind}noise", "vol", "0.3"])
                return read_wav(out)
            if kind == "babble":
                return _babble(Path(tmp), int(self._seconds * SAMPLE_RATE))
        raise ValueError(f"unknown noise {kind!r}")


def _babble(tmp: Path, length: int) -> np.ndarray:
    mix = np.zeros(length, dtype=np.float64)
    for i, (voice, text) in enumerate(_BABBLE_TEXTS):
        out = tmp / f"talker{i}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(out), text * 3], check=True,
                       capture_output=True, timeout=120)
        talker = read_wav(out).astype(np.float64)
        talker = np.roll(np.resize(talker, length), i * 7919)
        mix += talker / (np.sqrt(np.mean(talker**2)) + 1e-9)
    return np.clip(mix / np.abs(mix).max() * 16000, -32768, 32767).astype(np.int16)


def apply(condition: Condition, samples: np.ndarray, speech: tuple[int, int],
          bank: NoiseBank, rng: np.random.Generator) -> np.ndarray:
    """The recording under `condition`; `speech` is the (start, end) sample span of speech."""
    x = samples.astype(np.float64)
    if condition.reverb:
        x = _reverb(samples)
    if condition.noise is not None:
        active = x[speech[0] : speech[1]]
        x = with_noise(x, condition, float(np.mean(active**2)), bank, rng)
    if condition.gain_db:
        x = x * 10 ** (condition.gain_db / 20)
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def with_noise(x: np.ndarray, condition: Condition, speech_power: float, bank: NoiseBank,
               rng: np.random.Generator) -> np.ndarray:
    """`x` (float) with the condition's noise under all of it, `condition.snr_db` below
    `speech_power` (the mean square of the speech alone)."""
    assert condition.noise is not None
    noise = bank.get(condition.noise, len(x), rng)
    noise_power = float(np.mean(noise**2)) + 1e-9
    return x + np.sqrt(speech_power / (noise_power * 10 ** (condition.snr_db / 10))) * noise


def _reverb(samples: np.ndarray) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        write_wav(src, samples, SAMPLE_RATE)
        # reverberance 60 %, HF damping 50 %, room scale 80 %, stereo depth 100, pre-delay 10 ms
        _sox([str(src), str(out), "reverb", "60", "50", "80", "100", "10"])
        wet = read_wav(out).astype(np.float64)
    return wet[: len(samples)]


def _sox(args: list[str]) -> None:
    # -R: the same random numbers on every run (noise), -D: no dither: repeatable audio
    subprocess.run(["sox", "-q", "-R", "-D", *args], check=True, capture_output=True, timeout=120)
