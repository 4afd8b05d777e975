"""Skills carry out whole plans: nothing for a negated request, a question before a
sensitive one, later for a delayed one, every part of a compound, each once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from contract.inventory import load_inventory
from edge.actions.executor import ActionExecutor, TurnRef
from edge.actions.messages import DeviceCommand
from edge.actions.schedule import Schedule
from edge.actions.testing import RecordingBackend
from edge.nlu.plan import Planner
from edge.nlu.plan_bench import INVENTORY
from edge.skills import NOTHING_TO_DO, Skills, default_skills
from edge.skills.confirm import QUESTION
from edge.stages.nlu import load_nlu


@pytest.fixture()
def home(tmp_path: Path) -> tuple[Skills, RecordingBackend, Planner]:
    inventory = load_inventory(INVENTORY)
    backend = RecordingBackend()
    skills = default_skills(inventory, ActionExecutor(backend, 0.5),
                            Schedule(tmp_path / "schedule.db"))
    return skills, backend, Planner(load_nlu(inventory), inventory)


def _do(skills: Skills, planner: Planner, text: str, turn_id: int = 1) -> str:
    return asyncio.run(skills.carry_out(planner.plan(text), TurnRef("d", "s", turn_id)))


def test_a_negated_request_does_nothing(home: tuple[Skills, RecordingBackend, Planner]) -> None:
    skills, backend, planner = home
    assert _do(skills, planner, "please do not turn on the porch light") == NOTHING_TO_DO
    assert backend.actions == []


def test_every_part_of_a_compound_acts_once_in_order(
    home: tuple[Skills, RecordingBackend, Planner]
) -> None:
    skills, backend, planner = home
    reply = _do(skills, planner, "turn off the desk lamp and turn on the ceiling fan")
    assert reply == "Turned off the desk lamp. Turned on the ceiling fan."
    assert backend.actions == [DeviceCommand("Desk Lamp", "turn_off"),
                               DeviceCommand("Ceiling Fan", "turn_on")]


def test_unlocking_waits_for_a_clear_yes(home: tuple[Skills, RecordingBackend, Planner]) -> None:
    skills, backend, planner = home
    assert _do(skills, planner, "unlock the front door") == QUESTION
    assert backend.actions == [] and skills.awaiting_answer
    assert asyncio.run(skills.answer("yes, go ahead")) == "Unlocked the front door."
    assert backend.actions == [DeviceCommand("Front Door", "unlock")]


def test_a_delayed_command_is_scheduled_not_done(
    home: tuple[Skills, RecordingBackend, Planner]
) -> None:
    skills, backend, planner = home
    reply = _do(skills, planner, "turn off the porch light in fifteen minutes")
    assert reply.startswith("Okay, I'll do that at ")
    assert backend.actions == []
    assert skills.schedule is not None
    (item,) = skills.schedule.pending()
    assert (item.intent, item.slots) == ("HassTurnOff", {"name": "Porch Light"})

    said: list[str] = []
    skills.schedule._db.execute("UPDATE scheduled SET due = due - 900")  # fifteen minutes on
    asyncio.run(skills.run_due(TurnRef("d", "s", 0), said.append))
    assert backend.actions == [DeviceCommand("Porch Light", "turn_off")] and said == []
    asyncio.run(skills.run_due(TurnRef("d", "s", 0), said.append))
    assert len(backend.actions) == 1  # once


def test_a_scheduled_action_that_fails_is_announced_one_that_works_is_not(
    home: tuple[Skills, RecordingBackend, Planner]
) -> None:
    skills, backend, planner = home
    _do(skills, planner, "turn off the porch light in ten minutes")
    _do(skills, planner, "turn on the desk lamp in ten minutes")
    backend.fail["Desk Lamp"] = "it is not connected"
    assert skills.schedule is not None
    skills.schedule._db.execute("UPDATE scheduled SET due = due - 600")
    said: list[str] = []
    asyncio.run(skills.run_due(TurnRef("d", "s", 0), said.append))
    assert len(backend.actions) == 2
    (line,) = said  # the porch light worked: nothing to say about it
    assert line.startswith("A scheduled action failed.") and "desk lamp" in line.lower()


def test_two_runs_in_the_same_second_are_different_sessions() -> None:
    from edge.actions.testing import acting_skills
    from edge.pipeline import EdgePipeline
    from edge.settings import EdgeSettings

    class NoEngines:
        class tts:  # noqa: N801 (a stand-in for the engine attribute)
            sample_rate = 16_000

    inventory = load_inventory(INVENTORY)
    runs = [EdgePipeline(EdgeSettings(), NoEngines(), load_nlu(inventory),  # type: ignore[arg-type]
                         acting_skills(inventory), None, None) for _ in range(2)]
    assert runs[0].session_id != runs[1].session_id  # else the second run's keys are "done"


def test_a_volume_change_changes_the_volume_of_what_plays() -> None:
    import numpy as np

    from edge.audio.playback import PlaybackQueue
    from edge.messages import Understanding

    async def scenario() -> tuple[str, int, int]:
        skills = default_skills(load_inventory(INVENTORY))
        queue = PlaybackQueue(16_000)
        skills.attach_output(queue)
        tone = np.full(160, 10_000, np.int16)
        queue.push(1, "loud", tone)
        loud = int(queue.read(160).max())
        said = await skills.act(Understanding("HassSetVolume", {"volume_level": 50}, 1.0),
                                TurnRef("d", "s", 1))
        queue.push(1, "quieter", tone)
        return said, loud, int(queue.read(160).max())

    said, loud, quiet = asyncio.run(scenario())
    assert said == "Volume set to 50 percent."
    assert (loud, quiet) == (10_000, 2_500)  # 50 % is a quarter of the amplitude (-12 dB)


def test_timers_pause_resume_and_change() -> None:
    from edge.skills.timers import TimerSkill

    timers = TimerSkill()

    def say(intent: str, **slots: int) -> str:
        from edge.messages import Understanding

        return timers.handle(Understanding(intent, dict(slots), 1.0))

    assert say("HassTimerStatus") == "There is no timer running."
    assert say("HassStartTimer", minutes=10) == "Timer set for 10 minutes."
    assert say("HassPauseTimer") == "Timer paused."
    assert say("HassTimerStatus") == "10 minutes left (paused)."
    assert say("HassIncreaseTimer", minutes=5) == "15 minutes left."
    assert say("HassUnpauseTimer") == "Timer resumed."
    assert say("HassDecreaseTimer", minutes=14) in ("1 minute left.", "59 seconds left.")
    assert timers.due() == []
    say("HassStartTimer", seconds=30)
    assert say("HassCancelAllTimers") == "All 2 timers cancelled."


def test_a_missing_slot_is_asked_for_and_the_answer_finishes_the_request(
    home: tuple[Skills, RecordingBackend, Planner]
) -> None:
    from edge.actions.messages import CarCommand

    skills, backend, planner = home
    assert _do(skills, planner, "navigate") == "Where to?"
    assert skills.awaiting_answer and backend.actions == []
    assert asyncio.run(skills.answer("To Grandma's house, please.")) == \
        "Starting navigation to Grandma's house."
    assert backend.actions == [CarCommand("navigate", "Grandma's house")]
    assert _do(skills, planner, "set a timer", turn_id=2) == "For how long?"
    assert asyncio.run(skills.answer("ten minutes")) == "Timer set for 10 minutes."
    assert _do(skills, planner, "set a timer", turn_id=3) == "For how long?"
    assert asyncio.run(skills.answer("")) == "I didn't catch how long, so I didn't set a timer."
    assert not skills.awaiting_answer


def test_lists_keep_their_items_across_a_restart(tmp_path: Path) -> None:
    from edge.messages import Understanding
    from edge.skills.lists import ListSkill

    inventory = load_inventory(INVENTORY)
    lists = ListSkill(inventory, tmp_path / "lists.db")

    def say(intent: str, **slots: str) -> str:
        return lists.handle(Understanding(intent, dict(slots), 1.0))

    assert say("HassShoppingListAddItem", item="milk") == "Added milk to your shopping list."
    assert say("HassShoppingListAddItem", item="eggs") == "Added eggs to your shopping list."
    assert say("HassListRemoveItem", item="Eggs", name="shopping list") == \
        "Removed Eggs on your shopping list."
    again = ListSkill(inventory, tmp_path / "lists.db")  # the device restarted
    assert again.items("Shopping List") == ["milk"]
    assert again.handle(Understanding("HassShoppingListCompleteItem", {"item": "milk"})) == \
        "Checked off milk on your shopping list."
    assert again.items("Shopping List") == [] and again.items("Shopping List", True) == ["milk"]
    assert again.handle(Understanding("HassListAddItem", {"item": "x", "name": "Garage"})) == \
        "There is no list called Garage."


def test_search_and_play_asks_the_player_for_the_query_and_says_what_happened() -> None:
    from edge.actions.messages import MediaCommand
    from edge.actions.testing import RecordingBackend, recording_executor
    from edge.messages import Understanding
    from edge.skills.media import MediaSkill

    backend = RecordingBackend()
    skill = MediaSkill(recording_executor(backend))
    said = asyncio.run(skill.act(Understanding("HassMediaSearchAndPlay",
                                               {"search_query": "miles davis"}, 1.0),
                                 TurnRef("d", "s", 1)))
    assert said == "Playing miles davis."
    assert backend.actions == [MediaCommand("search_play", query="miles davis")]
    backend.fail["music player"] = "nothing in the music library matches 'polka'"
    said = asyncio.run(skill.act(Understanding("HassMediaSearchAndPlay",
                                               {"search_query": "polka"}, 1.0),
                                 TurnRef("d", "s", 2)))
    assert said == "I couldn't find polka in the music library."


def test_a_broadcast_is_one_message_with_what_to_say_and_who_says_it() -> None:
    from edge.actions.messages import Broadcast
    from edge.actions.testing import RecordingBackend, recording_executor
    from edge.messages import Understanding
    from edge.skills.broadcast import BroadcastSkill

    backend = RecordingBackend()
    skill = BroadcastSkill(recording_executor(backend))
    turn = TurnRef("kitchen-speaker", "s", 1)
    said = asyncio.run(skill.act(Understanding("HassBroadcast", {"message": "dinner is ready"},
                                               1.0), turn))
    assert said == "Okay, I've told everyone."
    assert backend.actions == [Broadcast("dinner is ready", "kitchen-speaker")]
    assert asyncio.run(skill.act(Understanding("HassBroadcast", {}, 1.0), turn)) == \
        "What should I announce?"
    assert len(backend.actions) == 1
