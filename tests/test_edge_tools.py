"""The device's functions for the cloud's model: what it offers, how a call becomes an
action, and turns where the cloud's model acts ("turn on the lights and tell me a joke")."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from contract.fleet.policy import parse_policy
from contract.inventory import load_inventory
from edge.actions.messages import DeviceCommand
from edge.actions.testing import RecordingBackend, acting_skills
from edge.audio.sinks import WavSink
from edge.audio.sources import recording_source
from edge.cloud_link import CloudToolCall
from edge.cloud_tools import offer, to_action, without_contacts
from edge.fleet.device import apply_policy
from edge.nlu.plan import PlannedAction
from edge.pipeline import EdgePipeline, Engines
from edge.settings import DEFAULT_INVENTORY, EdgeSettings
from edge.skills.confirm import QUESTION
from edge.stages.nlu import load_nlu
from edge.trace import TurnRecord
from edge.utterances import synthesize

INVENTORY = load_inventory(DEFAULT_INVENTORY)


def functions(tools_json: str) -> dict[str, Any]:
    return {t["function"]["name"]: t["function"] for t in json.loads(tools_json)}


def test_the_offer_names_only_what_this_device_has_and_handles() -> None:
    offered = functions(offer(lambda intent: True, INVENTORY))
    names = offered["turn_on"]["parameters"]["properties"]["name"]["enum"]
    assert names == [d.name for d in INVENTORY.devices]
    assert offered["call_contact"]["parameters"]["properties"]["contact"]["enum"] \
        == ["Mom", "Priya"]
    assert "turn_off" not in functions(offer(lambda intent: intent != "HassTurnOff", INVENTORY))
    no_contacts = load_inventory(DEFAULT_INVENTORY).__class__(devices=INVENTORY.devices)
    assert "call_contact" not in functions(offer(lambda intent: True, no_contacts))
    assert "call_contact" not in functions(without_contacts(offer(lambda i: True, INVENTORY)))
    assert offer(lambda intent: False, INVENTORY) == ""


@pytest.mark.parametrize(("name", "arguments", "expected"), [
    ("turn_on", {"name": "kitchen lights"}, PlannedAction("HassTurnOn",
                                                         {"name": "Kitchen Lights"})),
    ("turn_off", {"area": "Office"}, PlannedAction("HassTurnOff",
                                                  {"area": "Office", "domain": "light"})),
    ("set_light", {"name": "Office Light", "brightness": 40.0},
     PlannedAction("HassLightSet", {"name": "Office Light", "brightness": 40})),
    ("volume_down", {}, PlannedAction("HassSetVolumeRelative", {"volume_step": "down"})),
    ("start_timer", {"minutes": 5, "colour": "red"},
     PlannedAction("HassStartTimer", {"minutes": 5})),
    ("turn_on", {"name": "Front Door"}, "I don't know Front Door here."),
    ("set_volume", {"volume_level": 400}, "I couldn't use 400 as the volume level."),
    ("set_volume", {"volume_level": True}, "I couldn't use True as the volume level."),
    ("turn_on", {}, "I wasn't told which one."),
    ("start_timer", {"minutes": 0}, "I wasn't told how long."),
    ("format_disk", {}, "I was asked to do something I can't do here."),
])
def test_a_call_becomes_the_action_a_spoken_command_would_or_a_reason(
        name: str, arguments: dict[str, object], expected: PlannedAction | str) -> None:
    assert to_action(name, json.dumps(arguments), INVENTORY) == expected


def test_malformed_arguments_are_a_reason_not_an_error() -> None:
    assert isinstance(to_action("turn_on", "not json", INVENTORY), str)
    assert isinstance(to_action("turn_on", "[1, 2]", INVENTORY), str)


# --- turns ---------------------------------------------------------------------------


class ActingCloud:
    """A cloud whose model says a sentence and calls `calls` (a real model that calls
    functions needs more than this machine has; the gRPC path is tested in
    tests/test_cloud_tools.py)."""

    def __init__(self, *calls: CloudToolCall) -> None:
        self.calls = calls
        self.asked: list[tuple[str, str]] = []  # (question, tools_json)
        self.traces: list[str] = []

    async def converse(self, transcript: str, context: Sequence[tuple[str, str]],
                       session_id: str, turn_id: int, tools_json: str = "", trace_id: str = ""
                       ) -> AsyncGenerator[str | CloudToolCall, None]:
        self.asked.append((transcript, tools_json))
        self.traces.append(trace_id)
        yield "Here you go."
        for call in self.calls:
            yield call

    async def aclose(self) -> None:
        pass


def powered(backend: RecordingBackend) -> list[tuple[str, str]]:
    return [(a.device, a.command) for a in backend.actions if isinstance(a, DeviceCommand)]


def run(pipeline: EdgePipeline, audio: np.ndarray) -> list[TurnRecord]:
    records: list[TurnRecord] = []
    asyncio.run(pipeline.run(recording_source(audio, realtime=False), records.append))
    return records


def pipeline_with(engines: Engines, cloud: ActingCloud, backend: RecordingBackend,
                  tmp_path: Path, settings: EdgeSettings | None = None) -> EdgePipeline:
    return EdgePipeline(settings or EdgeSettings(), engines, load_nlu(INVENTORY),
                        acting_skills(INVENTORY, backend), WavSink(tmp_path / "out.wav"), cloud)


@pytest.mark.slow
def test_the_clouds_model_acts_through_the_skills(
        engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path) -> None:
    backend = RecordingBackend()
    cloud = ActingCloud(CloudToolCall("turn_on", '{"name": "Ceiling Fan"}'),
                        CloudToolCall("turn_on", '{"name": "Garden Hose"}'))
    (record,) = run(pipeline_with(engines, cloud, backend, tmp_path), speech["sky"])
    assert record.route == "cloud" and record.error is None
    assert powered(backend) == [("Ceiling Fan", "turn_on")]
    assert record.reply_text.startswith("Here you go. Turned on the ceiling fan.")
    assert "I don't know Garden Hose here." in record.reply_text
    assert [c["accepted"] for c in record.cloud_calls] == [True, False]
    assert "turn_on" in functions(cloud.asked[0][1])
    # The turn's ids: its trace id went with the call; silence counts from the speech's end.
    assert cloud.traces == [record.trace_id] and len(record.trace_id) == 16
    assert record.device_id and record.session_id and record.speech_end_s is not None
    assert record.timings_ms["silence"] > record.timings_ms["response"]


@pytest.mark.slow
def test_a_call_the_policy_blocks_or_that_needs_confirmation_is_not_carried_out(
        engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path) -> None:
    backend = RecordingBackend()
    cloud = ActingCloud(CloudToolCall("turn_on", '{"name": "Ceiling Fan"}'))
    pipeline = pipeline_with(engines, cloud, backend, tmp_path)
    policy = parse_policy({"version": 1, "target": {"device": "dev-0"},
                           "intents": {"confirm": ["HassTurnOn"], "blocked": ["HassTurnOff"]}})
    apply_policy(pipeline, policy, None, make_nlu=load_nlu)
    pipeline.cloud = cloud  # (apply_policy sets the cloud the policy allows: none here)
    assert "turn_off" not in functions(pipeline.device_tools())  # blocked: not offered
    (record, *_) = run(pipeline, speech["sky"])
    assert powered(backend) == []
    assert QUESTION in record.reply_text  # asked, as for the same spoken command


@pytest.mark.slow
def test_a_request_partly_for_the_device_acts_here_and_asks_the_cloud_the_rest(
        engines: Engines, tmp_path: Path) -> None:
    backend = RecordingBackend()
    cloud = ActingCloud()
    audio = synthesize(engines.tts, "Hey Jarvis, turn on the kitchen lights and tell me a joke.")
    # Whisper's path: the fast layer's grammar holds single commands, and after some history
    # (pocketsphinx adapts its cepstral mean across requests) it took this one for "turn on
    # the kitchen lights now please" at 0.63, over its 0.5 acceptance (see issue 12).
    (record,) = run(pipeline_with(replace(engines, fast=None), cloud, backend, tmp_path), audio)
    assert record.route == "local+cloud", record.transcript
    assert powered(backend) == [("Kitchen Lights", "turn_on")]
    (question, _), = cloud.asked  # the cloud's part alone (Whisper: "a" or "that" joke)
    assert question.startswith("tell me") and question.endswith("joke"), question
    assert record.reply_text == "Turned on the kitchen lights. Here you go."


@pytest.mark.slow
def test_a_command_left_to_whisper_is_rescored_against_the_grammar(
        engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path) -> None:
    """The fast layer never sure (threshold 1) and not confirmed (confirmation off): Whisper
    hears the command, and the grammar's sentence it finds as likely as its own text
    decides, with exact slots (the trace says so). Off, Whisper + NLU decide. (Rescored
    even where Whisper wrote the fast layer's own command, which the daemon would not
    rescore: `RescoreSettings.skip_when_alike`.)"""
    from edge.settings import RescoreSettings
    from edge.stages.grammar_stt import Calibration

    assert engines.fast is not None and engines.rescorer is not None
    saved, saved_rescore = engines.fast.calibration, engines.rescorer.settings
    engines.fast.calibration = Calibration(threshold=1.0)
    engines.rescorer.settings = replace(saved_rescore, skip_when_alike=False)
    try:
        backend = RecordingBackend()
        unconfirmed = EdgeSettings(confirm=None)
        (record,) = run(pipeline_with(engines, ActingCloud(), backend, tmp_path, unconfirmed),
                        speech["lights"])
        (plain,) = run(pipeline_with(replace(engines, rescorer=None), ActingCloud(),
                                     RecordingBackend(), tmp_path), speech["lights"])
    finally:
        engines.fast.calibration, engines.rescorer.settings = saved, saved_rescore
    assert (record.stt_layer, record.intent, record.slots) \
        == ("rescored", "HassTurnOn", {"name": "Kitchen Lights"})
    assert record.rescore_gap is not None and record.rescore_gap <= RescoreSettings().max_gap
    assert "rescore" in record.timings_ms and record.route == "local"
    assert powered(backend) == [("Kitchen Lights", "turn_on")]
    assert (plain.stt_layer, plain.rescore_gap) == ("whisper", None)
    # Whisper was told the command the fast layer held, unsure as it was (the trace says so).
    assert "kitchen lights" in record.stt_told, record.stt_told
