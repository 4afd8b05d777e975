"""Intent classifier kernel: compiled (``native._nlu``) when built, else the numpy twin.

Same selection rules as the audio kernels (see ``native/__init__.py``): ``TANDEM_NATIVE``
unset/``auto`` picks the compiled module when importable, ``python`` forces the twin
(``native.nlu_py``), ``cython`` requires the compiled one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from native._select import compiled_wanted, twin_fallback

__all__ = ["FEATURE_VERSION", "IMPLEMENTATION", "IntentNet", "feature_ids"]

IMPLEMENTATION: Literal["cython", "python"]
_fallback_reason: str | None = None

if TYPE_CHECKING:
    from native.nlu_py import FEATURE_VERSION, IntentNet, feature_ids
elif not compiled_wanted():
    from native.nlu_py import FEATURE_VERSION, IntentNet, feature_ids

    IMPLEMENTATION = "python"
else:
    try:
        from native._nlu import FEATURE_VERSION, IntentNet, feature_ids

        IMPLEMENTATION = "cython"
    except ImportError as exc:
        _fallback_reason = twin_fallback(exc)
        from native.nlu_py import FEATURE_VERSION, IntentNet, feature_ids

        IMPLEMENTATION = "python"
