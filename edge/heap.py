"""Giving the heap's free pages back to the system after a model's load or run."""

from __future__ import annotations

from functools import cache
from typing import Any


def release_freed_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's malloc_trim; nothing
    elsewhere). glibc keeps what a model's load or run freed inside the process, where
    only later allocations of the right sizes reuse it; 1-25 ms, so never before audio."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Any:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
