"""Audio sinks: where reply audio goes (a WAV file or the pyaudio speaker)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from edge.audio.wavfile import write_wav


class AudioSink(Protocol):
    def play(self, samples: np.ndarray, sample_rate: int) -> None: ...

    def end_turn(self) -> None: ...

    def close(self) -> None: ...


class WavSink:
    """Collects every reply, turns separated by a short silence, into one WAV at close."""

    def __init__(self, path: Path, gap_s: float = 0.3) -> None:
        self.path = path
        self._gap_s = gap_s
        self._chunks: list[np.ndarray] = []
        self._rate: int | None = None

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        if self._rate not in (None, sample_rate):
            raise ValueError("all replies in one WAV must share a sample rate")
        self._rate = sample_rate
        self._chunks.append(np.asarray(samples, dtype=np.int16))

    def end_turn(self) -> None:
        if self._rate and self._chunks:
            self._chunks.append(np.zeros(int(self._gap_s * self._rate), dtype=np.int16))

    def close(self) -> None:
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        write_wav(self.path, audio, self._rate or 22_050)


class SpeakerSink:
    """Plays through the default pyaudio output device."""

    def __init__(self) -> None:
        import pyaudio

        self._pa = pyaudio.PyAudio()
        self._stream: pyaudio.Stream | None = None
        self._rate: int | None = None

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        import pyaudio

        if self._stream is None or self._rate != sample_rate:
            if self._stream is not None:
                self._stream.close()
            self._stream = self._pa.open(
                format=pyaudio.paInt16, channels=1, rate=sample_rate, output=True
            )
            self._rate = sample_rate
        assert self._stream is not None
        self._stream.write(np.asarray(samples, dtype="<i2").tobytes())

    def end_turn(self) -> None:
        pass

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        self._pa.terminate()
