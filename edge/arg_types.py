"""argparse value types shared by the edge's commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def number_or_off(what: str) -> Callable[[str], float | None]:
    """The type of an "N|off" option: a float, or None for "off"; `what` ("a probability")
    names it in the error line."""

    def parse(text: str) -> float | None:
        if text == "off":
            return None
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {what} or 'off', not {text!r}") from None

    return parse
