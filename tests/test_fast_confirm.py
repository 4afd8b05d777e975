"""Whisper's decoder confirming the fast layer's command (edge.stages.fast_confirm)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from contract.inventory import load_inventory
from edge.messages import Understanding
from edge.settings import ConfirmSettings
from edge.speech_eval.phrases import INVENTORY
from edge.stages.fast_confirm import Confirmation, judge_scores
from edge.stages.grammar import CompiledGrammar
from edge.stages.grammar_stt import Calibration, GrammarResult
from tests.test_whisper_rescore import _say, needs_espeak


def test_the_commands_best_rendering_is_judged_against_other_meanings() -> None:
    # (summed log-probability, tokens); the token bonus 3 favours the longer rendering
    per_token, margin = judge_scores([(-6.0, 6), (-5.0, 4)], [(-9.0, 6), (-20.0, 8)], 3.0)
    assert per_token == pytest.approx(-1.0)  # -6/6 (adjusted 12) beats -5/4 (adjusted 7)
    assert margin == pytest.approx(12.0 - 9.0)
    assert judge_scores([(-6.0, 6)], [], 3.0) == (-1.0, math.inf)  # nothing else competes
    assert judge_scores([], [(-6.0, 6)], 3.0) == (-math.inf, -math.inf)


def test_a_confirmation_answers_only_when_likely_and_ahead_of_other_meanings() -> None:
    s = ConfirmSettings(min_per_token=-2.5, min_margin=1.0)
    assert Confirmation(-2.0, 3.0).accepted(s)
    assert not Confirmation(-3.0, 3.0).accepted(s)  # the sentence itself unlikely
    assert not Confirmation(-2.0, 0.5).accepted(s)  # another meaning close behind
    with pytest.raises(ValueError, match="window_s"):
        ConfirmSettings(window_s=0.1)


def test_a_confirmed_result_is_accepted_below_the_threshold() -> None:
    r = GrammarResult("turn on the kitchen lights",
                      Understanding("HassTurnOn", {"name": "Kitchen Lights"}, 1.0),
                      confidence=0.1, score_per_frame=-4.0, posterior=0.0, frames=100,
                      decode_ms=0.0, finish_ms=0.0)
    assert not r.accepted(Calibration())
    r.confirmed = -1.2
    assert r.accepted(Calibration())
    r.understanding = None  # never a sentence that is no whole command
    assert not r.accepted(Calibration())


def test_a_commands_twins_are_its_opposite_and_its_neighbouring_numbers() -> None:
    from edge.stages.fast_confirm import twins

    assert twins("turn on the kitchen lights") == ["turn off the kitchen lights"]
    volume = twins("put volume at eight percent")
    assert "put volume at eighty percent" in volume and "put volume at nine percent" in volume
    timer = twins("set a timer for twenty five minutes")
    assert {"set a timer for twenty nine minutes", "set a timer for sixty five minutes"} \
        <= set(timer)
    assert "set a timer for twenty five minutes" not in timer
    assert twins("what time is it") == []


def test_the_competitors_are_the_commands_minimal_pairs(grammar: CompiledGrammar) -> None:
    from edge.settings import RescoreSettings
    from edge.stages.fast_confirm import competitors

    def meanings(text: str, intent: str, slots: dict[str, Any]) -> list[tuple[str, Any]]:
        found = competitors(_heard(text, intent, slots), grammar, ConfirmSettings(),
                            RescoreSettings())
        return [(c.understanding.intent, c.understanding.slots) for c in found]

    lights = meanings("turn on the kitchen lights", "HassTurnOn", {"name": "Kitchen Lights"})
    assert lights[0] == ("HassTurnOn", {"name": "Kitchen Lights"})
    # other wordings, some of another meaning (the area's lights, not the named device)
    assert ("HassTurnOn", {"domain": "light", "area": "Kitchen"}) in lights
    assert ("HassTurnOff", {"name": "Kitchen Lights"}) in lights  # its twin, said
    volume = meanings("turn the volume to thirty percent", "HassSetVolume",
                      {"volume_level": 30})
    assert ("HassSetVolume", {"volume_level": 13}) in volume  # the teen/ty twin


@pytest.fixture(scope="module")
def rescorer() -> Any:
    from edge.stages.stt import FasterWhisperStt
    from edge.stages.whisper_rescore import Rescorer

    return Rescorer(FasterWhisperStt(threads=2))


@pytest.fixture(scope="module")
def grammar() -> CompiledGrammar:
    from edge.stages.grammar_stt import GrammarRecognizer

    return GrammarRecognizer(load_inventory(INVENTORY)).grammar


def _heard(text: str, intent: str, slots: dict[str, Any]) -> GrammarResult:
    return GrammarResult(text, Understanding(intent, slots, 1.0), 0.1, -4.0, 0.0, 100, 0.0,
                         0.0)


@pytest.mark.slow
@needs_espeak
def test_whisper_confirms_the_command_said_and_not_its_minimal_pair(
        rescorer: Any, grammar: CompiledGrammar) -> None:
    samples = _say("Switch off the coffee maker.")
    settings = ConfirmSettings()
    said = rescorer.confirm(samples, grammar, _heard(
        "switch off the coffee maker", "HassTurnOff", {"name": "Coffee Maker"}), settings)
    assert said.accepted(settings) and said.competitors > 0
    # what pocketsphinx might have held instead: "on" is scored below the "off" it competes with
    pair = rescorer.confirm(samples, grammar, _heard(
        "switch on the coffee maker", "HassTurnOn", {"name": "Coffee Maker"}), settings)
    assert not pair.accepted(settings) and pair.margin < 0
    assert said.ms < 1000  # a short window, not Whisper's 30 s (a bound, not a benchmark)


@pytest.mark.slow
def test_the_short_window_still_covers_a_long_request(rescorer: Any) -> None:
    import numpy as np

    judge = rescorer.judge
    short = judge.encode(np.zeros(16000, dtype=np.int16), window_s=5.0)
    assert np.asarray(short).shape[1] == 250  # 5 s window: 250 encoder frames
    long = judge.encode(np.zeros(16000 * 8, dtype=np.int16), window_s=5.0)
    assert np.asarray(long).shape[1] == 450  # 8 s of request and 1 s more
    assert np.asarray(judge.encode(np.zeros(16000, dtype=np.int16))).shape[1] == 1500
