"""Intent classifier kernel: compiled (``native._nlu``) when built, else the numpy twin.

Same selection rules as the audio kernels (see ``native/__init__.py``): ``TANDEM_NATIVE``
unset/``auto`` picks the compiled module when importable, ``python`` forces the twin
(``native.nlu_py``), ``cython`` requires the compiled one.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

__all__ = ["FEATURE_VERSION", "IMPLEMENTATION", "IntentNet", "feature_ids"]

IMPLEMENTATION: Literal["cython", "python"]
_fallback_reason: str | None = None

_choice = os.environ.get("TANDEM_NATIVE", "").strip().lower()
if _choice not in ("", "auto", "python", "cython"):
    raise ImportError(f"TANDEM_NATIVE must be 'python', 'cython' or unset, got {_choice!r}")

if TYPE_CHECKING:
    from native.nlu_py import FEATURE_VERSION, IntentNet, feature_ids
elif _choice == "python":
    from native.nlu_py import FEATURE_VERSION, IntentNet, feature_ids

    IMPLEMENTATION = "python"
else:
    try:
        from native._nlu import FEATURE_VERSION, IntentNet, feature_ids

        IMPLEMENTATION = "cython"
    except ImportError as exc:
        if _choice == "cython":
            raise ImportError(
                "TANDEM_NATIVE=cython but native._nlu cannot be imported "
                f"({exc}); build it with `python setup.py build_ext --inplace`"
            ) from exc
        from native.nlu_py import FEATURE_VERSION, IntentNet, feature_ids

        IMPLEMENTATION = "python"
        _fallback_reason = str(exc)
