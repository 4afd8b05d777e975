"""Labelled training utterances for the intent model, built offline and seeded.

Home Assistant's English templates (home-assistant-intents) are expanded at random with
hassil's parser, Tandem's templates (tools/nlu_templates.py) add three intents and
paraphrases, slots are filled from tools/nlu_vocab.py, and every utterance may be
roughened like real speech (fillers, politeness, slips, dropped words). The cloud class
gets the chatterbot corpus, Tandem's prompts, near misses and non-English text, minus
anything Home Assistant's own matcher would take as a command.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hassil.expression import (
    Alternative,
    Expression,
    ListReference,
    Permutation,
    RuleReference,
    Sentence,
    Sequence,
    TextChunk,
)
from hassil.intents import Intents, RangeSlotList, SlotList, TextSlotList
from hassil.parse_expression import parse_sentence

from contract.inventory import Device, Inventory
from edge.nlu.text import words_of
from tools import nlu_templates as tpl
from tools import nlu_vocab as vocab

CLOUD = "cloud"
# The model learns "add to a list"; which list (shopping or another) is read from the
# inventory by edge.nlu.slots, which names the Home Assistant intent.
MERGED = {"HassShoppingListAddItem": "HassListAddItem",
          "HassShoppingListCompleteItem": "HassListCompleteItem"}
_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spoken_number(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    rest = n % 100
    return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + spoken_number(rest))


@dataclass(frozen=True)
class Template:
    intent: str
    sentence: Sentence
    rules: dict[str, Sentence]
    domains: tuple[str, ...] = ()  # the kinds of device {name} may be (Home Assistant context)


def _domains(data: object) -> tuple[str, ...]:
    for source in (getattr(data, "requires_context", {}), getattr(data, "slots", {})):
        value = (source or {}).get("domain")
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list):
            return tuple(str(v) for v in value)
    return ()


class Expander:
    """Random walk over a hassil expression: one random sentence per call."""

    def __init__(self, rng: random.Random, slot_lists: dict[str, SlotList]) -> None:
        self.rng = rng
        self.slot_lists = slot_lists

    def expand(self, expr: Expression, rules: dict[str, Sentence]) -> str:
        rng = self.rng
        if isinstance(expr, TextChunk):
            return expr.original_text if expr.original_text is not None else expr.text
        if isinstance(expr, Alternative):
            return self.expand(rng.choice(expr.items), rules) if expr.items else ""
        if isinstance(expr, Permutation):
            items = list(expr.items)
            rng.shuffle(items)
            return " ".join(self.expand(item, rules) for item in items)
        if isinstance(expr, Sequence):
            return "".join(self.expand(item, rules) for item in expr.items)
        if isinstance(expr, RuleReference):
            return self.expand(rules[expr.rule_name].expression, rules)
        if isinstance(expr, ListReference):
            slot_list = self.slot_lists.get(expr.list_name)
            if isinstance(slot_list, TextSlotList) and slot_list.values:
                return self.expand(rng.choice(slot_list.values).text_in, rules)
            if isinstance(slot_list, RangeSlotList):
                return f"{{range:{max(slot_list.start, 0)}:{min(slot_list.stop, 100)}}}"
            return f"{{{expr.list_name}}}"
        raise ValueError(f"unexpected hassil expression {expr!r}")


def ha_templates(intents: Intents) -> list[Template]:
    out = []
    for name, intent in intents.intents.items():
        for data in intent.data:
            rules = {**intents.expansion_rules, **data.expansion_rules}
            out += [Template(name, s, rules, _domains(data)) for s in data.sentences]
    return out


def tandem_templates(intents: Intents, groups: dict[str, list[str]]) -> list[Template]:
    return [Template(name, parse_sentence(text), intents.expansion_rules)
            for name, texts in groups.items() for text in texts]


_NAME_DOMAINS = {
    "HassClimateSetTemperature": "climate", "HassClimateGetTemperature": "climate",
    "HassClimateSetFanMode": "climate", "HassFanSetSpeed": "fan", "HassSetPosition": "cover",
    "HassVacuumStart": "vacuum", "HassVacuumReturnToBase": "vacuum",
    "HassVacuumCleanArea": "vacuum", "HassLawnMowerDock": "lawn_mower",
    "HassLawnMowerStartMowing": "lawn_mower", "HassGetWeather": "weather",
    "HassLightSet": "light",
}
_MEDIA = ("HassMedia", "HassSetVolume")


def _duration(rng: random.Random) -> str:
    def num(n: int) -> str:
        return str(n) if rng.random() < 0.5 else spoken_number(n)
    choice = rng.random()
    if choice < 0.12:
        return rng.choice(["an hour", "a minute", "half an hour", "an hour and a half",
                           "a minute and a half", "one hour"])
    parts = []
    for unit, top in (("hour", 5), ("minute", 59), ("second", 59)):
        if rng.random() < (0.25 if unit == "hour" else 0.55 if unit == "minute" else 0.25):
            n = rng.randint(1, top)
            parts.append(f"{num(n)} {unit}{'' if n == 1 else 's'}")
    if not parts:
        n = rng.randint(1, 60)
        parts.append(f"{num(n)} minutes")
    return (" and " if rng.random() < 0.5 else " ").join(parts)


class Filler:
    """Fills template placeholders from the vocabulary pools."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def device(self, intent: str, domains: tuple[str, ...] = ()) -> str:
        usable = [d for d in domains if d in vocab.DEVICES]
        if usable:
            return self.rng.choice(vocab.DEVICES[self.rng.choice(usable)])
        domain = _NAME_DOMAINS.get(intent)
        if domain is None and intent.startswith(_MEDIA):
            domain = "media_player"
        if domain is None:
            domain = self.rng.choice(["light"] * 4 + list(vocab.DEVICES))
        return self.rng.choice(vocab.DEVICES[domain])

    def number(self, low: int, high: int) -> str:
        n = self.rng.randint(low, max(low, high))
        return str(n) if self.rng.random() < 0.6 else spoken_number(n)

    def value(self, key: str, intent: str, domains: tuple[str, ...] = ()) -> str:
        rng = self.rng
        if key.startswith("range:"):
            _, low, high = key.split(":")
            return self.number(int(low), int(high))
        pools = {
            "area": vocab.AREAS, "floor": vocab.FLOORS, "list": vocab.LISTS,
            "contact": vocab.CONTACTS, "destination": vocab.PLACES, "zone": vocab.PLACES,
            "item": vocab.ITEMS, "shopping_list_item": vocab.ITEMS,
            "todo_list_item": vocab.ITEMS, "search_query": vocab.SEARCH,
            "message": vocab.MESSAGES, "thing": vocab.THINGS, "timer_name": vocab.TIMER_NAMES,
            "timer_command": ["turn off the lights", "tell me a joke", "play music"],
        }
        if key in pools:
            return rng.choice(pools[key])
        if key == "name":
            if intent.startswith("HassList"):
                return rng.choice(vocab.LISTS)
            if "Timer" in intent:
                return rng.choice(vocab.TIMER_NAMES)
            return self.device(intent, domains)
        if key == "num":
            return self.number(1, 100)
        if key == "pct":
            return self.number(1, 100) + rng.choice([" percent", "%", ""])
        if key == "dur":
            return _duration(rng)
        return key  # an unknown list: its name stands in

    def fill(self, text: str, intent: str, domains: tuple[str, ...] = ()) -> str:
        return re.sub(r"\{([^}]+)\}", lambda m: self.value(m.group(1), intent, domains), text)


_PREFIXES = ["can you", "could you", "could you please", "would you", "i want you to",
             "i need you to", "go ahead and", "hey", "okay", "so", "um can you",
             "would you mind", "quickly", "i'd like you to", "jarvis", "alright",
             "can you please", "let's", "now", "yo", "i said"]
_SUFFIXES = ["please", "for me", "thanks", "thank you", "right now", "now", "asap",
             "if you can", "would you", "ok", "real quick", "again"]
_FILLER_WORDS = ["uh", "um", "like", "so", "er", "hmm", "the", "you know"]
_SWAPS = [("turn on", "switch on"), ("turn off", "switch off"), ("turn on", "put on"),
          ("turn off", "shut off"), ("what is", "what's"), ("set", "change"),
          ("set", "put"), ("the", "my"), ("lights", "light"), ("minutes", "minute"),
          ("timer", "time her"), ("off", "of"), ("lights", "lice"), ("light", "like"),
          ("to", "two"), ("for", "four")]


def roughen(text: str, rng: random.Random) -> str:
    """Speech-like variation: politeness, fillers, slips, dropped and repeated words."""
    if rng.random() < 0.3:
        text = rng.choice(_PREFIXES) + " " + text
    if rng.random() < 0.2:
        text = text + " " + rng.choice(_SUFFIXES)
    if rng.random() < 0.15:
        a, b = rng.choice(_SWAPS)
        text = re.sub(rf"\b{a}\b", b, text, count=1)
    words = text.split()
    if not words:
        return text
    if rng.random() < 0.15:
        words.insert(rng.randrange(len(words) + 1), rng.choice(_FILLER_WORDS))
    if rng.random() < 0.1:
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) >= 4:
            j = rng.randrange(len(w))
            op = rng.random()
            if op < 0.4:
                w = w[:j] + w[j + 1 :]
            elif op < 0.7:
                w = w[:j] + rng.choice("aeiourstnl") + w[j + 1 :]
            else:
                w = w[:j] + w[j] + w[j:]
            words[i] = w
    if rng.random() < 0.07 and len(words) > 3:
        del words[rng.randrange(len(words))]
    if rng.random() < 0.05:
        i = rng.randrange(len(words))
        words.insert(i, words[i])
    return " ".join(words)


def training_inventory(rng: random.Random, known: float = 0.8) -> Inventory:
    """Most pool names: the rest stay unknown, so the model also sees raw names."""
    def some(names: list[str], share: float = known) -> list[str]:
        return [n for n in names if rng.random() < share]
    devices = tuple(Device(name, domain) for domain, names in vocab.DEVICES.items()
                    for name in some(names))
    names: set[str] = set()
    unique = []
    for d in devices:
        if d.name.casefold() not in names:
            names.add(d.name.casefold())
            unique.append(d)
    return Inventory(areas=tuple(some(vocab.AREAS)), devices=tuple(unique),
                     contacts=tuple(some(vocab.CONTACTS, 0.5)),
                     places=tuple(some(vocab.PLACES, 0.5)),
                     lists=tuple(some(vocab.LISTS)))


def chatterbot_prompts() -> list[str]:
    import chatterbot_corpus
    import yaml

    root = Path(chatterbot_corpus.__file__).parent / "data" / "english"
    out: list[str] = []
    for path in sorted(root.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for convo in data.get("conversations") or []:
            out += [str(s) for s in convo[:2] if isinstance(s, str)]
    return out


def _hassil_matches(intents: Intents, texts: list[str]) -> set[str]:
    from hassil.recognize import recognize

    lists: dict[str, SlotList] = {
        "name": TextSlotList.from_strings([n for ns in vocab.DEVICES.values() for n in ns]),
        "area": TextSlotList.from_strings(vocab.AREAS),
        "floor": TextSlotList.from_strings(vocab.FLOORS),
    }
    return {t for t in texts if recognize(t, intents, slot_lists=lists) is not None}


def build(seed: int = 7, per_intent: int = 1200) -> tuple[list[tuple[str, str]], Inventory,
                                                            set[str]]:
    """(text, label) pairs, the training inventory, and the command vocabulary."""
    from home_assistant_intents import get_intents

    rng = random.Random(seed)
    data = get_intents("en")
    if data is None:
        raise RuntimeError("home-assistant-intents has no English data; reinstall it")
    intents = Intents.from_dict(data)
    expander = Expander(rng, intents.slot_lists)
    filler = Filler(rng)
    by_intent: dict[str, list[Template]] = {}
    for t in ha_templates(intents):
        by_intent.setdefault(t.intent, []).append(t)
    tandem = tandem_templates(intents, {**tpl.EXTRA_INTENTS})
    paraphrase = tandem_templates(intents, tpl.PARAPHRASES)
    for t in tandem:
        by_intent.setdefault(t.intent, []).append(t)
    extra: dict[str, list[Template]] = {}
    for t in paraphrase:
        extra.setdefault(t.intent, []).append(t)
    command_words: set[str] = set()
    samples: list[tuple[str, str]] = []
    for intent in sorted(by_intent):
        for i in range(per_intent):
            pool = extra[intent] if extra.get(intent) and i % 3 == 0 else by_intent[intent]
            t = rng.choice(pool)
            raw = expander.expand(t.sentence.expression, t.rules)
            command_words.update(words_of(re.sub(r"\{[^}]+\}", " ", raw)))
            text = roughen(filler.fill(raw, intent, t.domains), rng)
            samples.append((text, MERGED.get(intent, intent)))
    samples += list(_cloud(rng, intents, expander, filler))
    rng.shuffle(samples)
    return samples, training_inventory(random.Random(seed + 1)), command_words


def _cloud(rng: random.Random, intents: Intents, expander: Expander,
           filler: Filler) -> Iterator[tuple[str, str]]:
    chat = chatterbot_prompts()
    matched = _hassil_matches(intents, chat)
    for text in chat:
        if text not in matched:
            yield text, CLOUD
            yield roughen(text, rng), CLOUD
    near = tandem_templates(intents, {CLOUD: tpl.CLOUD_TEMPLATES})
    for t in near:
        for _ in range(40):
            yield roughen(filler.fill(expander.expand(t.sentence.expression, t.rules),
                                      CLOUD), rng), CLOUD
    for text in tpl.CLOUD_PROMPTS:
        if text.strip():
            for _ in range(4):
                yield roughen(text, rng), CLOUD
    for text in tpl.FOREIGN:
        for _ in range(6):
            yield roughen(text, rng), CLOUD
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = [w for text in chat for w in text.lower().split()]
    for _ in range(300):
        yield "".join(rng.choice(letters) for _ in range(rng.randint(1, 12))), CLOUD
        yield " ".join(rng.choice(words) for _ in range(rng.randint(1, 6))), CLOUD
