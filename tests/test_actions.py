"""The action layer: audit chain, exactly-once execution under a deadline, and the home's
devices over a real Mosquitto in Home Assistant's MQTT conventions."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from contract.inventory import Device, Inventory
from edge.actions.audit import AuditLog
from edge.actions.executor import ActionExecutor, Backends, TurnRef
from edge.actions.home_mqtt import HomeMqttBackend, Unsupported, command_message, topic_of
from edge.actions.messages import DeviceCommand, StateQuery
from edge.actions.mqtt_link import BrokerSettings, topic_problem
from edge.actions.testing import RecordingBackend, home_broker, music_player

TURN = TurnRef("dev-1", "sess-1", 3)


# -- audit log ------------------------------------------------------------------------------


def _filled(path: Path, n: int = 5, key: bytes | None = None) -> AuditLog:
    log = AuditLog(path, key)
    for i in range(n):
        log.append("dev-1", "sess-1", i, "utterance", {"text": f"request {i}"})
    return log


def test_audit_chain_verifies_and_refuses_updates(tmp_path: Path) -> None:
    log = _filled(tmp_path / "audit.db")
    assert log.verify() is None
    assert [e.body["text"] for e in log.entries()] == [f"request {i}" for i in range(5)]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        log._db.execute("UPDATE entries SET body = '{}' WHERE seq = 2")


def test_audit_names_the_first_tampered_or_missing_entry(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    _filled(path).close()
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("DROP TRIGGER entries_append_only")  # someone with write access to the file
    raw.execute("""UPDATE entries SET body = '{"text":"unlock"}' WHERE seq = 3""")
    assert AuditLog(path).verify() == 3  # (opening it puts the trigger back)
    raw.execute("DROP TRIGGER entries_append_only")
    raw.execute("""UPDATE entries SET body = '{"text":"request 2"}' WHERE seq = 3""")
    assert AuditLog(path).verify() is None
    raw.execute("DELETE FROM entries WHERE seq = 2")
    assert AuditLog(path).verify() == 3


def test_audit_with_a_key_cannot_be_rechained_without_it(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    _filled(path, key=b"device secret").close()
    assert AuditLog(path, b"device secret").verify() is None
    assert AuditLog(path, b"someone else").verify() == 1
    assert AuditLog(path).verify() == 1


def test_audit_retention_prunes_the_oldest_and_the_rest_still_verifies(tmp_path: Path) -> None:
    log = _filled(tmp_path / "audit.db", 4)
    assert log.prune(keep_s=3600, now=time.time() + 1800) == 0
    assert log.prune(keep_s=60, now=time.time() + 3600) == 4
    log.append("dev-1", "sess-1", 9, "utterance", {"text": "after"})
    assert log.verify() is None
    assert [e.seq for e in log.entries()] == [5]


# -- executor -------------------------------------------------------------------------------


def test_a_key_acts_once_even_when_requested_twice_at_once(tmp_path: Path) -> None:
    backend = RecordingBackend(delay_s=0.05)
    executor = ActionExecutor(backend, 1.0, AuditLog(tmp_path / "audit.db"))
    action = DeviceCommand("Porch Light", "turn_on")

    async def twice() -> list[bool]:
        results = await asyncio.gather(executor.execute(TURN.key(0), action, TURN),
                                       executor.execute(TURN.key(0), action, TURN))
        return [r.duplicate for r in results]

    assert sorted(asyncio.run(twice())) == [False, True]
    assert backend.actions == [action]


def test_a_key_stays_done_across_a_restart(tmp_path: Path) -> None:
    action = DeviceCommand("Porch Light", "turn_off")
    first = RecordingBackend()
    asyncio.run(ActionExecutor(first, 1.0, AuditLog(tmp_path / "a.db")).execute(
        TURN.key(0), action, TURN))
    again = RecordingBackend()
    result = asyncio.run(ActionExecutor(again, 1.0, AuditLog(tmp_path / "a.db")).execute(
        TURN.key(0), action, TURN))
    assert result.ok and result.duplicate and again.actions == []
    kinds = [e.kind for e in AuditLog(tmp_path / "a.db").entries()]
    assert kinds == ["action", "result"]


def test_a_slow_backend_fails_at_the_deadline_and_is_not_retried(tmp_path: Path) -> None:
    backend = RecordingBackend(delay_s=0.5)
    executor = ActionExecutor(backend, 0.05, AuditLog(tmp_path / "audit.db"))
    action = DeviceCommand("Porch Light", "turn_on")

    async def run() -> tuple[float, bool, bool]:
        t0 = time.monotonic()
        result = await executor.execute(TURN.key(1), action, TURN)
        elapsed = time.monotonic() - t0
        again = await executor.execute(TURN.key(1), action, TURN)
        return elapsed, result.ok, again.duplicate

    elapsed, ok, duplicate = asyncio.run(run())
    assert not ok and duplicate
    assert elapsed < 0.4  # the reply does not wait for the stuck backend
    time.sleep(0.5)
    assert len(backend.actions) == 1


# -- Home Assistant payloads ----------------------------------------------------------------

LAMP = Device("Desk Lamp", "light", "Office")
FAN = Device("Ceiling Fan", "fan")
DOOR = Device("Front Door", "lock", topics=(("command_topic", "zigbee2mqtt/front_door/set"),))
GARAGE = Device("Garage Door", "cover")
THERMOSTAT = Device("Bedroom Thermostat", "climate", "Bedroom")


@pytest.mark.parametrize(("device", "command", "topic", "payload"), [
    (LAMP, DeviceCommand("Desk Lamp", "turn_on"), "home/light/desk_lamp/set", {"state": "ON"}),
    (LAMP, DeviceCommand("Desk Lamp", "set_brightness", 50), "home/light/desk_lamp/set",
     {"state": "ON", "brightness": 128}),
    (LAMP, DeviceCommand("Desk Lamp", "set_color", (255, 0, 0)), "home/light/desk_lamp/set",
     {"state": "ON", "color": {"r": 255, "g": 0, "b": 0}}),
    (FAN, DeviceCommand("Ceiling Fan", "turn_off"), "home/fan/ceiling_fan/set", "OFF"),
    (DOOR, DeviceCommand("Front Door", "unlock"), "zigbee2mqtt/front_door/set", "UNLOCK"),
    (GARAGE, DeviceCommand("Garage Door", "open"), "home/cover/garage_door/set", "OPEN"),
    (THERMOSTAT, DeviceCommand("Bedroom Thermostat", "set_temperature", 21.5),
     "home/climate/bedroom_thermostat/temperature/set", "21.5"),
    (THERMOSTAT, DeviceCommand("Bedroom Thermostat", "set_fan_mode", "auto"),
     "home/climate/bedroom_thermostat/fan_mode/set", "auto"),
    (GARAGE, DeviceCommand("Garage Door", "set_position", 40),
     "home/cover/garage_door/position/set", "40"),
    (FAN, DeviceCommand("Ceiling Fan", "set_percentage", 70),
     "home/fan/ceiling_fan/percentage/set", "70"),
    (Device("Rosie", "vacuum"), DeviceCommand("Rosie", "return_to_base"), "home/vacuum/rosie/set",
     "return_to_base"),
    (Device("Mowbot", "lawn_mower"), DeviceCommand("Mowbot", "dock"),
     "home/lawn_mower/mowbot/dock/set", "dock"),
    (Device("Rosie", "vacuum"), DeviceCommand("Rosie", "clean_area", "Kitchen"),
     "home/vacuum/rosie/send_command", {"command": "clean_area", "area": "Kitchen"}),
])
def test_commands_use_home_assistants_default_payloads(
    device: Device, command: DeviceCommand, topic: str, payload: object
) -> None:
    got_topic, got_payload = command_message(device, command)
    assert got_topic == topic
    assert (json.loads(got_payload) if isinstance(payload, dict) else got_payload) == payload


def test_impossible_commands_and_bad_topics_are_named() -> None:
    with pytest.raises(Unsupported, match="a fan cannot unlock"):
        command_message(FAN, DeviceCommand("Ceiling Fan", "unlock"))
    with pytest.raises(Unsupported, match="a light cannot set position"):
        command_message(LAMP, DeviceCommand("Desk Lamp", "set_position", 10))
    assert topic_problem("home/+/set") == "contains a wildcard (+ or #)"
    assert topic_problem("") == "is empty"
    assert topic_problem(topic_of(DOOR, "command_topic")) is None
    with pytest.raises(ValueError, match="HOST:PORT"):
        BrokerSettings.parse("localhost")


# -- a real broker --------------------------------------------------------------------------


class _Listener:
    """Another client on the home broker: records every command message it sees."""

    def __init__(self, host: str, port: int) -> None:
        self.messages: list[tuple[str, str]] = []
        self._ready = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="listener")
        self.client.on_connect = lambda c, *_: (c.subscribe("home/#"), c.subscribe("z2m/#"))
        self.client.on_subscribe = lambda *_: self._ready.set()
        self.client.on_message = lambda _c, _u, m: self.messages.append(
            (m.topic, m.payload.decode()))
        self.client.connect(host, port)
        self.client.loop_start()
        assert self._ready.wait(5)

    def publish_state(self, topic: str, payload: str) -> None:
        self.client.publish(topic, payload, qos=1, retain=True).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _wait_for(predicate: object, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


HOME = Inventory(areas=("Office", "Bedroom"), devices=(
    LAMP, GARAGE, THERMOSTAT,
    Device("Porch Light", "light", topics=(("command_topic", "z2m/+/set"),)),
    Device("Hall Switch", "switch", topics=(("command_topic", "z2m/hall/set"),
                                            ("state_topic", "z2m/hall"))),
))


def test_commands_reach_the_home_broker_once_and_state_is_read_back() -> None:
    with home_broker() as (host, port):
        listener = _Listener(host, port)
        listener.publish_state("home/cover/garage_door/state", "open")  # retained, before us
        listener.publish_state("home/climate/bedroom_thermostat/current_temperature", "19.5")
        backend = HomeMqttBackend(HOME, BrokerSettings(host, port))
        backend.start()
        try:
            assert backend.wait_connected(5)
            result = backend.execute(DeviceCommand("Desk Lamp", "set_brightness", 100), 2.0)
            assert result.ok
            assert _wait_for(lambda: any(t == "home/light/desk_lamp/set"
                                         for t, _ in listener.messages))
            assert backend.execute(DeviceCommand("Hall Switch", "turn_on"), 2.0).ok
            assert _wait_for(lambda: ("z2m/hall/set", "ON") in listener.messages)
            time.sleep(0.2)
            commands = [(t, p) for t, p in listener.messages if t.endswith("/set")]
            assert commands == [("home/light/desk_lamp/set", '{"state":"ON","brightness":255}'),
                                ("z2m/hall/set", "ON")]  # one message per command

            assert _wait_for(lambda: backend.execute(StateQuery("Garage Door"), 1.0).ok)
            assert backend.execute(StateQuery("Garage Door"), 1.0).state == "open"
            temp = backend.execute(StateQuery("Bedroom Thermostat", "current_temperature"), 1.0)
            assert temp.state == "19.5"
            listener.publish_state("home/cover/garage_door/state", "closed")
            assert _wait_for(
                lambda: backend.execute(StateQuery("Garage Door"), 1.0).state == "closed")

            bad = backend.execute(DeviceCommand("Porch Light", "turn_on"), 1.0)
            assert not bad.ok and "'z2m/+/set' contains a wildcard" in bad.error
            unknown = backend.execute(DeviceCommand("Toaster", "turn_on"), 1.0)
            assert not unknown.ok and "inventory" in unknown.error
        finally:
            backend.close()
            listener.close()


def test_a_new_inventory_moves_the_backend_to_its_devices_and_state_topics() -> None:
    with home_broker() as (host, port):
        listener = _Listener(host, port)
        backend = HomeMqttBackend(HOME, BrokerSettings(host, port))
        backend.start()
        try:
            assert backend.wait_connected(5)
            kettle = Device("Kettle", "switch", topics=(("command_topic", "z2m/kettle/set"),
                                                        ("state_topic", "z2m/kettle")))
            Backends(home=backend).use_inventory(Inventory(devices=(kettle,)))
            assert backend.execute(DeviceCommand("Kettle", "turn_on"), 2.0).ok
            assert _wait_for(lambda: ("z2m/kettle/set", "ON") in listener.messages)
            listener.publish_state("z2m/kettle", "ON")  # watched since the swap
            assert _wait_for(lambda: backend.execute(StateQuery("Kettle"), 1.0).state == "on")
            gone = backend.execute(DeviceCommand("Desk Lamp", "turn_on"), 1.0)
            assert not gone.ok and "inventory" in gone.error
            assert "home/cover/garage_door/state" not in backend.link.watched
        finally:
            backend.close()
            listener.close()


def test_a_broadcast_reaches_the_homes_other_devices_and_malformed_ones_are_dropped() -> None:
    from edge.actions.home_mqtt import BROADCAST_TOPIC
    from edge.actions.messages import Broadcast

    with home_broker() as (host, port):
        kitchen = HomeMqttBackend(HOME, BrokerSettings(host, port, client_id="kitchen"))
        hall = HomeMqttBackend(HOME, BrokerSettings(host, port, client_id="hall"))
        heard: list[tuple[str, str]] = []
        hall.on_broadcast(lambda message, origin: heard.append((message, origin)))
        listener = _Listener(host, port)
        for backend in (kitchen, hall):
            backend.start()
        try:
            assert kitchen.wait_connected(5) and hall.wait_connected(5)
            time.sleep(0.2)  # the subscriptions are made on connect
            listener.client.publish(BROADCAST_TOPIC, b"not json", qos=1).wait_for_publish(5)
            listener.client.publish(BROADCAST_TOPIC, b'{"from": "x"}', qos=1).wait_for_publish(5)
            sent = kitchen.execute(Broadcast("Dinner is ready", "kitchen-speaker"), 2.0)
            assert sent.ok
            assert _wait_for(lambda: heard == [("Dinner is ready", "kitchen-speaker")])
            time.sleep(0.2)
            assert heard == [("Dinner is ready", "kitchen-speaker")]  # the bad ones: dropped
        finally:
            for backend in (kitchen, hall):
                backend.close()
            listener.close()


def test_an_unreachable_broker_fails_each_action_with_the_reason() -> None:
    with home_broker() as (host, port):
        pass  # stopped: nothing listens there now
    backend = HomeMqttBackend(HOME, BrokerSettings(host, port))
    backend.start()
    try:
        assert not backend.wait_connected(0.3)
        result = backend.execute(DeviceCommand("Desk Lamp", "turn_on"), 0.5)
        assert not result.ok and f"{host}:{port} is not connected" in result.error
    finally:
        backend.close()


def test_an_interrupted_action_is_not_sent_again_and_nothing_waits_forever() -> None:
    backend = RecordingBackend(delay_s=0.2)
    executor = ActionExecutor(backend, 1.0)
    action = DeviceCommand("Porch Light", "turn_on")

    async def run() -> tuple[bool, str]:
        first = asyncio.create_task(executor.execute(TURN.key(2), action, TURN))
        await asyncio.sleep(0.05)
        first.cancel()  # a barge-in cancels the turn while the backend works
        again = await asyncio.wait_for(executor.execute(TURN.key(2), action, TURN), 1.0)
        return again.duplicate, again.error

    assert asyncio.run(run()) == (True, "the request was interrupted")


def test_reads_are_never_answered_from_memory() -> None:
    backend = RecordingBackend(states={"Garage Door": "open"})
    executor = ActionExecutor(backend, 1.0)

    async def read_twice() -> list[str | float | None]:
        first = await executor.execute(TURN.key(0), StateQuery("Garage Door"), TURN)
        backend.states["Garage Door"] = "closed"
        second = await executor.execute(TURN.key(0), StateQuery("Garage Door"), TURN)
        return [first.state, second.state]

    assert asyncio.run(read_twice()) == ["open", "closed"]


# -- a real music player ----------------------------------------------------------------------


def test_media_commands_drive_a_real_mpd() -> None:
    import mpd as mpd_client

    from edge.actions.media_mpd import MpdBackend
    from edge.actions.messages import MediaCommand

    with music_player() as (host, port):
        player = MpdBackend(host, port)

        def status() -> dict[str, str]:
            client = mpd_client.MPDClient()
            client.connect(host, port)
            try:
                return dict(client.status())
            finally:
                client.disconnect()

        assert player.execute(MediaCommand("play"), 2.0).state == "play"
        assert status()["song"] == "0"
        assert player.execute(MediaCommand("next"), 2.0).ok and status()["song"] == "1"
        assert player.execute(MediaCommand("pause"), 2.0).state == "pause"
        assert player.execute(MediaCommand("resume"), 2.0).state == "play"
        assert player.execute(MediaCommand("mute"), 2.0).ok and status()["volume"] == "0"
        assert player.execute(MediaCommand("unmute"), 2.0).ok and status()["volume"] == "60"
        assert player.execute(MediaCommand("set_volume", 35), 2.0).ok
        assert status()["volume"] == "35"

        def queue() -> list[str]:
            client = mpd_client.MPDClient()
            client.connect(host, port)
            try:
                return [song["file"] for song in client.playlistinfo()]
            finally:
                client.disconnect()

        # "play track two": the queue becomes what the library has for it, and it plays.
        found = player.execute(MediaCommand("search_play", query="track2"), 2.0)
        assert found.ok and queue() == ["track2.wav"] and status()["state"] == "play"
        missing = player.execute(MediaCommand("search_play", query="polka"), 2.0)
        assert not missing.ok and "nothing in the music library" in missing.error
        assert queue() == ["track2.wav"]  # nothing found: the queue is left alone
    gone = MpdBackend(host, port).execute(MediaCommand("pause"), 0.5)
    assert not gone.ok and f"{host}:{port} is not reachable" in gone.error


def test_actions_without_a_backend_name_the_missing_option() -> None:
    from edge.actions.executor import Backends
    from edge.actions.messages import MediaCommand

    backends = Backends(home=RecordingBackend())
    assert "--music-player" in backends.execute(MediaCommand("pause"), 1.0).error
    assert Backends(media=RecordingBackend()).execute(
        DeviceCommand("Desk Lamp", "turn_on"), 1.0).error.endswith("(--home-broker)")


# -- the car's head unit ----------------------------------------------------------------------


def test_the_head_unit_gets_commands_and_reports_messages_over_mqtt() -> None:
    from edge.actions.head_unit import HeadUnitMqtt
    from edge.actions.messages import CarCommand, MessagesQuery

    with home_broker() as (host, port):
        listener = _Listener(host, port)
        listener.client.subscribe("car/#")
        inbox = [{"id": "7", "from": "Ben", "text": "running late"}]
        listener.publish_state("car/head_unit/messages", json.dumps(inbox))
        unit = HeadUnitMqtt(BrokerSettings(host, port, client_id="car"))
        unit.start()
        try:
            assert unit.wait_connected(5)
            assert unit.execute(CarCommand("navigate", "Grandma's House"), 2.0).ok
            assert _wait_for(lambda: ("car/head_unit/navigate/set",
                                      '{"destination": "Grandma\'s House"}') in listener.messages)
            assert _wait_for(lambda: unit.execute(MessagesQuery(), 1.0).ok)
            assert json.loads(str(unit.execute(MessagesQuery(), 1.0).state)) == inbox
            listener.publish_state("car/head_unit/messages", "not json")
            assert _wait_for(lambda: "malformed" in unit.execute(MessagesQuery(), 1.0).error)
        finally:
            unit.close()
            listener.close()


# -- actions for later ------------------------------------------------------------------------


def test_scheduled_actions_survive_a_restart_and_run_once_when_due(tmp_path: Path) -> None:
    from edge.actions.schedule import Schedule

    now = 1_000_000.0
    first = Schedule(tmp_path / "schedule.db")
    a = first.add("HassTurnOff", {"name": "Porch Light"}, "turn off the porch light in 15 min",
                  delay_s=900, now=now)
    first.add("HassTurnOn", {"name": "Desk Lamp"}, "in an hour", delay_s=3600, now=now)
    first.close()
    again = Schedule(tmp_path / "schedule.db")  # the device restarted
    assert [p.slots for p in again.pending()] == [{"name": "Porch Light"}, {"name": "Desk Lamp"}]
    assert again.take_due(now + 899) == ([], [])
    run, missed = again.take_due(now + 901)
    assert [x.id for x in run] == [a.id] and missed == []
    assert again.take_due(now + 902) == ([], [])  # once
    run, missed = again.take_due(now + 3600 + 601)  # off for too long: reported, not run
    assert run == [] and [m.slots for m in missed] == [{"name": "Desk Lamp"}]


def test_scheduled_actions_can_be_listed_and_cancelled(tmp_path: Path) -> None:
    from edge.actions.schedule import Schedule

    schedule = Schedule(tmp_path / "s.db")
    keep = schedule.add("HassTurnOn", {"name": "Fan"}, "x", delay_s=60)
    drop = schedule.add("HassTurnOff", {"name": "Fan"}, "y", delay_s=120)
    assert schedule.cancel(drop.id) == 1 and schedule.cancel(drop.id) == 0
    assert [p.id for p in schedule.pending()] == [keep.id]
    assert schedule.cancel() == 1 and schedule.pending() == []
    with pytest.raises(ValueError, match="exactly one"):
        schedule.add("HassTurnOn", {}, "z")


def test_a_clock_time_is_the_next_one() -> None:
    import datetime as dt

    from edge.actions.schedule import next_clock_time

    morning = dt.datetime(2026, 11, 29, 8, 0).astimezone().timestamp()
    assert dt.datetime.fromtimestamp(next_clock_time("19:00", morning)).hour == 19
    assert next_clock_time("19:00", morning) - morning == 11 * 3600
    assert next_clock_time("07:30", morning) - morning == 23.5 * 3600  # tomorrow


def test_the_actions_bench_sees_each_command_once_and_retries_never() -> None:
    from edge.actions.bench import run

    report = run(repeat=6)
    assert report["delivered"] == 6 and report["failed"] == 0
    assert report["audit_chain_intact"] is True
    assert report["home_ms_p50"] is not None and report["mpd_ms_p50"] is not None
