"""Whisper as the judge of grammar candidates (edge/stages/whisper_rescore.py).

The candidate generator on garbled texts (no model), then real Whisper tiny.en on speech
synthesised by espeak-ng: the right sentence outscores a near miss, a garbled hypothesis
loses to the grammar's sentence, a cloud question is not claimed, and the encoder output the
transcription made is the one the scoring uses.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from contract.inventory import load_inventory
from edge.messages import Understanding
from edge.speech_eval.phrases import INVENTORY
from edge.stages.grammar import CompiledGrammar
from edge.stages.grammar_stt import GrammarResult
from edge.stages.whisper_rescore import (
    RescoreSettings,
    candidates,
    decide,
    normalise,
    render,
    said_exactly,
)


@pytest.fixture(scope="module")
def grammar() -> CompiledGrammar:
    from edge.stages.grammar_stt import GrammarRecognizer

    return GrammarRecognizer(load_inventory(INVENTORY)).grammar


def _texts(whisper_text: str, grammar: CompiledGrammar, fast: GrammarResult | None = None
           ) -> list[str]:
    return [c.text for c in candidates(whisper_text, grammar, fast, RescoreSettings())]


def test_whisper_text_in_the_grammar_alphabet() -> None:
    assert normalise("Set the Office Light to 40%.") == "set the office light to forty percent"
    assert normalise("Hey, call Tomás!") == "hey call tomas"
    assert normalise("Ok, so put all the lights on in the garage.") == \
        "okay so put all the lights on in the garage"  # the grammar's "okay"
    assert said_exactly("Hey Jarvis, OK so put all the lights on in the garage.",
                        "okay so put all the lights on in the garage")


def test_sentences_are_written_as_whisper_writes_them(grammar: CompiledGrammar) -> None:
    assert render("set the office light to forty percent", grammar) == \
        "Set the Office Light to 40%."
    assert render("can you start a timer for twenty five minutes", grammar, "?") == \
        "Can you start a timer for 25 minutes?"
    assert render("call grandma rose", grammar) == "Call Grandma Rose."
    assert render("why is the sky blue", grammar) is None


@pytest.mark.parametrize(("garbled", "right"), [
    ("Sweet chop the coffee maker.", "Switch off the Coffee Maker."),
    ("Change the garage light thread.", "Change the Garage Light to red."),
    ("Kitchen Lights, Office.", "Kitchen Lights off."),
    ("Set the volume to 13.", "Set the volume to 30."),  # its teen/ty twin
])
def test_nearest_sentences_hold_the_right_one(grammar: CompiledGrammar, garbled: str,
                                              right: str) -> None:
    texts = _texts(garbled, grammar)
    assert right in texts
    assert len(texts) <= RescoreSettings().nearest


def test_the_fast_layers_hypothesis_is_a_candidate(grammar: CompiledGrammar) -> None:
    fast = GrammarResult("give dad a call", Understanding("CallContact", {"contact": "Dad"}),
                         0.1, -5.0, 1.0, 100, 50.0, 2.0)
    found = candidates("Give that a call.", grammar, fast, RescoreSettings())
    assert found[0].text == "Give Dad a call." and "fast" in found[0].source
    assert found[0].understanding.slots == {"contact": "Dad"}


def test_a_best_candidate_the_nlu_agrees_with_answers_up_to_the_agree_gap() -> None:
    s = RescoreSettings(max_gap=2.0, token_bonus=0.0, agree_gap=12.0)
    assert decide((-10.0, 5), [(-20.0, 5)], s, [True]) == (0, 10.0)
    assert decide((-10.0, 5), [(-20.0, 5)], s, [False]) == (None, 10.0)
    assert decide((-10.0, 5), [(-30.0, 5)], s, [True])[0] is None  # beyond the agree gap
    assert decide((-10.0, 5), [(-20.0, 5)], RescoreSettings(max_gap=2.0, token_bonus=0.0,
                                                            agree_gap=None), [True])[0] is None
    # Only the best candidate's agreement counts.
    assert decide((-10.0, 5), [(-20.0, 5), (-25.0, 5)], s, [False, True])[0] is None


def test_the_decision_is_the_gap_against_the_best_candidate() -> None:
    s = RescoreSettings(max_gap=2.0, token_bonus=0.0)
    assert decide((-10.0, 5), [(-20.0, 5), (-11.5, 5)], s) == (1, 1.5)
    assert decide((-10.0, 5), [(-20.0, 5)], s) == (None, 10.0)
    assert decide((-10.0, 5), [], s)[0] is None
    # The per-token bonus: a longer candidate is not beaten for its length alone.
    longer = RescoreSettings(max_gap=0.0, token_bonus=3.0)
    assert decide((-10.0, 3), [(-13.0, 5)], longer)[0] == 0


# -- real Whisper tiny.en on synthesised speech --------------------------------------------

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="needs espeak-ng (apt-get install espeak-ng)")


def _say(text: str) -> np.ndarray:
    from edge.audio.wavfile import read_wav

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "say.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(out), text],
                       check=True, capture_output=True, timeout=30)
        speech = read_wav(out)
    pad = np.zeros(4000, dtype=np.int16)
    return np.concatenate([pad, speech, pad])


@pytest.fixture(scope="module")
def whisper() -> tuple[Any, Any, Any]:
    from edge.stages.stt import FasterWhisperStt
    from edge.stages.whisper_rescore import Rescorer

    stt = FasterWhisperStt(threads=2)
    stt.bias_towards(load_inventory(INVENTORY).names(), "Hey Jarvis")
    rescorer = Rescorer(stt)
    return stt, rescorer, rescorer.judge


@pytest.mark.slow
@needs_espeak
def test_whisper_prefers_the_sentence_said_and_rescues_a_garbled_hypothesis(
        whisper: tuple[Any, Any, Any], grammar: CompiledGrammar) -> None:
    from edge.stages.whisper_rescore import rescore

    _, rescorer, judge = whisper
    samples = _say("Switch off the coffee maker.")
    _, encoded = rescorer.transcribe(samples)
    assert encoded is not None
    assert encoded.samples == len(samples)
    right, wrong = judge.score(encoded.output, ["Switch off the Coffee Maker.",
                                                "Switch on the Coffee Maker."], len(samples))
    assert right[0] > wrong[0]
    # Whisper's hypothesis garbled: the grammar's sentence is likelier, and answers exactly.
    result = rescore(judge, samples, "Sweet chop the coffee maker.", grammar, None,
                     encoder_output=encoded.output)
    assert result.understanding is not None
    assert (result.understanding.intent, result.understanding.slots) == \
        ("HassTurnOff", {"name": "Coffee Maker"})
    assert result.gap < 0 and result.ms["encode"] == 0.0


@pytest.mark.slow
@needs_espeak
@pytest.mark.parametrize("question", ["What is the capital of Australia?",
                                      "Who wrote Hamlet?"])
def test_a_cloud_question_is_not_claimed(whisper: tuple[Any, Any, Any],
                                         grammar: CompiledGrammar, question: str) -> None:
    _, rescorer, _ = whisper
    samples = _say(question)
    raw, encoded = rescorer.transcribe(samples)
    result = rescorer.rescore(samples, raw, grammar, None, encoded)
    assert result.scored  # there were candidates ("What is the time?" ...)
    assert result.understanding is None and result.gap > RescoreSettings().max_gap


@pytest.mark.slow
@needs_espeak
def test_the_tap_holds_the_transcriptions_encoder_output(whisper: tuple[Any, Any, Any]
                                                         ) -> None:
    stt, rescorer, judge = whisper
    samples = _say("Call mom.")
    raw, encoded = rescorer.transcribe(samples)
    assert raw == stt.transcribe(samples)  # the tap leaves the transcription alone
    assert encoded is not None and encoded.samples == len(samples)
    assert np.allclose(np.asarray(encoded.output), np.asarray(judge.encode(samples)), atol=1e-4)


@pytest.mark.slow
@needs_espeak
def test_an_early_transcription_is_scored_over_the_audio_it_heard(
        whisper: tuple[Any, Any, Any], grammar: CompiledGrammar) -> None:
    """Whisper started in the hangover heard the request up to its pause; the endpoint's
    utterance runs on through the rest of the silence. The rescoring reads the encoder
    frames of what Whisper heard, as `tandem bench speech` does, whatever follows."""
    _, rescorer, judge = whisper
    samples = _say("Switch off the coffee maker.")
    raw, encoded = rescorer.transcribe(samples)
    utterance = np.concatenate([samples, np.zeros(16000, np.int16)])  # 1 s more silence
    early = rescorer.rescore(utterance, raw, grammar, None, encoded)
    heard = rescorer.rescore(samples, raw, grammar, None, encoded)
    assert early.hypothesis_logprob == heard.hypothesis_logprob
    assert [c.logprob for c in early.scored] == [c.logprob for c in heard.scored]
    # what the frames of the longer audio would have scored instead
    longer = judge.score(encoded.output, [raw], len(utterance))[0][0]
    assert longer != early.hypothesis_logprob


def test_a_confident_reading_for_the_cloud_is_not_overruled() -> None:
    from edge.stages.whisper_rescore import may_overrule

    s = RescoreSettings()
    assert not may_overrule(Understanding("cloud", {}, 0.95), s)  # "what is the capital..."
    assert may_overrule(Understanding("cloud", {}, 0.6), s)  # "sweet chop the coffee maker"
    assert may_overrule(Understanding("HassTurnOn", {"name": "Kitchen Lights"}, 0.99), s)
    assert may_overrule(None, s)
    assert may_overrule(Understanding("cloud", {}, 1.0), RescoreSettings(keep_cloud_reading=None))


def test_two_recognisers_that_heard_the_same_command_are_not_rescored() -> None:
    from edge.stages.whisper_rescore import heard_alike

    s = RescoreSettings()
    lights = Understanding("HassTurnOn", {"name": "Kitchen Lights"}, 0.99)
    assert heard_alike(lights, Understanding("HassTurnOn", {"name": "Kitchen Lights"}, 0.3),
                       0.7, s)
    # another slot, another intent, an unsure reading, no fast command: rescored
    assert not heard_alike(lights, Understanding("HassTurnOn", {"name": "Porch Light"}, 0.3),
                           0.7, s)
    assert not heard_alike(lights, Understanding("HassTurnOff", {"name": "Kitchen Lights"},
                                                 0.3), 0.7, s)
    assert not heard_alike(Understanding("HassTurnOn", {"name": "Kitchen Lights"}, 0.5),
                           lights, 0.7, s)
    assert not heard_alike(lights, None, 0.7, s)
    assert not heard_alike(Understanding("cloud", {}, 0.99), Understanding("cloud", {}, 1.0),
                           0.7, s)
    assert not heard_alike(lights, lights, 0.7, RescoreSettings(skip_when_alike=False))


def test_a_candidate_acts_only_on_a_target_whisper_heard() -> None:
    from edge.stages.whisper_rescore import spelled_like, target_heard

    s = RescoreSettings()
    assert s.min_name_similarity is not None
    # a misheard name is corrected: "damage" is spelled like "garage", "Madroom" like
    # "bedroom"; "off" is no evidence of "office"
    assert spelled_like("Garage Light", "Please turn the damage light off.", 0.5)
    assert spelled_like("Bedroom Lights", "Could you make a Madroom Lights, Blue?", 0.5)
    assert not spelled_like("Office Light", "Please turn the garage light off.", 0.5)
    garage = Understanding("HassTurnOff", {"name": "garage light"}, 0.9)  # the home lacks it
    office = Understanding("HassTurnOff", {"name": "Office Light"}, 0.5)
    every = Understanding("HassTurnOff", {"domain": "light"}, 0.5)
    said = "Please turn the garage light off."
    assert not target_heard(office, garage, said, s)  # another device
    assert not target_heard(every, garage, said, s)  # every light for the one asked for
    damaged = Understanding("HassTurnOff", {"name": "damage light"}, 0.9)
    assert target_heard(Understanding("HassTurnOff", {"name": "Garage Light"}, 0.5), damaged,
                        "Please turn the damage light off.", s)
    assert target_heard(office, Understanding("HassTurnOff", {"name": "Office Light"}, 0.9),
                        said, s)  # what the NLU read
    assert target_heard(office, garage, said, RescoreSettings(min_name_similarity=None))


def test_against_a_cloud_reading_only_the_fast_layers_sentence_answers(
        grammar: CompiledGrammar) -> None:
    """Pocketsphinx heard "turn the volume up", Whisper wrote "Turn them on your mouth."
    (which the NLU keeps for the cloud): only the fast sentence, within the tighter gap."""
    from edge.stages.whisper_rescore import overrule_settings

    s = RescoreSettings()
    cloud = Understanding("cloud", {}, 0.99)
    assert overrule_settings(Understanding("HassTurnOn", {}, 0.99), s) is s
    tight = overrule_settings(cloud, s)
    assert tight is not None and tight.max_gap == s.fast_overrule_gap
    assert tight.agree_gap is None and tight.nearest == 0
    assert overrule_settings(cloud, RescoreSettings(fast_overrule_gap=None)) is None
    assert overrule_settings(cloud, RescoreSettings(use_fast=False)) is None
    fast = GrammarResult("turn the volume up", Understanding("HassSetVolumeRelative",
                                                             {"volume_step": "up"}, 0.4),
                         0.4, -4.0, 1.0, 100, 10.0, 1.0)
    only = candidates("Turn them on your mouth.", grammar, fast, tight)
    assert [c.source for c in only] == ["fast"]
    assert decide((-6.0, 6), [(-15.0, 6)], tight)[0] == 0  # gap 9: answers
    assert decide((-6.0, 6), [(-17.0, 6)], tight)[0] is None  # gap 11: the cloud's


def test_whisper_s_own_text_answers_when_it_is_a_grammar_sentence() -> None:
    """The scoring favours short sentences ("Dial Mom." over the "Dial Doctor Okafor."
    Whisper wrote): a candidate that is Whisper's own text wins."""
    from edge.stages.whisper_rescore import said_exactly

    assert said_exactly("Hey Jarvis, dial Doctor Okafor.", "dial doctor okafor")
    assert said_exactly("Set the volume to 30%.", "set the volume to thirty percent")
    assert not said_exactly("Dial Doctor Okafor.", "dial mom")
    assert not said_exactly("", "") and not said_exactly("Hey Jarvis.", "")
    s = RescoreSettings()
    scores = [(-40.9, 6), (-24.9, 3)]  # Whisper's own sentence, then "Dial Mom."
    assert decide((-40.9, 6), scores, s)[0] == 1  # by score alone: the shorter one
    assert decide((-40.9, 6), scores, s, exact=[True, False]) == (0, 0.0)
