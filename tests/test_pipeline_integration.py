"""The whole edge loop on real models: wake word, Whisper, NLU, skills, real gRPC cloud, piper."""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from contract.ports import free_port
from edge.audio.convert import resample
from edge.audio.sinks import WavSink
from edge.audio.sources import recording_source
from edge.audio.wavfile import read_wav
from edge.daemon import run_daemon
from edge.pipeline import SLOW_REPLY, UNREACHABLE_REPLY, Engines
from edge.settings import (
    ActionSettings,
    ConfirmSettings,
    Deadlines,
    EdgeSettings,
    EndpointSettings,
)
from edge.stages.grammar_stt import Calibration
from edge.trace import TurnRecord

pytestmark = pytest.mark.slow


def run_turns(
    engines: Engines, audio: np.ndarray, out: Path, realtime: bool = False, **settings: object
) -> tuple[list[TurnRecord], Path]:
    records: list[TurnRecord] = []
    sink = WavSink(out)
    source = recording_source(audio, realtime=realtime)
    # Home commands go to the session's real home broker (conftest), as on a device.
    settings.setdefault("actions", ActionSettings(home_broker=os.environ["TANDEM_HOME_BROKER"]))
    asyncio.run(run_daemon(EdgeSettings(**settings), engines, source, sink, records.append))  # type: ignore[arg-type]
    return records, out


def transcribe_back(engines: Engines, reply: np.ndarray) -> list[str]:
    """Whisper on reply audio; a lead of silence keeps it from clipping the first word."""
    lead = np.zeros(8000, dtype=np.int16)
    return words(engines.stt.transcribe(np.concatenate([lead, reply, lead])))


def word_errors(heard: list[str], said: list[str]) -> int:
    """Word-level edit distance (substitutions + insertions + deletions)."""
    row = list(range(len(said) + 1))
    for i, h in enumerate(heard, 1):
        prev, row[0] = row[0], i
        for j, s in enumerate(said, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (h != s))
    return row[-1]


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).split()


def test_local_command_is_heard_understood_and_answered_locally(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path
) -> None:
    records, wav = run_turns(engines, speech["lights"], tmp_path / "reply.wav")
    assert len(records) == 1
    r = records[0]
    assert r.wake_word == "hey_jarvis" and r.wake_score >= 0.5
    assert 1.0 < r.wake_at_s < r.endpoint_at_s < len(speech["lights"]) / 16_000
    assert words(r.transcript) == words("turn on the kitchen lights")
    assert (r.intent, r.slots, r.route) == ("HassTurnOn", {"name": "Kitchen Lights"}, "local")
    assert r.reply_text == "Turned on the kitchen lights."
    # The fast layer was sure of the command: it ended the request early, Whisper never ran.
    assert r.stt_layer == "fast" and r.endpoint_reason == "fast_layer"
    assert r.fast_confidence is not None and r.fast_confidence >= 0.5
    assert {"fast_finish", "nlu", "tts_first_audio", "response"} <= set(r.timings_ms)
    assert "stt" not in r.timings_ms and "cloud_first_chunk" not in r.timings_ms

    # The reply audio says what the trace says: Whisper transcribes it back (one word of
    # slack for tiny.en, which can hear "turned on" as "tired on").
    assert word_errors(transcribe_back(engines, read_wav(wav)), words(r.reply_text)) <= 1


def test_without_the_fast_layer_whisper_hears_the_command_after_the_full_hangover(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path
) -> None:
    (fast,), _ = run_turns(engines, speech["lights"], tmp_path / "fast.wav")
    (slow,), _ = run_turns(replace(engines, fast=None), speech["lights"], tmp_path / "slow.wav")
    assert slow.stt_layer == "whisper" and slow.fast_confidence is None
    assert {"stt", "nlu"} <= set(slow.timings_ms) and slow.endpoint_reason == "silence"
    assert (slow.intent, slow.slots) == (fast.intent, fast.slots) == (
        "HassTurnOn", {"name": "Kitchen Lights"})
    # The early endpoint saves most of the 0.4 s hangover (0.16 s of silence is enough).
    assert slow.endpoint_at_s - fast.endpoint_at_s >= 0.16


class _PrimingSpy:
    """The real fast layer, keeping what it was primed with."""

    def __init__(self, fast: object) -> None:
        self._fast = fast
        self.primed: list[np.ndarray] = []

    def prime(self, samples: np.ndarray) -> None:
        self.primed.append(np.array(samples))
        self._fast.prime(samples)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._fast, name)


def test_the_fast_layer_learns_the_room_from_the_audio_before_the_request(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path
) -> None:
    audio = speech["lights"]
    spy = _PrimingSpy(engines.fast)
    (r,), _ = run_turns(replace(engines, fast=spy), audio, tmp_path / "reply.wav")  # type: ignore[arg-type]
    assert (r.intent, r.slots, r.stt_layer) == ("HassTurnOn", {"name": "Kitchen Lights"}, "fast")
    (room,) = spy.primed
    # Up to 2 s (EndpointSettings.fast_room_s) up to the end of the frame the wake word was
    # heard in, from which on the fast layer decodes: the wake word itself included.
    end = round(r.wake_at_s * 16_000)
    assert len(room) == min(end, 32_000) > 16_000
    assert np.array_equal(room, audio[end - len(room) : end])

    off = _PrimingSpy(engines.fast)
    (r,), _ = run_turns(replace(engines, fast=off), audio, tmp_path / "off.wav",  # type: ignore[arg-type]
                        endpoint=EndpointSettings(fast_room_s=0.0))
    assert off.primed == [] and r.intent == "HassTurnOn"


class _Unsure:
    """The real fast layer, never sure enough by its own score (its threshold at 1)."""

    calibration = Calibration(threshold=1.0)

    def __init__(self, fast: object) -> None:
        self._fast = fast

    def __getattr__(self, name: str) -> object:
        return getattr(self._fast, name)


def test_whisper_confirms_a_command_the_fast_layer_is_unsure_of(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path
) -> None:
    unsure = replace(engines, fast=_Unsure(engines.fast))
    (r,), _ = run_turns(unsure, speech["lights"], tmp_path / "reply.wav")  # type: ignore[arg-type]
    # Confirmed at the fast layer's early decision: the request ends there, no Whisper.
    assert (r.intent, r.slots, r.route) == ("HassTurnOn", {"name": "Kitchen Lights"}, "local")
    assert r.stt_layer == "confirmed" and r.endpoint_reason == "fast_layer"
    assert r.fast_confirmed is not None and r.fast_confirmed >= ConfirmSettings().min_per_token
    assert r.fast_confidence is not None and r.fast_confidence < 1.0
    assert "fast_confirm" in r.timings_ms and "stt" not in r.timings_ms
    assert r.reply_text == "Turned on the kitchen lights."

    # Without the confirmation Whisper hears the request, after the normal hangover.
    (w,), _ = run_turns(unsure, speech["lights"], tmp_path / "off.wav", confirm=None)  # type: ignore[arg-type]
    assert w.stt_layer in ("whisper", "rescored") and w.fast_confirmed is None
    # Whisper wrote the fast layer's own command: nothing was left to rescore
    assert w.stt_layer == "whisper" and "rescore" not in w.timings_ms, w.transcript
    assert "fast_confirm" not in w.timings_ms and w.endpoint_reason == "silence"
    assert w.endpoint_at_s - r.endpoint_at_s >= 0.16
    assert (w.intent, w.slots) == (r.intent, r.slots)

    # Below the floor no confirmation is asked: Whisper hears it, as without one.
    floor = ConfirmSettings(min_fast_score=0.0)  # every score per frame is below 0
    (b,), _ = run_turns(unsure, speech["lights"], tmp_path / "floor.wav", confirm=floor)  # type: ignore[arg-type]
    assert b.stt_layer in ("whisper", "rescored") and "fast_confirm" not in b.timings_ms
    assert b.endpoint_reason == "silence" and (b.intent, b.slots) == (r.intent, r.slots)


def test_timer_numbers_become_slots(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path
) -> None:
    (r,), _ = run_turns(engines, speech["timer"], tmp_path / "reply.wav")
    assert (r.intent, r.slots, r.route) == ("HassStartTimer", {"minutes": 10}, "local")
    assert r.reply_text == "Timer set for 10 minutes."


def test_open_question_is_answered_through_the_cloud(
    engines: Engines, speech: dict[str, np.ndarray], cloud_target: str, tmp_path: Path
) -> None:
    # Generous deadlines: this test is about the route, not speed on a busy CI machine.
    (r,), wav = run_turns(
        engines, speech["sky"], tmp_path / "reply.wav", cloud_target=cloud_target,
        deadlines=Deadlines(cloud_s=30.0, cloud_connect_s=10.0),
    )
    assert words(r.transcript) == words("why is the sky blue")
    assert r.route == "cloud" and r.error is None
    assert r.reply_text.strip() and r.reply_text != UNREACHABLE_REPLY
    assert r.timings_ms["cloud_first_chunk"] > 0
    reply = read_wav(wav)
    assert len(reply) > 0.3 * 16_000 and np.abs(reply).max() > 1000  # spoken, not silence


def test_unreachable_cloud_answers_with_speech_and_the_daemon_keeps_going(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path
) -> None:
    # The spoken apology takes stream time (about 4 s) before the next request comes: with
    # no echo canceller, nothing heard while the device speaks can wake it.
    pause = np.zeros(5 * 16_000, dtype=np.int16)
    audio = np.concatenate([speech["sky"], pause, speech["lights"]])
    dead = f"127.0.0.1:{free_port()}"
    t0 = time.monotonic()
    records, wav = run_turns(
        engines, audio, tmp_path / "reply.wav", cloud_target=dead,
        deadlines=Deadlines(cloud_connect_s=0.5, cloud_s=30.0, filler_s=None),
    )
    assert [r.route for r in records] == ["cloud", "local"]
    first, second = records
    assert first.reply_text == UNREACHABLE_REPLY and first.error
    # Noticed by the 0.5 s connect timeout, not by waiting out the 30 s stream deadline.
    assert first.timings_ms["response"] < 10_000
    assert second.reply_text == "Turned on the kitchen lights."
    reply = read_wav(wav)
    heard = transcribe_back(engines, reply[: len(reply) // 2])
    assert word_errors(heard[:5], words(UNREACHABLE_REPLY)[:5]) <= 1
    assert time.monotonic() - t0 < 60


def test_missed_cloud_deadline_is_spoken(
    engines: Engines, speech: dict[str, np.ndarray], cloud_target: str, tmp_path: Path
) -> None:
    (r,), wav = run_turns(
        engines, speech["sky"], tmp_path / "reply.wav", cloud_target=cloud_target,
        deadlines=Deadlines(cloud_s=0.001),
    )
    assert (r.route, r.error, r.reply_text) == ("cloud", "deadline exceeded", SLOW_REPLY)
    assert len(read_wav(wav)) > 16_000


def test_no_wake_word_means_no_turn(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path
) -> None:
    records, _ = run_turns(engines, speech["no_wake"], tmp_path / "reply.wav")
    assert records == []


def test_realtime_pacing_takes_real_time_and_drops_nothing(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path
) -> None:
    t0 = time.monotonic()
    (r,), _ = run_turns(engines, speech["lights"], tmp_path / "reply.wav", realtime=True)
    assert time.monotonic() - t0 >= r.endpoint_at_s  # could not decide before hearing it
    assert r.reply_text == "Turned on the kitchen lights."


def test_stereo_48k_recording_is_converted_and_understood(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path
) -> None:
    import wave

    up = resample(speech["lights"], 16_000, 48_000)
    path = tmp_path / "stereo48k.wav"
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(2)
        wf.setsampwidth(2)
        wf.setframerate(48_000)
        wf.writeframes(np.stack([up, up], axis=1).tobytes())
    (r,), _ = run_turns(engines, read_wav(path), tmp_path / "reply.wav")
    assert r.intent == "HassTurnOn"


def test_trace_record_is_json_with_the_contract_fields() -> None:
    r = TurnRecord(1, "hey_jarvis", 0.9, 1.2, 3.4, "silence", "hi", "cloud", {}, 0.9, "cloud", "x")
    record = json.loads(r.to_json())
    for key in ("wake_word", "wake_score", "wake_at_s", "endpoint_at_s", "transcript", "intent",
                "slots", "route", "reply_text", "timings_ms", "device_id", "session_id",
                "trace_id", "stt_layer", "cloud_calls"):
        assert key in record


def test_word_errors() -> None:
    assert word_errors(["a", "b", "c"], ["a", "b", "c"]) == 0
    assert word_errors(["tired", "on", "the"], ["turned", "on", "the"]) == 1
    assert word_errors(["on", "the"], ["turned", "on", "the"]) == 1
    assert word_errors([], ["x", "y"]) == 2


def test_wake_word_and_threshold_change_between_conversations(
    speech: dict[str, np.ndarray]
) -> None:
    from edge.settings import WakeSettings
    from edge.stages.wake import WakeWordDetector, frames_of

    def detections(detector: WakeWordDetector) -> int:
        detector.reset(new_stream=True)
        audio = speech["lights"]
        return sum(detector.process(frame) is not None for frame in frames_of(audio))

    detector = WakeWordDetector(WakeSettings())
    assert detections(detector) == 1
    detector.configure(WakeSettings(model="alexa"))
    assert detector.word == "alexa" and detections(detector) == 0  # "hey jarvis" is not alexa
    strict = WakeSettings(model="hey_jarvis", threshold=0.999999, micro_threshold=0.999999,
                          micro_near=0.999999)
    detector.configure(strict)
    assert detector.word == "hey_jarvis" and detections(detector) == 0  # too strict now
    # microWakeWord at its own cutoff hears it even when openWakeWord's threshold cannot.
    detector.configure(WakeSettings(model="hey_jarvis", threshold=0.999999))
    assert detections(detector) == 1
