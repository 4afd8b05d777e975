"""The NLU stage: what the pipeline needs from language understanding.

The implementation is `edge.nlu.ModelNlu` (a quantised intent model plus inventory-aware
slots, replacing the first rule-based NLU). The contract: an intent name from Home
Assistant's vocabulary (or NavigateTo/CallContact/ReadMessages), or "cloud"; canonical
slots; and a calibrated confidence the router compares with its threshold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from contract.inventory import Inventory
from edge.messages import Understanding
from edge.nlu.parser import CLOUD, ModelNlu
from edge.nlu.text import normalize

__all__ = ["CLOUD", "Nlu", "load_nlu", "normalize"]


class Nlu(Protocol):
    def parse(self, text: str) -> Understanding:
        """Never raises on any text; `intent` is a name or CLOUD, 0 <= confidence <= 1."""
        ...


def load_nlu(inventory: Inventory, model: Path | None = None) -> Nlu:
    """The on-device NLU over `inventory` (the manifest's model unless `model` is given)."""
    return ModelNlu.load(inventory, model)
