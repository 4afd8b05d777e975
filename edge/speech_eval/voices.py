"""Synthetic voices for the speech evaluation: piper, flite and espeak-ng variants.

Each voice turns text into 16 kHz mono int16 speech, offline. The split into a dev group
(tuning: thresholds, calibration) and a held-out group (final figures) is by voice, and
mixes the three synthesisers on both sides; the device's own reply voice (piper joe) is
held out, so no figure is tuned on the voice the wake word and Whisper hear best.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.audio.wavfile import read_wav

DEV = "dev"
HELD_OUT = "heldout"


@dataclass(frozen=True)
class Voice:
    name: str
    engine: str  # "piper", "flite" or "espeak-ng"
    group: str  # DEV or HELD_OUT
    spec: str  # flite: voice name; espeak-ng: voice+variant; piper: length scale
    speed: int = 0  # espeak-ng words per minute (0: default)
    pitch: int = -1  # espeak-ng pitch 0-99 (-1: default)


VOICES: tuple[Voice, ...] = (
    Voice("flite-slt", "flite", DEV, "slt"),
    Voice("flite-rms", "flite", DEV, "rms"),
    Voice("espeak-us-f3", "espeak-ng", DEV, "en-us+f3", 165, 60),
    Voice("espeak-en-m7", "espeak-ng", DEV, "en+m7", 150, 40),
    Voice("espeak-scot-m3", "espeak-ng", DEV, "en-gb-scotland+m3", 175, 50),
    Voice("piper-joe", "piper", HELD_OUT, "1.0"),
    Voice("flite-awb", "flite", HELD_OUT, "awb"),
    Voice("flite-kal16", "flite", HELD_OUT, "kal16"),
    Voice("espeak-rp-f2", "espeak-ng", HELD_OUT, "en-gb-x-rp+f2", 160, 55),
    Voice("espeak-caribbean-f4", "espeak-ng", HELD_OUT, "en-029+f4", 170, 65),
)


def missing_tools() -> list[str]:
    return [tool for tool in ("espeak-ng", "flite", "sox") if shutil.which(tool) is None]


class Synthesizer:
    """One object for all voices; piper's model is loaded on first use."""

    def __init__(self) -> None:
        self._piper: Callable[[str, float], np.ndarray] | None = None

    def say(self, voice: Voice, text: str) -> np.ndarray:
        if voice.engine == "piper":
            return self._piper_say(text, float(voice.spec))
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "say.wav"
            if voice.engine == "flite":
                cmd = ["flite", "-voice", voice.spec, "-t", text, "-o", str(out)]
            elif voice.engine == "espeak-ng":
                cmd = ["espeak-ng", "-v", voice.spec, "-w", str(out)]
                if voice.speed:
                    cmd += ["-s", str(voice.speed)]
                if voice.pitch >= 0:
                    cmd += ["-p", str(voice.pitch)]
                cmd.append(text)
            else:
                raise ValueError(f"unknown engine {voice.engine!r}")
            subprocess.run(cmd, check=True, capture_output=True, timeout=60)
            return _trim(read_wav(out))

    def _piper_say(self, text: str, length_scale: float) -> np.ndarray:
        if self._piper is None:
            from piper import SynthesisConfig

            from edge.audio.convert import resample
            from edge.messages import SAMPLE_RATE
            from edge.stages.tts import PiperTts

            tts = PiperTts()
            voice = tts._voice  # the same model file the device speaks with

            def say(words: str, scale: float) -> np.ndarray:
                config = SynthesisConfig(length_scale=scale, noise_scale=0.0, noise_w_scale=0.0)
                chunks = [c.audio_int16_array for c in voice.synthesize(words, config)]
                return resample(np.concatenate(chunks), tts.sample_rate, SAMPLE_RATE)

            self._piper = say
        return _trim(self._piper(text, length_scale))


def _trim(samples: np.ndarray, floor: int = 200) -> np.ndarray:
    """Cut the synthesiser's own leading and trailing silence (so speech times are exact)."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > floor)
    if len(loud) == 0:
        return samples
    return samples[max(0, loud[0] - 80) : loud[-1] + 80]
