"""Pure-Python (numpy) twin of ``native._dsp.Resampler``; it defines the meaning.

Streaming rational resampler (``rate_out / rate_in = up / down``), int16 in and out, with
the polyphase filter of :mod:`native.filter_design`.

Output sample ``n`` is defined on the whole input stream ``x`` (``x[i] = 0`` for ``i < 0``):

    i = (n * down) // up          newest input it uses
    p = (n * down) %  up          its phase
    y[n] = sat16((sum_{j<taps} x[i - taps + 1 + j] * coef[p, j] + 2**(shift-1)) >> shift)

so it only depends on the stream, never on how the stream was cut into chunks: an output is
emitted by the call that delivers its newest input ``x[i]``. That is the stream-safety
contract (chunk boundaries cannot click); the sums are exact integers, so the compiled
kernel agrees bit for bit. The price is the filter's group delay, ``delay_out`` output
samples (about 2 ms); a final ``flush()`` pushes the tail out.

Saturated outputs (possible only for near-full-scale input with overshoot) are counted in
``clipped``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from native import _checks
from native.filter_design import design

if TYPE_CHECKING:
    from typing_extensions import Buffer


class Resampler:
    """Streaming int16 resampler between two supported rates (see module docstring)."""

    def __init__(self, rate_in: int, rate_out: int) -> None:
        f = design(rate_in, rate_out)
        self.rate_in, self.rate_out = f.rate_in, f.rate_out
        self.up, self.down, self.taps, self.shift = f.up, f.down, f.taps, f.shift
        self.delay_out = f.delay_out
        self._coef = f.coefficients.astype(np.int64)
        self.reset()

    def reset(self) -> None:
        """Forget the stream: the next sample is x[0] again, preceded by silence."""
        self._hist = np.zeros(self.taps - 1, dtype=np.int64)  # x[in_total-taps+1 .. in_total)
        self._in_total = 0  # inputs received
        self._next_i = 0  # newest input index of the next output
        self._phase = 0  # its phase
        self.clipped = 0
        self.total_in = 0
        self.total_out = 0

    def output_length(self, n_in: int) -> int:
        """Exactly how many outputs the next ``n_in`` input samples produce."""
        n = _checks.count(n_in, "Resampler.output_length")
        d = self._in_total + n - self._next_i  # inputs available beyond the next output's
        if d <= 0:
            return 0
        return -(-(d * self.up - self._phase) // self.down)  # ceil

    def process(self, samples: Buffer | np.ndarray) -> np.ndarray:
        """Resample the next chunk of the stream; returns a new int16 array."""
        src = _checks.typed_view(samples, "h", "Resampler.process")
        out = np.empty(self.output_length(len(src)), dtype=np.int16)
        self._run(src, out)
        return out

    def process_into(self, samples: Buffer | np.ndarray, out: Buffer | np.ndarray) -> int:
        """Resample into ``out`` (at least ``output_length(len(samples))`` long); returns
        how many samples were written."""
        src = _checks.typed_view(samples, "h", "Resampler.process")
        dst = _checks.typed_view(out, "h", "Resampler.process_into", writable=True)
        need = self.output_length(len(src))
        if len(dst) < need:
            raise ValueError(
                f"Resampler.process_into: output holds {len(dst)} samples, {need} are needed "
                "(see output_length)"
            )
        return self._run(src, dst)

    def flush(self) -> np.ndarray:
        """End of stream: the outputs still inside the filter (feeds ``taps`` zeros)."""
        return self.process(np.zeros(self.taps, dtype=np.int16))

    def _run(self, src: np.ndarray, dst: np.ndarray) -> int:
        count = self.output_length(len(src))
        hist = np.concatenate([self._hist, src.astype(np.int64)])
        base = self._in_total - (self.taps - 1)  # input index of hist[0]
        self._in_total += len(src)
        self.total_in += len(src)
        if count:
            t = self._phase + np.arange(count, dtype=np.int64) * self.down
            newest = self._next_i + t // self.up
            phase = t % self.up
            windows = np.lib.stride_tricks.sliding_window_view(hist, self.taps)
            acc = np.einsum("ij,ij->i", windows[newest - base - (self.taps - 1)],
                            self._coef[phase])
            y = (acc + (1 << (self.shift - 1))) >> self.shift
            self.clipped += int(np.count_nonzero((y > 32767) | (y < -32768)))
            dst[:count] = np.clip(y, -32768, 32767)
            t_next = self._phase + count * self.down
            self._next_i += t_next // self.up
            self._phase = t_next % self.up
            self.total_out += count
        self._hist = hist[len(hist) - (self.taps - 1):].copy()
        return count
