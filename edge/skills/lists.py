"""To-do and shopping lists from the inventory."""

from __future__ import annotations

from edge.inventory import Inventory
from edge.messages import Understanding

SHOPPING = "Shopping List"


class ListSkill:
    intents = frozenset({"HassShoppingListAddItem", "HassListAddItem"})

    def __init__(self, inventory: Inventory) -> None:
        self.items: dict[str, list[str]] = {name: [] for name in inventory.lists}

    def handle(self, understanding: Understanding) -> str:
        item = str(understanding.slots.get("item", "")).strip()
        name = str(understanding.slots.get("name", SHOPPING))
        if not item:
            return "What should I add?"
        if name not in self.items:
            return f"There is no list called {name}."
        self.items[name].append(item)
        return f"Added {item} to your {name.lower()}."
