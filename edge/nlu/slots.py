"""Slots for a classified request: canonical inventory names, integers, spoken spans.

The classifier decides *what* is asked; this module reads *about what* from the tagged
words (see `edge.nlu.gazetteer`): devices and areas as the inventory spells them, numbers
as integers, timer durations split into hours/minutes/seconds, and free text (list items,
destinations, contacts not in the inventory, search queries, broadcast messages) as
spoken, without leading articles or possessives.
"""

from __future__ import annotations

from collections.abc import Callable

from edge.nlu.gazetteer import Span, Tagged, fold

Slots = dict[str, str | int]

DOMAIN_WORDS = {"light": "light", "lamp": "light", "lighting": "light", "fan": "fan",
                "switch": "switch", "plug": "switch", "outlet": "switch",
                "tv": "media_player", "television": "media_player"}
COLORS = frozenset([
    "white", "black", "red", "orange", "yellow", "green", "blue", "purple", "brown", "pink",
    "turquoise"
])
_UNITS = {"hour": "hours", "hr": "hours", "minute": "minutes", "min": "minutes",
          "second": "seconds", "sec": "seconds"}
_NEXT_UNIT = {"hours": "minutes", "minutes": "seconds"}
_DROP = frozenset({"the", "a", "an", "my", "our", "some", "your"})
_UP = frozenset({"up", "increase", "raise", "louder", "higher", "boost", "turn up"})
_DOWN = frozenset({"down", "decrease", "lower", "quieter", "softer", "reduce", "quiet",
                   "quietly", "softly"})

# Intents whose `name`/`area` slots mean a device and an area of the home.
_TARGETED = frozenset(
    [
        "HassTurnOn", "HassTurnOff", "HassLightSet", "HassGetState", "HassClimateGetTemperature",
        "HassClimateSetTemperature", "HassClimateSetFanMode", "HassFanSetSpeed", "HassSetPosition",
        "HassMediaNext", "HassMediaPrevious", "HassMediaPause", "HassMediaUnpause",
        "HassMediaPlayerMute", "HassMediaPlayerUnmute", "HassMediaSearchAndPlay", "HassSetVolume",
        "HassSetVolumeRelative", "HassVacuumStart", "HassVacuumReturnToBase", "HassVacuumCleanArea",
        "HassLawnMowerDock", "HassLawnMowerStartMowing", "HassCancelAllTimers"
    ]
)
_WITH_DOMAIN = frozenset({"HassTurnOn", "HassTurnOff", "HassGetState"})
_NUMBER_SLOT = {"HassLightSet": "brightness", "HassClimateSetTemperature": "temperature",
                "HassFanSetSpeed": "percentage", "HassSetPosition": "position",
                "HassSetVolume": "volume_level"}
_TIMER_DURATION = frozenset({"HassStartTimer", "HassIncreaseTimer", "HassDecreaseTimer"})
_TIMER_START = frozenset({"HassCancelTimer", "HassPauseTimer", "HassUnpauseTimer",
                          "HassTimerStatus"})


def _spoken(words: list[str]) -> str | None:
    while words and words[0] in _DROP:
        words = words[1:]
    while words and words[-1] in ("now", "please", "right", "then", "too"):
        words = words[:-1]
    return " ".join(words) or None


def _free(t: Tagged, starts: tuple[str, ...], stops: tuple[str, ...]) -> str | None:
    """Words after the last carrier phrase in `starts`, up to a word in `stops`."""
    words = t.words
    begin = -1
    for i in range(len(words)):
        for phrase in starts:
            p = phrase.split()
            if words[i : i + len(p)] == p and i + len(p) > begin:
                begin = i + len(p)
                break
        if begin >= 0 and i >= begin:
            break
    if begin < 0:
        return None
    moved = True
    while moved and begin < len(words):  # "play the album X", "find me a route to X"
        moved = False
        if words[begin] in _DROP:
            begin, moved = begin + 1, True
            continue
        for phrase in starts:
            p = phrase.split()
            if words[begin : begin + len(p)] == p:
                begin, moved = begin + len(p), True
                break
    end = len(words)
    for i in range(begin + 1, len(words)):
        if words[i] in stops:
            end = i
            break
    return _spoken(words[begin:end])


def _durations(t: Tagged, prefix: str = "") -> Slots:
    slots: Slots = {}
    w = t.words
    spans = {s.start: s for s in t.spans if s.kind == "number"}
    i = 0
    while i < len(w):
        value: int | None = None
        used = 1
        if i in spans:
            value, used = int(spans[i].value), spans[i].end - spans[i].start
        elif w[i] in ("a", "an", "one"):
            value = 1
        elif w[i] == "half" and i + 2 < len(w) and w[i + 1] in ("an", "a") and \
                fold(w[i + 2]) == "hour":
            slots[prefix + "minutes"] = 30
            i += 3
            continue
        if value is not None and i + used < len(w) and fold(w[i + used]) in _UNITS:
            unit = _UNITS[fold(w[i + used])]
            slots[prefix + unit] = value
            i += used + 1
            if w[i : i + 3] == ["and", "a", "half"] and unit in _NEXT_UNIT:  # "an hour and a half"
                slots[prefix + _NEXT_UNIT[unit]] = 30
                i += 3
            continue
        if value is not None and w[i + used : i + used + 4] == ["and", "a", "half"] and \
                i + used + 4 < len(w) and fold(w[i + used + 4]) in _UNITS:
            unit = _UNITS[fold(w[i + used + 4])]
            slots[prefix + unit] = value
            if unit in _NEXT_UNIT:
                slots[prefix + _NEXT_UNIT[unit]] = 30
            i += used + 5
            continue
        i += 1
    return slots


def _first_number(t: Tagged) -> int | None:
    span = t.first("number")
    return None if span is None else int(span.value)


_ITEM_VERBS = ("add", "put", "stick", "append", "include", "remove", "delete",
               "check off", "check", "complete", "cross off", "cross", "mark", "tick off",
               "tick", "take off", "take", "need", "buy", "get", "out of", "scratch", "strike")
_BACK_REFERENCES = frozenset({"it", "them", "those", "these", "that"})


def _items(t: Tagged) -> str | None:
    stops = ("to", "on", "onto", "in", "into", "from", "off", "as", "xlist")
    words = t.words
    list_span = t.first("list")
    limit = list_span.start if list_span else len(words)
    if list_span is None and "list" in words:
        limit = words.index("list")
    # "we need paper towels, put them on the list": the item was named before the verb
    for i in range(1, limit - 1):
        if words[i] in _ITEM_VERBS and words[i + 1] in _BACK_REFERENCES:
            limit = i
            break
    head = words[:limit]
    # the list's own preposition: "... for my | To Do List"
    while head and head[-1] in ("my", "the", "our", "your", "a"):
        head = head[:-1]
    if head and head[-1] in stops + ("for",):
        head = head[:-1]
    return _free(Tagged(head, "", []), _ITEM_VERBS, stops)


# Words that stand before a device's kind ("turn on all the lights") without naming one.
NOT_NAMES = _DROP | frozenset({
    "all", "every", "each", "both", "any", "other", "more", "less", "those", "these", "that",
    "this", "them", "on", "off", "in", "of", "and", "to", "up", "down", "out", "please", "now",
    "turn", "switch", "kill", "dim", "brighten", "put", "set", "make", "get", "shut", "cut",
    "power", "flip", "start", "stop", "pause", "check", "is", "are", "lights", "light",
    "here", "there", "house", "home", "whole", "entire", "dark", "which", "what", "whose",
    "how", "where", "when", "who", "many", "few", "some"})


def _tagged(t: Tagged) -> set[int]:
    """The positions of the words the home's names (and numbers) account for."""
    return {i for span in t.spans for i in range(span.start, span.end)}


def _unknown_device(t: Tagged) -> str | None:
    """"the garage light" in a home that has none: the words before a device's kind that
    neither the home nor a command knows, with the kind ("garage light"); None when there
    are none. The request is then for that device, which the skill reports missing,
    instead of for every light or for a device it was not asked about."""
    words, tagged = t.words, _tagged(t)
    for i, word in enumerate(words):
        if fold(word) not in DOMAIN_WORDS or _is_verb(words, i) or i in tagged:
            continue
        start = i
        while start > 0 and i - start < 2 and start - 1 not in tagged and \
                words[start - 1].isalpha() and len(words[start - 1]) > 2 and \
                words[start - 1] not in NOT_NAMES and words[start - 1] not in COLORS:
            start -= 1
        return " ".join(words[start : i + 1]) if start < i else None
    return None


_TIMES_OF_DAY = frozenset({"morning", "afternoon", "evening", "night", "meantime", "end"})


def _unknown_area(t: Tagged) -> str | None:
    """"the lights in the garage" in a home that has none: the words after "in the"
    (or "my", "our") that the home does not know; None when there are none."""
    words, tagged = t.words, _tagged(t)
    for i in range(len(words) - 2):
        if words[i] != "in" or words[i + 1] not in ("the", "my", "our"):
            continue
        named = []
        for j in range(i + 2, min(i + 4, len(words))):
            if j in tagged or not words[j].isalpha() or words[j] in NOT_NAMES or \
                    words[j] in _TIMES_OF_DAY:
                break
            named.append(words[j])
        if named and named != ["room"]:  # "in the room": this one
            return " ".join(named)
    return None


def _target(intent: str, t: Tagged, slots: Slots) -> None:
    device = t.first("device")
    if device is not None and device.kind == "device":
        slots["name"] = str(device.value)
    area = t.value_of("area")
    if area is not None and (device is None or device.value != area):
        slots["area"] = area
    if "name" not in slots and "area" not in slots:
        unknown = _unknown_device(t)
        if unknown is not None:
            slots["name"] = unknown
        elif (unknown := _unknown_area(t)) is not None:
            slots["area"] = unknown
    if intent in _WITH_DOMAIN and "name" not in slots:
        for i, word in enumerate(t.words):
            if fold(word) in DOMAIN_WORDS and not _is_verb(t.words, i):
                slots["domain"] = DOMAIN_WORDS[fold(word)]
                break


def _is_verb(words: list[str], i: int) -> bool:
    """"switch" in "switch on the fan" is the verb, not a kind of device."""
    return words[i] == "switch" and (i == 0 or words[i - 1] not in _DROP | {"all", "every"})


def _light_set(t: Tagged, slots: Slots) -> None:
    for word in t.words:
        if word in COLORS:
            slots["color"] = word
            return
    number = _first_number(t)
    if number is not None:
        slots["brightness"] = number
    elif any(w in ("max", "maximum", "full", "highest") for w in t.words):
        slots["brightness"] = 100
    elif any(w in ("min", "minimum", "lowest") for w in t.words):
        slots["brightness"] = 1


def _volume_step(t: Tagged, slots: Slots) -> None:
    number = _first_number(t)
    if number is not None:
        down = any(w in _DOWN for w in t.words)
        slots["volume_step"] = -number if down else number
    elif any(w in _UP for w in t.words):
        slots["volume_step"] = "up"
    elif any(w in _DOWN for w in t.words):
        slots["volume_step"] = "down"


def _navigate(t: Tagged, slots: Slots) -> None:
    place = t.value_of("place")
    if place is not None:
        slots["destination"] = place
        return
    spoken = _free(t, ("to", "navigate", "directions", "route", "me", "towards", "for"),
                   ("using", "via", "avoiding", "and", "without", "by"))
    if spoken:
        slots["destination"] = spoken


def _call(t: Tagged, slots: Slots) -> None:
    contact = t.value_of("contact")
    if contact is not None:
        slots["contact"] = contact
        return
    words = t.words
    if "give" in words and "call" in words[words.index("give") :]:
        g = words.index("give")
        spoken = _spoken(words[g + 1 : g + words[g:].index("call") - 1])
    else:
        spoken = _free(t, ("call", "phone", "dial", "ring", "facetime", "video call", "to"),
                       ("on", "at", "for", "and", "now", "using", "mobile", "cell", "back"))
    if spoken:
        slots["contact"] = spoken


def _list_slots(intent: str, t: Tagged, slots: Slots) -> str:
    item = _items(t)
    if item:
        slots["item"] = item
    lst = t.first("list")
    name = None if lst is None else (lst.value if lst.kind == "list" else t.value_of("list"))
    shopping = name is None or tuple(fold(w) for w in str(name).casefold().split()) in (
        ("shopping", "list"), ("shopping",), ("grocery", "list"), ("grocery",))
    family = {"HassListAddItem": "Add", "HassShoppingListAddItem": "Add",
              "HassListCompleteItem": "Complete", "HassShoppingListCompleteItem": "Complete",
              "HassListRemoveItem": "Remove"}[intent]
    if shopping:
        return "HassShoppingListAddItem" if family == "Add" else "HassShoppingListCompleteItem"
    slots["name"] = str(name)
    return {"Add": "HassListAddItem", "Complete": "HassListCompleteItem",
            "Remove": "HassListRemoveItem"}[family]


_LISTS = frozenset({"HassListAddItem", "HassShoppingListAddItem", "HassListCompleteItem",
                    "HassShoppingListCompleteItem", "HassListRemoveItem"})


def _media(t: Tagged, slots: Slots) -> None:
    query = _free(t, ("play", "put on", "listen to", "song", "album", "artist", "playlist",
                      "movie", "show", "music by", "songs by", "some", "podcast"),
                  ("on", "in", "xname", "xarea"))
    if query:
        slots["search_query"] = query


def _broadcast(t: Tagged, slots: Slots) -> None:
    message = _free(t, ("broadcast", "announce", "everywhere", "that", "tell everyone"), ())
    if message:
        slots["message"] = message


_EXTRA: dict[str, Callable[[Tagged, Slots], None]] = {
    "NavigateTo": _navigate, "CallContact": _call, "HassMediaSearchAndPlay": _media,
    "HassBroadcast": _broadcast, "HassLightSet": _light_set,
    "HassSetVolumeRelative": _volume_step,
}


def fill(intent: str, t: Tagged) -> tuple[str, Slots]:
    """(intent, slots); the intent only changes between a list intent and its shopping twin."""
    slots: Slots = {}
    if intent in _LISTS:
        return _list_slots(intent, t, slots), slots
    if intent in _TARGETED:
        _target(intent, t, slots)
    if intent in _EXTRA:
        _EXTRA[intent](t, slots)
    elif intent in _NUMBER_SLOT:
        number = _first_number(t)
        if number is not None:
            slots[_NUMBER_SLOT[intent]] = number
    elif intent in _TIMER_DURATION:
        slots.update(_durations(t))
    elif intent in _TIMER_START:
        slots.update(_durations(t, "start_"))
    return intent, slots


__all__ = ["DOMAIN_WORDS", "Slots", "Span", "fill"]
