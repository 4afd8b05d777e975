"""Unit tests of the edge's pure parts: channel, state machine, endpointer, NLU, skills."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract.inventory import Device, Inventory
from edge.actions.executor import TurnRef
from edge.actions.messages import DeviceCommand
from edge.actions.testing import RecordingBackend, acting_skills
from edge.channel import PriorityChannel
from edge.conversation import Conversation, IllegalTransition, State
from edge.messages import AudioFrame, Cancel, ReplyText, Understanding
from edge.settings import EndpointSettings, WakeSettings
from edge.skills import Skills
from edge.skills.clock import ClockSkill
from edge.stages.endpoint import Endpointer
from edge.stages.nlu import CLOUD, Nlu, load_nlu, normalize
from edge.stages.numbers import parse_number
from edge.stages.stt import strip_wake_phrase

HOME = Inventory(
    areas=("Kitchen", "Living Room", "Office"),
    devices=(
        Device("Kitchen Lights", "light", "Kitchen"),
        Device("Porch Light", "light", "Patio"),
        Device("Ceiling Fan", "fan", "Living Room"),
        Device("Office Light", "light", "Office"),
    ),
)


def test_control_overtakes_queued_data() -> None:
    async def scenario() -> list[object]:
        ch: PriorityChannel[ReplyText] = PriorityChannel(max_data=4)
        for i in range(3):
            await ch.put(ReplyText(1, f"sentence {i}"))
        await ch.put_control(Cancel(1))
        first = await ch.get()
        dropped = ch.drop_data()
        return [first, dropped, len(ch)]

    first, dropped, left = asyncio.run(scenario())
    assert first == Cancel(1)
    assert dropped == 3 and left == 0


def test_data_lane_is_bounded_but_control_is_not() -> None:
    async def scenario() -> bool:
        ch: PriorityChannel[ReplyText] = PriorityChannel(max_data=1)
        await ch.put(ReplyText(1, "a"))
        blocked = asyncio.create_task(ch.put(ReplyText(1, "b")))
        await asyncio.sleep(0.01)
        still_blocked = not blocked.done()
        await asyncio.wait_for(ch.put_control(Cancel(1)), 0.1)  # never blocks
        assert await ch.get() == Cancel(1)
        assert await ch.get() == ReplyText(1, "a")
        await asyncio.wait_for(blocked, 0.1)
        return still_blocked

    assert asyncio.run(scenario())


def test_conversation_walks_a_turn_and_refuses_illegal_moves() -> None:
    conv = Conversation()
    with pytest.raises(IllegalTransition):
        conv.to(State.THINKING)
    with pytest.raises(IllegalTransition):
        conv.to(State.ENDED)
    for state in (State.LISTENING, State.THINKING, State.SPEAKING):
        conv.to(state)
    conv.end_turn()
    assert conv.state is State.IDLE and conv.turn_id == 1
    conv.to(State.LISTENING)
    assert conv.turn_id == 2
    assert [s for s, _ in conv.history][:4] == [
        State.LISTENING, State.THINKING, State.SPEAKING, State.ENDED
    ]
    conv.end_turn()
    conv.to(State.SPEAKING)  # an announcement: speech nobody asked for is a turn of its own
    assert conv.turn_id == 3
    with pytest.raises(IllegalTransition):
        conv.to(State.THINKING)


def _frames(probabilities: list[float]) -> list[tuple[AudioFrame, float]]:
    return [
        (AudioFrame(np.full(1280, i, dtype=np.int16), i * 0.08), p)
        for i, p in enumerate(probabilities)
    ]


def test_endpointer_ends_after_hangover_silence() -> None:
    ep = Endpointer(EndpointSettings(hangover_s=0.4, min_speech_s=0.16))
    ep.begin(0.0, [])
    decided = None
    for frame, p in _frames([0.9] * 10 + [0.1] * 10):
        decided = decided or ep.push(frame, p)
    assert decided is not None and decided.reason == "silence"
    # 10 speech frames + 5 silent frames (0.4 s) -> endpoint at the end of frame 15
    assert decided.endpoint_at_s == pytest.approx(15 * 0.08)
    assert len(decided.samples) == 15 * 1280


def test_endpointer_gives_up_without_speech_and_caps_length() -> None:
    s = EndpointSettings(no_speech_timeout_s=0.8, max_utterance_s=1.6)
    ep = Endpointer(s)
    ep.begin(0.0, [])
    results = [ep.push(f, p) for f, p in _frames([0.0] * 20)]
    assert next(r for r in results if r).reason == "no_speech"
    ep.begin(0.0, [])
    results = [ep.push(f, p) for f, p in _frames([0.9] * 30)]
    assert next(r for r in results if r).reason == "max_length"


def test_wake_settings_reject_nonsense() -> None:
    with pytest.raises(ValueError):
        WakeSettings(threshold=1.5)
    with pytest.raises(ValueError):
        WakeSettings(refractory_s=-1)


@pytest.mark.parametrize(
    ("words", "value"),
    [("ten", 10), ("twenty five", 25), ("10", 10), ("an", 1), ("one hundred and five", 105),
     ("ninety nine", 99)],
)
def test_parse_number(words: str, value: int) -> None:
    parsed = parse_number(words.split())
    assert parsed is not None and parsed[0] == value


@functools.cache
def _nlu() -> Nlu:
    return load_nlu(HOME)


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("Turn on the kitchen lights.", "HassTurnOn", {"name": "Kitchen Lights"}),
        ("um, please switch the porch light off", "HassTurnOff", {"name": "Porch Light"}),
        ("turn off the lights in the living room", "HassTurnOff",
         {"area": "Living Room", "domain": "light"}),
        ("Set a timer for 10 minutes.", "HassStartTimer", {"minutes": 10}),
        ("set a timer for one hour and twenty five seconds", "HassStartTimer",
         {"hours": 1, "seconds": 25}),
        ("cancel the timer", "HassCancelTimer", {}),
        ("What's the time?", "HassGetCurrentTime", {}),
        ("what day is it", "HassGetCurrentDate", {}),
        ("set the volume to 40%", "HassSetVolume", {"volume_level": 40}),
        ("Why is the sky blue?", CLOUD, {}),
        ("why do LED lights flicker when I turn them on", CLOUD, {}),
        ("who invented the thermostat", CLOUD, {}),
    ],
)
def test_nlu(text: str, intent: str, slots: dict) -> None:
    result = _nlu().parse(text)
    assert (result.intent, result.slots) == (intent, slots)


@given(st.text(max_size=300))
def test_nlu_never_crashes_and_always_answers(text: str) -> None:
    result = _nlu().parse(text)
    assert result.intent and 0.0 <= result.confidence <= 1.0
    assert normalize(text) == normalize(normalize(text))


def test_nlu_handles_huge_and_control_character_input() -> None:
    nlu = _nlu()
    assert nlu.parse("\x00\x07\u202e" * 1000).intent == CLOUD
    assert nlu.parse("turn on the kitchen lights " * 400).intent == "HassTurnOn"


def test_whisper_hint_is_the_wake_phrase_then_example_commands_then_the_names() -> None:
    from edge.stages.stt import COMMAND_EXAMPLES, MAX_HOTWORDS, FasterWhisperStt

    stt = FasterWhisperStt.__new__(FasterWhisperStt)  # the hint only: no model loaded
    stt.bias_towards(["Kitchen Lights", " Tomás ", "Kitchen Lights", ""], "Hey Jarvis")
    assert stt.hotwords == f"Hey Jarvis. {COMMAND_EXAMPLES} Kitchen Lights, Tomás."
    stt.bias_towards([f"Name {i}" for i in range(MAX_HOTWORDS + 5)])
    assert stt.hotwords is not None and stt.hotwords.startswith(COMMAND_EXAMPLES)
    assert f"Name {MAX_HOTWORDS - 1}." in stt.hotwords
    assert f"Name {MAX_HOTWORDS}" not in stt.hotwords
    stt.bias_towards([])
    assert stt.hotwords is None  # nothing to hint: Whisper runs without a prompt


def test_what_the_fast_layer_heard_follows_the_wake_phrase_in_the_hint() -> None:
    from edge.stages.stt import COMMAND_EXAMPLES, FasterWhisperStt

    stt = FasterWhisperStt.__new__(FasterWhisperStt)  # the hint only: no model loaded
    stt.bias_towards(["Kitchen Lights"], "Hey Jarvis")
    assert stt.hint("turn  on the kitchen lights") == \
        f"Hey Jarvis. Turn on the kitchen lights. {COMMAND_EXAMPLES} Kitchen Lights."
    assert stt.hint("") == stt.hotwords  # nothing heard: the names' hint
    stt.bias_towards(["Kitchen Lights"])
    assert stt.hint("what time is it?") == f"What time is it? {COMMAND_EXAMPLES} Kitchen Lights."


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("Hey Jarvis, turn on the lights.", "turn on the lights."),
     ("Jarvis. What's the time?", "What's the time?"),
     ("Turn on the lights.", "Turn on the lights.")],
)
def test_strip_wake_phrase(raw: str, clean: str) -> None:
    assert strip_wake_phrase(raw) == clean


_turns = itertools.count(1)


def _say(skills: Skills, intent: str, **slots: str | int) -> str:
    """One request, one turn (a turn's keys act once: see test_actions)."""
    turn = TurnRef("dev-0", "session", next(_turns))
    return asyncio.run(skills.act(Understanding(intent, dict(slots), 1.0), turn))


def test_skills_act_and_say_what_they_did() -> None:
    backend = RecordingBackend()
    skills = acting_skills(HOME, backend)
    assert _say(skills, "HassTurnOn", name="Kitchen Lights") == "Turned on the kitchen lights."
    assert backend.actions == [DeviceCommand("Kitchen Lights", "turn_on")]
    assert _say(skills, "HassStartTimer", minutes=10) == "Timer set for 10 minutes."
    assert _say(skills, "HassCancelTimer") == "Timer cancelled."
    assert _say(skills, "HassCancelTimer") == "There is no timer running."
    assert not skills.handles(CLOUD)


def test_clock_skill_speaks_time_and_date() -> None:
    clock = ClockSkill(now=lambda: dt.datetime(2026, 11, 21, 15, 7))
    assert clock.handle(Understanding("HassGetCurrentTime")) == "It is 3:07 PM."
    today = clock.handle(Understanding("HassGetCurrentDate"))
    assert today == "Today is Saturday, November 21, 2026."


def test_more_skills_act_on_their_slots() -> None:
    inventory = Inventory(
        areas=("Kitchen",), devices=(Device("Kitchen Lights", "light", "Kitchen"),),
        lists=("Shopping List",),
    )
    backend = RecordingBackend(states={"head unit": "[]"})
    skills = acting_skills(inventory, backend)
    assert _say(skills, "HassLightSet", name="Kitchen Lights", brightness=30) == \
        "Set the kitchen lights to 30 percent."
    assert _say(skills, "HassLightSet", area="Kitchen", color="blue") == \
        "Set the kitchen lights to blue."
    assert _say(skills, "HassShoppingListAddItem", item="milk") == \
        "Added milk to your shopping list."
    assert _say(skills, "NavigateTo", destination="Work") == "Starting navigation to Work."
    assert _say(skills, "CallContact", contact="Mom") == "Calling Mom."
    assert _say(skills, "ReadMessages") == "You have no new messages."
    assert _say(skills, "HassSetVolumeRelative", volume_step="down") == "Volume 90 percent."
    assert _say(skills, "HassSetVolumeRelative", volume_step=-20) == "Volume 70 percent."
    assert [type(a).__name__ for a in backend.actions] == [
        "DeviceCommand", "DeviceCommand", "CarCommand", "CarCommand", "MessagesQuery"]

