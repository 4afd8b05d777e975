"""Fleet policy inside the edge daemon: applied only while IDLE, and what it changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from contract.fleet.policy import parse_policy
from contract.inventory import load_inventory
from edge.actions.testing import acting_skills
from edge.audio.sinks import WavSink
from edge.audio.sources import recording_source
from edge.conversation import State
from edge.fleet.device import BLOCKED_REPLY, RedactingCloud, apply_policy
from edge.messages import Understanding
from edge.nlu.plan import Plan, PlannedAction
from edge.pipeline import EdgePipeline, Engines
from edge.settings import DEFAULT_INVENTORY, EdgeSettings
from edge.skills.confirm import DECLINED, QUESTION
from edge.trace import TurnRecord


class KeywordNlu:
    """A stand-in NLU (this test is about when policy applies, not about understanding)."""

    def parse(self, text: str) -> Understanding:
        if "light" in text.lower():
            return Understanding("HassTurnOn", {"area": "kitchen", "domain": "light"}, 0.9)
        return Understanding("cloud", {}, 0.9)


class RecordingCloud:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[tuple[str, str]]]] = []

    async def converse(self, transcript: str, context: Sequence[tuple[str, str]],
                       session_id: str, turn_id: int, tools_json: str = "", trace_id: str = ""
                       ) -> AsyncGenerator[str, None]:
        self.sent.append((transcript, list(context)))
        yield "ok."

    async def aclose(self) -> None:
        pass


@pytest.mark.slow
def test_policy_hook_runs_only_between_conversations(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path
) -> None:
    seen: list[State] = []
    records: list[TurnRecord] = []

    def between_turns(pipeline: EdgePipeline) -> None:
        seen.append(pipeline.conversation.state)

    inventory = load_inventory(DEFAULT_INVENTORY)
    pipeline = EdgePipeline(EdgeSettings(), engines, KeywordNlu(), acting_skills(inventory),
                            WavSink(tmp_path / "out.wav"), None, between_turns)
    source = recording_source(speech["lights"], realtime=False)
    asyncio.run(pipeline.run(source, records.append))
    assert records and records[0].intent == "HassTurnOn"  # a whole conversation happened
    assert len(seen) > 10 and set(seen) == {State.IDLE}
    # Now apply a policy to the idle pipeline and check what it changed.
    policy = parse_policy({
        "version": 2, "target": {"device": "dev-0"},
        "routing": {"local_confidence": 0.95},
        "latency": {"cloud_deadline_s": 3.0, "filler_after_s": 1.0},
        "intents": {"blocked": ["HassTurnOn"], "confirm": ["HassStartTimer"]},
        "privacy": {"redact_personal_data": True},
        "inventory": {"areas": ["kitchen"], "contacts": ["Anna Smith"],
                      "devices": [{"name": "lamp", "domain": "light", "area": "kitchen"}]},
    })
    cloud = RecordingCloud()
    apply_policy(pipeline, policy, cloud, make_nlu=lambda inv: pipeline.nlu)  # type: ignore[arg-type]
    assert pipeline.settings.local_confidence == 0.95
    assert pipeline.settings.deadlines.cloud_s == 3.0
    # The next idle frame recompiles the fast grammar and re-hints Whisper for the new home.
    assert engines.fast is not None
    devices = engines.fast.grammar.lists["device"].values
    assert "living room lamp" in devices and "lamp" not in devices
    pipeline._sync_grammar()
    assert list(engines.fast.grammar.lists["device"].values) == ["lamp"]
    assert "Anna Smith" in (getattr(engines.stt, "hotwords", None) or "")
    turn = pipeline.turn_ref(1)

    def plan(intent: str) -> Plan:
        return Plan(Understanding(intent, {}, 1.0), (PlannedAction(intent, {}),), False)

    assert asyncio.run(pipeline.skills.carry_out(plan("HassTurnOn"), turn)) == BLOCKED_REPLY
    assert asyncio.run(pipeline.skills.carry_out(plan("HassStartTimer"), turn)) == QUESTION
    assert pipeline.skills.awaiting_answer
    assert asyncio.run(pipeline.skills.answer("nope")) == DECLINED
    assert not pipeline.skills.awaiting_answer
    assert pipeline.settings.deadlines.filler_s == 1.0
    assert isinstance(pipeline.cloud, RedactingCloud)

    async def ask() -> list[str]:
        assert pipeline.cloud is not None
        return [t async for t in pipeline.cloud.converse(
            "text Anna Smith at anna@example.com", [("user", "call 555 123 4567")], "s", 1)]

    assert asyncio.run(ask()) == ["ok."]
    transcript, context = cloud.sent[0]
    assert "Anna" not in transcript and "anna@" not in transcript and "[email]" in transcript
    assert "555" not in context[0][1]
    local_only: dict[str, Any] = {"version": 3, "target": {"device": "dev-0"},
                                  "routing": {"when_cloud_unreachable": "local_only"}}
    apply_policy(pipeline, parse_policy(local_only), cloud, make_nlu=lambda inv: None)  # type: ignore[arg-type]
    assert pipeline.cloud is None
