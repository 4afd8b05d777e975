"""The word lists under data/: one entry a line, blank lines and "#" comments left out."""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@cache
def entries(name: str) -> tuple[str, ...]:
    """The entries of data/`name`, read once per process."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return tuple(w.strip() for w in lines if w.strip() and not w.startswith("#"))
