"""Audio sinks: where reply audio goes (a WAV file or the pyaudio speaker), and the two
wrappers on the way: `RateSink` (streaming conversion to the device rate) and `DuckingSink`
(mixing over music, ducked while the assistant speaks)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from edge.audio.wavfile import write_wav
from native import Ducker, Resampler


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


class RateSink:
    """Converts reply audio to the rate the device plays (many boards only play 48 kHz).

    One streaming native resampler per turn: the sentence chunks of a reply are one stream,
    so their boundaries cannot click; `end_turn` flushes the filter's tail."""

    def __init__(self, inner: AudioSink, rate: int) -> None:
        from native.filter_design import check_rate

        self.inner = inner
        self.rate = check_rate(rate, "output rate")
        self._resampler: Resampler | None = None

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        if sample_rate == self.rate:
            self.inner.play(samples, sample_rate)
            return
        if self._resampler is None or self._resampler.rate_in != sample_rate:
            self._flush()
            self._resampler = Resampler(sample_rate, self.rate)
        out = self._resampler.process(np.ascontiguousarray(samples, dtype=np.int16))
        if len(out):
            self.inner.play(out, self.rate)

    def _flush(self) -> None:
        if self._resampler is not None:
            tail = self._resampler.flush()
            self._resampler = None
            if len(tail):
                self.inner.play(tail, self.rate)

    def end_turn(self) -> None:
        self._flush()
        self.inner.end_turn()

    def close(self) -> None:
        self._flush()
        self.inner.close()


class DuckingSink:
    """Mixes replies over a music bed, lowering the music while the assistant speaks.

    The music (int16 mono at the sink rate) loops; every reply chunk is mixed over the next
    stretch of it by the native `Ducker`, and `end_turn` plays `tail_s` more music while the
    gain ramps back up. Put a `RateSink` in front so replies arrive at the music's rate."""

    def __init__(
        self, inner: AudioSink, music: np.ndarray, rate: int, duck_db: float = -15.0,
        tail_s: float = 0.5,
    ) -> None:
        if len(music) == 0:
            raise ValueError("the music bed is empty")
        self.inner = inner
        self.rate = rate
        self._music = np.ascontiguousarray(music, dtype=np.int16)
        self._pos = 0
        self._tail = int(tail_s * rate)
        self.ducker = Ducker(rate, duck_db=duck_db)

    def _next_music(self, n: int) -> np.ndarray:
        idx = (self._pos + np.arange(n)) % len(self._music)
        self._pos = (self._pos + n) % len(self._music)
        return self._music[idx]

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        if sample_rate != self.rate:
            raise ValueError(
                f"DuckingSink plays {self.rate} Hz; got {sample_rate} Hz (put a RateSink first)"
            )
        voice = np.ascontiguousarray(samples, dtype=np.int16)
        self.inner.play(self.ducker.mix(self._next_music(len(voice)), voice, True), self.rate)

    def end_turn(self) -> None:
        if self._tail:
            silence = np.zeros(self._tail, dtype=np.int16)
            self.inner.play(self.ducker.mix(self._next_music(self._tail), silence, False),
                            self.rate)
        self.inner.end_turn()

    def close(self) -> None:
        self.inner.close()
