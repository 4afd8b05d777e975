"""One clock for both directions: per 10 ms input block, one output block of the same duration.

    block in  ─► CaptureChain (downmix, resample, DC) ─► echo.capture ─► ring ─► pipeline
    block out ◄─ PlaybackQueue.read (reply or silence) ─► resample 16 kHz ─► echo.playback

`DuplexBlocks.step` runs on whichever thread owns the clock (the capture thread for stdin,
the microphone or a paced recording; the event loop for a pulled recording). The number of
output samples is kept exact over the whole stream: after `n` input samples at `in_rate`,
exactly `n * out_rate // in_rate` output samples have been produced, whatever the block
sizes (11.025 and 22.05 kHz have no whole number of samples in 10 ms).

The echo canceller sits after the capture chain and before the ring, so the wake word and
the VADs see the cleaned signal; its reference is the block sent to the speaker in the same
slot, resampled to 16 kHz. Anything with `playback(ref16k)` and `capture(mic16k)` fits
(`EchoCanceller`); `NoEcho` passes the microphone through.
"""

from __future__ import annotations

import importlib
from typing import Protocol

import numpy as np

from contract.errors import AudioInputError
from edge.audio.playback import PlaybackQueue
from edge.messages import SAMPLE_RATE
from native import Resampler, RingBuffer

AEC_MODES = ("auto", "on", "off")


class OutputClosed(Exception):
    """The lockstep output went away (EPIPE on stdout, the sound device closed)."""


class EchoCanceller(Protocol):
    def playback(self, ref16k: np.ndarray) -> None:
        """The 16 kHz signal sent to the speaker in the slot of the next `capture` block."""
        ...

    def capture(self, mic16k: np.ndarray) -> np.ndarray:
        """16 kHz microphone samples in, the same number out with the echo removed."""
        ...


class NoEcho:
    """The identity canceller: for input known to carry no echo (hardware AEC, a recording)."""

    def playback(self, ref16k: np.ndarray) -> None:
        pass

    def capture(self, mic16k: np.ndarray) -> np.ndarray:
        return mic16k


def load_echo_canceller(mode: str) -> EchoCanceller | None:
    """`--aec`: "on" needs the echo stage, "auto" takes it when it is installed, "off" never.

    None means no canceller runs: the pipeline then gates wake word and VAD on playback."""
    if mode not in AEC_MODES:
        raise AudioInputError(f"--aec must be one of {', '.join(AEC_MODES)}, got {mode!r}")
    if mode == "off":
        return None
    try:
        echo = importlib.import_module("edge.audio.echo")
        stage: EchoCanceller = echo.EchoStage()
    except (ImportError, OSError, AttributeError) as exc:
        if mode == "on":
            raise AudioInputError(
                f"--aec on: the echo canceller is not available ({exc}); install libspeexdsp1 "
                "or run with --aec off on hardware that cancels echo itself"
            ) from None
        return None
    return stage


def hear_alone(echo: EchoCanceller, samples: np.ndarray, block: int = 160) -> np.ndarray:
    """`samples` (16 kHz int16) as the pipeline hears them through `echo` while nothing
    plays: a recording fed to the daemon goes through its canceller too, and speex's
    residual-echo suppressor denoises whatever comes in. Same length, the canceller's
    latency included (the daemon hears that much later)."""
    silence = np.zeros(block, dtype=np.int16)
    out = []
    for i in range(0, len(samples), block):
        mic = np.ascontiguousarray(samples[i : i + block], dtype=np.int16)
        echo.playback(silence[: len(mic)])
        out.append(echo.capture(mic))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int16)


def canceller_key(mode: str) -> str:
    """What `--aec mode` does here to a microphone while nothing plays, as a short key
    ("" when no canceller runs): benchmarks cache what the models heard under it."""
    canceller = load_echo_canceller(mode)
    _close(canceller)
    if canceller is None:
        return ""
    quiet = getattr(canceller, "quiet_noise_suppress_db", None)
    return "aec" if quiet is None else f"aec {quiet} dB"


def hear_recording(samples: np.ndarray, mode: str) -> np.ndarray:
    """A recording as the daemon's models hear it under `--aec mode`: through a fresh echo
    canceller (a stream of its own) when one runs (`hear_alone`), else as it is."""
    canceller = load_echo_canceller(mode)
    if canceller is None:
        return samples
    try:
        return hear_alone(canceller, samples)
    finally:
        _close(canceller)


def _close(canceller: EchoCanceller | None) -> None:
    close = getattr(canceller, "close", None)
    if close is not None:
        close()


class DuplexBlocks:
    """The per-block step of a full-duplex stream (see the module docstring)."""

    def __init__(
        self,
        ring: RingBuffer,
        playback: PlaybackQueue,
        echo: EchoCanceller | None,
        chain: CaptureChainLike,
    ) -> None:
        self.ring = ring
        self.playback = playback
        self.echo = echo
        self.chain = chain
        self.in_rate = chain.rate
        self.out_rate = playback.rate
        self.frames_in = 0  # device sample frames consumed
        self.samples_out = 0  # output samples produced
        self._to16k = Resampler(self.out_rate, SAMPLE_RATE) if self.out_rate != SAMPLE_RATE \
            else None
        self._ref = np.zeros(0, dtype=np.int16)  # reference at 16 kHz not yet matched

    def out_samples(self, frames_in: int) -> int:
        """How many output samples go with the next `frames_in` input frames."""
        total = (self.frames_in + frames_in) * self.out_rate // self.in_rate
        return total - self.samples_out

    def step(self, block: np.ndarray) -> np.ndarray:
        """Interleaved int16 device samples in; returns the output block for the same slot."""
        frames = len(block) // self.chain.channels
        out = self.playback.read(self.out_samples(frames))
        self.frames_in += frames
        self.samples_out += len(out)
        mic = self.chain.convert(block)
        if self.echo is not None:
            mic = self._cancel(out, mic)
        self.ring.write(mic)
        return out

    def step_bytes(self, data: bytes) -> np.ndarray:
        """Little-endian bytes in (a partial sample frame waits for the rest)."""
        return self.step(self.chain.frames_of(data))

    def _cancel(self, out: np.ndarray, mic: np.ndarray) -> np.ndarray:
        assert self.echo is not None
        ref = self._to16k.process(out) if self._to16k is not None else out
        self._ref = np.concatenate([self._ref, ref]) if len(self._ref) else ref
        n = len(mic)
        if len(self._ref) < n:  # the resampler's delay: the first blocks come up short
            self._ref = np.concatenate([np.zeros(n - len(self._ref), np.int16), self._ref])
        slot, self._ref = self._ref[:n], self._ref[n:]
        self.echo.playback(np.ascontiguousarray(slot, dtype=np.int16))
        return self.echo.capture(np.ascontiguousarray(mic, dtype=np.int16))


class CaptureChainLike(Protocol):
    rate: int
    channels: int

    def convert(self, samples: np.ndarray) -> np.ndarray: ...

    def frames_of(self, data: bytes) -> np.ndarray: ...
