"""The edge's audio hot loops: Cython kernels, each with a pure-Python (numpy) twin.

* ring buffer (``_ringbuffer`` / ``ringbuffer_py``): SPSC int16 ring with zero-copy views;
* int16 <-> float32 (``_ringbuffer`` / ``convert_py``);
* streaming polyphase resampler (``_resampler`` / ``resampler_py``);
* capture front end (``_frontend`` / ``frontend_py``): downmix, DC blocker, levels,
  energy + zero-crossing VAD, frame endpointer;
* ducking mixer (``_mixer`` / ``mixer_py``).

The compiled extensions are picked at import when all of them are built (all or none, so
one process never mixes the two); the twins define the behaviour and are the fallback.
``TANDEM_NATIVE`` overrides the choice:

* unset / ``auto``: compiled if importable, else the twin;
* ``python``: always the twin (debugging, or to rule the extension out);
* ``cython``: the compiled module or ImportError, so a deployment cannot silently run slow.

``IMPLEMENTATION`` says which one is in use ("cython" or "python").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from native._select import compiled_wanted, twin_fallback

__all__ = [
    "IMPLEMENTATION",
    "DcBlocker",
    "Ducker",
    "EnergyVad",
    "FrameEndpointer",
    "Resampler",
    "RingBuffer",
    "downmix",
    "float32_to_int16",
    "int16_to_float32",
    "levels",
]

IMPLEMENTATION: Literal["cython", "python"]
# Why the compiled module was not used (None when it was, or when the twin was forced).
_fallback_reason: str | None = None

if TYPE_CHECKING:
    # Callers are type-checked against the twins; the .pyi stubs mirror them.
    from native.convert_py import float32_to_int16, int16_to_float32
    from native.frontend_py import DcBlocker, EnergyVad, FrameEndpointer, downmix, levels
    from native.mixer_py import Ducker
    from native.resampler_py import Resampler
    from native.ringbuffer_py import RingBuffer
elif not compiled_wanted():
    from native.convert_py import float32_to_int16, int16_to_float32
    from native.frontend_py import DcBlocker, EnergyVad, FrameEndpointer, downmix, levels
    from native.mixer_py import Ducker
    from native.resampler_py import Resampler
    from native.ringbuffer_py import RingBuffer

    IMPLEMENTATION = "python"
else:
    try:
        from native._frontend import DcBlocker, EnergyVad, FrameEndpointer, downmix, levels
        from native._mixer import Ducker
        from native._resampler import Resampler
        from native._ringbuffer import RingBuffer, float32_to_int16, int16_to_float32

        IMPLEMENTATION = "cython"
    except ImportError as exc:
        _fallback_reason = twin_fallback(exc)
        from native.convert_py import float32_to_int16, int16_to_float32
        from native.frontend_py import DcBlocker, EnergyVad, FrameEndpointer, downmix, levels
        from native.mixer_py import Ducker
        from native.resampler_py import Resampler
        from native.ringbuffer_py import RingBuffer

        IMPLEMENTATION = "python"
