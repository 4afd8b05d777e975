"""`tandem doctor`: each check on a working part and on a broken one, with its fix."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from edge.audio.testing import virtual_sound_card
from edge.doctor import (
    FAIL,
    OK,
    WARN,
    Targets,
    check_broker,
    check_certificate,
    check_clock,
    check_cloud,
    check_models,
    report,
    run_checks,
    targets_from,
)
from tests.test_cli import tandem

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def bundle_with_certificate(folder: Path, start: dt.datetime, end: dt.datetime) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dev-7")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7)
            .not_valid_before(start).not_valid_after(end).sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    from cryptography.hazmat.primitives.serialization import Encoding

    (folder / "device.crt").write_bytes(cert.public_bytes(Encoding.PEM))
    return folder


@pytest.mark.parametrize(("start", "end", "status", "words"), [
    (NOW - dt.timedelta(days=10), NOW + dt.timedelta(days=300), OK, "valid until 2027"),
    (NOW - dt.timedelta(days=10), NOW + dt.timedelta(days=5), WARN, "(5 days)"),
    (NOW - dt.timedelta(days=400), NOW - dt.timedelta(days=1), FAIL, "expired on 2026-11-29"),
    (NOW + dt.timedelta(days=2), NOW + dt.timedelta(days=300), FAIL, "valid only from"),
])
def test_the_certificate_is_valid_now(tmp_path: Path, start: dt.datetime, end: dt.datetime,
                                      status: str, words: str) -> None:
    (finding,) = check_certificate(bundle_with_certificate(tmp_path / "b", start, end), NOW)
    assert finding.status == status and words in finding.detail, finding
    assert finding.status == OK or "tandem pki issue" in finding.fix or "clock" in finding.fix


def test_a_missing_bundle_and_an_unset_clock_name_their_fix(tmp_path: Path) -> None:
    (missing,) = check_certificate(tmp_path / "nothing")
    assert missing.status == FAIL and "tandem pki issue" in missing.fix
    (unset,) = check_clock(dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    assert unset.status == FAIL and "1970-01-01" in unset.detail and "clock" in unset.fix
    assert check_clock(NOW)[0].status == OK


def test_a_broker_that_answers_and_one_that_does_not() -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        assert check_broker(f"127.0.0.1:{port}")[0].status == OK
    (closed,) = check_broker(f"127.0.0.1:{port}")
    assert closed.status == FAIL and "tandem fleet broker" in closed.fix


@pytest.mark.slow
def test_the_cloud_serving_and_a_cloud_that_is_not_there(cloud_target: str) -> None:
    (up,) = check_cloud(cloud_target, None)
    assert (up.status, up.detail) == (OK, f"{cloud_target} is SERVING")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    (down,) = check_cloud(f"127.0.0.1:{free}", None)
    assert down.status == FAIL and "UNAVAILABLE" in down.detail


def test_a_model_file_that_is_not_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_MODEL_HEY_JARVIS", str(tmp_path / "mine.onnx"))
    findings = check_models()
    assert [f.status for f in findings] == [FAIL]
    assert "TANDEM_MODEL_HEY_JARVIS" in findings[0].detail and "mine.onnx" in findings[0].detail


def test_targets_come_from_the_edge_config_file(tmp_path: Path) -> None:
    config = tmp_path / "edge.toml"
    config.write_text('input = "mic"\ncloud = "10.0.0.2:50051"\nfleet = "/opt/b"\n'
                      'broker = "10.0.0.3:8883"\n')
    assert targets_from(config, None, None, None) == Targets(
        "10.0.0.2:50051", "10.0.0.3:8883", Path("/opt/b"))
    assert targets_from(config, "1.2.3.4:1", None, None).cloud == "1.2.3.4:1"  # option wins


def test_the_report_and_its_exit_status() -> None:
    findings = run_checks(Targets(), audio=False)
    text, status = report(findings)
    assert status == 0 and text.splitlines()[-1] == "tandem doctor: ready", text
    assert {f.check for f in findings} == {"models", "kernels", "clock"}
    bad = [*findings, *check_clock(dt.datetime(1970, 1, 1, tzinfo=dt.UTC))]
    text, status = report(bad)
    assert status == 1 and "FAIL  clock" in text and "-> fix: set the clock" in text


@pytest.mark.slow
def test_doctor_records_and_plays_on_a_sound_card(tmp_path: Path) -> None:
    mic = (np.sin(np.arange(16_000) / 5) * 3000).astype(np.int16)
    env, speaker = virtual_sound_card(tmp_path, mic)
    result = tandem("doctor", env=env)
    out = result.stdout.decode()
    assert result.returncode == 0, out + result.stderr.decode()[-1500:]
    assert "ok    record" in out and "dBFS" in out and "ok    play" in out, out
    assert speaker.stat().st_size > 0  # the chime reached the "speaker"
    # A default device that is not there (card 99): a FAIL, and how to fix it.
    gone = tmp_path / "gone.conf"
    gone.write_text(Path("/usr/share/alsa/alsa.conf").read_text()
                    + "pcm.!default { type hw card 99 }\nctl.!default { type hw card 99 }\n")
    result = tandem("doctor", env={"ALSA_CONFIG_PATH": str(gone)})
    out = result.stdout.decode()
    assert result.returncode == 1 and "FAIL" in out and "arecord" in out, out
