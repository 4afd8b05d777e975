"""MQTT payloads on a real private broker, with a real device agent and operator connected.

The fuzzer publishes (as the operator identity, which may write every topic) to the
device's policy topic, its group's policy topic, its user's memory topic, its presence
topic, and to another device's report and presence topics (what the operator reads).
After each payload a probe follows on the device's policy topic: a validly signed but
stale policy, which the device refuses and reports. The input has been handled when the
device has counted both and the operator holds the probe's report; then:
  * the device's applied policy and cached memory equal those of a shadow device fed the
    same payloads in-process (and what its state folder holds after a reboot);
  * the device and the operator are still connected.
Before that, payloads over each document's limit (and far over) show whether the broker
refuses them or delivers them to the device, which must then refuse them itself.
"""

from __future__ import annotations

import contextlib
import json
import random
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion

from app.abuse import payloads
from app.abuse.core import Hang, Lost, Tally, fuzz, thread_crashes, timed
from app.abuse.documents import BASE_REV, BASE_VERSION, FuzzedDevice, baseline
from app.abuse.payloads import DEVICE, GROUP, USER
from app.fleet_testing import make_fleet, running_device
from cloud.fleet.broker import PrivateBroker
from cloud.fleet.operator import OperatorLink, service_tls
from cloud.fleet.pki import FleetPaths, current_signing_key
from contract.fleet import names
from contract.fleet.memory import MAX_SNAPSHOT_BYTES
from contract.fleet.policy import MAX_PAYLOAD_BYTES, sign_policy
from edge.fleet.link import DeviceLink
from edge.fleet.store import DeviceStore

GHOST = "ghost-1"  # a device that exists only as topics: what the operator reads
TOPICS = {
    "device policy": names.device_policy(DEVICE),
    "group policy": names.group_policy(GROUP),
    "memory": names.user_memory(USER),
    "device presence": names.device_presence(DEVICE),
    "ghost report": names.device_report(GHOST),
    "ghost presence": names.device_presence(GHOST),
}
OVERSIZE = {"policy": (names.device_policy(DEVICE), MAX_PAYLOAD_BYTES),
            "memory": (names.user_memory(USER), MAX_SNAPSHOT_BYTES)}
OVERSIZE_BYTES = (MAX_SNAPSHOT_BYTES + 1, 1 << 20, 16 << 20)


class Publisher:
    """A plain client with the operator's certificate: fuzz goes through its own session,
    so the operator under test is only ever on the receiving side."""

    def __init__(self, paths: FleetPaths, host: str, port: int) -> None:
        self.paths, self.host, self.port = paths, host, port
        self.hung_up = 0  # publishes the broker answered by closing the connection
        self.connected = threading.Event()
        self.client = self._connect()

    def _connect(self) -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="abuse-fuzzer",
                             protocol=mqtt.MQTTv311, clean_session=True)
        client.tls_set_context(service_tls(self.paths, names.OPERATOR))
        client.on_connect = lambda c, u, f, reason, p: (
            None if reason.is_failure else self.connected.set())
        client.on_disconnect = lambda *args: self.connected.clear()
        self.connected.clear()
        client.connect_async(self.host, self.port, keepalive=20)
        client.loop_start()
        if not self.connected.wait(10):
            raise Hang("the fuzzer's MQTT client did not connect")
        return client

    def publish(self, topic: str, payload: bytes, timeout_s: float) -> bool:
        """True once the broker has acknowledged it (QoS 1); False if it hung up instead,
        and then this client is replaced (paho would send the message again)."""
        info = self.client.publish(topic, payload, qos=1)
        deadline = time.monotonic() + timeout_s
        while not info.is_published():
            if not self.connected.is_set():
                self.hung_up += 1
                self.stop()
                self.client = self._connect()
                return False
            if time.monotonic() > deadline:
                raise Hang(f"the broker did not acknowledge a publish in {timeout_s:g} s")
            time.sleep(0.001)
        return True

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class MqttFuzzer:
    def __init__(self, folder: Path, hang_s: float) -> None:
        self.folder = folder
        self.hang_s = hang_s
        self.paths = make_fleet(folder / "fleet", {DEVICE: ([GROUP], USER)})
        self.key = current_signing_key(self.paths)
        self.base_policy, self.base_memory = baseline(self.key)
        self.stack = contextlib.ExitStack()
        self.broker = self.stack.enter_context(PrivateBroker(self.paths, folder / "broker"))
        self.publisher = Publisher(self.paths, self.broker.host, self.broker.port)
        self.stack.callback(self.publisher.stop)
        # Retained, as the operator and the cloud leave them: what a (re)connect brings.
        for topic, document in ((TOPICS["device policy"], self.base_policy),
                                (TOPICS["memory"], self.base_memory)):
            self.publisher.client.publish(topic, document, 1, retain=True).wait_for_publish(10)
        self.state_dir = folder / "device-state"
        self.shadow = FuzzedDevice(folder / "shadow", self.device_trusted())
        self.shadow.agent.offer(self.base_policy)
        self.shadow.agent.apply_pending()
        self.shadow.memory.offer(self.base_memory, user=USER)
        self.services: contextlib.ExitStack | None = None
        self.broken = True  # (re)start the device and the operator before the next input
        self.probes = 0

    def device_trusted(self) -> Any:
        from app.fleet_testing import identity

        return identity(self.paths, DEVICE).trusted

    # -- the services under test ----------------------------------------------------------

    def restart(self) -> None:
        if self.services is not None:
            with contextlib.suppress(Exception):
                self.services.close()
        self.services = contextlib.ExitStack()
        self.link: DeviceLink = self.services.enter_context(
            running_device(self.paths, DEVICE, self.broker, self.state_dir))
        self.operator = self.services.enter_context(
            OperatorLink(self.paths, self.broker.host, self.broker.port))
        deadline = time.monotonic() + 10
        while (self.link.agent.applied_version < BASE_VERSION
               or (self.link.memory is not None and self.link.memory.rev(USER) < BASE_REV)):
            if time.monotonic() > deadline:
                raise RuntimeError("the device did not take the retained baseline")
            time.sleep(0.01)
        self.broken = False

    def close(self) -> None:
        if self.services is not None:
            self.services.close()
        self.stack.close()

    # -- one input ------------------------------------------------------------------------

    def handled(self) -> int:
        stats = self.link.agent.stats
        return stats.applied + stats.rejected + stats.ignored_stale

    def probe(self) -> bytes:
        """A validly signed policy older than anything applied: refused and reported."""
        self.probes += 1
        return sign_policy({"version": 1, "target": {"device": DEVICE},
                            "routing": {"local_confidence": random.random()}}, self.key)

    def send_probe(self) -> None:
        if not self.publisher.publish(TOPICS["device policy"], self.probe(), self.hang_s):
            raise Lost("the broker refused a small, valid policy")

    def settle(self, start: int, policy_messages: int, timeout_s: float) -> None:
        """Until the device has handled `policy_messages` more than `start` and the operator
        holds the device's last report."""
        deadline = time.monotonic() + timeout_s
        while True:
            report = self.operator.reports.get(DEVICE)
            if self.handled() >= start + policy_messages and report is not None \
                    and report.at == self.link.agent.last_report.at:
                return
            if time.monotonic() > deadline:
                raise Hang(f"the device handled {self.handled() - start}/{policy_messages}; "
                           f"operator connected: {self.operator.connected.is_set()}, device "
                           f"connected: {self.link.connected.is_set()}")
            time.sleep(0.002)

    def check(self, sent: tuple[str, bytes]) -> None:
        kind, payload = sent
        if self.broken:
            self.restart()
        self.broken = True
        start = self.handled()
        policy_topic = kind.endswith("policy")
        delivered = self.publisher.publish(TOPICS[kind], payload, self.hang_s)
        if delivered and policy_topic:
            self.shadow.agent.offer(payload)
            self.shadow.agent.apply_pending()
        elif delivered and kind == "memory":
            self.shadow.memory.offer(payload, user=USER)
        self.send_probe()
        self.settle(start, 1 + (delivered and policy_topic), self.hang_s)
        self.compare()
        self.broken = False

    def compare(self) -> None:
        agent, memory = self.link.agent, self.link.memory
        assert memory is not None
        applied = agent.applied.digest if agent.applied else ""
        expected = self.shadow.state()
        if (applied, agent.applied_version) != expected[:2]:
            raise Lost(f"the device applied v{agent.applied_version}, the shadow v{expected[1]}")
        held = {user: (memory.rev(user), memory.facts(user, at=0.0)) for user in (USER, "bob")}
        if held != expected[2]:
            raise Lost(f"the device's memory is rev {memory.rev(USER)}, the shadow's "
                       f"{self.shadow.memory.rev(USER)}")
        store = DeviceStore(self.state_dir)
        stored, problem = store.load_policy(agent.trusted, DEVICE, agent.groups)
        if problem or (stored.digest if stored else "") != applied:
            raise Lost(f"the state folder holds another policy ({problem})")
        if {u: s.get("rev") for u, s in store.load_memory().items()} != {
                u: memory.rev(u) for u in (USER, "bob") if memory.rev(u)}:
            raise Lost("the state folder holds another memory")
        if not (self.link.connected.is_set() and self.operator.connected.is_set()):
            raise Lost("the device or the operator lost its connection")

    # -- oversize ---------------------------------------------------------------------------

    def oversize(self, tally: Tally) -> None:
        """Does the broker refuse payloads over a document's limit? Either way the device
        must: a delivered one must be refused there, and nothing may break."""
        for name, (topic, limit) in OVERSIZE.items():
            for size in (limit + 1, *OVERSIZE_BYTES):
                label = f"{name} {size:,} B"
                tally.tried += 1
                try:
                    tally.oversize[label] = self.one_oversize(name, topic, size)
                except Hang as exc:
                    self.broken = True
                    tally.hang(f"{exc} for {label}")
                except Lost as exc:
                    self.broken = True
                    tally.lose(f"{exc} for {label}")

    def one_oversize(self, name: str, topic: str, size: int) -> str:
        if self.broken:
            self.restart()
        assert self.link.memory is not None
        handled, refused = self.handled(), len(self.link.memory.rejected)
        payload = json.dumps({"format": "x", "pad": "x" * size}).encode()[:size]
        taken = self.publisher.publish(topic, payload, max(self.hang_s, 30))
        self.send_probe()
        self.settle(handled, 1 + (taken and name == "policy"), max(self.hang_s, 30))
        self.compare()
        if not taken:
            return "refused by the broker (it closed the sender's connection)"
        delivered = (self.handled() - handled > 1 if name == "policy"
                     else len(self.link.memory.rejected) > refused)
        return ("delivered; the device refused it" if delivered
                else "acknowledged by the broker, never delivered")


def run(seconds: float, tally: Tally, hang_s: float) -> None:
    with tempfile.TemporaryDirectory(prefix="tandem-abuse-mqtt-") as tmp, \
            thread_crashes(tally), timed(tally):
        fuzzer = MqttFuzzer(Path(tmp), hang_s)
        start = time.monotonic()
        try:
            fuzzer.oversize(tally)
            key = fuzzer.key
            policy = payloads.policy_payloads(key, fuzzer.base_policy)
            memory = payloads.memory_payloads(key, fuzzer.base_memory)
            reports = st.binary(max_size=100) | st.sampled_from(payloads.NASTY_JSON) | \
                st.fixed_dictionaries({k: payloads.json_values for k in (
                    "device", "applied_version", "applied_digest", "status", "generation",
                    "at", "online")}).map(lambda d: json.dumps(d).encode())
            inputs = st.one_of(
                st.tuples(st.sampled_from(["device policy", "group policy"]), policy),
                st.tuples(st.just("memory"), memory),
                st.tuples(st.sampled_from(["device presence", "ghost report", "ghost presence"]),
                          reports),
            )
            hung_up = fuzzer.publisher.hung_up
            fuzz(inputs, fuzzer.check, seconds - (time.monotonic() - start), tally, hang_s)
            tally.oversize["fuzzed payloads the broker refused"] = str(
                fuzzer.publisher.hung_up - hung_up)
        finally:
            fuzzer.close()

