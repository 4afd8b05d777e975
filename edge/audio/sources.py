"""Audio sources: a recording, raw PCM on stdin, or a pyaudio microphone.

Every source feeds a native ring buffer (the capture side never blocks; overruns are
counted) and the pipeline reads fixed-size frames from it. A recording processed as fast
as possible is pulled instead, so nothing is dropped.
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
from native import RingBuffer

CHUNK = SAMPLE_RATE // 100  # producers deliver 10 ms at a time, like a capture driver
POLL_S = 0.005

# A producer writes into the ring until it runs out or `stop` is set.
Producer = Callable[[RingBuffer, threading.Event], None]


@dataclass
class SourceStats:
    overrun_samples: int = 0
    samples_in: int = 0


class RingSource:
    """Reads frames from a ring buffer filled by a producer thread (or pulled inline)."""

    def __init__(
        self,
        producer: Producer | None = None,
        pull: np.ndarray | None = None,
        capacity_s: float = 4.0,
    ) -> None:
        if (producer is None) == (pull is None):
            raise ValueError("give exactly one of producer= or pull=")
        self._producer = producer
        self._pull = pull
        self._capacity = int(capacity_s * SAMPLE_RATE)
        self.stats = SourceStats()

    async def frames(self, frame_samples: int) -> AsyncIterator[AudioFrame]:
        ring = RingBuffer(max(self._capacity, 2 * frame_samples))
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
        try:
            while True:
                if self._pull is not None and ring.available < frame_samples:
                    if pulled >= len(self._pull):
                        break
                    ring.write(self._pull[pulled : pulled + frame_samples])
                    pulled += frame_samples
                    continue
                frame = ring.read(frame_samples)
                if frame is None:
                    if finished.is_set() and ring.available < frame_samples:
                        if failure:
                            raise failure[0]
                        break  # a partial last frame is shorter than any word
                    await asyncio.sleep(POLL_S)
                    continue
                # Exact even after an overrun: where in the input this frame began.
                yield AudioFrame(frame, ring.last_read_start / SAMPLE_RATE)
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=1.0)
            self.stats = SourceStats(ring.overrun_samples, ring.total_written)


def recording_source(samples: np.ndarray, realtime: bool) -> RingSource:
    """A recording, pulled as fast as the pipeline goes, or pushed at real speed."""
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


def stdin_source() -> RingSource:
    """Raw 16 kHz mono little-endian int16 PCM on stdin (e.g. `arecord -f S16_LE -r 16000`)."""

    def read(ring: RingBuffer, stop: threading.Event) -> None:
        stream = sys.stdin.buffer
        carry = b""
        while not stop.is_set():
            block = stream.read(2 * CHUNK)
            if not block:
                return
            block = carry + block
            usable = len(block) - len(block) % 2  # an odd byte waits for its partner
            ring.write_bytes(block[:usable])
            carry = block[usable:]

    return RingSource(producer=read)


def microphone_source(device_index: int | None = None) -> RingSource:
    """The default (or given) pyaudio input device at 16 kHz mono.

    Blocking reads on the capture thread, paced to real time: a hardware device paces
    itself, while a virtual one (ALSA's file plugin in tests) would otherwise flood the ring.
    """
    import pyaudio

    def capture(ring: RingBuffer, stop: threading.Event) -> None:
        pa = pyaudio.PyAudio()
        try:
            stream = pa.open(
                format=pyaudio.paInt16, channels=1, rate=SAMPLE_RATE, input=True,
                frames_per_buffer=CHUNK, input_device_index=device_index,
            )
        except OSError as exc:
            pa.terminate()
            raise AudioInputError(f"cannot open the microphone ({exc}); check ALSA") from None
        t0, captured = time.monotonic(), 0
        try:
            while not stop.is_set():
                ring.write_bytes(stream.read(CHUNK, exception_on_overflow=False))
                captured += CHUNK
                ahead = t0 + captured / SAMPLE_RATE - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
        finally:
            stream.close()
            pa.terminate()

    return RingSource(producer=capture)
