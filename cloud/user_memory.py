"""The user's memory in the cloud's conversations: what goes into the prompt, and what the
user asks the cloud to remember or forget.

* Read: the fleet's memory store (`memory.json`, written by `tandem fleet remember` and by
  this service) and registry (which user a device belongs to), reloaded when the files
  change. The facts most relevant to the question go first, bounded in number and size.
* Learn: "remember that my sister is called Anna", "I prefer metric units", "forget that",
  "forget my sister" become changes to the user's memory through `MemoryStore`, which
  signs them and publishes them to every device of the user over MQTT (when the service
  has a broker link), as `tandem fleet remember/forget` does. The service answers those
  itself: no model is needed to store a fact.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cloud.fleet.memory import MemoryStore
from cloud.fleet.registry import Registry

MAX_FACTS = 8
MAX_FACT_CHARS = 600


@dataclass(frozen=True)
class Remember:
    key: str
    value: str
    spoken: str  # how to say it back: "your sister is called Anna"


@dataclass(frozen=True)
class Forget:
    key: str | None  # None: "forget that", the fact remembered last in this conversation


MemoryCommand = Remember | Forget

_REMEMBER = re.compile(r"^(?:please |hey jarvis,? )?(?:remember|note|keep in mind) "
                       r"(?:that )?(?P<fact>.+?)[.!]?$", re.IGNORECASE)
_FORGET = re.compile(r"^(?:please )?forget (?:about )?(?P<what>.+?)[.!]?$", re.IGNORECASE)
_MY_X_IS_Y = re.compile(r"^my (?P<key>[\w' -]{1,40}?) (?:is|are) (?:called |named )?"
                        r"(?P<value>.+)$", re.IGNORECASE)
_PREFERENCE = re.compile(r"^i (?P<verb>prefer|like|love|hate|don't like|do not like) "
                         r"(?P<what>.+?)[.!]?$", re.IGNORECASE)


def parse_memory_command(text: str) -> MemoryCommand | None:
    """What the user asked to remember or forget, or None for any other request."""
    text = " ".join(text.split())
    if m := _FORGET.match(text):
        what = m.group("what").lower()
        if what in ("that", "it", "this", "what i said"):
            return Forget(None)
        return Forget(_key(what.removeprefix("my ").removeprefix("that ")))
    if m := _REMEMBER.match(text):
        return _fact(m.group("fact"))
    if m := _PREFERENCE.match(text):  # a stated preference is remembered as said
        verb, what = m.group("verb").lower(), m.group("what")
        return Remember(f"{verb} {_key(what)}", f"{verb} {what}", f"you {verb} {what}")
    return None


def _fact(fact: str) -> Remember:
    if m := _MY_X_IS_Y.match(fact):
        key, value = m.group("key").lower(), m.group("value")
        return Remember(_key(key), value, f"your {key} is {_called(fact)}{value}")
    return Remember(_key(fact), fact, _second_person(fact))


def _called(fact: str) -> str:
    m = re.search(r" (called|named) ", fact, re.IGNORECASE)
    return f"{m.group(1).lower()} " if m else ""


def _second_person(text: str) -> str:
    swaps = {"i": "you", "my": "your", "me": "you", "i'm": "you're", "am": "are", "mine": "yours"}
    return " ".join(swaps.get(w.lower(), w) for w in text.split())


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9' ]+", "", text.lower()).strip()[:60] or "note"


def relevant_facts(facts: dict[str, str], question: str, max_facts: int = MAX_FACTS,
                   max_chars: int = MAX_FACT_CHARS) -> list[tuple[str, str]]:
    """The facts for the prompt: those sharing words with the question first (then the
    rest, newest key order as stored), cut at `max_facts` and `max_chars` in all."""
    asked = set(re.findall(r"[a-z0-9']+", question.lower()))

    def overlap(item: tuple[str, str]) -> int:
        words = set(re.findall(r"[a-z0-9']+", f"{item[0]} {item[1]}".lower()))
        return len(words & asked)

    items = list(facts.items())
    ranked = sorted(reversed(items), key=overlap, reverse=True)  # stable: newest first
    out: list[tuple[str, str]] = []
    used = 0
    for key, value in ranked[:max_facts]:
        line = len(key) + len(value) + 4
        if used + line > max_chars:
            break
        out.append((key, value))
        used += line
    return out


def memory_prompt(facts: list[tuple[str, str]]) -> str:
    if not facts:
        return ""
    lines = "\n".join(f"- {key}: {value}" for key, value in facts)
    return f"\nWhat you know about the user (use it only when it helps the answer):\n{lines}"


class UserMemory:
    """The fleet's memory and registry for the service (thread-safe; files reloaded on
    change). `publish`: how changes reach devices (topic, payload), with the fleet's
    signing key; None: the store file alone changes."""

    def __init__(self, fleet_dir: Path, publish: Callable[[str, bytes], object] | None = None,
                 signing_key: object | None = None) -> None:
        self.memory_path = fleet_dir / "memory.json"
        self.registry_path = fleet_dir / "registry.json"
        self._publish = publish
        self._key = signing_key
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._store = self._load()
        self._registry_stamp: tuple[int, int] | None = None
        self._registry = Registry()
        self.last_remembered: dict[str, str] = {}  # session id -> key (for "forget that")

    def user_of(self, device_id: str) -> str | None:
        with self._lock:
            stamp = _stamp(self.registry_path)
            if stamp != self._registry_stamp:
                self._registry, self._registry_stamp = Registry.load(self.registry_path), stamp
            entry = self._registry.devices.get(device_id)
            return entry.user if entry is not None else None

    def facts(self, user: str) -> dict[str, str]:
        with self._lock:
            return self._current().facts(user)

    def apply(self, user: str, session_id: str, command: MemoryCommand) -> str:
        """Change the user's memory; the sentence the device says back."""
        with self._lock:
            store = self._current()
            if isinstance(command, Remember):
                store.remember(user, command.key, command.value)
                self.last_remembered[session_id] = command.key
                reply = f"Okay, I'll remember that {command.spoken}."
            else:
                key = command.key if command.key is not None else \
                    self.last_remembered.pop(session_id, None)
                if key is None or key not in store.facts(user):
                    return "I don't have anything like that to forget."
                store.forget(user, key)
                reply = "Okay, I've forgotten that."
            self._stamp = _stamp(self.memory_path)  # our own write: no reload needed
            return reply

    def _current(self) -> MemoryStore:
        if _stamp(self.memory_path) != self._stamp:  # changed by another process
            self._store = self._load()
        return self._store

    def _load(self) -> MemoryStore:
        self._stamp = _stamp(self.memory_path)
        return MemoryStore(self.memory_path, key=self._key,  # type: ignore[arg-type]
                           publish=None if self._publish is None else self._send)

    def _send(self, topic: str, payload: bytes) -> None:
        assert self._publish is not None
        self._publish(topic, payload)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size
