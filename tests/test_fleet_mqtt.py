"""Fleet sync through a real, private Mosquitto with TLS client certificates.

One broker per module (from a generated config, on a free port); its log is
printed at teardown, which pytest shows when a test fails.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from app.fleet_testing import make_fleet, running_device, wait_for
from cloud.fleet.broker import PrivateBroker
from cloud.fleet.history import History
from cloud.fleet.memory import MemoryStore
from cloud.fleet.operator import OperatorLink
from cloud.fleet.pki import (
    FleetPaths,
    current_signing_key,
    init_fleet,
    issue_device,
    revoke_device,
)
from cloud.fleet.rollout import Rollout, RolloutPlan
from cloud.fleet.status import fleet_status
from contract.fleet import names
from contract.fleet.policy import sign_policy
from contract.fleet.report import Presence
from contract.fleet.signing import SigningKey
from edge.fleet.link import DeviceLink

LAB = [f"lab-{i}" for i in range(10)]


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> FleetPaths:
    devices: dict[str, tuple[list[str], str | None]] = {
        "dev-a": (["kitchen"], "alice"), "dev-b": (["kitchen"], "bob"),
        "dev-c": (["car"], "alice"),
    }
    devices.update({d: (["lab"], None) for d in LAB})
    return make_fleet(tmp_path_factory.mktemp("fleet"), devices)


@pytest.fixture(scope="module")
def broker(paths: FleetPaths, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateBroker]:
    broker = PrivateBroker(paths, tmp_path_factory.mktemp("broker"))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
        print(broker.log_text(200))


@pytest.fixture
def operator(paths: FleetPaths, broker: PrivateBroker) -> Iterator[OperatorLink]:
    with OperatorLink(paths, broker.host, broker.port) as link:
        yield link


def history(paths: FleetPaths) -> History:
    return History(paths.root / "history.json")


def claim(paths: FleetPaths, count: int = 1) -> int:
    """Take the next `count` versions (as the operator would) and return the first."""
    hist = history(paths)
    first = hist.next_version()
    hist.claim(first + count - 1)
    return first


def push_one(operator: OperatorLink, paths: FleetPaths, device: str, document: dict[str, Any],
             payload: bytes | None = None) -> None:
    operator.publish(names.device_policy(device),
                     payload or sign_policy(document, current_signing_key(paths)), wait_s=5)


def raw_client(paths: FleetPaths, broker: PrivateBroker, cn: str | None,
               ca: Path | None = None) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"raw-{cn}-{time.time_ns()}")
    ctx = ssl.create_default_context(cafile=str(ca or paths.ca_cert))
    if cn is not None:
        ctx.load_cert_chain(str(paths.client_cert(cn)), str(paths.client_key(cn)))
    client.tls_set_context(ctx)
    return client


# -- identity --------------------------------------------------------------------------------


def test_broker_sends_no_session_tickets(paths: FleetPaths, broker: PrivateBroker) -> None:
    # Devices cannot resume a session; minting tickets for them cost the broker CPU.
    client = raw_client(paths, broker, "dev-a")
    client.connect(broker.host, broker.port)
    try:
        deadline = time.monotonic() + 5
        while not client.is_connected() and time.monotonic() < deadline:
            client.loop(0.1)
        sock = client.socket()
        assert client.is_connected() and isinstance(sock, ssl.SSLSocket)
        assert sock.version() == "TLSv1.3" and sock.session is not None
        assert not sock.session.has_ticket
    finally:
        client.disconnect()


def test_no_certificate_no_connection(paths: FleetPaths, broker: PrivateBroker,
                                      tmp_path: Path) -> None:
    client = raw_client(paths, broker, None)
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        client.connect(broker.host, broker.port)
        client.loop(1.0)  # TLS 1.3 reports the missing certificate on the first read
        client.loop(1.0)
        if not client.is_connected():
            raise ConnectionError("refused")
    # A certificate from another CA (same CN) is refused as well.
    rogue = init_fleet(tmp_path / "rogue")
    issue_device(rogue, "dev-b")
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="rogue")
    ctx = ssl.create_default_context(cafile=str(paths.ca_cert))
    ctx.load_cert_chain(str(rogue.client_cert("dev-b")), str(rogue.client_key("dev-b")))
    client.tls_set_context(ctx)
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        client.connect(broker.host, broker.port)
        client.loop(1.0)
        client.loop(1.0)
        if not client.is_connected():
            raise ConnectionError("refused")
    # Plain TCP without TLS gets nowhere either.
    with socket.create_connection((broker.host, broker.port), timeout=2) as sock:
        sock.sendall(b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00")
        sock.settimeout(2)
        answer = b""
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            answer = sock.recv(4)
        assert not answer.startswith(b"\x20")  # never a CONNACK


def test_revoked_device_is_refused_others_are_not(tmp_path: Path) -> None:
    paths = make_fleet(tmp_path / "fleet", {"dev-x": (["g"], None), "dev-y": (["g"], None)})
    with PrivateBroker(paths, tmp_path / "broker") as broker:
        with running_device(paths, "dev-x", broker):
            pass  # connects while its certificate is good
        revoke_device(paths, "dev-x")
        broker.reload_acl()  # what `tandem fleet broker` does on SIGHUP; reads the CRL too
        with pytest.raises(TimeoutError, match="did not connect"), \
                running_device(paths, "dev-x", broker, connect_timeout_s=3):
            pass
        with running_device(paths, "dev-y", broker) as other:
            assert other.connects == 1
    assert "certificate verify failed" in broker.log_text(400)  # the CRL, at the handshake


def test_device_cannot_read_or_write_another_devices_topics(
    paths: FleetPaths, broker: PrivateBroker, operator: OperatorLink
) -> None:
    memory = MemoryStore(publish=lambda t, p: operator.publish(t, p, wait_s=5),
                         key=current_signing_key(paths))
    memory.remember("bob", "pin", "1234")
    push_one(operator, paths, "dev-b", {"version": claim(paths),
                                        "target": {"device": "dev-b"}})
    operator.publish(names.group_policy("car"), sign_policy(
        {"version": claim(paths), "target": {"group": "car"}},
        current_signing_key(paths)), wait_s=5)
    received: list[str] = []
    granted: list[list[int]] = []
    client = raw_client(paths, broker, "dev-a")
    client.on_message = lambda c, u, m: received.append(m.topic)
    client.on_subscribe = lambda c, u, mid, rc, p: granted.append([r.value for r in rc])
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        forbidden = [names.device_policy("dev-b"), names.user_memory("bob"),
                     names.group_policy("car"), "tandem/#", names.ALL_REPORTS]
        client.subscribe([(t, 1) for t in forbidden])
        client.subscribe(names.group_policy("kitchen"), 1)  # allowed: its own group
        # dev-a writes a fake report for dev-b: the broker PUBACKs it and drops it.
        info = client.publish(names.device_report("dev-b"), b'{"forged": true}', 1, True)
        info.wait_for_publish(5)
        operator.sync()
        time.sleep(0.3)
        # Mosquitto 2.0 grants the SUBACK and filters on delivery: what counts is
        # that nothing of B's arrives, not even the retained documents.
        assert received == [], received
        assert "forged" not in repr(operator.reports.get("dev-b"))
        # The allowed path works over the same connection.
        operator.publish(names.group_policy("kitchen"), sign_policy(
            {"version": claim(paths), "target": {"group": "kitchen"}},
            current_signing_key(paths)), wait_s=5)
        wait_for(lambda: received == [names.group_policy("kitchen")], what="own group policy")
    finally:
        client.disconnect()
        client.loop_stop()


# -- policy apply, report, reconnect -----------------------------------------------------------


def test_device_applies_reports_and_survives_restart(
    paths: FleetPaths, broker: PrivateBroker, operator: OperatorLink, tmp_path: Path
) -> None:
    version = claim(paths, 2)
    with running_device(paths, "dev-a", broker, tmp_path) as dev:
        gen1 = dev.generation
        push_one(operator, paths, "dev-a", {"version": version, "target": {"group": "kitchen"},
                                            "routing": {"local_confidence": 0.9}})
        wait_for(lambda: (r := operator.reports.get("dev-a")) is not None
                 and r.applied_version == version, what="applied report")
        assert dev.agent.applied is not None
        assert dev.agent.applied.policy.routing.local_confidence == 0.9
    # Offline while v+1 is pushed; on reconnect it fetches the retained document.
    push_one(operator, paths, "dev-a", {"version": version + 1, "target": {"device": "dev-a"}})
    with running_device(paths, "dev-a", broker, tmp_path) as dev:
        assert dev.generation > gen1  # persisted, and never below the wall clock
        wait_for(lambda: dev.agent.applied_version == version + 1, what="fetch on reconnect")
        wait_for(lambda: operator.reports["dev-a"].applied_version == version + 1,
                 what="report")
        wait_for(lambda: operator.online("dev-a"), what="birth")
    wait_for(lambda: not operator.online("dev-a"), what="offline after goodbye")


def test_bad_inputs_over_mqtt_are_reported_never_applied(
    paths: FleetPaths, broker: PrivateBroker, operator: OperatorLink
) -> None:
    key = current_signing_key(paths)
    claim(paths)  # so that version - 1 is a valid (old) version
    version = claim(paths, 10)
    with running_device(paths, "dev-b", broker) as dev:
        push_one(operator, paths, "dev-b", {"version": version, "target": {"device": "dev-b"}})
        wait_for(lambda: dev.agent.applied_version == version, what="good policy")
        good = sign_policy({"version": version + 1, "target": {"device": "dev-b"}}, key)
        bad_inputs = {
            "malformed": b"{oops",
            "too_large": b" " * 70_000,
            "unsigned": json.dumps({**json.loads(good), "signature": ""}).encode(),
            "bad_signature": good.replace(b'\\"version\\":' + str(version + 1).encode(),
                                          b'\\"version\\":' + str(version + 2).encode()),
            "stale": sign_policy({"version": version - 1, "target": {"device": "dev-b"}}, key),
            "unknown_field": sign_policy({"version": version + 3, "target": {"device": "dev-b"}},
                                         key).replace(b'"format"', b'"extra":1,"format"'),
            "wrong_target": sign_policy({"version": version + 4,
                                         "target": {"device": "dev-a"}}, key),
            "unknown_key": sign_policy({"version": version + 5, "target": {"device": "dev-b"}},
                                       SigningKey.generate()),
        }
        for kind, payload in bad_inputs.items():
            operator.publish(names.device_policy("dev-b"), payload, wait_s=5)
            wait_for(lambda kind=kind: kind in (operator.reports["dev-b"].reason or ""),
                     what=f"rejection report for {kind}")
            report = operator.reports["dev-b"]
            assert report.status == "rejected" and report.applied_version == version
            assert dev.agent.applied_version == version
        # Still alive and applying good policy afterwards.
        push_one(operator, paths, "dev-b", {"version": version + 6,
                                            "target": {"device": "dev-b"}})
        wait_for(lambda: dev.agent.applied_version == version + 6, what="recovery")


def test_stale_will_never_overrides_a_fresh_birth(
    paths: FleetPaths, broker: PrivateBroker, operator: OperatorLink
) -> None:
    with running_device(paths, "dev-c", broker) as dev:
        wait_for(lambda: operator.online("dev-c"), what="online")
        # An older session of dev-c (same certificate, other client id) dies uncleanly
        # after the new one announced itself: the broker publishes its will.
        old = raw_client(paths, broker, "dev-c")
        old.will_set(names.device_presence("dev-c"),
                     Presence("dev-c", False, dev.generation - 1).to_bytes(), 1, True)
        old.connect(broker.host, broker.port, keepalive=60)
        old.loop(1.0)
        old.socket().close()  # no DISCONNECT: the broker sends the will
        time.sleep(0.5)
        operator.sync()
        assert operator.online("dev-c")
        # The retained presence ends online again too (the device re-announced itself).
        fresh = OperatorLink(paths, broker.host, broker.port).start()
        try:
            wait_for(lambda: (fresh.sync() or True) and fresh.online("dev-c"), timeout_s=5,
                     what="retained birth")
        finally:
            fresh.stop()


def test_apply_waits_for_the_conversation_to_end(
    paths: FleetPaths, broker: PrivateBroker, operator: OperatorLink
) -> None:
    version = claim(paths)
    with running_device(paths, "dev-a", broker, apply_at_once=False) as dev:
        push_one(operator, paths, "dev-a", {"version": version, "target": {"device": "dev-a"}})
        wait_for(lambda: dev.agent.has_pending, what="staged")
        time.sleep(0.2)
        assert dev.agent.applied_version < version  # mid-conversation: nothing applied
        assert operator.reports["dev-a"].applied_version < version
        dev.agent.apply_pending()  # the pipeline reached IDLE
        wait_for(lambda: operator.reports["dev-a"].applied_version == version, what="report")


# -- rollout -------------------------------------------------------------------------------------


@pytest.fixture
def lab(paths: FleetPaths, broker: PrivateBroker) -> Iterator[list[DeviceLink]]:
    """The lab group, online."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(running_device(paths, d, broker)) for d in LAB]


def test_staged_rollout_converges_then_status(
    paths: FleetPaths, operator: OperatorLink, lab: list[Any]
) -> None:
    wait_for(lambda: all(operator.online(d) for d in LAB), what="lab online")
    hist = history(paths)
    rollout = Rollout(operator, hist, current_signing_key(paths),
                      RolloutPlan(canary_share=0.2, pace_per_s=100, abort_min=3))
    version = hist.next_version()
    result = rollout.push({"version": version, "target": {"group": "lab"}}, LAB, "lab")
    assert result.outcome == "succeeded" and result.counts() == {"applied": 10}
    assert all(o.latency_s is not None and o.latency_s < 2 for o in result.devices.values())
    status = fleet_status(operator, LAB)
    assert status.by_version == {version: 10} and not status.failures and not status.offline
    # Pushing the same version again is refused (compare-and-set).
    with pytest.raises(Exception, match="not above"):
        rollout.push({"version": version, "target": {"group": "lab"}}, LAB, "lab")


def test_failing_rollout_aborts_and_rolls_back(
    paths: FleetPaths, operator: OperatorLink, lab: list[DeviceLink]
) -> None:
    wait_for(lambda: all(operator.online(d) for d in LAB), what="lab online")
    hist = history(paths)
    good = Rollout(operator, hist, current_signing_key(paths),
                   RolloutPlan(canary_share=1.0, abort_min=3))
    baseline = hist.next_version()
    assert good.push({"version": baseline, "target": {"group": "lab"},
                      "routing": {"local_confidence": 0.5}}, LAB, "lab").outcome == "succeeded"
    # A new signing key reached only 6 of 10 devices: 4 reject, the rollout aborts.
    new_key = SigningKey.generate()
    for link in lab[4:]:
        link.agent.trusted.keys[new_key.key_id] = new_key.private.public_key()
    logs: list[str] = []
    bad = Rollout(operator, hist, new_key, RolloutPlan(canary_share=0.5, abort_pct=20,
                                                      abort_min=3, device_timeout_s=5),
                  log=logs.append)
    version = hist.next_version()
    result = bad.push({"version": version, "target": {"group": "lab"},
                       "routing": {"local_confidence": 0.99}}, LAB, "lab")
    assert result.outcome == "aborted", logs
    assert "unknown_key" in result.abort_reason
    assert len(result.devices) <= 6  # the rest of the group never got it
    assert result.rollback_version is not None and result.rollback_version > version
    status = fleet_status(operator, LAB)
    assert set(status.by_version) <= {baseline, result.rollback_version}, status.render()
    assert any("unknown_key" in why for why in status.failures.values())
    for link in lab:  # every device runs the baseline's content again
        assert link.agent.applied is not None
        assert link.agent.applied.policy.routing.local_confidence == 0.5
    assert hist.good_documents("group:lab")[-1][0] == result.rollback_version


# -- memory ------------------------------------------------------------------------------------


def test_forget_reaches_a_device_that_was_offline(
    paths: FleetPaths, broker: PrivateBroker, operator: OperatorLink, tmp_path: Path
) -> None:
    cloud = OperatorLink(paths, broker.host, broker.port, identity=names.CLOUD,
                         watch=False).start()
    try:
        store = MemoryStore(publish=lambda t, p: cloud.publish(t, p, wait_s=5),
                            key=current_signing_key(paths))
        store.remember("alice", "coffee", "black")
        store.remember("alice", "home", "Berlin", ttl_s=3600)
        with running_device(paths, "dev-c", broker, tmp_path) as dev:
            assert dev.memory is not None
            wait_for(lambda: set(dev.memory.facts("alice")) == {"coffee", "home"},
                     what="memory synced")
        store.forget("alice", "coffee")  # dev-c is offline now
        store.remember("alice", "tea", "green")
        offline_cache = dev.memory.facts("alice")
        assert "coffee" in offline_cache  # its cache still works offline
        with running_device(paths, "dev-c", broker, tmp_path) as dev:
            assert dev.memory is not None
            wait_for(lambda: set(dev.memory.facts("alice")) == {"home", "tea"},
                     what="forget after reconnect")
    finally:
        cloud.stop()


def test_device_cannot_publish_memory(paths: FleetPaths, broker: PrivateBroker,
                                      operator: OperatorLink) -> None:
    seen = threading.Event()
    watcher = raw_client(paths, broker, names.CLOUD)
    watcher.on_message = lambda c, u, m: seen.set() if b"evil" in m.payload else None
    watcher.connect(broker.host, broker.port)
    watcher.subscribe(names.user_memory("alice"), 1)
    watcher.loop_start()
    client = raw_client(paths, broker, "dev-a")
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        client.publish(names.user_memory("alice"), b'{"evil": 1}', 1).wait_for_publish(5)
        assert not seen.wait(0.5)
    finally:
        for c in (client, watcher):
            c.disconnect()
            c.loop_stop()
