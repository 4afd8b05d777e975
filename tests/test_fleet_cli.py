"""`tandem pki ...` and `tandem fleet ...` end to end against a private broker."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509

from app.cli import main
from app.fleet_testing import running_device, wait_for
from cloud.fleet.broker import PrivateBroker
from cloud.fleet.pki import FleetPaths


def test_pki_and_fleet_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fleet = tmp_path / "fleet"
    common = ["--fleet-dir", str(fleet)]
    assert main(["pki", "init", *common]) == 0
    assert main(["pki", "init", *common]) == 2  # refuses to overwrite a CA
    for device, user in (("dev-1", "alice"), ("dev-2", "bob")):
        assert main(["pki", "issue", device, "--group", "kitchen", "--user", user, *common]) == 0
    assert main(["pki", "issue", "fleet.operator", *common]) == 2  # reserved identity
    assert (fleet / "devices" / "dev-1" / "device.key").exists()
    paths = FleetPaths(fleet)
    # Certificate files carry their chain (leaf, then the fleet CA) for TLS to send as is.
    for cert_file in (paths.client_cert("dev-1"), paths.server_cert):
        leaf, ca = x509.load_pem_x509_certificates(cert_file.read_bytes())
        assert ca == x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
        assert leaf.issuer == ca.subject and leaf.subject != ca.subject
    policy = tmp_path / "policy.yaml"
    with PrivateBroker(paths) as broker:
        net = [*common, "--broker", f"{broker.host}:{broker.port}"]
        try:
            with running_device(paths, "dev-1", broker) as d1, \
                    running_device(paths, "dev-2", broker) as d2:
                for version, confidence in ((1, 0.6), (2, 0.8)):
                    policy.write_text(f"version: {version}\nrouting:\n"
                                      f"  local_confidence: {confidence}\n")
                    assert main(["fleet", "push", str(policy), "--group", "kitchen",
                                 "--abort-min", "1", *net]) == 0
                assert d1.agent.applied_version == 2 and d2.agent.applied_version == 2
                assert main(["fleet", "push", str(policy), "--group", "kitchen", *net]) == 2
                assert "not above the latest pushed version 2" in capsys.readouterr().err
                policy.write_text("version: 9\nrouting: {local_confidence: high}\n")
                assert main(["fleet", "push", str(policy), "--group", "kitchen", *net]) == 2
                assert "routing.local_confidence: must be a number" in capsys.readouterr().err
                assert main(["fleet", "rollback", "--group", "kitchen", *net]) == 0
                wait_for(lambda: d1.agent.applied_version == 3, what="rollback applied")
                assert d1.agent.applied is not None
                assert d1.agent.applied.policy.routing.local_confidence == 0.6
                capsys.readouterr()
                assert main(["fleet", "status", "--group", "kitchen", *net]) == 0
                out = capsys.readouterr().out
                assert "v3                2" in out and "failures: 0" in out
                assert main(["fleet", "remember", "alice", "coffee", "black", *net]) == 0
                assert d1.memory is not None and d2.memory is not None
                wait_for(lambda: "coffee" in d1.memory.facts("alice"), what="memory")  # type: ignore[union-attr]
                assert main(["fleet", "forget", "alice", "coffee", *net]) == 0
                wait_for(lambda: not d1.memory.facts("alice"), what="forgotten")  # type: ignore[union-attr]
                assert d2.memory.facts("alice") == {}  # bob's device never sees alice's memory
            capsys.readouterr()
            assert main(["fleet", "status", *net]) == 0
            assert "offline: 2" in capsys.readouterr().out
        except BaseException:
            print(broker.log_text())
            raise


def test_pki_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cryptography import x509

    from cloud.fleet.pki import revoked_serials
    from cloud.fleet.registry import Registry

    common = ["--fleet-dir", str(tmp_path / "fleet")]
    assert main(["pki", "init", *common]) == 0
    paths = FleetPaths(tmp_path / "fleet")
    assert revoked_serials(paths) == set()  # a fresh fleet has an empty CRL for the broker
    for device in ("dev-1", "dev-2"):
        assert main(["pki", "issue", device, "--group", "kitchen", *common]) == 0
    capsys.readouterr()
    assert main(["pki", "revoke", "dev-9", *common]) == 2
    assert "no certificate for dev-9" in capsys.readouterr().err
    assert main(["pki", "revoke", "dev-1", *common]) == 0
    serial = x509.load_pem_x509_certificate(paths.client_cert("dev-1").read_bytes()).serial_number
    assert revoked_serials(paths) == {serial}
    assert set(Registry.load(paths.registry).devices) == {"dev-2"}
    assert main(["pki", "revoke", "dev-2", *common]) == 0  # the list grows
    assert len(revoked_serials(paths)) == 2
