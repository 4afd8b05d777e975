"""The fleet broker, hardened: where it listens, packet and queue limits, revocation at once.

Real Mosquitto from the generated config, real paho clients; each wait has a generous
timeout and every assertion is about what arrived or was refused, never about time.
"""

from __future__ import annotations

import json
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from app.cli import main
from app.fleet_testing import make_fleet, running_device, wait_for
from cloud.fleet.broker import (
    MAX_PACKET_BYTES,
    BrokerError,
    BrokerLimits,
    Listen,
    PrivateBroker,
    render_config,
)
from cloud.fleet.operator import OperatorLink
from cloud.fleet.pki import FleetPaths, current_signing_key, revoke_device, server_names
from contract.fleet import names
from contract.fleet.memory import MAX_SNAPSHOT_BYTES
from contract.fleet.policy import sign_policy
from contract.ports import free_port

DEVICES: dict[str, tuple[list[str], str | None]] = {
    d: (["lab"], None) for d in ("dev-a", "dev-b", "dev-q", "dev-x", "dev-y", "dev-z")}


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> FleetPaths:
    return make_fleet(tmp_path_factory.mktemp("fleet"), DEVICES)


@pytest.fixture(scope="module")
def broker(paths: FleetPaths, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateBroker]:
    with PrivateBroker(paths, tmp_path_factory.mktemp("broker")) as broker:
        try:
            yield broker
        finally:
            print(broker.log_text(200))


class Raw:
    """A paho client with a device's certificate that records what happens to it."""

    def __init__(self, paths: FleetPaths, broker: PrivateBroker, cn: str,
                 client_id: str | None = None, clean: bool = True) -> None:
        self.messages: list[bytes] = []
        self.disconnects = 0
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.broker = broker
        self.client_id = client_id or f"raw-{cn}-{time.time_ns()}"
        client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311,
                             client_id=self.client_id,
                             clean_session=clean)
        ctx = ssl.create_default_context(cafile=str(paths.ca_cert))
        ctx.load_cert_chain(str(paths.client_cert(cn)), str(paths.client_key(cn)))
        client.tls_set_context(ctx)
        client.on_connect = lambda c, u, f, rc, p: self.connected.set()
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = lambda c, u, mid, rc, p: self.subscribed.set()
        client.on_message = lambda c, u, m: self.messages.append(bytes(m.payload))
        self.client = client

    def _on_disconnect(self, *args: object) -> None:
        self.disconnects += 1
        self.connected.clear()

    def start(self) -> Raw:
        self.client.connect(self.broker.host, self.broker.port, keepalive=30)
        self.client.loop_start()
        if not self.connected.wait(10):
            raise TimeoutError(f"raw client did not connect\n{self.broker.log_text()}")
        return self

    def subscribe(self, topic: str) -> None:
        self.subscribed.clear()
        self.client.subscribe(topic, 1)
        assert self.subscribed.wait(10)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def local_address() -> str | None:
    """An address of this machine that is not loopback (none in an isolated sandbox)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # UDP: picks a route, sends nothing
        except OSError:
            return None
        address = str(sock.getsockname()[0])
    return None if address.startswith("127.") else address


# -- where it listens ------------------------------------------------------------------------


def test_listen_addresses_parse_and_bad_ones_are_one_line() -> None:
    assert Listen.parse("0.0.0.0:8883") == Listen("0.0.0.0", 8883)
    assert Listen.parse("[::]:8883").connect_host == "::1"
    assert Listen.parse("0.0.0.0:1").connect_host == "127.0.0.1"
    assert Listen.parse("8884") == Listen("127.0.0.1", 8884)
    for bad, why in (("127.0.0.1:0", "port from 1 to 65535"), ("127.0.0.1:http", "port"),
                     ("broker.local:8883", "an IP address of this machine")):
        with pytest.raises(BrokerError, match=why) as info:
            Listen.parse(bad)
        assert "\n" not in str(info.value)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(BrokerError) as info:
            Listen("127.0.0.1", port).check_free()
        assert str(info.value) == (f"cannot listen on 127.0.0.1:{port}: Address already in "
                                   "use (another broker? choose another port)")
    with pytest.raises(BrokerError, match="no interface of this machine has it"):
        Listen("198.51.100.7", free_port()).check_free()  # TEST-NET-2: nobody's address


def test_cli_refuses_a_bad_listen_address_in_one_line(
        paths: FleetPaths, capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--fleet-dir", str(paths.root)]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["fleet", "broker", "--listen", f"127.0.0.1:{port}", *common]) == 2
    err = capsys.readouterr().err
    assert err == (f"tandem: error: cannot listen on 127.0.0.1:{port}: Address already in use "
                   "(another broker? choose another port)\n")
    assert main(["fleet", "broker", "--listen", "127.0.0.1:99999", *common]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_config_names_the_limits_and_the_listener(paths: FleetPaths, tmp_path: Path) -> None:
    text = render_config(paths, Listen("0.0.0.0", 8883), tmp_path / "acl", tmp_path,
                         tmp_path / "log", BrokerLimits(), tmp_path / "dynsec.json")
    lines = text.splitlines()
    assert "listener 8883 0.0.0.0" in lines
    assert sum(line.startswith("listener") for line in lines) == 1  # no plain-TCP listener
    assert "require_certificate true" in lines and f"cafile {paths.ca_cert}" in lines
    assert f"max_packet_size {MAX_PACKET_BYTES}" in lines
    assert "max_queued_messages 10000" in lines and "max_queued_bytes 16777216" in lines
    assert any(line.startswith("plugin ") for line in lines)
    with pytest.raises(ValueError, match="max_queued_bytes"):
        BrokerLimits(max_queued_bytes=0)


@pytest.mark.parametrize("where", ["127.0.0.2", "this machine's network address"])
def test_broker_listens_where_told_and_only_there(tmp_path: Path, where: str) -> None:
    host = where if where[0].isdigit() else local_address()
    if host is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    paths = make_fleet(tmp_path / "fleet", {"dev-a": (["g"], None), "dev-b": (["g"], None)})
    assert host not in server_names(paths)
    with PrivateBroker(paths, tmp_path / "broker", host=host,
                       server_names=["broker.example.net"]) as broker:
        assert broker.host == host
        # Its certificate now names the address (and the name) devices connect by,
        # so they verify it as they would any server.
        assert {host, "broker.example.net", "localhost"} <= server_names(paths)
        with running_device(paths, "dev-a", broker) as device, \
                OperatorLink(paths, broker.host, broker.port) as operator:
            operator.publish(names.device_policy("dev-a"), sign_policy(
                {"version": 1, "target": {"device": "dev-a"}}, current_signing_key(paths)),
                wait_s=5)
            wait_for(lambda: device.agent.applied_version == 1, what="policy over " + host)
        # Nothing listens on loopback at that port.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", broker.port), timeout=5).close()
        # TLS is not optional there either: no certificate, no session.
        raw = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="anonymous")
        raw.tls_set_context(ssl.create_default_context(cafile=str(paths.ca_cert)))
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            raw.connect(broker.host, broker.port)
            raw.loop(1.0)
            raw.loop(1.0)
            if not raw.is_connected():
                raise ConnectionError("refused")


# -- packet and queue limits ------------------------------------------------------------------


def test_oversize_packet_disconnects_its_sender_and_the_fleet_goes_on(
        paths: FleetPaths, broker: PrivateBroker) -> None:
    report = names.device_report("dev-b")
    with running_device(paths, "dev-a", broker) as good, \
            OperatorLink(paths, broker.host, broker.port) as operator:
        sender = Raw(paths, broker, "dev-b").start()
        try:
            sender.subscribe(report)  # its own topic: it reads back what the broker took
            # The largest document the contract allows gets through ...
            sender.client.publish(report, b"m" * MAX_SNAPSHOT_BYTES, qos=1).wait_for_publish(10)
            wait_for(lambda: len(sender.messages) == 1, what="the largest legal payload")
            # ... one byte past the broker's packet limit does not, and costs the connection.
            sender.client.publish(report, b"x" * MAX_PACKET_BYTES, qos=0)
            wait_for(lambda: sender.disconnects == 1, what="the oversize sender cut off")
            sender.client.loop_stop()  # stay off: paho would reconnect
            assert all(not m.startswith(b"x") for m in sender.messages)
            # Every other device still gets its policy.
            operator.publish(names.device_policy("dev-a"), sign_policy(
                {"version": 7, "target": {"device": "dev-a"}}, current_signing_key(paths)),
                wait_s=5)
            wait_for(lambda: good.agent.applied_version == 7, what="policy after the oversize")
            assert good.connects == 1
        finally:
            sender.stop()
    assert f"{sender.client_id} disconnected due to oversize packet" in broker.log_text(400)


@pytest.mark.parametrize(("limits", "size", "kept"), [
    (BrokerLimits(max_queued_messages=5), 100, 5),
    (BrokerLimits(max_queued_bytes=3000), 1000, 3),
])
def test_an_offline_clients_queue_is_bounded(tmp_path: Path, limits: BrokerLimits, size: int,
                                            kept: int) -> None:
    paths = make_fleet(tmp_path / "fleet", {"dev-q": (["g"], None)})
    topic = names.device_policy("dev-q")  # readable by dev-q alone
    with PrivateBroker(paths, tmp_path / "broker", limits=limits) as broker, \
            OperatorLink(paths, broker.host, broker.port) as operator:
        slow = Raw(paths, broker, "dev-q", client_id="dev-q-persistent", clean=False).start()
        slow.subscribe(topic)
        slow.stop()  # offline; its session (and a queue) stays on the broker
        for i in range(20):
            operator.publish(topic, b"%02d" % i + b"." * (size - 2), retain=False, wait_s=5)
        back = Raw(paths, broker, "dev-q", client_id="dev-q-persistent", clean=False).start()
        try:
            operator.publish(topic, b"end", retain=False, wait_s=5)  # after the queued ones
            wait_for(lambda: b"end" in back.messages, what="the queue, then the marker")
            queued = [m[:2] for m in back.messages if m != b"end"]
            assert queued == [b"%02d" % i for i in range(kept)]  # the oldest; the rest dropped
        finally:
            back.stop()
    assert "Outgoing messages are being dropped for client dev-q-persistent" in broker.log_text()


# -- revocation -------------------------------------------------------------------------------


def test_revoked_device_is_disconnected_at_once_and_stays_out(
        paths: FleetPaths, broker: PrivateBroker) -> None:
    with running_device(paths, "dev-x", broker) as revoked, \
            running_device(paths, "dev-y", broker) as other, \
            OperatorLink(paths, broker.host, broker.port) as operator:
        second = Raw(paths, broker, "dev-x").start()  # a second connection of the same identity
        try:
            revoke_device(paths, "dev-x")
            started = time.monotonic()
            assert broker.reload_acl() == {"dev-x"}
            wait_for(lambda: not revoked.connected.is_set() and second.disconnects >= 1,
                     timeout_s=10, what="dev-x disconnected")
            print(f"revoke -> disconnected in {time.monotonic() - started:.3f} s")
        finally:
            second.stop()
        assert f"Client {second.client_id} been disconnected by administrative action" \
            in broker.log_text(400)
        # The other device kept its one session and still takes policy.
        operator.publish(names.device_policy("dev-y"), sign_policy(
            {"version": 3, "target": {"device": "dev-y"}}, current_signing_key(paths)), wait_s=5)
        wait_for(lambda: other.agent.applied_version == 3, what="dev-y still served")
        assert other.connects == 1 and other.connected.is_set()
        # dev-x keeps retrying; the CRL refuses every handshake.
        wait_for(lambda: broker.log_text(400).count("certificate verify failed") >= 1,
                 what="dev-x's retry refused")
        assert revoked.connects == 1
    with pytest.raises(TimeoutError, match="did not connect"), \
            running_device(paths, "dev-x", broker, connect_timeout_s=3):
        pass


def test_a_device_cannot_disconnect_another(paths: FleetPaths, broker: PrivateBroker) -> None:
    target = Raw(paths, broker, "dev-z").start()
    attacker = Raw(paths, broker, "dev-a").start()
    try:
        command = {"commands": [{"command": "createClient", "username": "dev-z"},
                                {"command": "deleteClient", "username": "dev-z"}]}
        attacker.subscribe("$CONTROL/dynamic-security/v1/response")
        attacker.client.publish("$CONTROL/dynamic-security/v1", json.dumps(command),
                                qos=1).wait_for_publish(10)
        # A round trip on the target's own connection after the broker handled the command.
        target.subscribe(names.device_report("dev-z"))
        target.client.publish(names.device_report("dev-z"), b"still here", qos=1)
        wait_for(lambda: b"still here" in target.messages, what="dev-z's own round trip")
        assert target.disconnects == 0 and attacker.disconnects == 0
        assert attacker.messages == []  # no answer from the plugin either
        assert "dynsec: raw-dev-a" not in broker.log_text(400)
    finally:
        target.stop()
        attacker.stop()


def test_pki_revoke_tells_the_running_broker(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    fleet = tmp_path / "fleet"
    paths = make_fleet(fleet, {"dev-x": (["g"], None), "dev-y": (["g"], None)})
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "fleet", "broker", "--listen", f"127.0.0.1:{port}",
         "--fleet-dir", str(fleet)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    view = PrivateBroker(paths, fleet / "broker", port=port)  # that broker, through its files
    try:
        wait_for(lambda: (fleet / "broker.json").exists() or proc.poll() is not None,
                 timeout_s=30, what="`tandem fleet broker` up")
        assert proc.poll() is None
        record = json.loads((fleet / "broker.json").read_text())
        assert (record["host"], record["port"], record["pid"]) == ("127.0.0.1", port, proc.pid)
        with running_device(paths, "dev-x", view) as revoked, \
                running_device(paths, "dev-y", view) as other:
            capsys.readouterr()
            assert main(["pki", "revoke", "dev-x", "--fleet-dir", str(fleet)]) == 0
            assert "closed the device's open connections" in capsys.readouterr().out
            wait_for(lambda: not revoked.connected.is_set(), what="dev-x disconnected")
            # It retries (the registry no longer lists it); the CRL refuses the handshake.
            wait_for(lambda: "certificate verify failed" in view.log_text(), what="retry refused")
            assert revoked.connects == 1
            assert other.connected.is_set() and other.connects == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=30)[0].decode()
        print(out)
    assert proc.returncode == 0
    assert "1 revoked identities disconnected and refused" in out
    assert not (fleet / "broker.json").exists()
    # With no broker running, revoke says so and still revokes.
    assert main(["pki", "revoke", "dev-y", "--fleet-dir", str(fleet)]) == 0
    assert "no `tandem fleet broker` runs" in capsys.readouterr().out
