"""Pure-Python (numpy) twin of ``native._mixer.Ducker``; it defines the meaning.

Playback mixing with ducking: ``out = sat16(round(music * g) + voice)``, where the music
gain ``g`` (Q15 fixed point, 32768 = unity) ramps linearly, one step per sample, towards
``duck_gain`` while the assistant speaks (``active``) and back to unity after. The ramp
times are the full-swing attack and release. Integer arithmetic throughout, so the compiled
kernel agrees bit for bit; saturated output samples are counted in ``clipped``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from native import _checks

if TYPE_CHECKING:
    from typing_extensions import Buffer

UNITY = 1 << 15


def ducker_constants(
    rate: int, duck_db: float, attack_ms: float, release_ms: float
) -> tuple[int, int, int]:
    """Validated settings as (duck gain Q15, down step, up step) per sample."""
    r = _checks.positive_int(rate, "Ducker: rate", 384_000)
    db = _checks.in_range(duck_db, -96.0, 0.0, "Ducker: duck_db")
    attack = _checks.in_range(attack_ms, 0.0, 10_000.0, "Ducker: attack_ms")
    release = _checks.in_range(release_ms, 0.0, 10_000.0, "Ducker: release_ms")
    duck = round(UNITY * 10.0 ** (db / 20.0))
    swing = UNITY - duck
    down = max(1, math.ceil(swing / max(1.0, attack * r / 1000))) if swing else 1
    up = max(1, math.ceil(swing / max(1.0, release * r / 1000))) if swing else 1
    return duck, down, up


class Ducker:
    """Mixes the assistant's voice over music, lowering the music while it speaks."""

    def __init__(
        self, rate: int = 48_000, duck_db: float = -15.0, attack_ms: float = 60.0,
        release_ms: float = 400.0,
    ) -> None:
        self.duck_q15, self._down, self._up = ducker_constants(
            rate, duck_db, attack_ms, release_ms)
        self.reset()

    def reset(self) -> None:
        self._gain = UNITY
        self.clipped = 0

    @property
    def gain(self) -> float:
        """Current music gain (1.0 = unity)."""
        return self._gain / UNITY

    def mix(
        self, music: Buffer | np.ndarray, voice: Buffer | np.ndarray, active: bool
    ) -> np.ndarray:
        m = _checks.typed_view(music, "h", "Ducker.mix: music")
        out = np.empty(len(m), dtype=np.int16)
        self.mix_into(music, voice, out, active)  # checks the rest, same messages
        return out

    def mix_into(
        self, music: Buffer | np.ndarray, voice: Buffer | np.ndarray,
        out: Buffer | np.ndarray, active: bool,
    ) -> int:
        m = _checks.typed_view(music, "h", "Ducker.mix: music")
        v = _checks.typed_view(voice, "h", "Ducker.mix: voice")
        _checks.same_length(m, v, "Ducker.mix")
        dst = _checks.typed_view(out, "h", "Ducker.mix_into", writable=True)
        if len(dst) < len(m):
            raise ValueError(f"Ducker.mix_into: output holds {len(dst)} samples, {len(m)} needed")
        return self._run(m, v, dst, bool(active))

    def _run(self, m: np.ndarray, v: np.ndarray, dst: np.ndarray, active: bool) -> int:
        n = len(m)
        if n == 0:
            return 0
        target = self.duck_q15 if active else UNITY
        steps = np.arange(1, n + 1, dtype=np.int64)
        if self._gain > target:
            g = np.maximum(target, self._gain - steps * self._down)
        else:
            g = np.minimum(target, self._gain + steps * self._up)
        y = ((m.astype(np.int64) * g + (UNITY >> 1)) >> 15) + v
        self.clipped += int(np.count_nonzero((y > 32767) | (y < -32768)))
        dst[:n] = np.clip(y, -32768, 32767)
        self._gain = int(g[-1])
        return n
