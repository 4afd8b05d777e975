"""Audio sources: a recording, raw PCM on stdin, or a pyaudio microphone.

Every source feeds a native ring buffer (the capture side never blocks; overruns are
counted) and the pipeline reads frames from it as zero-copy views. Audio that is not
16 kHz mono goes through a `CaptureChain` on the capture thread first: downmix, streaming
resampler, DC blocker (all native kernels), so the ring always holds 16 kHz mono int16.
A recording processed as fast as possible is pulled instead, so nothing is dropped.

Frame lifetime: the `AudioFrame` yielded by `RingSource.frames` views the ring and is valid
until the consumer asks for the next frame (the source then commits it). Anything kept
longer (the pre-roll before a wake word, a whole utterance) is taken back by position with
`RingSource.span`, which views the ring again without copying; `RingSource.intact` tells
whether such a view survived (the ring holds `capacity_s` seconds; only a consumer that lags
that far loses audio, and that is counted as overrun).
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import numpy as np

from edge.errors import AudioInputError
from edge.messages import SAMPLE_RATE, AudioFrame
from native import DcBlocker, Resampler, RingBuffer, downmix
from native.filter_design import SUPPORTED_RATES

CHUNK = SAMPLE_RATE // 100  # producers deliver 10 ms at a time, like a capture driver
POLL_S = 0.005
RING_SECONDS = 20.0  # > max utterance + pre-roll + the time a turn takes

# A producer writes into the ring until it runs out or `stop` is set.
Producer = Callable[[RingBuffer, threading.Event], None]


@dataclass
class SourceStats:
    overrun_samples: int = 0
    samples_in: int = 0
    torn_frames: int = 0  # frames the producer overwrote while the pipeline used them


class CaptureChain:
    """Device PCM (any supported rate, interleaved channels) -> 16 kHz mono int16.

    One per stream, used by the capture thread only: the resampler and DC blocker keep
    state between chunks, so chunk boundaries are seamless."""

    def __init__(self, rate: int, channels: int = 1, dc_block: bool = True) -> None:
        if rate not in SUPPORTED_RATES:
            supported = ", ".join(str(r) for r in SUPPORTED_RATES)
            raise AudioInputError(
                f"input sample rate {rate} Hz is not supported (supported: {supported})"
            )
        if not 1 <= channels <= 32:
            raise AudioInputError(f"input channel count {channels} is not supported (1..32)")
        self.rate, self.channels = rate, channels
        self._resampler = Resampler(rate, SAMPLE_RATE) if rate != SAMPLE_RATE else None
        self._dc = DcBlocker(SAMPLE_RATE) if dc_block else None
        self._pending = b""  # bytes of an incomplete sample frame, waiting for the rest

    def push_bytes(self, data: bytes, ring: RingBuffer) -> int:
        """Little-endian int16 interleaved PCM in; returns the 16 kHz samples written."""
        frame_bytes = 2 * self.channels
        if self._pending:
            data = self._pending + data
        usable = len(data) - len(data) % frame_bytes  # a partial frame waits for the rest
        self._pending = data[usable:]
        if not usable:
            return 0
        return self.push(np.frombuffer(data[:usable], dtype="<i2"), ring)

    def push(self, samples: np.ndarray, ring: RingBuffer) -> int:
        x = downmix(samples, self.channels) if self.channels > 1 else samples
        if self._resampler is not None:
            x = self._resampler.process(x)
        if self._dc is not None:
            x = self._dc.process(x)
        return ring.write(x)


class RingSource:
    """Reads frames from a ring buffer filled by a producer thread (or pulled inline)."""

    def __init__(
        self,
        producer: Producer | None = None,
        pull: np.ndarray | None = None,
        capacity_s: float = RING_SECONDS,
    ) -> None:
        if (producer is None) == (pull is None):
            raise ValueError("give exactly one of producer= or pull=")
        self._producer = producer
        self._pull = pull
        self._capacity = int(capacity_s * SAMPLE_RATE)
        self._ring: RingBuffer | None = None
        self.stats = SourceStats()

    async def frames(self, frame_samples: int) -> AsyncIterator[AudioFrame]:
        """Consecutive frames as read-only views of the ring (see the module docstring)."""
        ring = self._ring = RingBuffer(max(self._capacity, 2 * frame_samples))
        stop, finished = threading.Event(), threading.Event()
        failure: list[Exception] = []
        thread = None
        if self._producer is not None:
            producer = self._producer

            def run() -> None:
                try:
                    producer(ring, stop)
                except Exception as exc:  # re-raised in the consumer, where it can be reported
                    failure.append(exc)
                finally:
                    finished.set()

            thread = threading.Thread(target=run, name="audio-capture", daemon=True)
            thread.start()
        pulled = 0
        torn = 0
        try:
            while True:
                if self._pull is not None and ring.available < frame_samples:
                    if pulled >= len(self._pull):
                        break
                    ring.write(self._pull[pulled : pulled + frame_samples])
                    pulled += frame_samples
                    continue
                frame = ring.peek(frame_samples)
                if frame is None:
                    if finished.is_set() and ring.available < frame_samples:
                        if failure:
                            raise failure[0]
                        break  # a partial last frame is shorter than any word
                    await asyncio.sleep(POLL_S)
                    continue
                # Exact even after an overrun: where in the input this frame began.
                yield AudioFrame(frame, ring.last_read_start / SAMPLE_RATE)
                if not ring.commit(frame_samples):
                    torn += 1
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=1.0)
            self.stats = SourceStats(ring.overrun_samples, ring.total_written, torn)

    @property
    def written_s(self) -> float:
        """Stream time of everything captured so far (the live edge of the input)."""
        return self._require_ring().total_written / SAMPLE_RATE

    def span(self, start_s: float, end_s: float) -> np.ndarray:
        """A zero-copy view of the input between two stream times (clamped to what the ring
        still holds): the pre-roll plus request for STT."""
        ring = self._require_ring()
        end = min(round(end_s * SAMPLE_RATE), ring.total_written)
        oldest = max(0, ring.total_written - ring.capacity)
        start = min(max(round(start_s * SAMPLE_RATE), oldest), end)
        if end == start:
            return np.zeros(0, dtype=np.int16)
        return ring.view(start, end - start)

    def intact(self, start_s: float) -> bool:
        """Whether views from `start_s` on are still what was captured."""
        return self._require_ring().is_intact(max(0, round(start_s * SAMPLE_RATE)))

    def _require_ring(self) -> RingBuffer:
        if self._ring is None:
            raise RuntimeError("RingSource.span: the source is not running")
        return self._ring


def recording_source(samples: np.ndarray, realtime: bool) -> RingSource:
    """A 16 kHz recording, pulled as fast as the pipeline goes, or pushed at real speed."""
    if not realtime:
        return RingSource(pull=samples)

    def paced(ring: RingBuffer, stop: threading.Event) -> None:
        t0 = time.monotonic()
        for i in range(0, len(samples), CHUNK):
            if stop.is_set():
                return
            delay = t0 + i / SAMPLE_RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            ring.write(samples[i : i + CHUNK])

    return RingSource(producer=paced)


def stdin_source(rate: int = SAMPLE_RATE, channels: int = 1) -> RingSource:
    """Raw little-endian int16 PCM on stdin at `rate` (e.g. `arecord -f S16_LE -r 48000`)."""
    chain = CaptureChain(rate, channels, dc_block=rate != SAMPLE_RATE or channels != 1)

    def read(ring: RingBuffer, stop: threading.Event) -> None:
        stream = sys.stdin.buffer
        block_bytes = 2 * channels * (rate // 100)
        while not stop.is_set():
            block = stream.read(block_bytes)
            if not block:
                return
            chain.push_bytes(block, ring)

    return RingSource(producer=read)


def microphone_source(device_index: int | None = None, rate: int | None = None) -> RingSource:
    """The default (or given) pyaudio input device, mono, at `rate` (default 16 kHz, which
    ALSA's plug layer converts to; give the device's own rate, e.g. 48000, to skip that and
    let the native chain convert), downmixed, resampled and DC-blocked to 16 kHz.

    Blocking reads on the capture thread, paced to real time: a hardware device paces
    itself, while a virtual one (ALSA's file plugin in tests) would otherwise flood the ring.
    """
    import pyaudio

    device_rate = rate or SAMPLE_RATE
    chain = CaptureChain(device_rate, 1, dc_block=device_rate != SAMPLE_RATE)
    chunk = device_rate // 100

    def capture(ring: RingBuffer, stop: threading.Event) -> None:
        pa = pyaudio.PyAudio()
        try:
            stream = pa.open(
                format=pyaudio.paInt16, channels=1, rate=device_rate, input=True,
                frames_per_buffer=chunk, input_device_index=device_index,
            )
        except OSError as exc:
            pa.terminate()
            raise AudioInputError(f"cannot open the microphone ({exc}); check ALSA") from None
        t0, captured = time.monotonic(), 0
        try:
            while not stop.is_set():
                chain.push_bytes(stream.read(chunk, exception_on_overflow=False), ring)
                captured += chunk
                ahead = t0 + captured / device_rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
        finally:
            stream.close()
            pa.terminate()

    return RingSource(producer=capture)
