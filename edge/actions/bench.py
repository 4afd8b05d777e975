"""`tandem bench actions`: from the skill's decision to the command at the device, exactly once.

A private Mosquitto stands for the home's broker and another client for the devices: each
command goes through the real executor (worker thread, deadline, audit log in SQLite) and
the home backend, and the time is taken from the executor's call to the device client
receiving the message. Then every request is sent again with the same key (a retry): no
second message may arrive. MPD commands are timed to the player's acknowledgement.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

TARGET_P95_MS = 50.0


def add_bench_actions(bench: argparse._SubParsersAction) -> None:
    actions = bench.add_parser("actions", help="decision -> device latency, exactly once")
    actions.add_argument("--repeat", type=int, default=200)
    actions.add_argument("--json", action="store_true")
    actions.set_defaults(func=_cmd_bench_actions)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(repeat: int) -> dict[str, Any]:
    import paho.mqtt.client as mqtt

    from contract.inventory import Device, Inventory
    from edge.actions.audit import AuditLog
    from edge.actions.executor import ActionExecutor, TurnRef
    from edge.actions.home_mqtt import HomeMqttBackend
    from edge.actions.media_mpd import MpdBackend
    from edge.actions.messages import DeviceCommand, MediaCommand
    from edge.actions.mqtt_link import BrokerSettings
    from edge.actions.testing import home_broker, music_player

    home = Inventory(devices=(Device("Desk Lamp", "light"), Device("Hall Switch", "switch")))
    arrivals: dict[str, list[float]] = {}
    lock = threading.Lock()
    subscribed = threading.Event()

    def on_message(_c: object, _u: object, message: mqtt.MQTTMessage) -> None:
        with lock:
            arrivals.setdefault(message.topic, []).append(time.perf_counter())

    with tempfile.TemporaryDirectory() as tmp, home_broker() as (host, port):
        devices = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="devices")
        devices.on_connect = lambda c, *_: c.subscribe("home/#", qos=1)
        devices.on_subscribe = lambda *_: subscribed.set()
        devices.on_message = on_message
        devices.connect(host, port)
        devices.loop_start()
        backend = HomeMqttBackend(home, BrokerSettings(host, port))
        backend.start()
        audit = AuditLog(Path(tmp) / "audit.db")
        executor = ActionExecutor(backend, 0.5, audit)
        if not (subscribed.wait(5) and backend.wait_connected(5)):
            raise RuntimeError("the private broker did not come up")
        latencies: list[float] = []
        failed = 0

        async def commands() -> None:
            nonlocal failed
            for i in range(repeat):
                turn = TurnRef("bench", "session", i)
                command = DeviceCommand("Hall Switch", "turn_on" if i % 2 else "turn_off")
                topic = "home/switch/hall_switch/set"
                with lock:
                    before = len(arrivals.get(topic, []))
                t0 = time.perf_counter()
                result = await executor.execute(turn.key(0), command, turn)
                deadline = time.perf_counter() + 1.0
                while time.perf_counter() < deadline:
                    with lock:
                        got = arrivals.get(topic, [])
                        if len(got) > before:
                            latencies.append(1000 * (got[before] - t0))
                            break
                    await asyncio.sleep(0.0005)
                else:
                    failed += 1
                failed += not result.ok

        async def retries() -> int:
            for i in range(repeat):  # the same keys again: nothing may be sent
                turn = TurnRef("bench", "session", i)
                await executor.execute(turn.key(0), DeviceCommand("Hall Switch", "turn_on"),
                                       turn)
            await asyncio.sleep(0.3)
            with lock:
                return len(arrivals.get("home/switch/hall_switch/set", []))

        asyncio.run(commands())
        delivered = asyncio.run(retries())
        backend.close()
        devices.disconnect()
        devices.loop_stop()
        chain_ok = audit.verify() is None
        audit.close()

    mpd_ms: list[float] = []
    with music_player() as (mhost, mport):
        player = MpdBackend(mhost, mport)
        for i in range(min(repeat, 50)):
            t0 = time.perf_counter()
            player.execute(MediaCommand("pause" if i % 2 else "resume"), 1.0)
            mpd_ms.append(1000 * (time.perf_counter() - t0))
    return {
        "commands": repeat, "delivered": delivered, "failed": failed,
        "home_ms_p50": round(statistics.median(latencies), 2) if latencies else None,
        "home_ms_p95": round(_p(latencies, 0.95), 2) if latencies else None,
        "mpd_ms_p50": round(statistics.median(mpd_ms), 2),
        "mpd_ms_p95": round(_p(mpd_ms, 0.95), 2),
        "audit_chain_intact": chain_ok,
    }


def _cmd_bench_actions(args: argparse.Namespace) -> int:
    report = run(args.repeat)
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{report['commands']} commands to a switch on a private Mosquitto, then the same "
          f"keys again (retries)")
    print(f"  decision -> device  p50 {report['home_ms_p50']} ms  p95 {report['home_ms_p95']} ms"
          f"  (target p95 <= {TARGET_P95_MS:.0f} ms)")
    print(f"  messages at the device: {report['delivered']} for {report['commands']} commands "
          f"and {report['commands']} retries (exactly once: {report['commands']}); "
          f"failed {report['failed']}")
    print(f"  MPD command acknowledged  p50 {report['mpd_ms_p50']} ms  "
          f"p95 {report['mpd_ms_p95']} ms")
    print(f"  audit chain intact: {report['audit_chain_intact']}")
    return 0
