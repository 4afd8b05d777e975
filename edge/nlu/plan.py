"""From one understood request to the actions it asks for, safely.

The intent model reads one command at a time; people say more, and say less:

    "switch off the lamp and turn on the fan"      -> two actions, in spoken order
    "add milk and coffee to the shopping list"     -> one action per item
    "turn on the porch light and the kitchen lights" -> the verb carries over
    "please do not switch on the bedroom fan"      -> no action at all
    "turn off the hallway lights in fifteen minutes" / "at 7 pm" -> a scheduled action
    "turn it off" (after "turn on the desk lamp")  -> the last target, within a short window
    "unlock the front door"                        -> confirm first, policy or no policy

`Planner.plan` splits the words into clauses at conjunctions (never inside an inventory
name), drops negated clauses, takes delays and clock times out of each clause before the
model reads it, fills references from the conversation's last target, and marks the plan
for confirmation when any action is sensitive.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from contract.inventory import Inventory
from edge.messages import Understanding
from edge.nlu.text import words_of
from edge.stages.nlu import CLOUD, Nlu
from edge.stages.numbers import parse_number

Slots = dict[str, str | int]

_SPLIT = frozenset({"and", "then", "but", "also"})
_NEGATION = frozenset({"dont", "not", "never", "doesnt", "didnt"})
# Words that carry no command of their own ("no, don't ...", "I said ...", "okay then").
_FILLER = frozenset({"no", "okay", "ok", "please", "i", "said", "now", "again", "too",
                     "well", "as", "so", "just", "do", "then", "yes", "actually", "never",
                     "mind", "could", "you", "can", "would"})
_TRAILING = frozenset({"too", "again", "also", "please", "now", "then"})
_LEADING = frozenset({"now", "and", "then", "also", "please", "do"})
_REFERENCES = frozenset({"it", "them", "that", "those", "this", "these"})
# "that" before a noun is no reference ("tell me that joke"); before these words it is
# ("turn that off", "set this to twenty").
_AFTER_A_REFERENCE = frozenset({"on", "off", "up", "down", "to", "by", "back", "please",
                                "again", "too", "now", "a", "for", "in", "out", "and"})
_UNITS = {"second": 1, "seconds": 1, "sec": 1, "secs": 1, "minute": 60, "minutes": 60,
          "min": 60, "mins": 60, "hour": 3600, "hours": 3600}
_MORNING = (("am",), ("a", "m"), ("in", "the", "morning"))
_EVENING = (("pm",), ("p", "m"), ("in", "the", "evening"), ("in", "the", "afternoon"),
            ("tonight",), ("at", "night"))
_NAMED_TIMES = {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}
# Intents whose numbers are durations of their own: their "in ten minutes" is not a delay.
_TIMER_INTENTS = frozenset({"HassStartTimer", "HassIncreaseTimer", "HassDecreaseTimer",
                            "HassCancelTimer", "HassPauseTimer", "HassUnpauseTimer",
                            "HassTimerStatus"})
_LIST_INTENTS = frozenset({"HassShoppingListAddItem", "HassListAddItem"})
_VERB_OF = {"HassTurnOn": "turn on", "HassTurnOff": "turn off"}
_TARGET_SLOTS = ("name", "area", "domain")
# Opening one of these lets people in: ask first, whatever the policy says.
_ENTRANCE = re.compile(r"\b(garage|gate|door)\b", re.IGNORECASE)
SENSITIVE_INTENTS = frozenset({"HassAlarmDisarm", "HassPurchase", "EmergencyCall"})
# The same, from the words alone (a device the inventory does not know is still a door).
_SENSITIVE_WORDS = re.compile(
    r"\b(unlock|disarm|open(?: up)? (?:the |my )?(?:\w+ )?(?:garage|gate|door)|"
    r"(?:call|dial) (?:911|999|112|emergency|the police|an ambulance))\b")
REFERENCE_WINDOW_S = 120.0


@dataclass(frozen=True)
class PlannedAction:
    intent: str
    slots: Slots
    delay_s: int | None = None
    at: str | None = None  # "HH:MM", 24-hour local time
    confidence: float = 1.0  # the model's, on this clause alone
    sensitive_words: bool = False  # said "unlock", "disarm", "open the garage/gate/door"
    said: str = ""  # the clause's words (what a clause for the cloud asks it)

    def understanding(self) -> Understanding:
        return Understanding(self.intent, dict(self.slots), self.confidence)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"intent": self.intent, "slots": dict(self.slots)}
        if self.delay_s is not None:
            out["delay_s"] = self.delay_s
        if self.at is not None:
            out["at"] = self.at
        return out


@dataclass(frozen=True)
class Plan:
    understanding: Understanding  # of the first action (routing and replies use it)
    actions: tuple[PlannedAction, ...]
    confirm: bool  # the device must ask before acting


@dataclass
class PlanContext:
    """What a follow-up can refer to: the last target, for a short while."""

    target: Slots = field(default_factory=dict)
    intent: str | None = None
    at: float = 0.0
    window_s: float = REFERENCE_WINDOW_S

    def recent(self, now: float) -> bool:
        return bool(self.target) and now - self.at <= self.window_s


def _names(inventory: Inventory) -> list[list[str]]:
    return [w for w in (words_of(n) for n in inventory.names()) if len(w) > 1]


class Planner:
    def __init__(self, nlu: Nlu, inventory: Inventory) -> None:
        self.nlu = nlu
        self.inventory = inventory
        self._names = _names(inventory)

    def plan(self, text: str, context: PlanContext | None = None,
             now: float | None = None) -> Plan:
        now = time.monotonic() if now is None else now
        words = words_of(re.sub(r"[,;]", " and ", text))
        whole = self.nlu.parse(" ".join(words))
        if whole.intent in _LIST_INTENTS and not _negated(words):
            actions = self._list_items(whole)
        else:
            actions = []
            previous: Understanding | None = None
            for clause in self._clauses(words):
                negated = _negated(clause)
                clause = [w for w in clause if w not in _NEGATION]
                understanding, delay_s, at = self._understand(clause, previous, context, now)
                if understanding is None:
                    continue
                previous = understanding
                if not negated:
                    said = " ".join(clause)
                    actions.append(PlannedAction(
                        understanding.intent, dict(understanding.slots), delay_s, at,
                        understanding.confidence, _SENSITIVE_WORDS.search(said) is not None,
                        said))
        return self._plan(actions, whole, context, now)

    def plan_actions(self, actions: list[PlannedAction], context: PlanContext | None = None,
                     now: float | None = None) -> Plan:
        """The plan of actions decided elsewhere (the cloud's model asked for them):
        confirmed when sensitive, and the last target remembered, as for spoken ones."""
        now = time.monotonic() if now is None else now
        whole = actions[0].understanding() if actions else Understanding(CLOUD)
        return self._plan(actions, whole, context, now)

    def plan_command(self, understanding: Understanding, text: str,
                     context: PlanContext | None = None, now: float | None = None) -> Plan:
        """The plan of one whole command the fast layer recognised (its grammar has no
        negation, delays or compounds): one action, confirmed when sensitive."""
        now = time.monotonic() if now is None else now
        action = PlannedAction(understanding.intent, dict(understanding.slots),
                               confidence=understanding.confidence,
                               sensitive_words=_SENSITIVE_WORDS.search(text) is not None)
        return self._plan([action], understanding, context, now)

    def _plan(self, actions: list[PlannedAction], whole: Understanding,
              context: PlanContext | None, now: float) -> Plan:
        # A compound is as sure as its least sure clause (the whole is not one command).
        first = (Understanding(actions[0].intent, dict(actions[0].slots),
                               min(a.confidence for a in actions)) if actions else whole)
        if context is not None:
            for action in reversed(actions):
                target = {k: action.slots[k] for k in _TARGET_SLOTS if k in action.slots}
                if target:
                    context.target, context.intent, context.at = target, action.intent, now
                    break
        return Plan(first, tuple(actions), any(self.sensitive(a) for a in actions))

    def sensitive(self, action: PlannedAction) -> bool:
        """Unlocking, opening an entrance, disarming, paying, emergency calls."""
        if action.intent in SENSITIVE_INTENTS or action.sensitive_words:
            return True
        if action.intent not in ("HassTurnOn", "HassTurnOff"):
            return False
        for device in self.inventory.targets(action.slots):
            if device.domain == "lock" and action.intent == "HassTurnOff":
                return True
            if device.domain == "cover" and action.intent == "HassTurnOn" and \
                    _ENTRANCE.search(device.name):
                return True
        return False

    # -- clauses ----------------------------------------------------------------------------

    def _clauses(self, words: list[str]) -> list[list[str]]:
        protected = self._inside_names(words)
        clauses: list[list[str]] = [[]]
        for i, word in enumerate(words):
            if word in _SPLIT and i not in protected:
                clauses.append([])
            else:
                clauses[-1].append(word)
        return [c for c in clauses if c and not all(w in _FILLER for w in c)]

    def _inside_names(self, words: list[str]) -> set[int]:
        inside: set[int] = set()
        for name in self._names:
            for i in range(len(words) - len(name) + 1):
                if words[i : i + len(name)] == name:
                    inside.update(range(i + 1, i + len(name) - 1))
        return inside

    def _understand(self, clause: list[str], previous: Understanding | None,
                    context: PlanContext | None, now: float
                    ) -> tuple[Understanding | None, int | None, str | None]:
        clause = _trim(clause)
        if not clause:
            return None, None, None
        rest, delay_s, at = _take_time(clause)
        understanding = self.nlu.parse(" ".join(rest)) if rest else None
        if understanding is None or understanding.intent in _TIMER_INTENTS or (
                delay_s is None and at is None):
            rest, delay_s, at = clause, None, None  # the numbers belong to the command
            understanding = self.nlu.parse(" ".join(rest))
        # What "it" and an elided verb refer to: this request's previous clause, else the
        # conversation's last target (for a short while).
        last_intent, last_target = None, {}
        if previous is not None:
            last_intent = previous.intent
            last_target = {k: previous.slots[k] for k in _TARGET_SLOTS if k in previous.slots}
        elif context is not None and context.recent(now):
            last_intent, last_target = context.intent, context.target
        refers = [_is_reference(rest, i) for i in range(len(rest))]
        if any(refers) and last_target:  # "turn it off"
            rest = [w2 for w, ref in zip(rest, refers, strict=True)
                    for w2 in (_spoken_target(last_target) if ref else [w])]
            understanding = self.nlu.parse(" ".join(rest))
        elif not _has_verb(rest) and last_intent in _VERB_OF:  # "and the desk lamp"
            understanding = self.nlu.parse(f"{_VERB_OF[last_intent]} {' '.join(rest)}")
            slots = understanding.slots
            if "area" in slots and "name" not in slots and "domain" not in slots and \
                    "domain" in last_target:  # "the bedroom too": the lights, as before
                understanding = Understanding(understanding.intent,
                                              {**slots, "domain": last_target["domain"]},
                                              understanding.confidence)
        if understanding.intent == CLOUD and previous is not None and not _has_verb(rest):
            return None, None, None  # a stray fragment of a compound, not a question
        return understanding, delay_s, at

    def _list_items(self, whole: Understanding) -> list[PlannedAction]:
        item = str(whole.slots.get("item", ""))
        items = [i.strip() for i in re.split(r"\band\b", item) if i.strip()] or [item]
        return [PlannedAction(whole.intent, {**whole.slots, "item": i},
                              confidence=whole.confidence) for i in items]


_VERBS = frozenset({"turn", "switch", "shut", "open", "close", "lock", "unlock", "set", "dim",
                    "brighten", "start", "stop", "add", "put", "call", "navigate", "play",
                    "pause", "resume", "make", "change", "raise", "lower", "increase",
                    "decrease", "cancel", "remind", "what", "whats", "how", "is", "are",
                    "tell", "read", "mute", "unmute", "skip", "drive", "take", "dial", "ring"})


_DOMAIN_WORDS = {"light": "lights", "switch": "switches", "fan": "fans", "cover": "blinds",
                 "media_player": "tv"}


def _spoken_target(target: Slots) -> list[str]:
    """The words that name a target again: "the desk lamp", "the bedroom lights"."""
    if "name" in target:
        return ["the", *words_of(str(target["name"]))]
    words = ["the", *words_of(str(target.get("area", "")))]
    return words + [_DOMAIN_WORDS.get(str(target.get("domain", "")), "lights")]


def _is_reference(words: list[str], i: int) -> bool:
    """Whether words[i] stands for a target said before ("it", "turn that off")."""
    word = words[i]
    if word not in _REFERENCES:
        return False
    return word in ("it", "them") or i + 1 == len(words) or words[i + 1] in _AFTER_A_REFERENCE


def _has_verb(words: list[str]) -> bool:
    return any(w in _VERBS for w in words)


def more_than_one_command(text: str) -> bool:
    """Negation, a delay or clock time, or a conjunction: what a single command sentence
    cannot say ("don't turn on the fan", "... in ten minutes", "... and tell me a joke"),
    so no such sentence may stand in for `text`. A conjunction that leads or ends the text
    joins nothing: Whisper hears "add bread to ..." as "And bread to ...", "put" as "But".
    """
    words = words_of(text)
    inner = _trim(words)
    while inner and inner[0] in _SPLIT:
        inner = inner[1:]
    if _negated(words) or any(w in _SPLIT for w in inner[:-1]):
        return True
    _, delay_s, at = _take_time(words)
    return delay_s is not None or at is not None


def _negated(words: list[str]) -> bool:
    return any(w in _NEGATION for w in words)


def _trim(words: list[str]) -> list[str]:
    start, end = 0, len(words)
    while start < end and words[start] in _LEADING:
        start += 1
    while end > start and words[end - 1] in _TRAILING:
        end -= 1
    if end - start >= 2 and words[end - 2 : end] == ["as", "well"]:
        end -= 2
    return words[start:end]


def _take_time(words: list[str]) -> tuple[list[str], int | None, str | None]:
    """Cut "in ten minutes" or "at 7 pm" out of `words`: (rest, delay_s, at)."""
    for i, word in enumerate(words):
        if word == "in":
            delay, used = _duration(words[i + 1 :])
            if delay:
                return words[:i] + words[i + 1 + used :], delay, None
        if word in ("at", "by"):
            at, used = _clock(words[i + 1 :], marked=word == "by")
            if at is not None:
                return words[:i] + words[i + 1 + used :], None, at
    return words, None, None


def duration_of(words: list[str]) -> int:
    """Seconds said at the start of `words` ("ten minutes"), 0 if none."""
    return _duration(words)[0]


def _duration(words: list[str]) -> tuple[int, int]:
    if words[:3] == ["half", "an", "hour"]:
        return 1800, 3
    total, used = 0, 0
    while True:
        number = parse_number(words[used:])
        if number is None or used + number[1] >= len(words):
            break
        unit = _UNITS.get(words[used + number[1]])
        if unit is None:
            break
        total, used = total + number[0] * unit, used + number[1] + 1
        if words[used : used + 1] != ["and"]:
            break
        if parse_number(words[used + 1 :]) is None:
            break
        used += 1
    return total, used


_NOT_TIMES = frozenset({"percent", "degrees", "degree", "percentage", "times", "steps"})


def _clock(words: list[str], marked: bool = False) -> tuple[str | None, int]:
    """ "7 pm", "6 30 in the morning", "noon" -> ("HH:MM", words used). `marked`: only
    with a sign that it is a time (am/pm, minutes, o'clock): "up by 20" is no time."""
    if words and words[0] in _NAMED_TIMES:
        return _NAMED_TIMES[words[0]], 1
    number = parse_number(words)
    if number is None or not 0 <= number[0] <= 24 or words[0] in ("a", "an"):
        return None, 0
    if words[number[1] : number[1] + 1] and words[number[1]] in _NOT_TIMES:
        return None, 0  # "at 20 percent"
    hour, used = number
    minute = 0
    following = parse_number(words[used:])
    if following is not None and following[0] < 60 and words[used] not in ("a", "an"):
        minute, used = following[0], used + following[1]
    if words[used : used + 1] in (["oclock"], ["o"]):
        used += 1 + (words[used : used + 2] == ["o", "clock"])
    for suffix in _MORNING:
        if tuple(words[used : used + len(suffix)]) == suffix:
            hour, used = (0 if hour == 12 else hour), used + len(suffix)
            break
    else:
        for suffix in _EVENING:
            if tuple(words[used : used + len(suffix)]) == suffix:
                hour, used = (hour + 12 if hour < 12 else hour), used + len(suffix)
                break
    if marked and used == number[1]:  # a bare number: no sign it is a time
        return None, 0
    return f"{hour % 24:02d}:{minute:02d}", used
