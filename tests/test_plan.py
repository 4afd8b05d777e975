"""The planner: requests that are safe to act on (negation, delays, compounds, references,
sensitive actions), with the real intent model, and the `tandem nlu parse` contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from contract.inventory import Device, Inventory, load_inventory
from edge.nlu.plan import Plan, PlanContext, Planner, _take_time
from edge.nlu.plan_bench import INVENTORY, SETS, evaluate
from edge.nlu.text import words_of
from edge.stages.nlu import load_nlu

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def planner() -> Planner:
    inventory = load_inventory(INVENTORY)
    return Planner(load_nlu(inventory), inventory)


def _actions(plan: Plan) -> list[dict[str, object]]:
    return [a.to_json() for a in plan.actions]


def test_a_negated_command_plans_nothing(planner: Planner) -> None:
    for text in ("please do not switch on the porch light", "don't open the garage door",
                 "no, never turn on the space heater"):
        assert _actions(planner.plan(text)) == [], text


def test_only_the_negated_clause_is_dropped(planner: Planner) -> None:
    plan = planner.plan("turn on the desk lamp but don't turn on the ceiling fan")
    assert _actions(plan) == [{"intent": "HassTurnOn", "slots": {"name": "Desk Lamp"}}]


def test_compound_requests_keep_spoken_order_and_carry_the_verb(planner: Planner) -> None:
    plan = planner.plan("switch off the desk lamp, then turn on the ceiling fan and the porch"
                        " light")
    assert _actions(plan) == [
        {"intent": "HassTurnOff", "slots": {"name": "Desk Lamp"}},
        {"intent": "HassTurnOn", "slots": {"name": "Ceiling Fan"}},
        {"intent": "HassTurnOn", "slots": {"name": "Porch Light"}},
    ]
    assert plan.understanding.intent == "HassTurnOff"  # intent/slots: the first action


def test_list_items_become_one_action_each(planner: Planner) -> None:
    plan = planner.plan("add nails, screws and glue to the hardware store list")
    assert [a.slots["item"] for a in plan.actions] == ["nails", "screws", "glue"]
    assert {a.slots["name"] for a in plan.actions} == {"Hardware Store"}


def test_and_inside_an_inventory_name_does_not_split() -> None:
    inventory = Inventory(areas=("Kitchen",), devices=(
        Device("Salt and Pepper Lamp", "light", "Kitchen"), Device("Fan", "fan", "Kitchen")))
    planner = Planner(load_nlu(inventory), inventory)
    clauses = planner._clauses(words_of("turn on the salt and pepper lamp and the fan"))
    assert clauses == [words_of("turn on the salt and pepper lamp"), ["the", "fan"]]


@pytest.mark.parametrize(("text", "rest", "delay_s", "at"), [
    ("turn off the lights in fifteen minutes", "turn off the lights", 900, None),
    ("in half an hour switch off the heater", "switch off the heater", 1800, None),
    ("turn it off in 1 hour and 30 minutes", "turn it off", 5400, None),
    ("turn on the porch light at 7 pm", "turn on the porch light", None, "19:00"),
    ("at 6:30 in the morning open the blinds", "open the blinds", None, "06:30"),
    ("close the blinds at 12 am", "close the blinds", None, "00:00"),
    ("turn off the fan at noon", "turn off the fan", None, "12:00"),
    ("turn off the lights in the bedroom", "turn off the lights in the bedroom", None, None),
    ("turn the volume up by 20", "turn the volume up by 20", None, None),
    ("set the lamp at 20 percent", "set the lamp at 20 percent", None, None),
    ("close the blinds by 9 pm", "close the blinds", None, "21:00"),
])
def test_delays_and_clock_times_come_out_of_the_words(
    text: str, rest: str, delay_s: int | None, at: str | None
) -> None:
    got_rest, got_delay, got_at = _take_time(words_of(text))
    assert (" ".join(got_rest), got_delay, got_at) == (rest, delay_s, at)


def test_a_timer_keeps_its_duration(planner: Planner) -> None:
    plan = planner.plan("set a timer for ten minutes")
    assert _actions(plan) == [{"intent": "HassStartTimer", "slots": {"minutes": 10}}]


def test_references_fill_the_last_target_only_within_the_window(planner: Planner) -> None:
    context = PlanContext(window_s=60)
    planner.plan("turn on the coffee maker", context, now=100.0)
    assert _actions(planner.plan("turn it off", context, now=130.0)) == [
        {"intent": "HassTurnOff", "slots": {"name": "Coffee Maker"}}]
    stale = planner.plan("turn it off", PlanContext(context.target, context.intent, 100.0, 60),
                         now=200.0)
    assert all("name" not in a.slots for a in stale.actions)


def test_unlocking_and_opening_an_entrance_need_a_yes(planner: Planner) -> None:
    assert planner.plan("unlock the front door").confirm
    assert planner.plan("open the garage door in five minutes").confirm
    assert planner.plan("turn off the porch light and unlock the front door").confirm
    assert not planner.plan("lock the front door").confirm
    assert not planner.plan("open the bedroom blinds").confirm


def test_the_held_out_set_meets_its_targets() -> None:
    report = evaluate(SETS["heldout"], INVENTORY)
    assert report["exact"] >= 0.9, report["errors"]
    assert report["sensitive_unconfirmed"] == 0
    assert report["negated_acted_on"] == 0


def test_nlu_parse_prints_actions_and_confirm() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "nlu", "parse", "--inventory", str(INVENTORY),
         "--jsonl"],
        input='{"text": "do not unlock the front door"}\n'
              '{"text": "turn off the porch light in ten minutes"}\n',
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout.splitlines()
    negated, delayed = (json.loads(line) for line in out)
    assert negated["actions"] == [] and negated["confirm"] is False
    assert delayed["actions"] == [{"intent": "HassTurnOff", "slots": {"name": "Porch Light"},
                                   "delay_s": 600}]
    assert delayed["intent"] == "HassTurnOff" and delayed["slots"] == {"name": "Porch Light"}


@pytest.mark.parametrize(("text", "more"), [
    ("Don't turn on the ceiling fan.", True),
    ("Turn off the lights in ten minutes.", True),
    ("Wake me at 7 am.", True),
    ("Turn on the lights and tell me a joke.", True),
    ("Set a timer for ten minutes.", False),  # the timer's own duration
    ("Sweet chop the coffee maker.", False),  # a garbled command: the rescoring may help
    ("Hope you talk, I'm the Living Room Lamp.", False),
    # A conjunction that leads or ends the text joins nothing ("add" heard as "and").
    ("And bread to the shopping list.", False),
    ("But end on my shopping list.", False),
    ("Turn off the lights and.", False),
    ("And turn off the lights and the fan.", True),
])
def test_what_no_single_command_sentence_may_stand_in_for(text: str, more: bool) -> None:
    from edge.nlu.plan import more_than_one_command

    assert more_than_one_command(text) is more
