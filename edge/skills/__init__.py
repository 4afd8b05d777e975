"""Local skills: the commands the device answers by itself, without the cloud.

A skill either answers from the device itself (`handle`: the time, a timer) or acts on
something real through `edge.actions` (`act`: the home's devices, the music player, the
car). `Skills.carry_out` runs a whole plan (`edge.nlu.plan`): nothing for a negated
request, a question first for a sensitive one, actions for later onto the schedule, the rest
in spoken order, and one reply that says what really happened.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from contract.inventory import Inventory
from edge.actions.executor import ActionExecutor, TurnRef
from edge.actions.schedule import Schedule
from edge.messages import Understanding
from edge.nlu.plan import Plan, PlannedAction
from edge.skills.confirm import ConfirmFirst, FollowUp

NOTHING_TO_DO = "Okay, I won't."
NOT_HERE = "I can't do that on this device."


class Skill(Protocol):
    intents: frozenset[str]


class AnsweringSkill(Skill, Protocol):
    def handle(self, understanding: Understanding) -> str | FollowUp:
        """Answer from the device itself, in one or two short sentences."""
        ...


class ActingSkill(Skill, Protocol):
    def act(self, understanding: Understanding, turn: TurnRef) -> Awaitable[str | FollowUp]:
        """Act through the executor; say what really happened (failures by name)."""
        ...


class Skills:
    def __init__(self, skills: list[Skill], inventory: Inventory | None = None,
                 executor: ActionExecutor | None = None,
                 schedule: Schedule | None = None, state_dir: Path | None = None) -> None:
        self.inventory = inventory or Inventory()
        self.executor = executor
        self.schedule = schedule
        self.state_dir = state_dir
        self._confirm = ConfirmFirst()
        self._by_intent: dict[str, Skill] = {}
        for skill in skills:
            for intent in skill.intents:
                if intent in self._by_intent:
                    raise ValueError(f"two skills claim intent {intent}")
                self._by_intent[intent] = skill

    def handles(self, intent: str) -> bool:
        return intent in self._by_intent

    async def act(self, understanding: Understanding, turn: TurnRef) -> str:
        """Run one understood request; a skill that needs more asks, and holds the rest."""
        skill = self._by_intent[understanding.intent]
        acting = getattr(skill, "act", None)
        if acting is not None:
            said = await acting(understanding, turn)
        else:
            said = skill.handle(understanding)  # type: ignore[attr-defined]
        if isinstance(said, FollowUp):
            return self._confirm.follow_up(said)
        return str(said)

    def needs_confirmation(self, plan: Plan) -> bool:
        return plan.confirm

    def blocked(self, action: PlannedAction) -> str | None:
        """Why this device may not do `action` (a fleet policy blocks it), or None."""
        return None

    async def carry_out(self, plan: Plan, turn: TurnRef, first_part: int = 0) -> str:
        """`first_part`: the part number of the plan's first action within its turn (a
        turn that carries out more than one plan numbers them on, so that no two actions
        share an idempotency key)."""
        if not plan.actions:
            return NOTHING_TO_DO
        for action in plan.actions:
            reason = self.blocked(action)
            if reason is not None:
                return reason
        if self.needs_confirmation(plan):
            return self._confirm.ask(lambda: self._run(plan, turn, first_part))
        return await self._run(plan, turn, first_part)

    async def _run(self, plan: Plan, turn: TurnRef, first_part: int = 0) -> str:
        said = []
        for part, action in enumerate(plan.actions, first_part):
            if action.delay_s is not None or action.at is not None:
                said.append(self._later(action, turn))
            elif self.handles(action.intent):
                understanding = Understanding(action.intent, dict(action.slots),
                                              action.confidence)
                said.append(await self.act(understanding, turn.part(part)))
            else:
                said.append(NOT_HERE)
        return " ".join(said)

    def _later(self, action: PlannedAction, turn: TurnRef) -> str:
        if self.schedule is None or not self.handles(action.intent):
            return "I can't do that later on this device."
        item = self.schedule.add(action.intent, dict(action.slots), f"turn {turn.turn_id}",
                                 delay_s=action.delay_s, at=action.at)
        when = time.strftime("%H:%M", time.localtime(item.due))
        return f"Okay, I'll do that at {when}."

    async def run_due(self, turn: TurnRef, announce: Callable[[str], None]) -> None:
        """Run the scheduled actions whose time has come (called every second or so)."""
        if self.schedule is None:
            return
        run, missed = self.schedule.take_due()
        for item in run:
            part = turn.part(item.id)
            reply = await self.act(Understanding(item.intent, item.slots, 1.0), part)
            if self.executor is not None and any(not r.ok
                                                 for r in self.executor.outcomes(part)):
                announce(f"A scheduled action failed. {reply}")
        for item in missed:
            announce(f"I missed a scheduled {item.intent} while I was off.")

    @property
    def awaiting_answer(self) -> bool:
        """A question was asked ("shall I go ahead?"): the next turn is its answer."""
        return self._confirm.waiting

    async def answer(self, transcript: str) -> str:
        return await self._confirm.answer(transcript)

    def forget_question(self) -> None:
        self._confirm.forget()

    def attach_output(self, output: object) -> None:
        """The playback queue, for skills that act on the device itself (its volume)."""
        for skill in dict.fromkeys(self._by_intent.values()):
            attach = getattr(skill, "attach_output", None)
            if attach is not None:
                attach(output)

    def due_announcements(self) -> list[str]:
        """What skills want said now, unasked (a timer that ran out)."""
        said: list[str] = []
        for skill in dict.fromkeys(self._by_intent.values()):  # each skill once
            due = getattr(skill, "due", None)
            if due is not None:
                said += due()
        return said

    def silence_ringing(self) -> str | None:
        """Stop whatever rings (a timer that ran out: "stop"); what to say of it, None when
        nothing rang."""
        said = []
        for skill in dict.fromkeys(self._by_intent.values()):
            stop = getattr(skill, "stop_ringing", None)
            if stop is not None and (stopped := stop()) is not None:
                said.append(stopped)
        return " ".join(said) or None


def default_skills(inventory: Inventory, executor: ActionExecutor | None = None,
                   schedule: Schedule | None = None, state_dir: Path | None = None) -> Skills:
    """The device's skills; with a `state_dir`, what they keep (lists, timers) survives a
    restart."""
    from edge.skills.broadcast import BroadcastSkill
    from edge.skills.car import CarSkill
    from edge.skills.clock import ClockSkill
    from edge.skills.home import HomeSkill
    from edge.skills.lists import ListSkill
    from edge.skills.media import MediaSkill
    from edge.skills.timers import TimerSkill
    from edge.skills.volume import VolumeSkill

    timers = TimerSkill(state_dir / "timers.db" if state_dir else None)
    return Skills([
        HomeSkill(inventory, executor), MediaSkill(executor), CarSkill(executor),
        BroadcastSkill(executor),
        timers, ClockSkill(), VolumeSkill(),
        ListSkill(inventory, state_dir / "lists.db" if state_dir else None),
        NevermindSkill(timers.stop_ringing),
    ], inventory, executor, schedule, state_dir)


class NevermindSkill:
    """ "Never mind": nothing to do, unless something rings (a timer): then it stops that."""

    intents = frozenset({"HassNevermind"})

    def __init__(self, stop_ringing: Callable[[], str | None] | None = None) -> None:
        self._stop_ringing = stop_ringing  # says what it stopped; None: nothing rang

    def handle(self, understanding: Understanding) -> str:
        stopped = self._stop_ringing() if self._stop_ringing is not None else None
        return stopped or "Okay."
