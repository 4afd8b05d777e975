"""Local skills: the commands the device answers by itself, without the cloud."""

from __future__ import annotations

from typing import Protocol

from edge.inventory import Inventory
from edge.messages import Understanding


class Skill(Protocol):
    intents: frozenset[str]

    def handle(self, understanding: Understanding) -> str:
        """Do it, and say what was done in one or two short sentences."""
        ...


class Skills:
    def __init__(self, skills: list[Skill]) -> None:
        self._by_intent: dict[str, Skill] = {}
        for skill in skills:
            for intent in skill.intents:
                if intent in self._by_intent:
                    raise ValueError(f"two skills claim intent {intent}")
                self._by_intent[intent] = skill

    def handles(self, intent: str) -> bool:
        return intent in self._by_intent

    def handle(self, understanding: Understanding) -> str:
        return self._by_intent[understanding.intent].handle(understanding)

    @property
    def awaiting_answer(self) -> bool:
        """A question was asked ("shall I go ahead?"): the next turn is its answer."""
        return False

    def answer(self, transcript: str) -> str:
        raise RuntimeError("no question is waiting for an answer")

    def due_announcements(self) -> list[str]:
        """What skills want said now, unasked (a timer that ran out)."""
        said: list[str] = []
        for skill in dict.fromkeys(self._by_intent.values()):  # each skill once
            due = getattr(skill, "due", None)
            if due is not None:
                said += due()
        return said


def default_skills(inventory: Inventory) -> Skills:
    from edge.skills.car import CarSkill
    from edge.skills.clock import ClockSkill
    from edge.skills.home import HomeSkill
    from edge.skills.lists import ListSkill
    from edge.skills.timers import TimerSkill
    from edge.skills.volume import VolumeSkill

    return Skills([
        HomeSkill(inventory), TimerSkill(), ClockSkill(), VolumeSkill(), CarSkill(),
        ListSkill(inventory), NevermindSkill(),
    ])


class NevermindSkill:
    intents = frozenset({"HassNevermind"})

    def handle(self, understanding: Understanding) -> str:
        return "Okay."
