"""The fast closed-vocabulary layer: grammar compiler (inventory names, bad entries) and the
pocketsphinx decoder on speech synthesised at test time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from contract.inventory import Device, Inventory, load_inventory
from edge.stages.grammar import compile_grammar, parse_template, spoken_form, why_unspeakable
from edge.stages.lexicon import ipa_to_arpabet

HOME = Path(__file__).resolve().parents[1] / "edge" / "data" / "home.yaml"


@pytest.fixture(scope="module")
def lookup():  # the real pronouncing dictionary of pocketsphinx's en-US model
    from pocketsphinx import Decoder

    return Decoder(lm=None, jsgf=None, loglevel="ERROR").lookup_word


@pytest.fixture(scope="module")
def speller():
    from edge.stages.lexicon import EspeakSpeller

    return EspeakSpeller()


def test_template_language_parses_alternatives_options_and_slots() -> None:
    tree = parse_template("(turn|switch) on [the] {name:device}")
    assert tree[0] == "seq"
    kinds = [node[0] if isinstance(node, tuple) else type(node).__name__ for node in tree[1]]
    assert kinds == ["alt", "str", "opt", "Slot"]
    with pytest.raises(ValueError, match="missing"):
        parse_template("(turn|switch on")


def test_compiler_covers_every_inventory_name(lookup, speller) -> None:
    inventory = load_inventory(HOME)
    grammar = compile_grammar(inventory, lookup, speller)
    assert grammar.warnings == []
    assert set(grammar.lists["device"].values.values()) == {d.name for d in inventory.devices}
    assert set(grammar.lists["area"].values.values()) == set(inventory.areas)
    assert set(grammar.lists["contact"].values.values()) == set(inventory.contacts)
    assert set(grammar.lists["place"].values.values()) == set(inventory.places)
    assert set(grammar.lists["todo"].values.values()) == set(inventory.lists)
    for name in ("kitchen lights", "living room lamp", "priya", "shopping list"):
        assert name in grammar.jsgf
    assert "priya" in grammar.pronunciations  # not in CMUdict: spelled by espeak-ng


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("turn on the kitchen lights", "HassTurnOn", {"name": "Kitchen Lights"}),
    ("could you switch off the lights in the office please", "HassTurnOff",
     {"area": "Office", "domain": "light"}),
    ("set the office light to seventy five percent", "HassLightSet",
     {"name": "Office Light", "brightness": 75}),
    ("set a timer for two minutes and thirty seconds", "HassStartTimer",
     {"minutes": 2, "seconds": 30}),
    ("call priya", "CallContact", {"contact": "Priya"}),
    ("take me home", "NavigateTo", {"destination": "Home"}),
    ("add milk to my shopping list", "HassShoppingListAddItem", {"item": "milk"}),
    ("turn the volume down", "HassSetVolumeRelative", {"volume_step": "down"}),
    # a hesitation before and a courtesy after are the compiler's, around any command
    ("um could you switch on the kitchen lights for me", "HassTurnOn",
     {"name": "Kitchen Lights"}),
    ("okay so turn the volume down a bit thanks", "HassSetVolumeRelative",
     {"volume_step": "down"}),
    ("kill all the lights in the office", "HassTurnOff", {"area": "Office", "domain": "light"}),
    ("timer for one hour and thirty minutes", "HassStartTimer", {"hours": 1, "minutes": 30}),
])
def test_word_strings_map_back_to_intents_and_canonical_slots(lookup, speller, text, intent,
                                                             slots) -> None:
    grammar = compile_grammar(load_inventory(HOME), lookup, speller)
    understood = grammar.understand(text)
    assert understood is not None
    assert (understood.intent, understood.slots) == (intent, slots)


def test_partial_commands_and_other_words_are_not_commands(lookup, speller) -> None:
    grammar = compile_grammar(load_inventory(HOME), lookup, speller)
    for text in ("turn on the", "set a timer for", "why is the sky blue", "call", "um",
                 "okay so thanks", "um for me"):
        assert grammar.understand(text) is None


def test_names_it_cannot_take_warn_by_entry_and_the_rest_compiles(lookup, speller) -> None:
    inventory = Inventory(
        areas=("Kitchen", "Room 2", "Кухня"),
        devices=(Device("Kitchen Lights", "light", "Kitchen"), Device("R&D Lamp", "light"),
                 Device("Desk Lamp #1", "light")),
        contacts=("Tomás", "李雷"),
        places=("Home",),
    )
    grammar = compile_grammar(inventory, lookup, speller)
    joined = "\n".join(grammar.warnings)
    for bad in ("Room 2", "Кухня", "R&D Lamp", "Desk Lamp #1", "李雷"):
        assert repr(bad) in joined
    assert len(grammar.warnings) == 5
    assert "digits" in joined and "symbols" in joined and "outside the English alphabet" in joined
    assert grammar.lists["contact"].values == {"tomas": "Tomás"}  # accents fold
    understood = grammar.understand("turn on the kitchen lights")
    assert understood is not None and understood.slots == {"name": "Kitchen Lights"}


def test_spoken_forms_and_reasons() -> None:
    assert spoken_form("Living-Room  Lamp") == "living room lamp"
    assert why_unspeakable("Grandma's House") is None
    assert why_unspeakable("Lamp 3") is not None
    assert ipa_to_arpabet("pɹˈiːjə") == "P R IY Y AH"
    assert ipa_to_arpabet("ʘ") is None


# -- the decoder on real speech ---------------------------------------------------------

@pytest.fixture(scope="module")
def voice():
    from edge.stages.tts import PiperTts

    return PiperTts()


@pytest.fixture(scope="module")
def recognizer():
    from edge.stages.grammar_stt import GrammarRecognizer

    return GrammarRecognizer(load_inventory(HOME))


def _say(voice, text: str) -> np.ndarray:
    from edge.utterances import synthesize

    return synthesize(voice, text, lead_s=0.3, tail_s=0.5)


@pytest.mark.slow
@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("Turn on the kitchen lights.", "HassTurnOn", {"name": "Kitchen Lights"}),
    ("Set a timer for ten minutes.", "HassStartTimer", {"minutes": 10}),
    ("Call Priya.", "CallContact", {"contact": "Priya"}),
    ("Set the office light to forty percent.", "HassLightSet",
     {"name": "Office Light", "brightness": 40}),
])
def test_decoder_recognises_commands_exactly(voice, recognizer, text, intent, slots) -> None:
    result = recognizer.recognize(_say(voice, text))
    assert result.understanding is not None, result.text
    assert (result.understanding.intent, result.understanding.slots) == (intent, slots)
    assert result.accepted(recognizer.calibration), result.score_per_frame


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    "Why is the sky blue?",
    "Who wrote Pride and Prejudice?",
    "Give me a recipe for pancakes.",
])
def test_decoder_rejects_speech_outside_the_grammar(voice, recognizer, text) -> None:
    result = recognizer.recognize(_say(voice, text))
    assert not result.accepted(recognizer.calibration), (result.text, result.score_per_frame)


@pytest.mark.slow
def test_recompile_takes_new_names(recognizer, voice) -> None:
    base = load_inventory(HOME)
    bigger = Inventory(base.areas, (*base.devices, Device("Garage Light", "light")),
                       base.contacts, base.places, base.lists)
    try:
        recognizer.recompile(bigger)
        result = recognizer.recognize(_say(voice, "Turn off the garage light."))
        assert result.understanding is not None
        assert result.understanding.slots == {"name": "Garage Light"}
    finally:
        recognizer.recompile(base)


@pytest.mark.slow
def test_priming_moves_the_cepstral_mean_to_the_rooms_and_commands_still_decode(voice) -> None:
    """The decoder normalises a request by the mean it holds at the start: primed with a
    quiet room (the wake word at -12 dB over the same hiss), its log energy (C0) is lower
    than primed with the loud one, and either way the mean starts from the same anchor, not
    from what was heard before. The command search is back in place after."""
    from edge.stages.grammar_stt import ANCHOR_MEAN, GrammarRecognizer

    fast = GrammarRecognizer(load_inventory(HOME))
    assert fast.cepstral_mean == [float(x) for x in ANCHOR_MEAN.split(",")]
    said = _say(voice, "Hey Jarvis.").astype(np.float64)
    hiss = np.random.default_rng(0).normal(0.0, 20.0, len(said))  # digital silence has no C0
    loud, quiet = ((said * gain + hiss).astype(np.int16) for gain in (1.0, 0.25))

    fast.prime(loud)
    after_loud = fast.cepstral_mean
    fast.prime(quiet)
    after_quiet = fast.cepstral_mean
    assert after_quiet[0] < after_loud[0] - 1.0, (after_quiet, after_loud)
    fast.prime(loud)
    # The mean starts again from the anchor: the quiet room before leaves only what the
    # front end's noise estimate kept of it (pocketsphinx tracks the noise across calls).
    assert abs(fast.cepstral_mean[0] - after_loud[0]) < 0.5 < after_loud[0] - after_quiet[0]
    fast.start()  # priming in the middle of a request ends it first
    fast.push(loud)
    fast.prime(loud)
    result = fast.recognize(_say(voice, "Turn on the kitchen lights."))
    assert result.understanding is not None and result.understanding.slots == {
        "name": "Kitchen Lights"}, result.text


def test_the_replay_after_a_pause_is_the_audio_heard_though_the_ring_reused_its_memory(
) -> None:
    """A capture ring hands out views of its memory, overwritten as it wraps: the request
    (and the room before it) replayed after a pause must be what was heard."""
    from edge.messages import AudioFrame
    from edge.stages.early_endpoint import EarlyEndpoint

    class Keeping(_LaggingRecognizer):
        def __init__(self) -> None:
            super().__init__(whole_after=10**9)
            self.audio: list[np.ndarray] = []
            self.room: list[np.ndarray] = []

        def prime(self, samples: np.ndarray) -> None:
            self.room.append(samples.copy())

        def push(self, samples: np.ndarray) -> None:
            super().push(samples)
            self.audio.append(samples.copy())

    ring = np.zeros(1280, dtype=np.int16)  # one frame of memory, reused for every frame
    fast = Keeping()
    early = EarlyEndpoint(fast, 0.5, 0.16, final_at_pause=True)  # type: ignore[arg-type]
    before = np.full(1600, 7, dtype=np.int16)
    early.begin(before)
    before[:] = -1  # the ring moved on
    speech = [0.9] * 2 + [0.1] * 2 + [0.9]  # a pause, then the user goes on
    for i, p in enumerate(speech):
        ring[:] = i + 1
        early.push(AudioFrame(ring, i * 0.08), p)
    heard = np.concatenate([np.full(1280, i + 1, dtype=np.int16) for i in range(5)])
    assert np.array_equal(fast.audio[-1], heard)  # the replay: every frame as it was
    assert all(np.array_equal(r, np.full(1600, 7, dtype=np.int16)) for r in fast.room)
    assert len(fast.room) == 2


@pytest.mark.slow
def test_a_command_with_a_pause_in_it_is_decoded_whole_by_the_real_decoder(voice) -> None:
    """"Turn on the ... kitchen lights": the pause after "the" ends the decode on no whole
    command; when the user goes on, the request is decoded again from its start, and the
    pause after "lights" decides on the whole command (a decode that stayed ended would
    hold "turn on the")."""
    from edge.messages import AudioFrame
    from edge.stages.early_endpoint import EarlyEndpoint
    from edge.stages.grammar_stt import GrammarRecognizer
    from edge.utterances import synthesize

    first = synthesize(voice, "Turn on the", lead_s=0.1, tail_s=0.0)
    second = synthesize(voice, "kitchen lights.", lead_s=0.0, tail_s=0.0)
    gap = np.zeros(8000, dtype=np.int16)  # 0.5 s
    audio = np.concatenate([first, gap, second, gap])
    fast = EarlyEndpoint(GrammarRecognizer(load_inventory(HOME)), 0.5, 0.16,
                         final_at_pause=True)
    fast.begin()
    decided = []
    for i in range(0, len(audio) - 1280 + 1, 1280):
        samples = audio[i : i + 1280]
        loud = float(np.abs(samples.astype(np.int32)).max()) > 500
        result = fast.push(AudioFrame(samples, i / 16_000), 1.0 if loud else 0.0)
        if result is not None:
            decided.append((result, i / 16_000))
    assert len(decided) == 1, decided
    result, at_s = decided[0]
    assert at_s > (len(first) + len(gap)) / 16_000  # after "kitchen lights", not at "the"
    assert result.understanding is not None, result.text
    assert (result.understanding.intent, result.understanding.slots) == (
        "HassTurnOn", {"name": "Kitchen Lights"}), result.text
    assert result.text.startswith("turn on"), result.text  # decoded from the start


def test_endpointer_cut_ends_the_request_early_with_its_audio() -> None:
    from edge.messages import AudioFrame
    from edge.settings import EndpointSettings
    from edge.stages.endpoint import Endpointer

    ep = Endpointer(EndpointSettings())
    ep.begin(1.0, [])
    frames = [AudioFrame(np.full(1280, i + 1, dtype=np.int16), 1.0 + i * 0.08) for i in range(4)]
    for frame in frames:
        assert ep.push(frame, 1.0 if frame is not frames[-1] else 0.0) is None
    utterance = ep.cut(frames[-1])
    assert utterance.reason == "fast_layer"
    assert utterance.start_s == 1.0 and utterance.endpoint_at_s == pytest.approx(1.32)
    assert len(utterance.samples) == 4 * 1280 and utterance.samples[-1] == 4


class _ScriptedRecognizer:
    """A fast layer whose partial hypothesis is a command from the `whole_at`-th push on."""

    def __init__(self, whole_at: int) -> None:
        from edge.stages.grammar_stt import Calibration

        self.calibration = Calibration()
        self.whole_at, self.pushes, self.finished = whole_at, 0, 0
        self.primed: list[int] = []

    def prime(self, samples: np.ndarray) -> None:
        self.primed.append(len(samples))

    def start(self) -> None:
        self.pushes = 0

    def push(self, samples: np.ndarray) -> None:
        self.pushes += 1

    def partial(self) -> object:
        return "command" if self.pushes >= self.whole_at else None

    def heard(self) -> str:
        return "turn on the fan" if self.pushes >= self.whole_at else ""

    def finish(self) -> object:
        from edge.messages import Understanding
        from edge.stages.grammar_stt import GrammarResult

        self.finished += 1
        whole = Understanding("HassTurnOn", {}, 0.9) if self.pushes >= self.whole_at else None
        return GrammarResult("turn on the fan", whole, 0.9, -1.0, 0.0, self.pushes, 1.0, 1.0)


def test_early_endpoint_decides_after_speech_then_short_silence_and_only_on_a_whole_command(
) -> None:
    from edge.messages import AudioFrame
    from edge.stages.early_endpoint import EarlyEndpoint

    def frame(i: int) -> AudioFrame:
        return AudioFrame(np.zeros(1280, dtype=np.int16), i * 0.08)

    fast = _ScriptedRecognizer(whole_at=7)
    early = EarlyEndpoint(fast, 0.5, short_hangover_s=0.16)  # type: ignore[arg-type]
    early.begin()
    # Silence before any speech never decides, however whole the hypothesis.
    speech = [0.0, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1]
    decided = [early.push(frame(i), p) for i, p in enumerate(speech)]
    # Two silent frames after speech by i = 5, but the command is whole only at push 7.
    assert [d is not None for d in decided] == [False] * 6 + [True, False]
    assert early.decided_at_s == pytest.approx(7 * 0.08) and fast.finished == 1
    assert early.finish() is decided[6] and fast.finished == 1  # decided once, kept

    assert fast.primed == []  # nothing heard before the request: nothing to learn from
    early.begin(np.zeros(0, dtype=np.int16))
    assert fast.primed == []
    early.finish()
    early.begin(np.zeros(32_000, dtype=np.int16))
    assert fast.primed == [32_000] and fast.finished == 2
    early.finish()

    early.begin()  # the next request starts afresh; skip() drops it without a result
    assert early.finish() is not None and fast.finished == 4
    early.begin()
    early.skip()
    assert early.finish() is None and early.decided_at_s is None


class _LaggingRecognizer:
    """A fast layer whose partial hypothesis is never a whole command (pocketsphinx's best
    path at the last frame, short of the grammar's end) while its final hypothesis is one
    once it has heard `whole_after` samples of the request."""

    def __init__(self, whole_after: int) -> None:
        from edge.stages.grammar_stt import Calibration

        self.calibration = Calibration()
        self.whole_after, self.samples, self.finished = whole_after, 0, 0
        self.primed: list[int] = []
        self.pushed: list[int] = []  # the length of each push

    def prime(self, samples: np.ndarray) -> None:
        self.primed.append(len(samples))

    def start(self) -> None:
        self.samples = 0

    def push(self, samples: np.ndarray) -> None:
        self.samples += len(samples)
        self.pushed.append(len(samples))

    def partial(self) -> object:
        return None

    def heard(self) -> str:
        return ""

    def finish(self) -> object:
        from edge.messages import Understanding
        from edge.stages.grammar_stt import GrammarResult

        self.finished += 1
        whole = self.samples >= self.whole_after
        u = Understanding("HassTurnOn", {}, 0.9) if whole else None
        return GrammarResult("turn on the fan" if whole else "turn on the", u, 0.9, -1.0,
                             0.0, self.samples // 160, 1.0, 1.0)


def test_at_the_pause_the_final_hypothesis_decides_when_the_partial_is_not_whole() -> None:
    from edge.messages import AudioFrame
    from edge.stages.early_endpoint import EarlyEndpoint

    def frame(i: int) -> AudioFrame:
        return AudioFrame(np.full(1280, i, dtype=np.int16), i * 0.08)

    # Whole after 4 frames: the pause after them decides, though the partial never is.
    fast = _LaggingRecognizer(whole_after=4 * 1280)
    early = EarlyEndpoint(fast, 0.5, 0.16, final_at_pause=True)  # type: ignore[arg-type]
    early.begin()
    decided = [early.push(frame(i), p) for i, p in enumerate([0.9] * 4 + [0.1] * 3)]
    assert [d is not None for d in decided] == [False] * 5 + [True, False]
    assert early.decided_at_s == pytest.approx(6 * 0.08) and fast.finished == 1
    assert early.finish() is decided[5] and fast.finished == 1

    # Without it, the partial alone decides: never here.
    fast = _LaggingRecognizer(whole_after=4 * 1280)
    early = EarlyEndpoint(fast, 0.5, 0.16)  # type: ignore[arg-type]
    early.begin()
    assert all(early.push(frame(i), p) is None for i, p in enumerate([0.9] * 4 + [0.1] * 3))
    assert early.decided_at_s is None and fast.finished == 0
    assert early.finish() is not None and fast.finished == 1


def test_a_pause_short_of_a_whole_command_resumes_the_decode_when_the_user_goes_on() -> None:
    from edge.messages import AudioFrame
    from edge.stages.early_endpoint import EarlyEndpoint

    def frame(i: int) -> AudioFrame:
        return AudioFrame(np.full(1280, i, dtype=np.int16), i * 0.08)

    fast = _LaggingRecognizer(whole_after=6 * 1280)
    early = EarlyEndpoint(fast, 0.5, 0.16, final_at_pause=True)  # type: ignore[arg-type]
    early.begin(np.zeros(3200, dtype=np.int16))
    # "turn on the" (3 frames), a pause (3 frames), "fan" (2 frames), then silence.
    speech = [0.9] * 3 + [0.1] * 3 + [0.9] * 2 + [0.1] * 3
    decided = [early.push(frame(i), p) for i, p in enumerate(speech)]
    # The pause ended the decode (not whole: held, nothing decided, nothing heard)...
    assert fast.finished == 2 and fast.pushed[:5] == [1280] * 5
    # ...the user went on: the request decoded again from its start, primed as before...
    assert fast.primed == [3200, 3200] and fast.pushed[5] == 7 * 1280
    # ...and the next pause decides on the whole command.
    assert [d is not None for d in decided] == [False] * 9 + [True, False]
    assert decided[9] is not None and decided[9].text == "turn on the fan"
    assert early.finish() is decided[9] and fast.finished == 2

    # A request that ends in such a pause keeps the pause's result: no second finish.
    fast = _LaggingRecognizer(whole_after=99 * 1280)
    early = EarlyEndpoint(fast, 0.5, 0.16, final_at_pause=True)  # type: ignore[arg-type]
    early.begin()
    for i, p in enumerate([0.9] * 3 + [0.1] * 4):
        assert early.push(frame(i), p) is None
        if i == 4:
            assert early.heard() == ""
    held = early.finish()
    assert held is not None and held.understanding is None and fast.finished == 1
    early.begin()
    for i, p in enumerate([0.9] * 3 + [0.1] * 2):
        early.push(frame(i), p)
    early.skip()  # a held decode is not finished twice
    assert fast.finished == 2 and early.finish() is None


def test_what_the_fast_layer_heard_is_a_whole_command_while_decoding_and_after() -> None:
    """Whisper's hint: the decoder's whole command so far, then the finished result's."""
    from edge.messages import AudioFrame
    from edge.stages.early_endpoint import EarlyEndpoint

    fast = _ScriptedRecognizer(whole_at=2)
    early = EarlyEndpoint(fast, 0.5)  # type: ignore[arg-type]
    early.begin()
    early.push(AudioFrame(np.zeros(1280, dtype=np.int16), 0.0), 0.9)
    assert early.heard() == ""  # not yet a whole command
    early.push(AudioFrame(np.zeros(1280, dtype=np.int16), 0.08), 0.9)
    assert early.heard() == "turn on the fan"
    early.finish()
    assert early.heard() == "turn on the fan"  # the result's
    early.begin()
    early.finish()  # nothing whole decoded: nothing to tell
    assert early.heard() == ""


def _barge_in_over(engines: object, audio: np.ndarray) -> tuple[object, list[object]]:
    """Feed `audio` (speech in quiet) to a barge-in detector with the real stop grammar."""
    from edge.barge_in import BargeInDetector
    from edge.messages import AudioFrame
    from edge.settings import DuplexSettings
    from edge.stages.early_endpoint import EarlyEndpoint
    from edge.stages.grammar_stt import GrammarRecognizer

    class NoStt:
        def transcribe(self, samples: np.ndarray) -> str:
            return ""

    fast = EarlyEndpoint(GrammarRecognizer.for_stop_phrases(DuplexSettings().stop_phrases),
                         0.5)
    barge = BargeInDetector(DuplexSettings(), 0.5, NoStt(), lambda a, b: audio, fast)
    triggers = []

    async def feed() -> None:
        for i in range(0, len(audio) - 1280 + 1, 1280):
            samples = audio[i : i + 1280]
            loud = float(np.abs(samples.astype(np.int32)).max()) > 500
            trigger = barge.observe(AudioFrame(samples, i / 16_000), 1.0 if loud else 0.0, None)
            if trigger is not None:
                triggers.append(trigger)
            await asyncio.sleep(0)

    asyncio.run(feed())
    return barge, triggers


def test_a_stop_phrase_is_recognised_by_the_fast_layer_without_a_transcription(
    engines: object, speech: dict[str, np.ndarray]
) -> None:
    audio = speech["never_mind"]
    barge, triggers = _barge_in_over(engines, audio)
    (trigger,) = triggers
    loud = np.flatnonzero(np.abs(audio.astype(np.int32)) > 500)
    speech_end_s = (loud[-1] + 1) / 16_000
    assert trigger.kind == "stop_phrase"  # type: ignore[attr-defined]
    assert trigger.text == "never mind"  # type: ignore[attr-defined]
    # Two silent frames after the word (+ one frame of rounding), and no Whisper at all.
    assert trigger.at_s - speech_end_s <= 0.16 + 0.08 + 0.08  # type: ignore[attr-defined]
    assert barge.checks == 0  # type: ignore[attr-defined]
    assert barge.fast_checks[-1]["accepted"] is True  # type: ignore[attr-defined]


def test_a_sentence_with_stop_in_it_is_left_to_the_transcription(
    engines: object, speech: dict[str, np.ndarray]
) -> None:
    barge, triggers = _barge_in_over(engines, speech["not_stop"])
    assert triggers == []
    assert not any(c["accepted"] for c in barge.fast_checks)  # type: ignore[attr-defined]


def test_the_room_the_fast_layer_learns_from_is_bounded() -> None:
    from edge.settings import EndpointSettings

    assert EndpointSettings(fast_room_s=0.0).fast_room_s == 0.0  # off
    for seconds in (-0.5, 11.0):
        with pytest.raises(ValueError, match="fast_room_s"):
            EndpointSettings(fast_room_s=seconds)
