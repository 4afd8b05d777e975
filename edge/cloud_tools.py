"""The device's functions, offered to the cloud's model, and its calls brought back.

`offer(skills)` describes what this device can do now as OpenAI-style tool specs (sent
with every cloud request as `tools_json`): only intents a skill here handles, with the
inventory's names as enums so the model can only name what exists. `to_action(call, ...)`
turns a call the model made back into the `PlannedAction` the local path would have made,
checking every argument against the inventory; the turn then carries it out through the
same skills, policy blocks and confirmation rules as a spoken command. The cloud cannot do
more than the user could by asking the device directly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contract.inventory import Inventory
from edge.nlu.plan import PlannedAction
from edge.stages.grammar_phrases import COLORS

Schema = dict[str, Any]


@dataclass(frozen=True)
class DeviceFunction:
    name: str  # what the model calls
    intent: str  # what the skills run
    description: str
    parameters: Callable[[Inventory], Schema]  # JSON schema properties, from the inventory
    required: tuple[str, ...] = ()
    fixed: tuple[tuple[str, str], ...] = ()  # constant slots (a volume step's direction)


def _enum(values: tuple[str, ...] | list[str], what: str) -> Schema:
    return {"type": "string", "enum": list(values), "description": what}


def _int(low: int, high: int, what: str) -> Schema:
    return {"type": "integer", "minimum": low, "maximum": high, "description": what}


def _target(inv: Inventory) -> Schema:
    return {"name": _enum([d.name for d in inv.devices], "one device, by name"),
            "area": _enum(inv.areas, "every light (or the domain's devices) in this area"),
            "domain": _enum(sorted({d.domain for d in inv.devices}), "with area: which kind")}


FUNCTIONS: tuple[DeviceFunction, ...] = (
    DeviceFunction("turn_on", "HassTurnOn", "Turn on a device, or the lights of an area.",
                   _target),
    DeviceFunction("turn_off", "HassTurnOff", "Turn off a device, or the lights of an area.",
                   _target),
    DeviceFunction("set_light", "HassLightSet", "Set a light's brightness or colour.",
                   lambda inv: {
                       "name": _enum([d.name for d in inv.devices if d.domain == "light"],
                                     "the light"),
                       "brightness": _int(0, 100, "percent"),
                       "color": _enum(COLORS, "colour")}, ("name",)),  # the grammar's
    DeviceFunction("start_timer", "HassStartTimer", "Start a countdown timer.",
                   lambda inv: {"hours": _int(0, 23, "hours"),
                                "minutes": _int(0, 59, "minutes"),
                                "seconds": _int(0, 59, "seconds")}),
    DeviceFunction("cancel_timer", "HassCancelTimer", "Cancel the running timer.",
                   lambda inv: {}),
    DeviceFunction("set_volume", "HassSetVolume", "Set the speaker volume.",
                   lambda inv: {"volume_level": _int(0, 100, "percent")}, ("volume_level",)),
    DeviceFunction("volume_up", "HassSetVolumeRelative", "Make the speaker louder.",
                   lambda inv: {}, fixed=(("volume_step", "up"),)),
    DeviceFunction("volume_down", "HassSetVolumeRelative", "Make the speaker quieter.",
                   lambda inv: {}, fixed=(("volume_step", "down"),)),
    DeviceFunction("navigate_to", "NavigateTo", "Start navigation to a saved place.",
                   lambda inv: {"destination": _enum(inv.places, "the place")},
                   ("destination",)),
    DeviceFunction("call_contact", "CallContact", "Phone one of the user's contacts.",
                   lambda inv: {"contact": _enum(inv.contacts, "who to call")}, ("contact",)),
    DeviceFunction("add_to_shopping_list", "HassShoppingListAddItem",
                   "Add an item to the shopping list.",
                   lambda inv: {"item": {"type": "string", "description": "the item"}},
                   ("item",)),
)
_BY_NAME = {f.name: f for f in FUNCTIONS}


def offer(handles: Callable[[str], bool], inventory: Inventory) -> str:
    """The tool specs (a JSON array) of the functions whose intent a skill here handles."""
    tools = []
    for f in FUNCTIONS:
        if not handles(f.intent):
            continue
        properties = {k: v for k, v in f.parameters(inventory).items()
                      if v.get("enum", True)}  # an empty list in the inventory: no such slot
        if any(r not in properties for r in f.required):
            continue  # e.g. call_contact on a device without contacts
        tools.append({"type": "function", "function": {
            "name": f.name, "description": f.description,
            "parameters": {"type": "object", "properties": properties,
                           "required": list(f.required)}}})
    return json.dumps(tools, separators=(",", ":")) if tools else ""


def without_contacts(tools_json: str) -> str:
    """The same offer less the function that names the user's contacts."""
    if not tools_json:
        return tools_json
    tools = [t for t in json.loads(tools_json) if t["function"]["name"] != "call_contact"]
    return json.dumps(tools, separators=(",", ":")) if tools else ""


def to_action(name: str, arguments_json: str, inventory: Inventory
              ) -> PlannedAction | str:
    """A call -> the action the skills carry out, or why not (a sentence to say)."""
    f = _BY_NAME.get(name)
    try:
        arguments = json.loads(arguments_json or "{}")
    except ValueError:
        arguments = None
    if f is None or not isinstance(arguments, dict):
        return "I was asked to do something I can't do here."
    schema = f.parameters(inventory)
    slots: dict[str, str | int] = dict(f.fixed)
    for key, value in arguments.items():
        spec = schema.get(key)
        if spec is None or value in (None, ""):
            continue  # an argument the function does not take: ignored, as a person would
        if spec["type"] == "integer":
            if isinstance(value, bool) or not isinstance(value, int | float) or \
                    not spec["minimum"] <= value <= spec["maximum"]:
                return f"I couldn't use {value!r} as the {key.replace('_', ' ')}."
            slots[key] = int(value)
        elif "enum" in spec:
            canonical = {v.casefold(): v for v in spec["enum"]}.get(str(value).casefold())
            if canonical is None:
                return f"I don't know {value} here."
            slots[key] = canonical
        else:
            slots[key] = str(value)[:80]
    missing = [r for r in f.required if r not in slots]
    if missing or (f.intent in ("HassTurnOn", "HassTurnOff")
                   and "name" not in slots and "area" not in slots):
        return "I wasn't told which one."
    if f.intent in ("HassTurnOn", "HassTurnOff") and "area" in slots and "name" not in slots:
        slots.setdefault("domain", "light")
    if f.intent == "HassStartTimer" and not any(slots.get(k) for k in
                                                ("hours", "minutes", "seconds")):
        return "I wasn't told how long."
    return PlannedAction(f.intent, slots)
