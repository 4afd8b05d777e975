# ruff: noqa: E501  (templates are data: one spoken pattern per line reads best unbroken)
"""The phrasings the closed-vocabulary layer listens for, per intent the device handles.

Syntax (a subset of hassil's and of JSGF's): `(a|b)` alternatives, `[x]` optional,
`{slot:list}` a value from a list (the slot is named `slot` in the result; the list is an
inventory list: device, light (devices of domain light), appliance (switch and fan: what
"start" and "stop" apply to), area, contact, place, todo; or built in: number, color, item),
`{slot}` where slot and list share the name. `template => value` adds a constant slot (named in `FIXED_SLOT`) to a template's
result. Politeness around a command (`please`, `can you`) is added by the compiler.

Keep these short and common: what is not here goes to Whisper and the text NLU, which
handle paraphrases; every phrasing added here widens what the fast layer can mistake.
"""

from __future__ import annotations

TEMPLATES: dict[str, list[str]] = {
    "HassTurnOn": [
        "(turn|switch) on [the] {name:device}",
        "(turn|switch) [the] {name:device} on",
        "{name:device} on",
        "start [the] {name:appliance}",
        "(turn|switch) on [all] [the] lights in [the] {area} => light",
        "(turn|switch) on [the] {area} lights => light",
        "lights on in [the] {area} => light",
        "(turn|switch) on [the] fan in [the] {area} => fan",
    ],
    "HassTurnOff": [
        "(turn|switch|shut) off [the] {name:device}",
        "(turn|switch|shut) [the] {name:device} off",
        "{name:device} off",
        "stop [the] {name:appliance}",
        "(turn|switch|shut) off [all] [the] lights in [the] {area} => light",
        "(turn|switch|shut) off [the] {area} lights => light",
        "lights off in [the] {area} => light",
        "(turn|switch|shut) off [the] fan in [the] {area} => fan",
    ],
    "HassLightSet": [
        "(set|dim|turn) [the] {name:light} to {brightness:number} percent",
        "{name:light} to {brightness:number} percent",
        "(set|make|change|turn) [the] {name:light} [to] {color}",
    ],
    "HassStartTimer": [
        "(set|start) a timer for {hours:number} (hour|hours) [and {minutes:number} (minute|minutes)]",
        "(set|start) a timer for {minutes:number} (minute|minutes) [and {seconds:number} (second|seconds)]",
        "(set|start) a timer for {seconds:number} (second|seconds)",
        "(set|start) a {minutes:number} minute timer",
        "(set|start) a {seconds:number} second timer",
        "(set|start) a {hours:number} hour timer",
        "timer for {minutes:number} (minute|minutes)",
        "timer for {seconds:number} (second|seconds)",
        "timer for {hours:number} (hour|hours)",
    ],
    "HassCancelTimer": [
        "(cancel|stop) [the|my] timer",
    ],
    "HassGetCurrentTime": [
        "what time is it",
        "what is the time",
        "what's the time",
        "tell me the time",
    ],
    "HassGetCurrentDate": [
        "what is (the date|today's date) [today]",
        "what's (the date|today's date) [today]",
        "what day is it [today]",
        "what is the date today",
    ],
    "HassSetVolume": [
        "set [the] volume to {volume_level:number} [percent]",
        "volume [to] {volume_level:number} [percent]",
    ],
    "HassSetVolumeRelative": [
        "(turn|crank) [the] volume up => up",
        "(turn|crank) up the volume => up",
        "volume up => up",
        "louder => up",
        "turn it up => up",
        "(turn|bring) [the] volume down => down",
        "turn down the volume => down",
        "volume down => down",
        "quieter => down",
        "turn it down => down",
    ],
    "NavigateTo": [
        "(navigate|drive|directions) to [the] {destination:place}",
        "(take|get) me to [the] {destination:place}",
        "get directions to [the] {destination:place}",
        "take me home => Home",
        "(navigate|drive|go) home => Home",
    ],
    "CallContact": [
        "(call|phone|ring|dial) {contact}",
        "give {contact} a (call|ring)",
    ],
    "ReadMessages": [
        "read [me] my [new] messages",
        "read [me] my [new] texts",
        "(any|do i have [any]) new messages",
    ],
    "HassShoppingListAddItem": [
        "(add|put) {item} (to|on) [the|my] shopping list",
    ],
    "HassNevermind": [
        "never mind",
        "forget it",
        "cancel that",
    ],
}

# "template => value": the constant slot each intent gets.
FIXED_SLOT = {
    "HassTurnOn": "domain", "HassTurnOff": "domain", "HassSetVolumeRelative": "volume_step",
    "NavigateTo": "destination",
}

COLORS = ("white", "red", "orange", "yellow", "green", "blue", "purple", "pink")

# Shopping items the fast layer knows; anything else is Whisper's.
ITEMS = (
    "milk", "eggs", "bread", "butter", "cheese", "apples", "bananas", "oranges", "coffee",
    "tea", "sugar", "flour", "rice", "pasta", "tomatoes", "potatoes", "onions", "carrots",
    "chicken", "beef", "fish", "yogurt", "cereal", "juice", "water", "beer", "wine",
    "toilet paper", "paper towels", "dish soap", "shampoo", "toothpaste", "batteries",
    "olive oil", "salt", "pepper", "lettuce", "garlic", "lemons", "chocolate", "cookies",
)

# Politeness the compiler puts around every command.
PREFIXES = ("please", "can you", "could you", "can you please", "could you please")
SUFFIXES = ("please", "now", "now please")
