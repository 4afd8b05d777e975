# ruff: noqa: E501  (templates are data: one spoken pattern per line reads best unbroken)
"""The phrasings the closed-vocabulary layer listens for, per intent the device handles.

Syntax (a subset of hassil's and of JSGF's): `(a|b)` alternatives, `[x]` optional,
`{slot:list}` a value from a list (the slot is named `slot` in the result; the list is an
inventory list: device, light (devices of domain light), appliance (switch and fan: what
"start" and "stop" apply to), area, contact, place, todo; or built in: number, color, item),
`{slot}` where slot and list share the name. `template => value` adds a constant slot (named in `FIXED_SLOT`) to a template's
result. A hesitation and politeness around a command (`um`, `can you`, `for me`) are added
by the compiler.

Keep these short and common: what is not here goes to Whisper and the text NLU, which
handle paraphrases; every phrasing added here widens what the fast layer can mistake.
"""

from __future__ import annotations

TEMPLATES: dict[str, list[str]] = {
    "HassTurnOn": [
        "(turn|switch|put) on [the] {name:device}",
        "(turn|switch|put) [the] {name:device} on",
        "{name:device} on",
        "start [up] [the] {name:appliance}",
        "(turn|switch|put) on [all] [the] lights in [the] {area} => light",
        "(turn|switch|put) [all] [the] lights on in [the] {area} => light",
        "(turn|switch|put) on every light in [the] {area} => light",
        "(turn|switch|put) on [the] {area} lights => light",
        "lights on in [the] {area} => light",
        "(turn|switch) on [the] (fan|fans) in [the] {area} => fan",
    ],
    "HassTurnOff": [
        "(turn|switch|shut) off [the] {name:device}",
        "(turn|switch|shut) [the] {name:device} off",
        "{name:device} off",
        "stop [the] {name:appliance}",
        "(turn|switch|shut) off [all] [the] lights in [the] {area} => light",
        "(turn|switch|shut) [all] [the] lights off in [the] {area} => light",
        "(turn|switch|shut) off every light in [the] {area} => light",
        "kill [all] [the] lights in [the] {area} => light",
        "(turn|switch|shut) off [the] {area} lights => light",
        "lights off in [the] {area} => light",
        "(turn|switch|shut) off [the] (fan|fans) in [the] {area} => fan",
    ],
    "HassLightSet": [
        "(set|dim|turn|bring) [the] {name:light} [down|up] to {brightness:number} percent",
        "{name:light} (to|at) {brightness:number} percent [brightness]",
        "(set|make|change|turn) [the] {name:light} [to] {color}",
    ],
    "HassStartTimer": [
        "(set|start) a (timer|countdown) for {hours:number} (hour|hours) [and {minutes:number} (minute|minutes)]",
        "(set|start) a (timer|countdown) for {minutes:number} (minute|minutes) [and {seconds:number} (second|seconds)]",
        "(set|start) a (timer|countdown) for {seconds:number} (second|seconds)",
        "(set|start) a {minutes:number} minute (timer|countdown)",
        "(set|start) a {seconds:number} second (timer|countdown)",
        "(set|start) a {hours:number} hour (timer|countdown)",
        "timer for {hours:number} (hour|hours) [and {minutes:number} (minute|minutes)]",
        "timer for {minutes:number} (minute|minutes) [and {seconds:number} (second|seconds)]",
        "timer for {seconds:number} (second|seconds)",
    ],
    "HassCancelTimer": [
        "(cancel|stop|delete) [the|my] timer",
        "get rid of [the|my] timer",
    ],
    "HassGetCurrentTime": [
        "what time is it",
        "what is the time",
        "what's the time",
        "tell me the time",
        "do you know what time it is",
    ],
    "HassGetCurrentDate": [
        "what is (the date|today's date) [today]",
        "what's (the date|today's date) [today]",
        "what day is it [today]",
        "what day of the month is it",
        "tell me (the date|today's date)",
    ],
    "HassSetVolume": [
        "(set|turn|put|change) [the] volume (to|at) {volume_level:number} [percent]",
        "volume [to|at] {volume_level:number} [percent]",
    ],
    "HassSetVolumeRelative": [
        "(turn|crank) [the] volume up [a bit] => up",
        "(turn|crank) up the volume [a bit] => up",
        "(raise|increase) the volume => up",
        "volume up => up",
        "louder => up",
        "make (it|the music) louder => up",
        "turn it up [a bit] => up",
        "(turn|bring) [the] volume down [a bit] => down",
        "turn down the volume [a bit] => down",
        "(lower|decrease) the volume => down",
        "volume down => down",
        "quieter => down",
        "make (it|the music) quieter => down",
        "turn it down [a bit] => down",
    ],
    "NavigateTo": [
        "(navigate|drive|directions) to [the] {destination:place}",
        "(take|get) me to [the] {destination:place}",
        "(get|give) [me] directions to [the] {destination:place}",
        "take me home => Home",
        "(navigate|drive|go) home => Home",
    ],
    "CallContact": [
        "(call|phone|ring|dial) {contact}",
        "give {contact} a (call|ring)",
    ],
    "ReadMessages": [
        "read [me] [out] my [new|latest] (messages|texts|text messages)",
        "(any|do i have [any]) new messages",
    ],
    "HassShoppingListAddItem": [
        "(add|put|stick) {item} (to|on) [the|my] shopping list",
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
    "oat milk", "almond milk", "cream", "ice cream", "bacon", "ham", "sausages", "honey",
    "jam", "peanut butter", "ketchup", "mayonnaise", "spinach", "broccoli", "cucumbers",
    "avocados", "grapes", "strawberries", "bagels", "orange juice", "napkins", "trash bags",
    "laundry detergent", "sponges", "cat food", "dog food", "diapers",
)

# What the compiler puts around every command: a hesitation first, then politeness.
LEADS = ("um", "uh", "okay", "okay so", "so", "oh", "actually", "alright")
PREFIXES = ("please", "can you", "could you", "can you please", "could you please",
            "would you", "would you please")
SUFFIXES = ("please", "now", "now please", "for me", "for me please", "thanks", "thank you",
            "right now", "real quick")
