"""Test and demo speech, synthesised offline with the piper voice."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from edge.audio.convert import resample
from edge.audio.wavfile import read_wav, write_wav
from edge.messages import SAMPLE_RATE
from edge.stages.tts import PiperTts

DEMO_UTTERANCES = (
    "Hey Jarvis, turn on the kitchen lights.",
    "Hey Jarvis, set a timer for ten minutes.",
    "Hey Jarvis, why is the sky blue?",
)


def synthesize(tts: PiperTts, text: str, lead_s: float = 1.0, tail_s: float = 1.5) -> np.ndarray:
    """16 kHz speech with silence around it, as a microphone would hear a request."""
    speech = np.concatenate(list(tts.sentences(text, deterministic=True)))
    speech = resample(speech, tts.sample_rate, SAMPLE_RATE)
    pad = (np.zeros(int(s * SAMPLE_RATE), dtype=np.int16) for s in (lead_s, tail_s))
    lead, tail = pad
    return np.concatenate([lead, speech, tail])


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48]


def demo_inputs(out_dir: Path, tts: PiperTts | None = None) -> list[Path]:
    """The demo utterances as 16 kHz WAV files, synthesised once and reused."""
    paths = []
    for text in DEMO_UTTERANCES:
        path = out_dir / f"{slug(text)}.wav"
        if not path.exists():
            tts = tts or PiperTts()
            write_wav(path, synthesize(tts, text), SAMPLE_RATE)
        paths.append(path)
    return paths


__all__ = ["DEMO_UTTERANCES", "demo_inputs", "read_wav", "synthesize"]
