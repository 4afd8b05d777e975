"""Which devices exist, their groups and user: the source of the broker ACL and rollouts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from contract.files import atomic_write
from contract.fleet.names import check_name


@dataclass(frozen=True)
class DeviceEntry:
    device: str
    groups: tuple[str, ...] = ()
    user: str | None = None


@dataclass
class Registry:
    devices: dict[str, DeviceEntry] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Registry:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        devices = {}
        for device, entry in (raw.get("devices") or {}).items():
            devices[device] = DeviceEntry(device, tuple(entry.get("groups", ())),
                                          entry.get("user"))
        return cls(devices)

    def save(self, path: Path) -> None:
        raw = {"devices": {
            d.device: {"groups": list(d.groups), "user": d.user}
            for d in sorted(self.devices.values(), key=lambda d: d.device)
        }}
        atomic_write(path, (json.dumps(raw, indent=2) + "\n").encode())

    def add(self, device: str, groups: list[str], user: str | None) -> DeviceEntry:
        check_name("device", device)
        for group in groups:
            check_name("group", group)
        if user is not None:
            check_name("user", user)
        entry = DeviceEntry(device, tuple(dict.fromkeys(groups)), user)
        self.devices[device] = entry
        return entry

    def remove(self, device: str) -> DeviceEntry | None:
        return self.devices.pop(device, None)

    def members(self, group: str) -> list[str]:
        return sorted(d.device for d in self.devices.values() if group in d.groups)

    def devices_of_user(self, user: str) -> list[str]:
        return sorted(d.device for d in self.devices.values() if d.user == user)
