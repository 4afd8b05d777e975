"""To-do and shopping lists from the inventory: add, complete and remove items, kept in
SQLite in the device's state directory (in memory when there is none), so a restart keeps
them."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from contract.inventory import Inventory
from edge.messages import Understanding

SHOPPING = "Shopping List"
_ADD = frozenset({"HassShoppingListAddItem", "HassListAddItem"})
_COMPLETE = frozenset({"HassShoppingListCompleteItem", "HassListCompleteItem"})
_REMOVE = frozenset({"HassListRemoveItem"})


class ListSkill:
    intents = _ADD | _COMPLETE | _REMOVE

    def __init__(self, inventory: Inventory, path: Path | None = None) -> None:
        self.names = {name.casefold(): name for name in inventory.lists}
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False,
                                   isolation_level=None)
        self._db.execute("CREATE TABLE IF NOT EXISTS items (list TEXT NOT NULL, item TEXT NOT "
                         "NULL, done INTEGER NOT NULL DEFAULT 0)")

    def items(self, name: str, done: bool = False) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT item FROM items WHERE list = ? AND done = ? "
                                    "ORDER BY rowid", (name, int(done))).fetchall()
        return [row[0] for row in rows]

    def handle(self, understanding: Understanding) -> str:
        item = str(understanding.slots.get("item", "")).strip()
        spoken = str(understanding.slots.get("name", SHOPPING))
        name = self.names.get(spoken.casefold())
        if name is None:
            return f"There is no list called {spoken}."
        if not item:
            return "What should I add?" if understanding.intent in _ADD else "Which item?"
        if understanding.intent in _ADD:
            with self._lock:
                self._db.execute("INSERT INTO items (list, item) VALUES (?, ?)", (name, item))
            return f"Added {item} to your {name.lower()}."
        change = ("UPDATE items SET done = 1" if understanding.intent in _COMPLETE
                  else "DELETE FROM items")
        with self._lock:
            changed = self._db.execute(f"{change} WHERE list = ? AND lower(item) = lower(?) "
                                       "AND done = 0", (name, item)).rowcount
        if not changed:
            return f"{item.capitalize()} is not on your {name.lower()}."
        verb = "Checked off" if understanding.intent in _COMPLETE else "Removed"
        return f"{verb} {item} on your {name.lower()}."
