"""Compile the fast layer's grammar at run time: intent phrasings + the inventory's names.

In the spirit of Home Assistant's speech-to-phrase: the phrasings of the intents the device
answers (`edge.stages.grammar_phrases`) are expanded with the names the inventory holds now
(devices, areas, contacts, places, lists) into one JSGF grammar for a closed-vocabulary
decoder, and into one matcher per phrasing that turns a decoded word string back into an
intent with canonical slots (the inventory's spelling, integers for numbers). Compile again
whenever the inventory or the policy changes; it takes milliseconds.

Names are spoken forms: accents are folded ("Tomás" -> "tomas"), case and hyphens dropped.
A name the decoder cannot say (digits, symbols, other scripts, or a word neither in the
pronouncing dictionary nor spellable by the letter-to-sound fallback) is left out with a
warning naming the entry; everything else still compiles.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from contract.inventory import Inventory
from edge.messages import Understanding
from edge.stages import grammar_phrases as phrases
from edge.stages.numbers import parse_number

GRAMMAR_NAME = "tandem"
_WORD = re.compile(r"^[a-z][a-z']*$")

Lookup = Callable[[str], str | None]  # word -> phones (ARPAbet, space separated) or None


# -- the template language ------------------------------------------------------------

@dataclass(frozen=True)
class Slot:
    name: str  # the result's slot name
    values: str  # the list it takes values from


Node = str | Slot | tuple  # a word, a slot, ("seq", [...]), ("alt", [...]), ("opt", node)


def parse_template(text: str) -> Node:
    """`(a|b) [c] {slot:list} word` -> a small tree (seq / alt / opt / Slot / word)."""
    tokens = re.findall(r"\(|\)|\[|\]|\||\{[^}]*\}|[^\s()\[\]|{}]+", text)
    pos = 0

    def alternatives(close: str | None) -> Node:
        nonlocal pos
        options: list[Node] = []
        seq: list[Node] = []
        while pos < len(tokens):
            tok = tokens[pos]
            pos += 1
            if tok == close:
                break
            if tok == "|":
                options.append(("seq", seq))
                seq = []
            elif tok == "(":
                seq.append(alternatives(")"))
            elif tok == "[":
                seq.append(("opt", alternatives("]")))
            elif tok in (")", "]"):
                raise ValueError(f"unbalanced {tok!r} in template {text!r}")
            elif tok.startswith("{"):
                name, _, values = tok[1:-1].partition(":")
                seq.append(Slot(name, values or name))
            else:
                seq.append(tok.lower())
        else:
            if close is not None:
                raise ValueError(f"missing {close!r} in template {text!r}")
        options.append(("seq", seq))
        return options[0] if len(options) == 1 else ("alt", options)

    return alternatives(None)


def _slots(node: Node) -> list[Slot]:
    if isinstance(node, Slot):
        return [node]
    if isinstance(node, tuple):
        kids = node[1] if node[0] in ("seq", "alt") else [node[1]]
        return [s for kid in kids for s in _slots(kid)]
    return []


def _words(node: Node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, tuple):
        kids = node[1] if node[0] in ("seq", "alt") else [node[1]]
        return [w for kid in kids for w in _words(kid)]
    return []


def _jsgf(node: Node) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, Slot):
        return f"<{node.values}>"
    kind, body = node
    if kind == "seq":
        return " ".join(_jsgf(k) for k in body) or "<NULL>"
    if kind == "alt":
        return "(" + " | ".join(_jsgf(k) for k in body) + ")"
    return "[" + _jsgf(body) + "]"


def _regex(node: Node, groups: list[Slot], lists: dict[str, ValueList]) -> str:
    """A regex over space-joined words; each slot a numbered group."""
    if isinstance(node, str):
        return re.escape(node) + " "
    if isinstance(node, Slot):
        groups.append(node)
        return f"(?P<g{len(groups) - 1}>{lists[node.values].regex}) "
    kind, body = node
    if kind == "seq":
        return "".join(_regex(k, groups, lists) for k in body)
    if kind == "alt":
        return "(?:" + "|".join(_regex(k, groups, lists) for k in body) + ")"
    return "(?:" + _regex(body, groups, lists) + ")?"


# -- names -----------------------------------------------------------------------------

def spoken_form(name: str) -> str:
    """How a name is said, in the decoder's alphabet: folded accents, lower case."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.lower().replace("-", " ").replace("\u2019", "'").replace(".", " ")
    return " ".join(folded.split())


def why_unspeakable(name: str) -> str | None:
    """Why the grammar cannot take `name` (None: it can, word by word)."""
    said = spoken_form(name)
    if not said:
        return "it is empty"
    if any(c.isdigit() for c in said):
        return "it has digits (write numbers as words)"
    for ch in said:
        if ch.isalpha() and not ("a" <= ch <= "z"):
            return f"it has letters outside the English alphabet ({ch!r})"
    bad = sorted({c for c in said if not (c.isalpha() or c in " '")})
    if bad:
        return f"it has symbols ({' '.join(bad)})"
    return None


@dataclass
class ValueList:
    name: str
    values: dict[str, str | int] = field(default_factory=dict)  # spoken -> canonical
    regex: str = ""


NUMBER_MAX = 100


def number_words() -> list[str]:
    units = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen",
    ]
    tens = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    said = list(units)
    for t in tens:
        said.append(t)
        said += [f"{t} {u}" for u in units[1:10]]
    return said + ["one hundred", "a hundred"]


# -- the compiled grammar ---------------------------------------------------------------

@dataclass(frozen=True)
class Pattern:
    intent: str
    regex: re.Pattern[str]
    groups: tuple[Slot, ...]
    fixed: tuple[tuple[str, str], ...]


@dataclass
class CompiledGrammar:
    jsgf: str
    patterns: list[Pattern]
    lists: dict[str, ValueList]
    pronunciations: dict[str, str]  # words the dictionary lacks -> phones from the fallback
    words: set[str]
    warnings: list[str]

    def understand(self, text: str) -> Understanding | None:
        """The intent and slots of a decoded word string; None: not a whole command."""
        said = " ".join(text.lower().split())
        said = _strip_politeness(said) + " "
        for pattern in self.patterns:
            m = pattern.regex.fullmatch(said)
            if m is None:
                continue
            slots: dict[str, str | int] = dict(pattern.fixed)
            for i, slot in enumerate(pattern.groups):
                value = m.group(f"g{i}")
                if value is not None:
                    slots[slot.name] = self.lists[slot.values].values[value.strip()]
            return Understanding(pattern.intent, slots, 1.0)
        return None


def _one_of(options: Iterable[str]) -> str:
    return "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True))


_POLITE = re.compile(
    rf"^((?:(?:{_one_of(phrases.LEADS)}) )?(?:(?:{_one_of(phrases.PREFIXES)}) )?)(.*?)"
    rf"((?: (?:{_one_of(phrases.SUFFIXES)}))?)$"
)


def split_politeness(said: str) -> tuple[str, str, str]:
    """("um could you", "turn on the lamp", "please"): what the compiler puts around a
    command (`grammar_phrases.LEADS`, `PREFIXES`, `SUFFIXES`), apart from the command."""
    m = _POLITE.match(said)
    if m is None:
        return "", said, ""
    return m.group(1).strip(), m.group(2), m.group(3).strip()


def _strip_politeness(said: str) -> str:
    return split_politeness(said)[1]


def compile_grammar(
    inventory: Inventory,
    lookup: Lookup,
    spell: Lookup | None = None,
    garbage: Iterable[str] = (),
    templates: dict[str, list[str]] | None = None,
    polite: bool = True,
) -> CompiledGrammar:
    """JSGF + matchers for `inventory`. `lookup` gives a word's phones from the decoder's
    dictionary, `spell` (optional) guesses phones for a word it lacks; `garbage` words form
    the filler loop that competes with the commands (out-of-grammar speech lands there);
    `polite`: "please", "can you" may surround a command."""
    warnings: list[str] = []
    pronunciations: dict[str, str] = {}

    def sayable(word: str) -> bool:
        if word in pronunciations or lookup(word) is not None:
            return True
        phones = spell(word) if spell is not None else None
        if phones:
            pronunciations[word] = phones
            return True
        return False

    def add_names(list_name: str, kind: str, names: Iterable[tuple[str, str]]) -> ValueList:
        vl = ValueList(list_name)
        for name, canonical in names:
            reason = why_unspeakable(name)
            said = spoken_form(name)
            if reason is None:
                missing = [w for w in said.split() if not _WORD.match(w) or not sayable(w)]
                if missing:
                    reason = f"no pronunciation for {', '.join(repr(w) for w in missing)}"
            if reason is not None:
                warnings.append(f"{kind} {name!r} left out of the fast grammar: {reason}")
                continue
            vl.values.setdefault(said, canonical)
        return vl

    lists = {
        "device": add_names("device", "device", ((d.name, d.name) for d in inventory.devices)),
        "light": _subset(inventory, ("light",)),
        "appliance": _subset(inventory, APPLIANCES),
        "area": add_names("area", "area", ((a, a) for a in inventory.areas)),
        "contact": add_names("contact", "contact", ((c, c) for c in inventory.contacts)),
        "place": add_names("place", "place", ((p, p) for p in inventory.places)),
        "todo": add_names("todo", "list", ((n, n) for n in inventory.lists)),
        "color": add_names("color", "color", ((c, c) for c in phrases.COLORS)),
        "item": add_names("item", "item", ((i, i) for i in phrases.ITEMS)),
    }
    for sub in ("light", "appliance"):  # the devices of these domains that compiled
        lists[sub].values = {said: name for said, name in lists["device"].values.items()
                             if name in lists[sub].values.values()}
    numbers = ValueList("number")
    for said in number_words():
        parsed = parse_number(said.split())
        if parsed is not None and parsed[0] <= NUMBER_MAX:
            numbers.values[said] = parsed[0]
    lists["number"] = numbers
    for vl in lists.values():
        vl.regex = "|".join(re.escape(v) for v in sorted(vl.values, key=len, reverse=True))

    rules: list[str] = []
    patterns: list[Pattern] = []
    for intent, lines in (templates or phrases.TEMPLATES).items():
        for line in lines:
            body, _, fixed_value = line.partition(" => ")
            tree = parse_template(body)
            needed = {s.values for s in _slots(tree)}
            unknown = needed - set(lists)
            if unknown:
                raise ValueError(f"template {line!r} uses unknown lists {sorted(unknown)}")
            if any(not lists[n].values for n in needed):
                continue  # e.g. no contacts in this inventory: the phrasing cannot be said
            for word in _words(tree):
                if not sayable(word):
                    warnings.append(f"phrasing {line!r} left out: no pronunciation for {word!r}")
                    break
            else:
                groups: list[Slot] = []
                regex = re.compile(_regex(tree, groups, lists))
                fixed: tuple[tuple[str, str], ...] = ()
                if fixed_value:
                    fixed = ((phrases.FIXED_SLOT[intent], fixed_value.strip()),)
                patterns.append(Pattern(intent, regex, tuple(groups), fixed))
                rules.append(_jsgf(tree))
    if not rules:
        raise ValueError("no phrasing of the fast grammar can be said with this inventory")
    fillers = sorted({w for w in garbage if _WORD.match(w) and sayable(w)})
    jsgf = _render(lists, rules, fillers, polite)
    words = {w for vl in lists.values() for v in vl.values for w in v.split()}
    words |= {w for r in rules for w in re.findall(r"(?<![<\w])[a-z'][a-z']*(?![>\w])", r)}
    return CompiledGrammar(jsgf, patterns, lists, pronunciations, words, warnings)


APPLIANCES = ("switch", "fan")


def _subset(inventory: Inventory, domains: tuple[str, ...]) -> ValueList:
    """The inventory's devices of `domains` (filtered to those that compile by the caller)."""
    return ValueList("+".join(domains), {d.name: d.name for d in inventory.devices
                                         if d.domain in domains})


def _render(lists: dict[str, ValueList], rules: list[str], fillers: list[str],
            polite: bool = True) -> str:
    out = ["#JSGF V1.0;", f"grammar {GRAMMAR_NAME};"]
    for name, vl in lists.items():
        if vl.values:
            out.append(f"<{name}> = " + " | ".join(sorted(vl.values)) + ";")
    if polite:
        out.append("<lead> = " + " | ".join(phrases.LEADS) + ";")
        out.append("<prefix> = " + " | ".join(phrases.PREFIXES) + ";")
        out.append("<suffix> = " + " | ".join(phrases.SUFFIXES) + ";")
        out.append("<command> = [<lead>] [<prefix>] (" + " | ".join(rules) + ") [<suffix>];")
    else:
        out.append("<command> = " + " | ".join(rules) + ";")
    if fillers:
        out.append("<filler> = " + " | ".join(fillers) + ";")
        out.append("public <utterance> = <command> | <filler>+;")
    else:
        out.append("public <utterance> = <command>;")
    return "\n".join(out) + "\n"
