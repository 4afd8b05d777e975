"""The car's head unit over MQTT: navigation, calls and messages.

The head unit (or a bridge beside it) subscribes to command topics and keeps its unread
messages as one retained document; `prefix` defaults to `car/head_unit`:

    <prefix>/navigate/set       {"destination": "Grandma's House"}
    <prefix>/call/set           {"contact": "Priya"}
    <prefix>/messages           retained: [{"id": "17", "from": "Ben", "text": "..."}, ...]
    <prefix>/messages/read/set  {"id": "17"}   (the unit drops it from the list)

`HeadUnit` is the interface: a D-Bus adapter (oFono for calls and messages) can take this
one's place without the skill noticing.
"""

from __future__ import annotations

import json
from typing import Protocol

from edge.actions.messages import ActionResult, CarAction, CarCommand, MessagesQuery
from edge.actions.mqtt_link import BrokerSettings, MqttLink, OnMqtt

DEFAULT_PREFIX = "car/head_unit"


class HeadUnit(Protocol):
    def execute(self, action: CarAction, timeout_s: float) -> ActionResult: ...


def unread_messages(payload: bytes) -> list[dict[str, str]] | None:
    """The retained message list, or None when it is not one (a malformed document)."""
    try:
        messages = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(messages, list) or not all(
            isinstance(m, dict) and {"id", "from", "text"} <= set(m) for m in messages):
        return None
    return [{k: str(m[k]) for k in ("id", "from", "text")} for m in messages]


class HeadUnitMqtt(OnMqtt):
    def __init__(self, settings: BrokerSettings, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix.rstrip("/")
        self.link = MqttLink(settings, [f"{self.prefix}/messages"])

    def execute(self, action: CarAction, timeout_s: float) -> ActionResult:
        if isinstance(action, MessagesQuery):
            payload = self.link.last.get(f"{self.prefix}/messages")
            if payload is None:
                return ActionResult(False, "the head unit has not reported its messages")
            messages = unread_messages(payload)
            if messages is None:
                return ActionResult(False, "the head unit's message list is malformed")
            return ActionResult(True, state=json.dumps(messages))
        assert isinstance(action, CarCommand)
        key, topic = {"navigate": ("destination", "navigate"), "call": ("contact", "call"),
                      "mark_read": ("id", "messages/read")}[action.command]
        body = json.dumps({key: action.value}, ensure_ascii=False)
        return self.link.send(f"{self.prefix}/{topic}/set", body, timeout_s, "head unit")
