"""Reply audio waiting to be played, taken in small blocks by whoever owns the clock.

    Speaker ─► PlaybackQueue.push(piece) ... read(n) ◄─ the clock: one output block per
                                                        input block (capture thread, or the
                                                        pulled recording in the event loop)

Nothing here blocks: `read(n)` returns `n` samples at the output rate at once, the reply
audio where there is some and silence where there is none, and hands the reply part to the
sink (a WAV file, the speaker). `stop()` drops everything queued, so the next block read is
silent: playback stops within one block (plus the device's own buffer).

Each piece of a reply (a sentence or a clause) gets a `PieceHandle` that counts how many of
its samples were actually read out; the speaker uses it to know what was really said when a
reply is cut short. Handles are awaited in the event loop; the clock may be another thread,
so they are resolved with `call_soon_threadsafe`.

When the input ends there is no clock any more: `free_run()` makes every queued and future
piece play at once (a WAV output still gets the whole reply; a lockstep output, which can
write nothing after the input ended, drops it).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from edge.audio.sinks import AudioSink


class PieceHandle:
    """One queued piece of a reply: how much of it has played, and when it is over."""

    def __init__(self, turn_id: int, text: str, total: int) -> None:
        self.turn_id = turn_id
        self.text = text
        self.total = total  # samples at the output rate
        self.played = 0
        self.dropped = False  # stopped before its end
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._started: asyncio.Future[None] = loop.create_future()
        self._finished: asyncio.Future[None] = loop.create_future()

    @property
    def fraction_played(self) -> float:
        return 1.0 if self.total == 0 else self.played / self.total

    async def started(self) -> None:
        await asyncio.shield(self._started)

    async def finished(self) -> None:
        await asyncio.shield(self._finished)

    @property
    def is_finished(self) -> bool:
        return self._finished.done()

    # Called by the clock (any thread).
    def _notify(self, started: bool, finished: bool) -> None:
        def resolve() -> None:
            if started and not self._started.done():
                self._started.set_result(None)
            if finished and not self._finished.done():
                if not self._started.done():
                    self._started.set_result(None)
                self._finished.set_result(None)

        if self._loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
            self._loop.call_soon_threadsafe(resolve)


@dataclass
class _Queued:
    turn_id: int
    handle: PieceHandle | None  # None: the end-of-turn marker
    samples: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    pos: int = 0


class PlaybackQueue:
    def __init__(self, rate: int, sink: AudioSink | None = None) -> None:
        self.rate = rate
        self.sink = sink  # gets the reply audio only (no silence), on the clock's thread
        self._lock = threading.Lock()
        self._queue: deque[_Queued] = deque()
        self._free_run = False
        self._play_free = True  # in free run: the sink still gets the audio
        self._turn_started: set[int] = set()  # turns with audio played and no end_turn yet
        self._paused = False
        self.volume = 100  # the device's volume, 0-100 % (edge.skills.volume)
        self.samples_out = 0  # everything read, silence included
        self.reply_samples_out = 0
        self.last_reply_at = -1  # samples_out when reply audio was last read

    # -- producer side (event loop) -----------------------------------------------------

    def push(self, turn_id: int, text: str, samples: np.ndarray) -> PieceHandle:
        """Queue one piece (int16 mono at `rate`) at the current volume; returns its handle."""
        samples = np.ascontiguousarray(samples, dtype=np.int16)
        if self.volume < 100:
            gain = (max(0, self.volume) / 100) ** 2
            samples = np.round(samples * gain).astype(np.int16)
        handle = PieceHandle(turn_id, text, len(samples))
        with self._lock:
            if self._free_run or not len(samples):  # nothing to wait for
                self._play_now(handle, samples)
            else:
                self._queue.append(_Queued(turn_id, handle, samples))
        return handle

    def end_turn(self, turn_id: int) -> None:
        """Mark the end of a turn's audio: the sink's `end_turn` runs once it has played."""
        with self._lock:
            if self._free_run or not self._queue:
                self._end_turn(turn_id)
            else:
                self._queue.append(_Queued(turn_id, None))

    def stop(self, turn_id: int | None = None) -> int:
        """Drop what is queued (of one turn, or all); returns the samples dropped."""
        dropped = 0
        ended: set[int] = set()
        with self._lock:
            keep: deque[_Queued] = deque()
            for item in self._queue:
                if turn_id is not None and item.turn_id != turn_id:
                    keep.append(item)
                    continue
                if item.handle is not None:
                    dropped += item.handle.total - item.handle.played
                    item.handle.dropped = item.handle.played < item.handle.total
                    item.handle._notify(started=False, finished=True)
                ended.add(item.turn_id)
            self._queue = keep
            for turn in sorted(ended | ({turn_id} if turn_id is not None else set())):
                self._end_turn(turn)
        return dropped

    def free_run(self, play: bool = True) -> None:
        """No clock any more (the input ended): play everything now (to the sink if `play`)."""
        with self._lock:
            self._free_run, self._play_free = True, play
            while self._queue:
                item = self._queue.popleft()
                if item.handle is None:
                    self._end_turn(item.turn_id)
                else:
                    self._play_now(item.handle, item.samples[item.pos :], item.pos)

    def pause(self, paused: bool) -> None:
        """Hold playback (silence, nothing consumed) while the user may be interrupting;
        `pause(False)` resumes where it stopped."""
        with self._lock:
            self._paused = paused

    @property
    def paused(self) -> bool:
        return self._paused

    def clocked(self) -> None:
        """A clock again (a new input stream): blocks are read by it, not played at once."""
        with self._lock:
            self._free_run, self._play_free = False, True

    @property
    def pending(self) -> int:
        """Samples queued and not yet read."""
        with self._lock:
            return sum(len(i.samples) - i.pos for i in self._queue if i.handle is not None)

    def playing(self, tail: int = 0) -> bool:
        """Whether reply audio is queued, or was read within the last `tail` samples."""
        with self._lock:
            if any(i.handle is not None and i.pos < len(i.samples) for i in self._queue):
                return True
            return self.last_reply_at >= 0 and self.samples_out - self.last_reply_at < tail

    # -- the clock's side ---------------------------------------------------------------

    def read(self, n: int) -> np.ndarray:
        """The next `n` samples to play: reply audio, then silence."""
        out = np.zeros(n, dtype=np.int16)
        filled = 0
        with self._lock:
            while filled < n and self._queue and not self._paused:
                item = self._queue[0]
                if item.handle is None:
                    self._queue.popleft()
                    self._end_turn(item.turn_id)
                    continue
                take = min(n - filled, len(item.samples) - item.pos)
                chunk = item.samples[item.pos : item.pos + take]
                out[filled : filled + take] = chunk
                if take and self.sink is not None:
                    self.sink.play(chunk, self.rate)
                self._turn_started.add(item.handle.turn_id)
                first = item.pos == 0
                item.pos += take
                item.handle.played = item.pos
                filled += take
                done = item.pos >= len(item.samples)
                if done:
                    self._queue.popleft()
                if first or done:
                    item.handle._notify(started=True, finished=done)
            self.samples_out += n
            if filled:
                self.reply_samples_out += filled
                self.last_reply_at = self.samples_out - (n - filled)
        return out

    # -- under the lock -------------------------------------------------------------------

    def _play_now(self, handle: PieceHandle, samples: np.ndarray, already: int = 0) -> None:
        if self._play_free and len(samples) and self.sink is not None:
            self.sink.play(samples, self.rate)
        if self._play_free:
            handle.played = handle.total
            self._turn_started.add(handle.turn_id)
        else:
            handle.played, handle.dropped = already, already < handle.total
        handle._notify(started=True, finished=True)

    def _end_turn(self, turn_id: int) -> None:
        if turn_id in self._turn_started:
            self._turn_started.discard(turn_id)
            if self.sink is not None:
                self.sink.end_turn()
