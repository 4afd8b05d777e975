"""Audio framing ring buffer and int16 <-> float32 kernels: Cython, with a pure-Python twin.

The compiled extension (``native._ringbuffer``) is picked at import when it is built; the
numpy twins (``native.ringbuffer_py``, ``native.convert_py``) define the behaviour and are
the fallback. ``TANDEM_NATIVE`` overrides the choice:

* unset / ``auto``: compiled if importable, else the twin;
* ``python``: always the twin (debugging, or to rule the extension out);
* ``cython``: the compiled module or ImportError, so a deployment cannot silently run slow.

``IMPLEMENTATION`` says which one is in use ("cython" or "python").
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

__all__ = ["IMPLEMENTATION", "RingBuffer", "float32_to_int16", "int16_to_float32"]

IMPLEMENTATION: Literal["cython", "python"]
# Why the compiled module was not used (None when it was, or when the twin was forced).
_fallback_reason: str | None = None

_choice = os.environ.get("TANDEM_NATIVE", "").strip().lower()
if _choice not in ("", "auto", "python", "cython"):
    raise ImportError(f"TANDEM_NATIVE must be 'python', 'cython' or unset, got {_choice!r}")

if TYPE_CHECKING:
    # Callers are type-checked against the twin; native/_ringbuffer.pyi mirrors it.
    from native.convert_py import float32_to_int16, int16_to_float32
    from native.ringbuffer_py import RingBuffer
elif _choice == "python":
    from native.convert_py import float32_to_int16, int16_to_float32
    from native.ringbuffer_py import RingBuffer

    IMPLEMENTATION = "python"
else:
    try:
        from native._ringbuffer import RingBuffer, float32_to_int16, int16_to_float32

        IMPLEMENTATION = "cython"
    except ImportError as exc:
        if _choice == "cython":
            raise ImportError(
                "TANDEM_NATIVE=cython but native._ringbuffer cannot be imported "
                f"({exc}); build it with `python setup.py build_ext --inplace`"
            ) from exc
        from native.convert_py import float32_to_int16, int16_to_float32
        from native.ringbuffer_py import RingBuffer

        IMPLEMENTATION = "python"
        _fallback_reason = str(exc)
