"""`tandem edge run --fleet`: the real daemon takes its policy from the fleet broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from cloud.fleet.broker import PrivateBroker
from cloud.fleet.pki import FleetPaths
from edge.audio.wavfile import write_wav
from edge.fleet.device import BLOCKED_REPLY

pytestmark = pytest.mark.slow


def test_edge_run_applies_the_pushed_policy_and_keeps_it_offline(
    tmp_path: Path, speech: dict[str, np.ndarray]
) -> None:
    fleet = tmp_path / "fleet"
    common = ["--fleet-dir", str(fleet)]
    assert main(["pki", "init", *common]) == 0
    assert main(["pki", "issue", "car-1", "--group", "cars", *common]) == 0
    bundle = fleet / "devices" / "car-1"
    wav = tmp_path / "lights.wav"
    write_wav(wav, speech["lights"], 16_000)
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nintents:\n  blocked: [HassTurnOn]\n")

    def edge_run(broker: str) -> tuple[dict, str]:
        trace = tmp_path / "trace.jsonl"
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "edge", "run", "--input", str(wav),
             "--output", str(tmp_path / "reply.wav"), "--trace", str(trace), "--offline",
             "--realtime", "--fleet", str(bundle), "--broker", broker],
            capture_output=True, text=True, timeout=120, env=os.environ.copy(), check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(trace.read_text().splitlines()[0]), result.stderr

    with PrivateBroker(FleetPaths(fleet)) as broker:
        target = f"{broker.host}:{broker.port}"
        try:
            assert main(["fleet", "push", str(policy), "--group", "cars", *common,
                         "--broker", target]) == 0
            record, _ = edge_run(target)
        except BaseException:
            print(broker.log_text())
            raise
    assert record["intent"] == "HassTurnOn" and record["reply_text"] == BLOCKED_REPLY
    # The policy persisted on the device: with the broker gone it still holds.
    record, stderr = edge_run(target)
    assert "not reachable" in stderr
    assert record["reply_text"] == BLOCKED_REPLY


def test_edge_run_asks_the_cloud_over_mtls_with_its_device_certificate(
    tmp_path: Path, speech: dict[str, np.ndarray], tiny_gguf: Path
) -> None:
    from contract.ports import free_port
    from edge.local_cloud import local_cloud

    fleet = tmp_path / "fleet"
    assert main(["pki", "init", "--fleet-dir", str(fleet)]) == 0
    assert main(["pki", "issue", "car-2", "--fleet-dir", str(fleet)]) == 0
    bundle = fleet / "devices" / "car-2"
    wav = tmp_path / "sky.wav"
    write_wav(wav, speech["sky"], 16_000)
    trace = tmp_path / "trace.jsonl"
    with local_cloud(tiny_gguf, fleet_dir=fleet, device_bundle=bundle) as target:
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "edge", "run", "--input", str(wav),
             "--output", str(tmp_path / "reply.wav"), "--trace", str(trace), "--cloud", target,
             "--cloud-deadline", "30", "--fleet", str(bundle),
             "--broker", f"127.0.0.1:{free_port()}"],  # no broker: the cloud still works
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        plain = subprocess.run(  # the same server refuses a device without a certificate
            [sys.executable, "-m", "app.cli", "edge", "run", "--input", str(wav),
             "--output", str(tmp_path / "plain.wav"), "--trace", str(tmp_path / "plain.jsonl"),
             "--cloud", target],
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert plain.returncode == 0, plain.stderr[-2000:]
    record = json.loads(trace.read_text().splitlines()[0])
    assert (record["route"], record["error"]) == ("cloud", None)
    assert record["reply_text"].strip()
    refused = json.loads((tmp_path / "plain.jsonl").read_text().splitlines()[0])
    assert refused["route"] == "cloud" and refused["error"] is not None


def test_edge_run_refuses_a_missing_bundle(tmp_path: Path) -> None:
    wav = tmp_path / "quiet.wav"
    write_wav(wav, np.zeros(1600, np.int16), 16_000)
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "edge", "run", "--input", str(wav), "--output",
         str(tmp_path / "o.wav"), "--offline", "--fleet", str(tmp_path / "nope")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"tandem: error: {tmp_path / 'nope'} is not a device bundle; "
        "create one with `tandem pki issue`"
    )


def test_edge_run_names_an_expired_device_certificate_and_its_fix(tmp_path: Path) -> None:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    common = ["--fleet-dir", str(tmp_path / "fleet")]
    assert main(["pki", "init", *common]) == 0
    assert main(["pki", "issue", "car-9", *common]) == 0
    bundle = tmp_path / "fleet" / "devices" / "car-9"
    key = serialization.load_pem_private_key((bundle / "device.key").read_bytes(), None)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "car-9")])
    now = dt.datetime.now(dt.UTC)
    expired = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.public_key()).serial_number(9)  # type: ignore[arg-type]
               .not_valid_before(now - dt.timedelta(days=400))
               .not_valid_after(now - dt.timedelta(days=3))
               .sign(key, None if isinstance(key, ed25519.Ed25519PrivateKey)  # type: ignore[arg-type]
                     else hashes.SHA256()))
    (bundle / "device.crt").write_bytes(expired.public_bytes(serialization.Encoding.PEM))
    wav = tmp_path / "quiet.wav"
    write_wav(wav, np.zeros(1600, np.int16), 16_000)
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "edge", "run", "--input", str(wav), "--output",
         str(tmp_path / "o.wav"), "--offline", "--fleet", str(bundle),
         "--broker", "127.0.0.1:1"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]  # it still works, offline
    warning = next(line for line in result.stderr.splitlines() if "certificate" in line)
    assert "expired on" in warning and "tandem pki issue" in warning, warning

