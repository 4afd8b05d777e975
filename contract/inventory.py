"""The home or car the local skills know about, loaded from YAML at run time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from contract.errors import InventoryError

# Home Assistant's MQTT topic options a device may name (the rest default per domain,
# see edge/actions/home_mqtt.py).
TOPIC_KEYS = ("command_topic", "state_topic", "temperature_command_topic",
              "current_temperature_topic", "set_position_topic", "percentage_command_topic",
              "fan_mode_command_topic", "start_mowing_command_topic", "dock_command_topic",
              "send_command_topic")


@dataclass(frozen=True)
class Device:
    name: str
    domain: str  # light, switch, fan, cover, lock, climate, ...
    area: str | None = None
    topics: tuple[tuple[str, str], ...] = ()  # (TOPIC_KEYS entry, topic) pairs as given

    def topic(self, key: str) -> str | None:
        return dict(self.topics).get(key)


@dataclass(frozen=True)
class Inventory:
    areas: tuple[str, ...] = ()
    devices: tuple[Device, ...] = ()
    contacts: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()

    def names(self) -> list[str]:
        """Every name a user may say: devices, areas, contacts, places, lists."""
        return [d.name for d in self.devices] + [
            *self.areas, *self.contacts, *self.places, *self.lists]

    def devices_in(self, area: str, domain: str | None = None) -> list[Device]:
        return [d for d in self.devices if d.area == area and domain in (None, d.domain)]

    def targets(self, slots: dict[str, str | int], domain: str | None = None) -> list[Device]:
        """The devices a request's slots name: by name, by area (and domain), or every
        device of the domain (the slots' own, else `domain`, what the intent implies)."""
        if "name" in slots:
            return [d for d in self.devices if d.name == slots["name"]]
        domain = str(slots["domain"]) if "domain" in slots else domain
        if "area" in slots:
            return self.devices_in(str(slots["area"]), domain)
        return [d for d in self.devices if domain is not None and d.domain == domain]


def _names(raw: object, key: str, path: Path) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        raise InventoryError(f"{path}: '{key}' must be a list of names")
    seen: set[str] = set()
    for name in raw:
        if name.casefold() in seen:
            raise InventoryError(f"{path}: '{key}' lists {name!r} twice; remove the duplicate")
        seen.add(name.casefold())
    return tuple(raw)


def load_inventory(path: Path) -> Inventory:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InventoryError(f"inventory {path} not found; pass --inventory FILE") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0]
        raise InventoryError(
            f"inventory {path} is not valid YAML ({first}); fix the file"
        ) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InventoryError(f"{path}: expected a mapping with areas/devices/contacts/places/lists")
    unknown = set(raw) - {"areas", "devices", "contacts", "places", "lists"}
    if unknown:
        raise InventoryError(f"{path}: unknown keys {sorted(unknown)}")
    devices = []
    for item in raw.get("devices") or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise InventoryError(f"{path}: each device needs at least a name and a domain")
        if not isinstance(item.get("domain"), str):
            raise InventoryError(f"{path}: device {item['name']!r} needs a domain")
        unknown_keys = set(item) - {"name", "domain", "area", *TOPIC_KEYS}
        if unknown_keys:
            raise InventoryError(f"{path}: device {item['name']!r} has unknown keys "
                                 f"{sorted(unknown_keys)} (topics: {', '.join(TOPIC_KEYS)})")
        topics = tuple((key, str(item[key])) for key in TOPIC_KEYS if key in item)
        devices.append(Device(item["name"], item["domain"], item.get("area"), topics))
    device_names = _names([d.name for d in devices], "devices", path)
    del device_names
    return Inventory(
        areas=_names(raw.get("areas"), "areas", path),
        devices=tuple(devices),
        contacts=_names(raw.get("contacts"), "contacts", path),
        places=_names(raw.get("places"), "places", path),
        lists=_names(raw.get("lists"), "lists", path),
    )
