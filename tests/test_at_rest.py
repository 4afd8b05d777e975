"""Encryption at rest (issue 16 item 3): kept audio, the memory cache and the audit log are
sealed under the device's own key, and the device's bundle opens them again."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from contract.errors import TandemError
from contract.fleet.memory import FORMAT
from edge.actions.audit import AuditLog
from edge.at_rest import AUDIO, MEMORY, SECRET_FILE, SealedFileError, SealingKey, is_sealed
from edge.audio.keeper import AudioKeeper
from edge.audio.wavfile import read_wav
from edge.fleet.device import FleetDevice
from edge.fleet.store import DeviceStore

SNAPSHOTS = {"alice": {"format": FORMAT, "user": "alice", "rev": 3, "tombstones": {},
                       "facts": {"doctor": {"value": "Dr Okafor on Tuesday", "version": 1}}}}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fleet = tmp_path_factory.mktemp("fleet")
    assert main(["pki", "init", "--fleet-dir", str(fleet)]) == 0
    assert main(["pki", "issue", "spk-1", "--fleet-dir", str(fleet)]) == 0
    return fleet / "devices" / "spk-1"


def test_sealed_data_opens_only_with_its_key_and_label(tmp_path: Path) -> None:
    key = SealingKey.for_device(None, tmp_path)
    blob = key.seal(b"my pin is 4711", MEMORY)
    assert is_sealed(blob) and b"4711" not in blob
    assert key.open(blob, MEMORY) == b"my pin is 4711"
    with pytest.raises(SealedFileError):
        key.open(blob, AUDIO)  # a memory cache cannot pass for a recording
    with pytest.raises(SealedFileError):
        SealingKey.for_device(None, tmp_path / "other").open(blob, MEMORY)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(SealedFileError, match="damaged"):
        key.open(tampered, MEMORY)
    assert "key=" not in repr(key) and repr(key.key) not in repr(key)


def test_the_state_secret_is_made_once_and_private(tmp_path: Path) -> None:
    first = SealingKey.for_device(None, tmp_path)
    secret = tmp_path / SECRET_FILE
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert SealingKey.for_device(None, tmp_path).key == first.key
    secret.write_bytes(b"short")
    with pytest.raises(TandemError, match="32-byte"):
        SealingKey.for_device(None, tmp_path)


def test_a_fleet_device_key_comes_from_its_bundle(bundle: Path, tmp_path: Path) -> None:
    from_bundle = SealingKey.for_device(bundle / "device.key", tmp_path)
    assert from_bundle.key == SealingKey.for_device(bundle / "device.key", tmp_path / "x").key
    assert from_bundle.key != SealingKey.for_device(None, tmp_path).key
    with pytest.raises(TandemError, match="pki issue"):
        SealingKey.for_device(tmp_path / "missing.key", tmp_path)


def test_the_memory_cache_is_sealed_and_survives_a_restart(tmp_path: Path) -> None:
    key = SealingKey.for_device(None, tmp_path)
    store = DeviceStore(tmp_path / "state", key)
    store.save_memory(SNAPSHOTS)
    assert b"Okafor" not in store.memory_path.read_bytes()
    assert DeviceStore(tmp_path / "state", key).load_memory() == SNAPSHOTS
    # Another key, or none, reads an empty cache (the broker refills it), not garbage.
    assert DeviceStore(tmp_path / "state", SealingKey.for_device(None, tmp_path / "o")) \
        .load_memory() == {}
    assert DeviceStore(tmp_path / "state").load_memory() == {}


def test_a_cache_from_before_sealing_is_read_then_sealed(tmp_path: Path) -> None:
    DeviceStore(tmp_path).save_memory(SNAPSHOTS)  # written unsealed
    store = DeviceStore(tmp_path, SealingKey.for_device(None, tmp_path))
    assert store.load_memory() == SNAPSHOTS
    store.save_memory(store.load_memory())
    assert is_sealed(store.memory_path.read_bytes())


def test_kept_audio_is_sealed_and_unseals_to_the_recording(tmp_path: Path,
                                                          capsysbinary: pytest.CaptureFixture
                                                          ) -> None:
    state = tmp_path / "state"
    keeper = AudioKeeper(tmp_path / "audio", max_files=2,
                         sealing=SealingKey.for_device(None, state))
    samples = (np.sin(np.arange(1600) / 5) * 8000).astype(np.int16)
    paths = [keeper.keep("s", turn, samples) for turn in range(3)]
    assert [p.name for p in keeper.kept()] == [p.name for p in paths[1:]]
    assert paths[-1].name.endswith(".wav.sealed")
    assert samples.tobytes() not in paths[-1].read_bytes()
    out = tmp_path / "back.wav"
    assert main(["edge", "unseal", str(paths[-1]), "--state-dir", str(state),
                 "--out", str(out)]) == 0
    np.testing.assert_array_equal(read_wav(out), samples)
    assert keeper.purge() == 2 and keeper.kept() == []


def test_the_audit_log_keeps_bodies_sealed_and_its_chain(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    state = tmp_path / "state"
    db = state / "audit.db"
    state.mkdir()
    log = AuditLog(db, sealing=SealingKey.for_device(None, state))
    log.append("dev", "s1", 1, "utterance", {"text": "unlock the door for Marguerite"})
    log.append("dev", "s1", 1, "result", {"ok": True}, action_key="k1")
    assert log.verify() is None
    assert log.result_of("k1") == {"ok": True}
    assert log.entries()[0].body == {"text": "unlock the door for Marguerite"}
    log.close()
    raw = b"".join(p.read_bytes() for p in state.glob("audit.db*"))
    assert b"Marguerite" not in raw

    unkeyed = AuditLog(db)
    assert unkeyed.verify() is None  # the chain covers the sealed text: no key needed
    with pytest.raises(SealedFileError):
        unkeyed.entries()
    unkeyed.close()

    assert main(["edge", "unseal", str(db), "--state-dir", str(state)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["kind"] for line in lines] == ["utterance", "result"]
    assert lines[0]["body"]["text"] == "unlock the door for Marguerite"
    other = tmp_path / "other"
    SealingKey.for_device(None, other)
    assert main(["edge", "unseal", str(db), "--state-dir", str(other)]) == 2
    assert "another device's key" in capsys.readouterr().err
    assert main(["edge", "unseal", str(db), "--state-dir", str(tmp_path / "none")]) == 2
    assert "no at-rest.key" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()  # reading never makes a key


def test_a_fleet_device_seals_with_its_bundle_and_the_operator_can_open_it(
        bundle: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture) -> None:
    device = FleetDevice.from_bundle(bundle, "127.0.0.1:1", tmp_path / "state",
                                     make_nlu=lambda inventory: None)
    device.store.save_memory(SNAPSHOTS)
    memory = device.store.memory_path
    assert b"Okafor" not in memory.read_bytes()
    assert main(["edge", "unseal", str(memory), "--fleet", str(bundle)]) == 0
    assert json.loads(capsysbinary.readouterr().out)["users"] == SNAPSHOTS


def test_unseal_names_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    SealingKey.for_device(None, tmp_path)
    plain = tmp_path / "plain.wav.sealed"
    plain.write_bytes(b"RIFF....")
    assert main(["edge", "unseal", str(plain), "--state-dir", str(tmp_path)]) == 2
    assert "not sealed" in capsys.readouterr().err
    assert main(["edge", "unseal", str(tmp_path / "nope"), "--state-dir", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err
