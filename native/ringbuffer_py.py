"""Pure-Python (numpy) twin of ``native._ringbuffer.RingBuffer``; it defines the meaning.

Single-producer / single-consumer int16 ring between the capture thread and the pipeline.

Protocol (identical in the Cython kernel, which adds C11-style atomics and fences):

* All positions are absolute sample counters that only grow; a slot is ``counter % capacity``.
* The producer owns ``_reserved`` and ``_written`` and never reads the consumer's state, so
  ``write`` never blocks and never waits. It announces ``_reserved = end`` before copying
  (slots it is about to overwrite) and publishes ``_written = end`` after copying.
* When the consumer lags by more than ``capacity`` the producer simply overwrites the oldest
  samples. The consumer notices on its next read (its cursor is below ``reserved -
  capacity``), skips them and adds them to ``overrun_samples``; until then the property
  counts them as pending, so an overrun is visible as soon as it happens.
* After copying, the consumer re-reads ``_reserved``; if the producer overwrote any slot it
  was copying (a torn read), it discards the copy and retries, so a returned frame is always
  a contiguous run of the input.

Counters and invariants (exact at quiescence or from the consumer thread; a third thread
may see them a few samples apart):
``total_written == total_read + overrun_samples + available + samples dropped by clear()``.
``last_read_start`` is the input index of the first sample of the latest read, so its
timestamp is ``last_read_start / sample_rate`` even after overruns.

Zero-copy views. The storage is ``2 * capacity`` long and every sample is written twice
(slot ``k`` and its mirror ``k + capacity``), so any run of up to ``capacity`` retained
samples is contiguous in memory and can be handed out as a read-only numpy view:

* ``peek(n)`` views the next ``n`` unread samples without consuming them; ``commit(n)``
  consumes them afterwards (a peek/commit pair replaces read() without the copy);
* ``view(start, n)`` views any retained run by absolute index (a whole utterance for STT,
  the pre-roll before a wake word), whether or not it was consumed already.

Lifetime contract: a view aliases the ring. It stays valid until the producer laps it,
i.e. until more than ``capacity`` samples have been written after its first sample;
nothing stops the producer (it never waits). So after using a view, check
``is_intact(start)`` (``commit`` returns the same answer): False means the producer
overwrote part of it while it was in use, and whatever was computed from it is garbage.
With a ring several seconds long that only happens when the consumer lags that much,
which the overrun counter reports anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from native import _checks

if TYPE_CHECKING:
    from typing_extensions import Buffer


class RingBuffer:
    """Fixed-capacity int16 SPSC ring; drops (and counts) the oldest samples when full."""

    __slots__ = (
        "_capacity",
        "_delivered",
        "_last_start",
        "_overrun",
        "_read",
        "_reserved",
        "_ring",
        "_written",
    )

    def __init__(self, capacity: int) -> None:
        self._capacity = _checks.capacity(capacity)
        self._ring = np.zeros(2 * self._capacity, dtype=np.int16)  # slots + their mirror
        # Producer-owned.
        self._reserved = 0
        self._written = 0
        # Consumer-owned.
        self._read = 0
        self._delivered = 0
        self._overrun = 0
        self._last_start = 0

    # -- producer side ---------------------------------------------------------------------

    def write(self, samples: Buffer | np.ndarray) -> int:
        """Append int16 samples; never blocks. Returns the number of samples written."""
        src = _checks.typed_view(samples, "h", "RingBuffer.write")
        return self._produce(src)

    def write_bytes(self, data: Buffer | np.ndarray) -> int:
        """Append raw little-endian int16 PCM (pyaudio, stdin). Returns samples written."""
        return self._produce(_checks.pcm_view(data, "RingBuffer.write_bytes"))

    def _produce(self, src: np.ndarray) -> int:
        n = len(src)
        if n == 0:
            return 0
        cap = self._capacity
        end = self._written + n
        keep = min(n, cap)  # of a write longer than the ring only the tail survives
        self._reserved = end  # announce before touching slots
        pos = (end - keep) % cap
        first = min(keep, cap - pos)
        tail = src[n - keep :]
        self._ring[pos : pos + keep] = tail  # pos + keep <= 2 * cap: never wraps
        self._ring[pos + cap : pos + cap + first] = tail[:first]  # mirror of [pos, cap)
        self._ring[: keep - first] = tail[first:]  # mirror of [cap, pos + keep)
        self._written = end  # publish after the copy
        return n

    # -- consumer side ---------------------------------------------------------------------

    def read_into(self, out: Buffer | np.ndarray) -> int:
        """Copy up to ``len(out)`` unread samples into ``out``; returns the count."""
        dst = _checks.typed_view(out, "h", "RingBuffer.read_into", writable=True)
        return self._consume(dst, len(dst), exact=False)

    def read(self, n: int) -> np.ndarray | None:
        """Return exactly ``n`` samples as a new int16 array, or None if fewer are unread."""
        want = _checks.frame_length(n, self._capacity, "RingBuffer.read")
        if self.available < want:
            return None
        out = np.empty(want, dtype=np.int16)
        return out if self._consume(out, want, exact=True) else None

    def _consume(self, dst: np.ndarray, want: int, *, exact: bool) -> int:
        cap = self._capacity
        ring = self._ring
        while True:
            written = self._written
            reserved = self._reserved  # >= written: loaded after it
            start = max(self._read, reserved - cap)  # older slots are (being) overwritten
            count = min(want, max(0, written - start))
            if count == 0 or (exact and count < want):
                return 0
            pos = start % cap
            dst[:count] = ring[pos : pos + count]  # contiguous thanks to the mirror
            if self._reserved - cap > start:
                continue  # the producer overwrote part of what we copied: torn, retry
            self._overrun += start - self._read
            self._last_start = start
            self._delivered += count
            self._read = start + count
            return count

    def peek(self, n: int) -> np.ndarray | None:
        """A read-only view of exactly the next ``n`` unread samples, or None if fewer are
        unread. Nothing is consumed; samples already overwritten are skipped and counted as
        overrun, as by read(). ``last_read_start`` is the view's first input index."""
        want = _checks.frame_length(n, self._capacity, "RingBuffer.peek")
        start = max(self._read, self._reserved - self._capacity)
        if self._written - start < want:
            return None
        self._overrun += start - self._read
        self._read = self._last_start = start
        return self._view(start, want)

    def commit(self, n: int) -> bool:
        """Consume ``n`` peeked samples. Returns False if the producer overwrote any of them
        while they were in use (the caller's results from the view are then invalid)."""
        count = _checks.frame_length(n, self._capacity, "RingBuffer.commit")
        start = self._read
        if count > self._written - start:
            raise ValueError(
                f"RingBuffer.commit: {count} samples committed, only "
                f"{max(0, self._written - start)} unread"
            )
        self._read = start + count
        self._delivered += count
        return self.is_intact(start)

    def view(self, start: int, n: int) -> np.ndarray:
        """A read-only view of input samples ``[start, start + n)``, which must be written
        and still retained (see the lifetime contract in the module docstring)."""
        first = _checks.count(start, "RingBuffer.view: start")
        count = _checks.frame_length(n, self._capacity, "RingBuffer.view")
        if first + count > self._written:
            raise ValueError(
                f"RingBuffer.view: samples [{first}, {first + count}) are not written yet "
                f"(total_written={self._written})"
            )
        if not self.is_intact(first):
            raise ValueError(
                f"RingBuffer.view: sample {first} was overwritten (the ring keeps the last "
                f"{self._capacity} samples; total_written={self._written})"
            )
        return self._view(first, count)

    def is_intact(self, start: int) -> bool:
        """True while no input sample at index >= ``start`` has been (or is being)
        overwritten, i.e. a view starting at ``start`` is still what was written."""
        return self._reserved - self._capacity <= start

    def _view(self, start: int, count: int) -> np.ndarray:
        pos = start % self._capacity
        out = self._ring[pos : pos + count]
        out.flags.writeable = False
        return out

    def clear(self) -> None:
        """Consumer side: discard every unread sample (not counted as overrun).

        Samples already overwritten are first counted as overrun; counters stay
        monotonic, so timestamps derived from them stay valid.
        """
        written = self._written
        start = max(self._read, self._reserved - self._capacity)
        self._overrun += max(0, start - self._read)
        self._read = max(start, written)

    # -- counters --------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def available(self) -> int:
        """Unread samples (at most ``capacity``)."""
        return max(0, min(self._written - self._read, self._capacity))

    @property
    def total_written(self) -> int:
        return self._written

    @property
    def total_read(self) -> int:
        """Samples delivered to the consumer (skipped overruns excluded)."""
        return self._delivered

    @property
    def overrun_samples(self) -> int:
        """Samples dropped unread because the consumer lagged, including pending drops."""
        return self._overrun + max(0, self._written - self._capacity - self._read)

    @property
    def last_read_start(self) -> int:
        """Input index of the first sample returned by the latest read (0 before any)."""
        return self._last_start

    def __repr__(self) -> str:
        return (
            f"RingBuffer(capacity={self._capacity}, available={self.available}, "
            f"total_written={self._written}, overrun_samples={self.overrun_samples})"
        )
