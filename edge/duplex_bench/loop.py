"""Closing the loop over the daemon's lockstep stdio: a room simulator as its sound card.

    driver                                   daemon (`tandem edge run --input - --output -`)
      mic[k] = room(out[k - lag], user[k]) ──stdin──►  reads block k, plays block k
      out[k]                              ◄─stdout──   (reply audio or silence)

Each 10 ms slot the driver writes the microphone block and reads the playback block of an
earlier slot: ``lag`` blocks stay in flight (a sound card's periods), so the echo of output
block ``j`` can reach the microphone from block ``j + lag`` on; the room's own delay comes on
top. The daemon answers exactly one output sample per input sample, so the whole exchange
is on one clock: sample ``i`` of the output tape was played in the slot of input sample
``i``, and every time below is a position in that stream.

``paced``: one block per 10 ms of wall time, as a sound card delivers it (the daemon's
models then have real time to run, so reaction times are honest); a driver that falls
behind (CPU contention) catches up without sleeping, and the lateness is recorded.

What the user says is decided block by block by a `Talker` that sees everything played so
far, so the user can wait for the device to talk before cutting in.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

import numpy as np

__all__ = ["BLOCK", "RATE", "LockstepLoop", "LoopResult", "MicModel", "Talker"]

from edge.duplex_bench.config import BLOCK, RATE  # 16 kHz, 10 ms blocks


class Talker(Protocol):
    def next_block(self, k: int, played: np.ndarray) -> np.ndarray | None:
        """The user's samples for input block `k` (BLOCK int16), or None: the script is
        over. `played` is the output tape up to what the driver has read (a view)."""
        ...


class MicModel(Protocol):
    def process(self, playback: np.ndarray, user: np.ndarray) -> np.ndarray:
        """What the microphone hears in one block (int16, the same length)."""
        ...


@dataclass
class LoopResult:
    out: np.ndarray  # what the daemon played, one sample per input sample
    mic: np.ndarray  # what it heard
    user: np.ndarray  # the user's voice alone (before the room)
    returncode: int
    stderr_tail: str
    wall_s: float
    late_blocks: int  # blocks written more than 20 ms behind the schedule (paced only)
    max_late_ms: float
    daemon_cpu_s: float | None  # user + system CPU of the daemon over the stream
    startup_s: float  # until the daemon answered its first block (model loading)
    short_reads: int = 0  # the daemon ended before answering every block
    slow_answers: int = 0  # output blocks the daemon took more than 20 ms to answer
    max_answer_ms: float = 0.0  # the longest wait for one (its capture thread stalled)
    notes: list[str] = field(default_factory=list)


def _read_exact(fd: int, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        data = os.read(fd, n - got)
        if not data:
            break
        chunks.append(data)
        got += len(data)
    return b"".join(chunks)


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a running process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15)


class LockstepLoop:
    """Runs one daemon process to the end of a talker's script (see the module docstring)."""

    def __init__(
        self,
        command: Sequence[str],
        room: MicModel,
        talker: Talker,
        lag_blocks: int = 2,
        paced: bool = True,
        max_blocks: int | None = None,
        stderr_path: Path | None = None,
        env: dict[str, str] | None = None,
        startup_timeout_s: float = 180.0,
    ) -> None:
        if lag_blocks < 1:
            raise ValueError("lag_blocks must be >= 1: a block is played after it is read")
        self.command = list(command)
        self.room = room
        self.talker = talker
        self.lag = lag_blocks
        self.paced = paced
        self.max_blocks = max_blocks
        self.stderr_path = stderr_path
        self.env = env
        self.startup_timeout_s = startup_timeout_s

    def run(self) -> LoopResult:
        cap = 1 << 16  # blocks; tapes grow by doubling
        out = np.zeros(cap * BLOCK, np.int16)
        mic = np.zeros(cap * BLOCK, np.int16)
        user = np.zeros(cap * BLOCK, np.int16)
        err: IO[bytes]
        err = open(self.stderr_path, "wb") if self.stderr_path else open(os.devnull, "wb")  # noqa: SIM115
        t_start = time.monotonic()
        proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err, env=self.env)
        assert proc.stdin is not None and proc.stdout is not None
        fd_in, fd_out = proc.stdin.fileno(), proc.stdout.fileno()
        silence = np.zeros(BLOCK, np.int16)
        read = 0  # output blocks read
        k = 0
        t0 = None
        late, max_late = 0, 0.0
        startup = 0.0
        cpu0 = None
        short = 0
        slow_reads, max_wait = 0, 0.0
        notes: list[str] = []
        try:
            while self.max_blocks is None or k < self.max_blocks:
                if (k + 1) * BLOCK > len(out):
                    out, mic, user = (np.concatenate([a, np.zeros_like(a)])
                                      for a in (out, mic, user))
                said = self.talker.next_block(k, out[: read * BLOCK])
                if said is None:
                    break
                j = k - self.lag  # the output block whose sound starts reaching the mic now
                play = out[j * BLOCK : (j + 1) * BLOCK] if j >= 0 else silence
                block = self.room.process(play, said)
                user[k * BLOCK : (k + 1) * BLOCK] = said
                mic[k * BLOCK : (k + 1) * BLOCK] = block
                if t0 is not None and self.paced:
                    ahead = t0 + k * 0.01 - time.monotonic()
                    if ahead > 0:
                        time.sleep(ahead)
                    elif -ahead > 0.02:
                        late += 1
                        max_late = max(max_late, -ahead * 1000)
                try:
                    os.write(fd_in, block.astype("<i2").tobytes())
                except BrokenPipeError:
                    notes.append(f"the daemon closed its input at block {k}")
                    break
                k += 1
                if k - read >= self.lag:  # keep `lag` blocks in flight
                    w0 = time.monotonic()
                    data = _read_exact(fd_out, 2 * BLOCK)
                    waited = time.monotonic() - w0
                    if t0 is not None and waited > 0.02:  # the daemon was slow to answer
                        slow_reads += 1
                        max_wait = max(max_wait, waited * 1000)
                    if len(data) < 2 * BLOCK:
                        short += 1
                        notes.append(f"the daemon's output ended at block {read}")
                        break
                    out[read * BLOCK : (read + 1) * BLOCK] = np.frombuffer(data, "<i2")
                    read += 1
                    if t0 is None:  # the daemon answered: its models are loaded, start the clock
                        startup = time.monotonic() - t_start
                        t0 = time.monotonic() - k * 0.01
                        cpu0 = _cpu_s(proc.pid)
            cpu1 = _cpu_s(proc.pid)
            proc.stdin.close()
            while read < k:  # the blocks still in flight
                data = _read_exact(fd_out, 2 * BLOCK)
                if len(data) < 2 * BLOCK:
                    break
                out[read * BLOCK : (read + 1) * BLOCK] = np.frombuffer(data, "<i2")
                read += 1
            proc.stdout.read()
            rc = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            err.close()
        wall = time.monotonic() - t_start - startup
        tail = ""
        if self.stderr_path is not None and self.stderr_path.exists():
            tail = self.stderr_path.read_text(errors="replace")[-3000:]
        cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
        n = k * BLOCK
        return LoopResult(out[:n].copy(), mic[:n].copy(), user[:n].copy(), rc, tail, wall,
                          late, round(max_late, 1), cpu, round(startup, 2), short,
                          slow_reads, round(max_wait, 1), notes)
