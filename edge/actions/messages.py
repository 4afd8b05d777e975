"""The typed actions skills produce and the results backends return."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# What a device can be told, by domain (Home Assistant's MQTT conventions decide the bytes).
Command = Literal[
    "turn_on", "turn_off", "set_brightness", "set_color", "open", "close", "stop", "lock",
    "unlock", "set_temperature", "set_position", "set_percentage", "set_fan_mode", "start",
    "return_to_base", "start_mowing", "dock", "clean_area",
]
Rgb = tuple[int, int, int]


@dataclass(frozen=True)
class DeviceCommand:
    """One command message to one device."""

    device: str  # the inventory's name
    command: Command
    value: int | float | str | Rgb | None = None  # percent, temperature, colour, fan mode

    @property
    def summary(self) -> str:
        return f"{self.command} {self.device}" + ("" if self.value is None else f" {self.value}")


@dataclass(frozen=True)
class StateQuery:
    """Read a device's last reported state ("is the garage door open?")."""

    device: str
    attribute: Literal["state", "current_temperature"] = "state"

    @property
    def summary(self) -> str:
        return f"read {self.attribute} of {self.device}"


@dataclass(frozen=True)
class MediaCommand:
    """The music player (MPD): transport, volume, mute; "state" reads what it is doing."""

    command: Literal["play", "pause", "resume", "next", "previous", "set_volume", "mute",
                     "unmute", "state", "search_play"]
    value: int | None = None  # volume 0-100
    device: str = "music player"
    query: str | None = None  # search_play: what to look for in the library ("miles davis")

    @property
    def summary(self) -> str:
        detail = self.value if self.value is not None else self.query
        return f"{self.command} {self.device}" + ("" if detail is None else f" {detail}")


@dataclass(frozen=True)
class CarCommand:
    """The head unit: start navigation, place a call, mark a message read."""

    command: Literal["navigate", "call", "mark_read"]
    value: str  # destination, contact, message id
    device: str = "head unit"

    @property
    def summary(self) -> str:
        return f"{self.command} {self.value}"


@dataclass(frozen=True)
class MessagesQuery:
    """The head unit's unread messages (state: a JSON list of {"id", "from", "text"})."""

    device: str = "head unit"

    @property
    def summary(self) -> str:
        return "read the unread messages"


@dataclass(frozen=True)
class Broadcast:
    """Say something on every other Tandem device of the home ("tell everyone dinner is
    ready"): one message on the home broker's broadcast topic."""

    message: str
    origin: str  # the device that broadcasts it (it does not say it to itself)
    device: str = "home broadcast"

    @property
    def summary(self) -> str:
        return f"broadcast {self.message!r}"


HomeAction = DeviceCommand | StateQuery | Broadcast
CarAction = CarCommand | MessagesQuery
Action = DeviceCommand | StateQuery | Broadcast | MediaCommand | CarCommand | MessagesQuery


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    # Why it failed, in words the reply can use after "I couldn't reach the porch light: ".
    error: str = ""
    state: str | float | None = None  # for a query: the reported value
    duplicate: bool = False  # the key was already executed: nothing was sent again
