"""Fuzzing (`app/abuse`): hypothesis properties of every parser a stranger's bytes reach,
a regression test for each bug the fuzzers found, and one short `tandem bench abuse`.

The properties use the bench's own generators and checks, with a bounded number of
examples, so a check that is wrong fails here too.
"""

from __future__ import annotations

import contextlib
import json
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.abuse import converse, documents, payloads, wav
from app.abuse.core import Lost, Tally, fuzz
from cloud.tool_calls import tools_problem
from contract.errors import AudioInputError
from contract.fleet.memory import MemoryRejected, open_snapshot
from contract.fleet.policy import MALFORMED, PolicyRejected, open_envelope
from contract.fleet.report import Presence, Report
from edge.audio.wavfile import read_wav
from edge.fleet.store import DeviceStore

FEW = settings(max_examples=150, deadline=None, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def fuzzer(tmp_path_factory: pytest.TempPathFactory) -> documents.DocumentFuzzer:
    return documents.DocumentFuzzer(tmp_path_factory.mktemp("docs"))


# -- the driver counts what it is meant to ------------------------------------------------


def test_the_driver_counts_crashes_hangs_and_lost_state() -> None:
    def check(n: int) -> None:
        if n == 1:
            raise KeyError("boom")
        if n == 2:
            raise Lost("forgot")
        if n == 3:
            import time

            time.sleep(1.0)

    tally = Tally("toy")
    fuzz(st.integers(0, 3), check, 3.0, tally, hang_s=0.2)
    assert tally.tried > 10
    assert tally.crashes and tally.lost and tally.hangs
    assert any("KeyError" in note for note in tally.notes)


# -- WAV and PCM ----------------------------------------------------------------------------


@FEW
@given(wav.wav_inputs())
def test_read_wav_reads_or_refuses_in_one_line(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wav.check_read_wav(data, Path(tmp))  # raises for anything but AudioInputError


@FEW
@given(wav.pcm_streams())
def test_the_capture_chain_takes_any_bytes_in_any_chunks(stream: tuple[int, int, list[bytes]]
                                                         ) -> None:
    wav.check_pcm(stream)


def test_a_chunk_longer_than_the_file_is_refused(tmp_path: Path) -> None:
    """Found by the fuzzer: wave's RuntimeError came out as a traceback."""
    fmt = struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)
    path = tmp_path / "lying.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", 100) + b"WAVEfmt " +
                     struct.pack("<I", 0xFFFFFFF0) + fmt)
    with pytest.raises(AudioInputError, match="a chunk is longer than the file says"):
        read_wav(path)


def test_a_folder_as_input_is_one_error_line(tmp_path: Path) -> None:
    """Found by the fuzzer: `--input DIR` was an IsADirectoryError traceback."""
    with pytest.raises(AudioInputError, match="cannot read it"):
        read_wav(tmp_path)
    wav.check_cli([f"--input={tmp_path}"], tmp_path)  # status 2, one `tandem: error:` line


# -- policy and memory documents ----------------------------------------------------------


@FEW
@given(st.data())
def test_a_device_keeps_its_state_through_any_policy_payload(
        fuzzer: documents.DocumentFuzzer, data: st.DataObject) -> None:
    payload = data.draw(payloads.policy_payloads(fuzzer.key, fuzzer.base_policy))
    fuzzer.check_policy((payload, data.draw(st.booleans())))


@FEW
@given(st.data())
def test_a_device_keeps_its_memory_through_any_memory_payload(
        fuzzer: documents.DocumentFuzzer, data: st.DataObject) -> None:
    payload = data.draw(payloads.memory_payloads(fuzzer.key, fuzzer.base_memory))
    fuzzer.check_memory((payload, data.draw(st.sampled_from([payloads.USER, "bob", None]))))


@settings(FEW, max_examples=60)
@given(st.data())
def test_what_the_operator_signs_a_device_accepts(fuzzer: documents.DocumentFuzzer,
                                                  data: st.DataObject) -> None:
    fuzzer.check_operator(data.draw(payloads.policy_documents()))


@settings(FEW, max_examples=60)
@given(st.data())
def test_a_device_boots_on_damaged_state_files(fuzzer: documents.DocumentFuzzer,
                                               data: st.DataObject) -> None:
    fuzzer.check_stored(data.draw(documents.stored_files(fuzzer.key, fuzzer.base_policy)))


@pytest.mark.parametrize("payload", [b"[" * 20_000, b'{"a":' * 10_000, b"9" * 5000])
def test_json_a_parser_gives_up_on_is_malformed(fuzzer: documents.DocumentFuzzer,
                                               payload: bytes) -> None:
    """Found by the fuzzer: RecursionError and the int-digits ValueError escaped both
    envelopes' checks (and killed the device's MQTT thread)."""
    with pytest.raises(PolicyRejected) as rejected:
        open_envelope(payload, fuzzer.trusted, payloads.DEVICE, documents.GROUPS)
    assert rejected.value.kind == MALFORMED
    with pytest.raises(MemoryRejected):
        open_snapshot(payload, fuzzer.trusted)


def test_a_fact_with_a_text_expiry_is_refused(fuzzer: documents.DocumentFuzzer) -> None:
    """Found by the fuzzer: a signed snapshot with "expires_at": "soon" was cached, and
    every later read of the user's facts raised TypeError."""
    snapshot = {"format": "tandem-memory/1", "user": "alice", "rev": 99, "tombstones": {},
                "facts": {"tea": {"value": "green", "version": 1, "expires_at": "soon"}}}
    with pytest.raises(MemoryRejected, match="expires_at"):
        open_snapshot(payloads.sign_memory(fuzzer.key, snapshot), fuzzer.trusted)


@pytest.mark.parametrize("files", [
    {"session.json": b'{"generation": "x"}'}, {"session.json": b'{"generation": 1e999}'},
    {"policy.json": b'{"state_version": 1}'}, {"policy.json": b"[" * 100_000},
    {"memory.json": b'{"state_version": 1, "users": {"alice": "x"}}'},
    {"memory.json": b'{"state_version": 1, "users": {"alice": {"rev": 3}}}'},
])
def test_damaged_state_files_found_by_the_fuzzer(fuzzer: documents.DocumentFuzzer,
                                                 files: dict[str, bytes]) -> None:
    """Each of these was a traceback at boot (KeyError, TypeError, OverflowError,
    RecursionError); now the device starts from defaults and takes a good policy."""
    fuzzer.check_stored(files)


def test_a_damaged_users_memory_is_dropped_not_trusted(tmp_path: Path) -> None:
    good = {"format": "tandem-memory/1", "user": "bob", "rev": 2, "facts": {},
            "tombstones": {}}
    (tmp_path / "memory.json").write_text(json.dumps(
        {"state_version": 1, "users": {"alice": {"rev": "x"}, "bob": good}}))
    assert DeviceStore(tmp_path).load_memory() == {"bob": good}


# -- MQTT reports and presence ---------------------------------------------------------------


@FEW
@given(st.sampled_from(payloads.NASTY_JSON) | st.binary(max_size=80)
       | payloads.json_values.map(lambda v: json.dumps(v).encode()))
def test_reports_and_presence_refuse_in_the_ways_their_readers_catch(payload: bytes) -> None:
    for parse in (Report.from_bytes, Presence.from_bytes):
        with contextlib.suppress(ValueError, KeyError, TypeError):  # anything else fails
            parse(payload)


@pytest.mark.parametrize("payload", [
    b"[" * 100_000, b'{"device":"d","online":true,"generation":1e999}',
    b'{"device":"d","online":true,"generation":1,"at":' + b"9" * 400 + b"}",
])
def test_presence_the_threads_died_on(payload: bytes) -> None:
    """Found by the fuzzer: RecursionError / OverflowError killed the operator's and the
    device's paho threads (they catch ValueError, KeyError and TypeError)."""
    with pytest.raises((ValueError, KeyError, TypeError)):
        Presence.from_bytes(payload)


def test_a_report_of_the_wrong_types_is_refused() -> None:
    """A report the operator cannot compare with the next one must never be kept."""
    good = Report("d", 1, "x", "applied", generation=2, at=3.0)
    assert Report.from_bytes(good.to_bytes()) == good
    with pytest.raises(TypeError):
        Report.from_bytes(json.dumps({**json.loads(good.to_bytes()),
                                      "generation": "zz"}).encode())


# -- Converse ----------------------------------------------------------------------------------


@pytest.mark.parametrize("tools_json", ["[1]", '["x"]', "[" * 100_000 + "]" * 100_000])
def test_tools_json_that_is_not_a_list_of_objects_is_a_bad_request(tools_json: str) -> None:
    """Found by the fuzzer: AttributeError / RecursionError in the servicer (UNKNOWN)."""
    assert tools_problem(tools_json) is not None


@settings(FEW, max_examples=40)
@given(converse.inputs)
def test_converse_inputs_are_well_formed(sent: tuple[str, object]) -> None:
    """The generator itself: every input is one the checks know how to send."""
    assert sent[0] in ("request", "raw message", "wire")


# -- the bench ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_bench_abuse_finds_nothing_against_the_real_services(tmp_path: Path) -> None:
    out = tmp_path / "abuse.json"
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "bench", "abuse", "--seconds", "20", "--hang-s",
         "10", "--out", str(out)], capture_output=True, text=True, timeout=400, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures["ok"]
    assert {t["target"] for t in figures["targets"]} == {"wav", "documents", "mqtt",
                                                         "converse"}
    for target in figures["targets"]:
        assert target["inputs"] > 0, target
        assert (target["crashes"], target["hangs"], target["state_lost"]) == (0, 0, 0), target
    mqtt = next(t for t in figures["targets"] if t["target"] == "mqtt")
    assert any(key.startswith("policy") for key in mqtt["oversize"])
    assert "OK: 0 crashes, 0 hangs, 0 state lost" in result.stdout


def test_a_wav_with_more_channels_than_the_downmix_takes_is_refused(tmp_path: Path) -> None:
    """Found by the property test above: 33 channels was a ValueError from the kernel."""
    fmt = struct.pack("<HHIIHH", 1, 33, 8000, 8000 * 66, 66, 16)
    path = tmp_path / "many.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", 36 + 66) + b"WAVEfmt " +
                     struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 66) + bytes(66))
    with pytest.raises(AudioInputError, match="33 channels"):
        read_wav(path)
