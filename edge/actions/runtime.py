"""The action layer as the daemon runs it: backends from the settings, the executor with
its deadline and audit log, and the schedule, opened together and closed together."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from contract.inventory import Inventory
from contract.ports import host_port
from edge.actions.audit import AuditLog
from edge.actions.executor import ActionExecutor, Backends
from edge.actions.schedule import Schedule
from edge.at_rest import SealingKey
from edge.settings import ActionSettings, default_state_dir

if TYPE_CHECKING:
    from edge.actions.home_mqtt import HomeMqttBackend

log = logging.getLogger(__name__)


@dataclass
class ActionRuntime:
    executor: ActionExecutor
    schedule: Schedule
    audit: AuditLog
    state_dir: Path
    home: HomeMqttBackend | None = None  # the home's broker, when one is set up

    def on_broadcast(self, listener: Callable[[str, str], None]) -> None:
        """`listener(message, origin)` for broadcasts from the home's other devices."""
        if self.home is not None:
            self.home.on_broadcast(listener)


@contextlib.contextmanager
def open_actions(settings: ActionSettings, inventory: Inventory, deadline_s: float,
                 device_id: str = "dev-0") -> Iterator[ActionRuntime]:
    """Connect what is configured (in the background: a broker that is down makes actions
    fail with its name, not the daemon); keep the audit log and schedule in the state dir."""
    from edge.actions.mqtt_link import BrokerSettings

    state = settings.state_dir or default_state_dir()
    state.mkdir(parents=True, exist_ok=True)
    audit = AuditLog(state / "audit.db",
                     sealing=SealingKey.for_device(settings.device_key, state))
    audit.prune(keep_s=settings.audit_keep_days * 86400)
    schedule = Schedule(state / "schedule.db")
    started: list[object] = []
    home = media = car = None
    if settings.home_broker:
        from edge.actions.home_mqtt import HomeMqttBackend

        ca = str(settings.home_broker_ca) if settings.home_broker_ca else None
        home = HomeMqttBackend(inventory, BrokerSettings.parse(
            settings.home_broker, tls_ca=ca, client_id=f"tandem-home-{device_id}"))
        home.start()
        started.append(home)
    if settings.music_player:
        from edge.actions.media_mpd import MpdBackend

        media = MpdBackend(*host_port(settings.music_player, "--music-player"))
    if settings.head_unit:
        from edge.actions.head_unit import HeadUnitMqtt

        car = HeadUnitMqtt(
            BrokerSettings.parse(settings.head_unit, client_id=f"tandem-car-{device_id}"),
            settings.head_unit_prefix)
        car.start()
        started.append(car)
    try:
        yield ActionRuntime(ActionExecutor(Backends(home, media, car), deadline_s, audit),
                            schedule, audit, state, home)
    finally:
        for backend in started:
            backend.close()  # type: ignore[attr-defined]
        schedule.close()
        audit.close()
