"""Audio sources: a recording, raw PCM on stdin, or a pyaudio microphone.

Every source feeds a native ring buffer (the capture side never blocks; overruns are
counted) and the pipeline reads frames from it as zero-copy views. Audio that is not
16 kHz mono goes through a `CaptureChain` on the capture thread first: downmix, streaming
resampler, DC blocker (all native kernels), so the ring always holds 16 kHz mono int16.
A recording processed as fast as possible is pulled instead, so nothing is dropped.

Input and output share one clock (`edge.audio.duplex.DuplexBlocks`): every 10 ms block of
input read takes one block of the same duration from the playback queue, which a lockstep
output (stdout, a full-duplex sound card stream) writes at once, silence included. A pulled
recording has no clock of its own: the pipeline's `hold` makes it wait while the device
computes (as if thinking took no time), so its replies take stream time as they would live.

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
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from contract.errors import AudioInputError
from edge.audio.duplex import DuplexBlocks, EchoCanceller, OutputClosed
from edge.audio.playback import PlaybackQueue
from edge.messages import SAMPLE_RATE, AudioFrame
from native import DcBlocker, Resampler, RingBuffer, downmix
from native.filter_design import SUPPORTED_RATES

CHUNK = SAMPLE_RATE // 100  # producers deliver 10 ms at a time, like a capture driver
POLL_S = 0.005
RING_SECONDS = 20.0  # > max utterance + pre-roll + the time a turn takes

# A producer steps the duplex blocks (input in, output out) until it runs out or `stop` is set.
Producer = Callable[[DuplexBlocks, threading.Event], None]
END_OF_INPUT = "end of input"


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

    def frames_of(self, data: bytes) -> np.ndarray:
        """Little-endian int16 interleaved PCM bytes -> whole sample frames (a partial frame
        waits for the rest of its bytes)."""
        frame_bytes = 2 * self.channels
        if self._pending:
            data = self._pending + data
        usable = len(data) - len(data) % frame_bytes
        self._pending = data[usable:]
        return np.frombuffer(data[:usable], dtype="<i2")

    def push_bytes(self, data: bytes, ring: RingBuffer) -> int:
        """Little-endian int16 interleaved PCM in; returns the 16 kHz samples written."""
        samples = self.frames_of(data)
        return self.push(samples, ring) if len(samples) else 0

    def convert(self, samples: np.ndarray) -> np.ndarray:
        """Interleaved device samples -> 16 kHz mono."""
        if not len(samples):
            return np.zeros(0, dtype=np.int16)
        x = downmix(samples, self.channels) if self.channels > 1 else samples
        if self._resampler is not None:
            x = self._resampler.process(x)
        if self._dc is not None:
            x = self._dc.process(x)
        return x

    def push(self, samples: np.ndarray, ring: RingBuffer) -> int:
        return ring.write(self.convert(samples))


class RingSource:
    """Reads frames from a ring buffer filled by a producer thread (or pulled inline).

    Before `frames` starts, the pipeline attaches its playback queue (the other half of the
    duplex stream), an optional echo canceller and, for a pulled recording, a `hold`."""

    def __init__(
        self,
        producer: Producer | None = None,
        pull: np.ndarray | None = None,
        capacity_s: float = RING_SECONDS,
        rate: int = SAMPLE_RATE,
        channels: int = 1,
        dc_block: bool = False,
        lockstep_output: bool = False,
    ) -> None:
        if (producer is None) == (pull is None):
            raise ValueError("give exactly one of producer= or pull=")
        self._producer = producer
        self._pull = pull
        self._capacity = int(capacity_s * SAMPLE_RATE)
        self._chain = (rate, channels, dc_block)
        CaptureChain(*self._chain)  # refuse an unsupported rate before anything starts
        self._ring: RingBuffer | None = None
        self.stats = SourceStats()
        # The producer writes every output block itself (stdout, a duplex sound card).
        self.lockstep_output = lockstep_output
        self.playback: PlaybackQueue | None = None
        self.echo: EchoCanceller | None = None
        self.hold: Callable[[], Awaitable[None]] | None = None
        self.end_reason: str | None = None  # why the input stopped, once it has
        self.blocks: DuplexBlocks | None = None

    @property
    def pulled(self) -> bool:
        """A recording read as fast as the pipeline goes (no clock of its own)."""
        return self._pull is not None

    async def frames(self, frame_samples: int) -> AsyncIterator[AudioFrame]:
        """Consecutive frames as read-only views of the ring (see the module docstring)."""
        ring = self._ring = RingBuffer(max(self._capacity, 2 * frame_samples))
        playback = self.playback if self.playback is not None else PlaybackQueue(SAMPLE_RATE)
        blocks = self.blocks = DuplexBlocks(ring, playback, self.echo, CaptureChain(*self._chain))
        stop, finished = threading.Event(), threading.Event()
        failure: list[Exception] = []
        thread = None
        if self._producer is not None:
            producer = self._producer

            def run() -> None:
                try:
                    producer(blocks, stop)
                    if not stop.is_set():  # it ran out by itself: not stopped by us
                        self.end_reason = END_OF_INPUT
                except OutputClosed as exc:
                    self.end_reason = f"output closed ({exc})"
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
                        self.end_reason = END_OF_INPUT
                        break
                    if self.hold is not None:
                        await self.hold()
                    else:
                        await asyncio.sleep(0)  # let the turn's tasks run between blocks
                    blocks.step(self._pull[pulled : pulled + CHUNK])
                    pulled += CHUNK
                    continue
                frame = ring.peek(frame_samples)
                if frame is None:
                    if finished.is_set() and ring.available < frame_samples:
                        if failure:
                            raise failure[0]
                        break  # a partial last frame is shorter than any word
                    if self.end_reason is not None and self.end_reason != END_OF_INPUT:
                        break  # the output closed: stop at once
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

    def paced(blocks: DuplexBlocks, stop: threading.Event) -> None:
        t0 = time.monotonic()
        for i in range(0, len(samples), CHUNK):
            if stop.is_set():
                return
            delay = t0 + i / SAMPLE_RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            blocks.step(samples[i : i + CHUNK])

    return RingSource(producer=paced)


def write_pcm(out: BinaryIO, block: np.ndarray) -> None:
    """One output block as raw s16le; a reader that went away is `OutputClosed`."""
    try:
        out.write(np.ascontiguousarray(block, dtype="<i2").tobytes())
        out.flush()
    except (BrokenPipeError, ConnectionResetError) as exc:
        raise OutputClosed(exc.strerror or "broken pipe") from None
    except ValueError as exc:  # closed file object
        raise OutputClosed(str(exc)) from None


def stdin_source(
    rate: int = SAMPLE_RATE, channels: int = 1, output: BinaryIO | None = None
) -> RingSource:
    """Raw little-endian int16 PCM on stdin at `rate` (e.g. `arecord -f S16_LE -r 48000`).

    With `output` (stdout's file), lockstep duplex: after each 10 ms block read, the output
    block of the same slot (reply audio or silence) is written there at once."""

    def read(blocks: DuplexBlocks, stop: threading.Event) -> None:
        stream = sys.stdin.buffer
        block_bytes = 2 * channels * max(1, rate // 100)
        while not stop.is_set():
            data = stream.read(block_bytes)
            if not data:
                return
            out = blocks.step_bytes(data)
            if output is not None:
                write_pcm(output, out)

    return RingSource(producer=read, rate=rate, channels=channels,
                      dc_block=rate != SAMPLE_RATE or channels != 1,
                      lockstep_output=output is not None)


def microphone_source(
    device_index: int | None = None, rate: int | None = None, duplex: bool = False
) -> RingSource:
    """The default (or given) pyaudio input device, mono, at `rate` (default 16 kHz, which
    ALSA's plug layer converts to; give the device's own rate, e.g. 48000, to skip that and
    let the native chain convert), downmixed, resampled and DC-blocked to 16 kHz.

    With `duplex`, one pyaudio stream with input and output at the same rate (one clock):
    each block read is answered by one block written, reply audio or silence.

    Blocking reads on the capture thread, paced to real time: a hardware device paces
    itself, while a virtual one (ALSA's file plugin in tests) would otherwise flood the ring.
    """
    import pyaudio

    device_rate = rate or SAMPLE_RATE
    chunk = device_rate // 100

    def capture(blocks: DuplexBlocks, stop: threading.Event) -> None:
        pa = pyaudio.PyAudio()
        try:
            stream = pa.open(
                format=pyaudio.paInt16, channels=1, rate=device_rate, input=True,
                output=duplex, frames_per_buffer=chunk, input_device_index=device_index,
            )
        except OSError as exc:
            pa.terminate()
            what = "the sound card in full duplex" if duplex else "the microphone"
            raise AudioInputError(f"cannot open {what} ({exc}); check ALSA") from None
        t0, captured = time.monotonic(), 0
        try:
            while not stop.is_set():
                out = blocks.step_bytes(stream.read(chunk, exception_on_overflow=False))
                if duplex:
                    try:
                        stream.write(out.astype("<i2").tobytes(), exception_on_underflow=False)
                    except OSError as exc:
                        raise OutputClosed(str(exc)) from None
                captured += chunk
                ahead = t0 + captured / device_rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
        finally:
            stream.close()
            pa.terminate()

    return RingSource(producer=capture, rate=device_rate,
                      dc_block=device_rate != SAMPLE_RATE, lockstep_output=duplex)
