"""`tandem bench speech`: its labels, its scoring and calibration, and a tiny generated set."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from contract.inventory import load_inventory
from edge.messages import SAMPLE_RATE, AudioFrame, WakeDetected
from edge.settings import ConfirmSettings, EndpointSettings
from edge.skills import default_skills
from edge.speech_eval.phrases import COMMANDS, INVENTORY
from edge.speech_eval.report import Scorer, calibrate, summarize
from edge.speech_eval.runner import Outcome
from edge.speech_eval.voices import DEV, HELD_OUT, VOICES


def test_labels_name_intents_the_device_handles_and_inventory_names() -> None:
    inventory = load_inventory(INVENTORY)
    skills = default_skills(inventory)
    names = {d.name for d in inventory.devices} | set(inventory.areas) | \
        set(inventory.contacts) | set(inventory.places) | set(inventory.lists)
    assert len(COMMANDS) >= 60
    assert len({c.text for c in COMMANDS}) == len(COMMANDS)
    for c in COMMANDS:
        if c.route == "local":
            assert skills.handles(c.intent), c
        for key in ("name", "area", "contact", "destination"):
            if key in c.slots:
                assert c.slots[key] in names, c
    assert sum(c.route == "cloud" for c in COMMANDS) >= 10


def test_voices_split_into_dev_and_held_out_by_speaker() -> None:
    groups = {v.group for v in VOICES}
    assert groups == {DEV, HELD_OUT}
    assert len(VOICES) >= 8
    held = {v.engine for v in VOICES if v.group == HELD_OUT}
    dev = {v.engine for v in VOICES if v.group == DEV}
    assert {"flite", "espeak-ng"} <= held and {"flite", "espeak-ng"} <= dev
    assert "piper" in held  # the device's own voice is never tuned on


def _outcome(route: str, intent: str, slots: dict[str, Any], grammar: dict[str, Any] | None,
             whisper: dict[str, Any], group: str = DEV) -> Outcome:
    return Outcome(file="x.wav", voice="v", group=group, condition="clean", command=0,
                   route=route, intent=intent, slots=slots, command_end_s=2.0, wake_at_s=1.0,
                   wake_score=0.9, endpoint_at_s=2.4, endpoint_reason="silence",
                   grammar=grammar or {}, whisper=whisper)


def _g(intent: str | None, slots: dict[str, Any], score: float) -> dict[str, Any]:
    return {"text": "", "intent": intent, "slots": slots, "score_per_frame": score,
            "finish_ms": 1.0, "decode_ms": 20.0, "at_s": 2.2, "posterior": 0.0, "frames": 1,
            "words": []}


def test_scoring_and_calibration_on_outcomes() -> None:
    scorer = Scorer(load_inventory(INVENTORY))
    lights = {"name": "Kitchen Lights"}
    whisper_ok = {"intent": "HassTurnOn", "slots": lights, "confidence": 0.99, "stt_ms": 300.0}
    whisper_cloud = {"intent": "cloud", "slots": {}, "confidence": 1.0, "stt_ms": 300.0}
    outcomes = [
        # the fast layer right and sure
        _outcome("local", "HassTurnOn", lights, _g("HassTurnOn", lights, -1.5), whisper_ok),
        # the fast layer wrong but unsure: Whisper must answer
        _outcome("local", "HassTurnOn", lights,
                 _g("HassTurnOff", lights, -4.0), whisper_ok),
        # a cloud request the fast layer claims weakly
        _outcome("cloud", "cloud", {}, _g("HassGetCurrentTime", {}, -5.0), whisper_cloud),
    ]
    threshold, _ = calibrate(scorer, outcomes)
    assert -4.0 < threshold <= -1.5
    s = summarize(scorer, outcomes, threshold)
    assert s["two_layer"]["accuracy_given_wake"] == 1.0
    assert s["fast_answered"] == 1 and s["fast_wrong"] == 0
    s_loose = summarize(scorer, outcomes, -10.0)
    assert s_loose["fast_wrong"] == 2 and s_loose["fast_claimed_cloud"] == 1


@pytest.mark.slow
@pytest.mark.skipif(any(shutil.which(t) is None for t in ("espeak-ng", "flite", "sox")),
                    reason="the bench's voices need espeak-ng, flite and sox (apt-get install)")
def test_generator_writes_labelled_recordings(tmp_path: Path) -> None:
    from edge.speech_eval.generate import SET_VERSION, generate, load_manifest

    generate(tmp_path, limit=2)
    rows = load_manifest(tmp_path)
    assert len(rows) == 12  # 2 voice x command pairs x 6 conditions
    for row in rows:
        assert (tmp_path / row.file).exists()
        assert row.wake_end_s < row.command_start_s < row.command_end_s < row.duration_s
    head = json.loads((tmp_path / "manifest.jsonl").read_text().splitlines()[0])
    assert head["set_version"] == SET_VERSION
    # One group made again (its own random draws): the other groups' rows stay as they were.
    generate(tmp_path, limit=1, groups=("independent-dev",))
    again = load_manifest(tmp_path)
    assert again[: len(rows)] == rows
    added = again[len(rows):]
    assert len(added) == 6 and {r.group for r in added} == {"independent-dev"}
    assert all((tmp_path / r.file).exists() for r in added)


@pytest.mark.parametrize(("group", "voices"), [("independent", HELD_OUT),
                                                ("independent-dev", DEV)])
def test_each_independent_set_goes_to_one_group_of_voices_only(group: str, voices: str
                                                                ) -> None:
    from edge.speech_eval.generate import assignments
    from edge.speech_eval.phrases import ALL_COMMANDS, INDEPENDENT, INDEPENDENT_DEV

    written = {"independent": INDEPENDENT, "independent-dev": INDEPENDENT_DEV}[group]
    spoken = [(v, c) for v, c, g in assignments() if g == group]
    assert len(spoken) == len(written) >= 80
    assert {VOICES[v].group for v, _ in spoken} == {voices}
    assert [ALL_COMMANDS[c] for _, c in spoken] == list(written)
    assert sum(c.route == "cloud" for c in written) >= 10
    inventory = load_inventory(INVENTORY)
    names = set(inventory.names())
    for command in written:  # labels in the inventory's spelling
        for key in ("name", "area", "contact", "destination"):
            if key in command.slots:
                assert command.slots[key] in names, command


@pytest.mark.slow
def test_runner_takes_a_recording_through_wake_endpoint_and_both_layers(tmp_path: Path) -> None:
    """The piper voice, clean: the wake word fires, the fast layer decides early on the
    right command, Whisper + NLU agree, and the endpoint comes after the true end."""
    from edge.speech_eval.generate import Recording, compose
    from edge.speech_eval.report import Scorer
    from edge.speech_eval.runner import Evaluator
    from edge.speech_eval.voices import Synthesizer
    from edge.stages.grammar_stt import Calibration

    voice = next(v for v in VOICES if v.engine == "piper")
    synth = Synthesizer()
    audio, span, wake_end = compose(synth.say(voice, "Hey Jarvis."),
                                    synth.say(voice, "Turn off the bedroom lights."), 4000)
    rec = Recording(file="x.wav", voice=voice.name, engine="piper", group=HELD_OUT,
                    condition="clean", command=0, text="turn off the bedroom lights",
                    route="local", intent="HassTurnOff", slots={"name": "Bedroom Lights"},
                    wake_end_s=wake_end / 16000, command_start_s=(wake_end + 4000) / 16000,
                    command_end_s=span[1] / 16000, duration_s=len(audio) / 16000)
    out = Evaluator().run(rec, audio, None)
    assert out.wake_at_s is not None
    assert out.grammar["intent"] == "HassTurnOff"
    assert out.grammar["slots"] == {"name": "Bedroom Lights"}
    assert out.early is not None and out.early["at_s"] < out.endpoint_at_s
    assert out.endpoint_at_s > rec.command_end_s
    scorer = Scorer(load_inventory(INVENTORY))
    assert scorer.right(out, scorer.whisper(out)), out.whisper
    assert scorer.right(out, scorer.two_layer(out, Calibration().midpoint))
    # The rescoring ran on the same request: the fast layer's sentence among its candidates.
    assert out.rescore is not None
    assert any("fast" in c["source"] and c["intent"] == "HassTurnOff"
               for c in out.rescore["candidates"])
    assert scorer.right(out, scorer.rescored(out, Calibration().midpoint, 13.5))
    # Whisper's decoder was asked about the fast layer's command at its early decision.
    assert out.confirm is not None and out.confirm["competitors"] > 0
    assert out.confirm["per_token"] > ConfirmSettings().min_per_token
    assert out.confirm["margin"] > 0
    # One pause of 0.16 s at least: the request's end (synthetic speech has no others).
    assert out.pauses["0.16"] == 1 and out.pauses["0.08"] >= 1
    # Whisper was told the command the fast layer held when it started (at that pause),
    # and heard the request up to there, not the rest of the hangover.
    assert out.whisper["heard"] == out.grammar["text"]
    assert out.whisper_at_s is not None
    assert rec.command_end_s < out.whisper_at_s < out.endpoint_at_s
    started = max(0.0, out.listen_at_s - EndpointSettings().preroll_s)
    assert out.whisper["samples"] == round((out.whisper_at_s - started) * 16000)


def test_a_confirmed_command_answers_below_the_threshold_and_its_time_counts() -> None:
    from edge.speech_eval.report import fast_silence_ms, whisper_silence_ms

    scorer = Scorer(load_inventory(INVENTORY))
    lights = {"name": "Kitchen Lights"}
    whisper = {"intent": "HassTurnOn", "slots": lights, "confidence": 0.99, "stt_ms": 300.0}
    sure = _outcome("local", "HassTurnOn", lights, _g("HassTurnOn", lights, -1.5), whisper)
    unsure = _outcome("local", "HassTurnOn", lights, _g("HassTurnOn", lights, -4.0), whisper)
    for o in (sure, unsure):
        o.early = {"at_s": 2.2}
        o.confirm = {"per_token": -1.0, "margin": 5.0, "ms": 70.0, "competitors": 7}
    fast = scorer.fast(sure, -2.94)
    assert fast is not None and fast.layer == "grammar" and scorer.confirm_ms(sure, -2.94) == 0
    confirmed = scorer.fast(unsure, -2.94)
    assert confirmed is not None and confirmed.layer == "confirmed"
    assert scorer.confirm_ms(unsure, -2.94) == 70.0
    s = summarize(scorer, [sure, unsure], -2.94)
    assert (s["fast_answered"], s["confirmed"], s["confirmed_wrong"]) == (2, 1, 0)
    assert s["timing_ms"]["silence_fast_answers_p95"] == pytest.approx(
        fast_silence_ms(unsure) + 70.0)
    # Not confirmed (too unlikely a sentence): Whisper hears it, after the confirmation.
    unsure.confirm = {"per_token": -4.0, "margin": 5.0, "ms": 70.0, "competitors": 7}
    assert scorer.fast(unsure, -2.94) is None
    s = summarize(scorer, [unsure], -2.94)
    assert s["timing_ms"]["silence_local_p50"] == pytest.approx(whisper_silence_ms(unsure) + 70)
    # Another meaning scores better: not confirmed either.
    unsure.confirm = {"per_token": -1.0, "margin": -0.5, "ms": 70.0, "competitors": 7}
    assert scorer.fast(unsure, -2.94) is None
    # Without an early decision the daemon confirms nothing (Whisper already runs).
    unsure.confirm, unsure.early = {"per_token": -1.0, "margin": 5.0, "ms": 70.0}, None
    assert scorer.fast(unsure, -2.94) is None and scorer.confirm_ms(unsure, -2.94) == 0
    # Below the floor the daemon asks for no confirmation: Whisper hears it at once.
    unsure.early = {"at_s": 2.2}
    scorer.confirm = ConfirmSettings(min_fast_score=-3.5)  # the command scored -4.0
    assert scorer.fast(unsure, -2.94) is None and scorer.confirm_ms(unsure, -2.94) == 0
    scorer.confirm = ConfirmSettings(min_fast_score=None)  # always asked: confirmed
    assert scorer.fast(unsure, -2.94) is not None and scorer.confirm_ms(unsure, -2.94) == 70
    scorer.confirm = None  # off
    assert scorer.fast(unsure, -2.94) is None and scorer.confirm_ms(unsure, -2.94) == 0


def test_silence_counts_from_when_whisper_started() -> None:
    from edge.speech_eval.report import whisper_silence_ms

    o = _outcome("local", "HassTurnOn", {}, None, {"stt_ms": 300.0, "nlu_ms": 1.0})
    o.whisper_at_s = 2.16  # 0.16 s into the silence; the endpoint at 2.4
    assert whisper_silence_ms(o) == pytest.approx(461.0)
    o.whisper_at_s = 2.4  # at the endpoint (the background gate ended it, no pause before)
    assert whisper_silence_ms(o) == pytest.approx(701.0)
    o.whisper["stt_ms"] = 100.0
    o.whisper_at_s = 2.16  # done before the endpoint: the endpoint is the wait
    assert whisper_silence_ms(o) == pytest.approx(401.0)
    o.whisper_at_s = None  # older results: 0.16 s into the 0.4 s hangover, as the daemon
    o.whisper["stt_ms"] = 300.0
    assert whisper_silence_ms(o) == pytest.approx(461.0)


def test_pauses_count_each_silence_once_and_only_after_speech() -> None:
    import numpy as np

    from edge.messages import AudioFrame
    from edge.speech_eval.runner import PauseCounter

    counter = PauseCounter(speech_threshold=0.5, after_s=0.16)
    # 80 ms frames: silence (before any speech), speech, 3 silent, speech, 1 silent, speech,
    # 2 silent: two pauses of 0.16 s and more; the short one and the leading one don't count.
    pattern = [0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0]
    for i, speaking in enumerate(pattern):
        counter.push(AudioFrame(np.zeros(1280, dtype=np.int16), i * 0.08), float(speaking))
    assert counter.count == 2


def _r(hyp: float, *cands: tuple[str, dict[str, Any], float, str]) -> dict[str, Any]:
    """A stored rescoring: the hypothesis's log-probability, candidates (intent, slots,
    log-probability, source), every text 5 tokens long."""
    return {"hypothesis_logprob": hyp, "hypothesis_tokens": 5, "ms": {"total": 20.0},
            "candidates": [{"text": "", "intent": i, "slots": s, "logprob": lp, "tokens": 5,
                            "source": src} for i, s, lp, src in cands]}


def test_the_rescored_system_and_its_gap_calibration() -> None:
    from edge.speech_eval.report import calibrate_gap

    scorer = Scorer(load_inventory(INVENTORY))
    lights = {"name": "Kitchen Lights"}
    whisper_wrong = {"intent": "none", "slots": {}, "confidence": 0.0, "stt_ms": 300.0}
    whisper_cloud = {"intent": "cloud", "slots": {}, "confidence": 1.0, "stt_ms": 300.0}
    garbled = _outcome("local", "HassTurnOff", lights, _g("HassTurnOn", lights, -6.0),
                       whisper_wrong)  # the fast layer unsure and wrong, Whisper garbled
    garbled.rescore = _r(-12.0, ("HassTurnOn", lights, -16.0, "fast"),
                         ("HassTurnOff", lights, -13.0, "nearest"))
    question = _outcome("cloud", "cloud", {}, None, whisper_cloud)
    question.rescore = _r(-5.0, ("HassGetCurrentTime", {}, -15.0, "nearest"))
    outcomes = [garbled, question]
    gap, _ = calibrate_gap(scorer, outcomes, threshold=-3.0)
    assert 1.0 <= gap < 10.0  # takes the near candidate, leaves the question to the cloud
    s = summarize(scorer, outcomes, -3.0, {"rescored": gap, "fast_gap": gap})
    assert s["rescored"]["accuracy_given_wake"] == 1.0
    assert s["rescored"]["rescore_answered"] == 1 and s["rescored"]["rescore_wrong"] == 0
    assert s["rescored"]["cloud_claimed_by_rescore"] == 0
    assert s["two_layer"]["accuracy_given_wake"] == 0.5
    # The cheap variant has the fast layer's sentence only: the wrong one, 4 below.
    assert scorer.rescored(garbled, -3.0, 5.0, ("fast",)).intent == "HassTurnOn"
    assert scorer.rescored(garbled, -3.0, 3.0, ("fast",)).layer == "whisper"


def test_no_rescoring_when_whisper_wrote_the_fast_layers_own_command() -> None:
    from edge.speech_eval.report import whisper_silence_ms
    from edge.stages.nlu import load_nlu

    inventory = load_inventory(INVENTORY)
    scorer = Scorer(inventory, nlu=load_nlu(inventory))
    lights = {"name": "Kitchen Lights"}
    heard = {"text": "Turn on the kitchen lights.", "raw": "Turn on the kitchen lights.",
             "stt_ms": 300.0}
    o = _outcome("local", "HassTurnOn", lights, _g("HassTurnOn", lights, -4.0), heard)
    o.rescore = _r(-6.0, ("HassTurnOff", lights, -5.0, "nearest"))  # would overrule both
    assert scorer.alike(o)
    assert scorer.rescored(o, -2.75, 18.0).layer == "whisper"
    s = summarize(scorer, [o], -2.75, {"rescored": 18.0})
    assert s["rescored"]["accuracy_given_wake"] == 1.0
    assert s["timing_ms"]["silence_local_p50"] == pytest.approx(
        whisper_silence_ms(o, rescored=False)) == whisper_silence_ms(o) - 20.0
    scorer.skip_alike = False  # always rescored: the rescoring answers, and its time counts
    assert scorer.rescored(o, -2.75, 18.0).layer == "rescore"
    assert summarize(scorer, [o], -2.75, {"rescored": 18.0})["timing_ms"][
        "silence_local_p50"] == pytest.approx(whisper_silence_ms(o))
    # Whisper wrote another command than the fast layer held: rescored
    scorer.skip_alike = True
    o.grammar = _g("HassTurnOn", {"name": "Porch Light"}, -4.0)
    assert not scorer.alike(o) and scorer.rescored(o, -2.75, 18.0).layer == "rescore"


def test_spoken_questions_for_the_cloud_are_counted_told_and_not_told() -> None:
    from edge.speech_eval.questions import cloud_questions, report, run

    asked = cloud_questions()
    assert len(asked) >= 100 and "tell me a joke" in asked and all(q.strip() for q in asked)
    told, untold = run(("piper-joe",), ("clean",), ["Why is the sky blue?", "Turn on the "
                                                    "kitchen lights."])
    assert (told.told, untold.told) == (True, False)
    assert told.requests == untold.requests == 2
    # The clear question stays the cloud's; the command (here a stand-in, labelled a
    # question) is taken, told or not: the count sees what the device would act on.
    for claims in (told, untold):
        assert [c[2] for c in claims.claimed] == ["Turn on the kitchen lights."]
    assert "1 of 2 questions" in report([told, untold])


def test_gate_report_compares_each_recording_with_itself() -> None:
    from edge.speech_eval.gate_ab import report

    def pair(endpoint_off: float, endpoint_on: float, condition: str,
             on_right: bool) -> tuple[Outcome, Outcome]:
        whisper = {"raw": "Turn on the kitchen lights.", "text": "turn on the kitchen lights",
                   "stt_ms": 300.0}
        off = _outcome("local", "HassTurnOn", {"name": "Kitchen Lights"}, None, whisper)
        on = _outcome("local", "HassTurnOn", {"name": "Kitchen Lights"}, None,
                      whisper if on_right else {**whisper, "text": "tell me a joke"})
        off.condition = on.condition = condition
        off.endpoint_at_s, on.endpoint_at_s = endpoint_off, endpoint_on
        off.whisper_at_s, on.whisper_at_s = endpoint_off, endpoint_on
        return off, on

    text = report([pair(3.5, 2.8, "babble-15dB", True), pair(2.4, 2.4, "clean", False)],
                  -2.94, 18.0)
    lines = {line.split()[0]: line for line in text.splitlines()[2:]}
    assert lines["babble-15dB"].split()[1:5] == ["1", "1", "->", "1"]
    assert "1500 ->   800" in lines["babble-15dB"]  # end of speech (2.0 s) -> endpoint
    assert lines["clean"].split()[1:5] == ["1", "1", "->", "0"]
    assert lines["all"].split()[1:5] == ["2", "2", "->", "1"]
    assert text.endswith("the gate moved 1 of 2 endpoints")


def test_the_rescoring_cache_is_keyed_by_the_candidates_code_and_the_canceller(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A change to how candidates are made must not reuse rescorings made by the old code,
    nor a run through the echo canceller those of the raw recordings."""
    from types import SimpleNamespace

    from edge.speech_eval import runner
    from edge.stages.whisper_rescore import RescoreSettings

    holder = SimpleNamespace(stt=None, grammar=None, rescore_settings=RescoreSettings(),
                             echo_key="")
    now = runner.Evaluator.rescore_key(holder)  # type: ignore[arg-type]
    holder.echo_key = "aec 0 dB"
    assert runner.Evaluator.rescore_key(holder) != now  # type: ignore[arg-type]
    holder.echo_key = ""
    monkeypatch.setattr(runner, "CANDIDATES_VERSION", runner.CANDIDATES_VERSION + 1)
    assert runner.Evaluator.rescore_key(holder) != now  # type: ignore[arg-type]


class _ClickDetector:
    """Fires at the end of the first frame holding a click (|sample| > 10000)."""

    def __init__(self) -> None:
        self.resets = 0

    def reset(self, new_stream: bool = False) -> None:
        self.resets += 1

    def process(self, frame: AudioFrame, playing: bool = False) -> WakeDetected | None:
        if np.abs(frame.samples.astype(np.int32)).max() <= 10000:
            return None
        return WakeDetected(word="hey_jarvis", score=0.9,
                            at_s=frame.start_s + len(frame.samples) / SAMPLE_RATE)


def test_the_wake_rate_by_alignment_counts_detections_near_the_phrase_at_every_lead(
        tmp_path: Path) -> None:
    """`tandem bench speech align`: a recording whose click sits at the phrase's end wakes
    at every lead of silence (the lead moves the phrase's end with it); one whose click
    comes 2 s after the phrase is a miss; each recording starts a fresh stream."""
    from dataclasses import asdict

    from edge.audio.wavfile import write_wav
    from edge.speech_eval.generate import MANIFEST, SET_VERSION, Recording
    from edge.speech_eval.wake_alignment import format_rates, led_by, wake_rates

    rows = []
    for name, click_s in (("near.wav", 1.0), ("late.wav", 3.0)):
        audio = np.zeros(4 * SAMPLE_RATE, np.int16)
        audio[int(click_s * SAMPLE_RATE)] = 20000
        write_wav(tmp_path / name, audio, SAMPLE_RATE)
        rows.append(Recording(file=name, voice="v", engine="e", group="dev", condition="clean",
                              command=0, text="", route="local", intent="", slots={},
                              wake_end_s=1.0, command_start_s=1.2, command_end_s=2.0,
                              duration_s=4.0))
    (tmp_path / MANIFEST).write_text("\n".join(
        [json.dumps({"set_version": SET_VERSION})] + [json.dumps(asdict(r)) for r in rows]))
    detector = _ClickDetector()
    rates = wake_rates(tmp_path, ["dev"], "off", leads_ms=(0, 20, 1000), detector=detector,
                       frame_samples=1280)
    assert rates == {"dev": {0: 50.0, 20: 50.0, 1000: 50.0}}
    assert detector.resets == 6
    assert len(led_by(np.ones(10, np.int16), 20)) == 10 + 320
    assert "mean  50.0%" in format_rates(rates, "off")
