"""The one rule for choosing compiled kernels or their twins (``TANDEM_NATIVE``)."""

from __future__ import annotations

import os


def compiled_wanted() -> bool:
    """False when ``TANDEM_NATIVE=python`` forces the twins; raises on a value nobody knows."""
    choice = os.environ.get("TANDEM_NATIVE", "").strip().lower()
    if choice not in ("", "auto", "python", "cython"):
        raise ImportError(f"TANDEM_NATIVE must be 'python', 'cython' or unset, got {choice!r}")
    return choice != "python"


def twin_fallback(exc: ImportError) -> str:
    """Why the twins are used after a failed compiled import; re-raises when
    ``TANDEM_NATIVE=cython`` demands the compiled kernels (no silent slow deployment)."""
    if os.environ.get("TANDEM_NATIVE", "").strip().lower() == "cython":
        raise ImportError(
            f"TANDEM_NATIVE=cython but the native kernels cannot be imported ({exc}); "
            "build them with `python setup.py build_ext --inplace`"
        ) from exc
    return str(exc)
