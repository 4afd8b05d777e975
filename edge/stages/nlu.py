"""First on-device language understanding: rules over the inventory.

Deliberately small (the trained quantized model replaces it); what matters here is the
contract: an intent name from Home Assistant's vocabulary or "cloud", canonical slots,
and a confidence the router compares with its threshold.
"""

from __future__ import annotations

import re

from edge.inventory import Inventory
from edge.messages import Understanding
from edge.stages.numbers import parse_number

CLOUD = "cloud"
_FILLERS = re.compile(r"\b(?:uh+|um+|er|please|could you|can you|would you|kindly)\b")
_DOMAIN_WORDS = {"light": "light", "lights": "light", "lamp": "light", "lamps": "light",
                 "fan": "fan", "fans": "fan", "switch": "switch"}
_UNIT_SLOTS = {"hour": "hours", "minute": "minutes", "second": "seconds"}


def normalize(text: str) -> str:
    text = text.casefold().replace("%", " percent")
    text = re.sub(r"[^\w\s]", " ", text.replace("'", "").replace("\u2019", ""))
    text = _FILLERS.sub(" ", text)
    return " ".join(text.split())


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _contains_phrase(text: str, phrase: str) -> bool:
    words = " ".join(_singular(w) for w in normalize(phrase).split())
    said = " ".join(_singular(w) for w in text.split())
    return re.search(rf"\b{re.escape(words)}\b", said) is not None


class RuleNlu:
    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory

    def parse(self, text: str) -> Understanding:
        t = normalize(text)
        for rule in (self._on_off, self._timer, self._clock, self._volume):
            found = rule(t)
            if found is not None:
                return found
        return Understanding(CLOUD, {}, 0.9)

    # -- rules ------------------------------------------------------------------------

    def _on_off(self, t: str) -> Understanding | None:
        m = re.search(r"\b(?:turn|switch|put|shut)\b(?:.*?)\b(on|off)\b", t)
        if m is None or re.match(r"^(?:why|how|who|what|when|where|is|are|do|does)\b", t):
            return None
        intent = "HassTurnOn" if m.group(1) == "on" else "HassTurnOff"
        for device in sorted(self.inventory.devices, key=lambda d: -len(d.name)):
            if _contains_phrase(t, device.name):
                return Understanding(intent, {"name": device.name}, 0.95)
        slots: dict[str, str | int] = {}
        for area in self.inventory.areas:
            if _contains_phrase(t, area):
                slots["area"] = area
        for word in t.split():
            if word in _DOMAIN_WORDS:
                slots["domain"] = _DOMAIN_WORDS[word]
        return Understanding(intent, slots, 0.9 if slots else 0.5)

    def _timer(self, t: str) -> Understanding | None:
        if "timer" not in t.split():
            return None
        if re.search(r"\b(?:cancel|stop|delete|remove)\b", t):
            return Understanding("HassCancelTimer", {}, 0.9)
        words = t.split()
        slots: dict[str, str | int] = {}
        i = 0
        while i < len(words):
            parsed = parse_number(words[i:])
            if parsed and i + parsed[1] < len(words):
                unit = _singular(words[i + parsed[1]])
                if unit in _UNIT_SLOTS:
                    slots[_UNIT_SLOTS[unit]] = parsed[0]
                    i += parsed[1] + 1
                    continue
            i += 1
        return Understanding("HassStartTimer", slots, 0.95 if slots else 0.5)

    def _clock(self, t: str) -> Understanding | None:
        if re.search(r"\bwhat(?:s| is)? (?:the )?time\b|\bwhat time is it\b", t):
            return Understanding("HassGetCurrentTime", {}, 0.95)
        if re.search(r"\bwhat(?:s| is)? (?:the |todays )?date\b|\bwhat day is (?:it|today)\b", t):
            return Understanding("HassGetCurrentDate", {}, 0.95)
        return None

    def _volume(self, t: str) -> Understanding | None:
        m = re.search(r"\bvolume\b(?:.*?)\bto\b (.+)", t)
        if m is None:
            return None
        parsed = parse_number(m.group(1).split())
        if parsed is None or not 0 <= parsed[0] <= 100:
            return Understanding("HassSetVolume", {}, 0.5)
        return Understanding("HassSetVolume", {"volume_level": parsed[0]}, 0.95)
