"""Issue 15's memory work (`tandem bench idle` holds the figures): the models compute what
they computed before, with less memory kept. The pocketsphinx decoders hold only their
grammar's words, piper's session shrinks its arena, openWakeWord's feature models run in
fresh sessions and its package no longer imports scikit-learn, and `Engines.load` loads in
the order that keeps the peak low, handing freed memory back after each model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from contract.inventory import Inventory, load_inventory
from edge.pipeline import Engines
from edge.settings import EdgeSettings
from edge.stages.grammar_stt import (
    ANCHOR_MEAN,
    DECODER_OPTIONS,
    SEARCH,
    GrammarRecognizer,
    PronouncingDictionary,
    jsgf_words,
)

HOME = Path(__file__).resolve().parents[1] / "edge" / "data" / "home.yaml"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def full_dictionary():  # pocketsphinx's decoder with its whole CMU dictionary, as before
    from pocketsphinx import Decoder

    return Decoder(lm=None, jsgf=None, loglevel="FATAL")


def test_dictionary_lookups_are_the_decoders_own(full_dictionary) -> None:
    words = PronouncingDictionary.default()
    lines = words.path.read_text(encoding="utf-8").splitlines()
    sample = [line.split(" ", 1)[0] for line in lines[:: max(1, len(lines) // 400)]]
    sample += [lines[0].split(" ", 1)[0], lines[-1].split(" ", 1)[0], "either", "either(2)",
               "stop", "STOP", "kitchen's", "zzzzqx", "a", "a(2)", "", "'bout"]
    for word in sample:
        assert words.lookup(word) == full_dictionary.lookup_word(word), word
    either = words.entries("either")
    assert [entry for entry, _ in either] == ["either", "either(2)"]
    assert words.entries("zzzzqx") == []


def test_jsgf_words_are_the_words_not_the_rule_names() -> None:
    jsgf = "#JSGF V1.0;\ngrammar tandem;\n<device> = kitchen lights | tv;\n" \
           "public <utterance> = turn on [the] <device> | don't stop;\n"
    assert {"turn", "on", "the", "kitchen", "lights", "tv", "don't", "stop"} <= jsgf_words(jsgf)
    assert "device" not in jsgf_words(jsgf) and "utterance" not in jsgf_words(jsgf)


@pytest.mark.parametrize("which", ["commands", "stop_phrases"])
def test_trimmed_decoder_holds_every_grammar_word_with_its_alternatives(
        which: str, full_dictionary) -> None:
    if which == "commands":
        recognizer = GrammarRecognizer(load_inventory(HOME))
    else:
        recognizer = GrammarRecognizer.for_stop_phrases(EdgeSettings().duplex.stop_phrases)
    decoder = recognizer._decoder
    words = jsgf_words(recognizer.grammar.jsgf)
    assert {"turn", "kitchen", "stop"} & words
    for word in words:
        expected = full_dictionary.lookup_word(word) or \
            recognizer.grammar.pronunciations.get(word)
        assert decoder.lookup_word(word) == expected, word
        for entry, phones in PronouncingDictionary.default().entries(word):
            assert decoder.lookup_word(entry) == phones == full_dictionary.lookup_word(entry)
    assert decoder.lookup_word("aardvark") is None  # not the whole dictionary


def test_trimmed_decoder_recompiles_for_new_names() -> None:
    recognizer = GrammarRecognizer(Inventory())
    before = jsgf_words(recognizer.grammar.jsgf)
    recognizer.recompile(load_inventory(HOME))
    new = jsgf_words(recognizer.grammar.jsgf) - before
    assert {"ceiling", "lamp"} <= new  # the home's device names
    for word in new:
        assert recognizer._decoder.lookup_word(word) is not None, word
    recognizer.recompile(load_inventory(HOME))  # again: nothing to add twice


def test_trimmed_decoder_decodes_as_the_full_dictionary(engines: Engines,
                                                        speech: dict[str, np.ndarray]) -> None:
    from pocketsphinx import Decoder

    from edge.utterances import synthesize

    clips = [speech["lights"], speech["timer"], speech["never_mind"], speech["not_stop"],
             synthesize(engines.tts, "Stop.")]
    for recognizer in (GrammarRecognizer(load_inventory(HOME)),
                       GrammarRecognizer.for_stop_phrases(EdgeSettings().duplex.stop_phrases)):
        full = Decoder(lm=None, jsgf=None, loglevel="FATAL", cmninit=ANCHOR_MEAN,
                       **DECODER_OPTIONS)
        for word, phones in recognizer.grammar.pronunciations.items():
            if full.lookup_word(word) is None:
                full.add_word(word, phones, False)
        full.add_jsgf_string(SEARCH, recognizer.grammar.jsgf)
        full.activate_search(SEARCH)
        for clip in clips:
            result = recognizer.recognize(clip)
            full.start_utt()
            for i in range(0, len(clip), 1280):
                full.process_raw(clip[i : i + 1280].tobytes(), False, False)
            full.end_utt()
            hyp = full.hyp()
            assert result.text == (hyp.hypstr if hyp is not None else "")
            segs = [(s.word, s.start_frame, s.end_frame, s.ascore) for s in full.seg() or ()]
            ours = [(s.word, s.start_frame, s.end_frame, s.ascore)
                    for s in recognizer._decoder.seg() or ()]
            assert ours == segs


def test_piper_session_shrinks_its_arena_and_says_the_same(engines: Engines) -> None:
    import onnxruntime
    from piper import PiperVoice, SynthesisConfig

    import models
    from edge.stages.tts import ARENA_SHRINKAGE, ShrinkingSession

    session = engines.tts._voice.session
    assert isinstance(session, ShrinkingSession)
    key, value = ARENA_SHRINKAGE
    assert session.run_options.get_run_config_entry(key) == value
    assert session.get_session_options().enable_mem_pattern is False
    assert isinstance(session.session, onnxruntime.InferenceSession)

    onnx, config = models.resolve("piper_joe")
    plain = PiperVoice.load(str(onnx), config_path=str(config))  # piper's own session
    text = "Turned on the kitchen lights. The sky is blue because the air scatters blue light."
    fixed = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    before = np.concatenate([c.audio_int16_array for c in plain.synthesize(text, fixed)])
    after = np.concatenate(list(engines.tts.sentences(text, deterministic=True)))
    assert np.array_equal(before, after)


def test_wake_features_in_fresh_sessions_score_as_openwakeword(
        speech: dict[str, np.ndarray]) -> None:
    from openwakeword.model import Model

    import models
    from edge.stages.wake import FRAME_SAMPLES, WakeWordDetector

    settings = EdgeSettings().wake
    melspec, embedding = models.resolve("wake_features")
    np.random.seed(0)  # openWakeWord fills its feature history from random noise
    plain = Model(wakeword_models=[str(models.resolve(settings.model)[0])],
                  inference_framework="onnx", melspec_model_path=str(melspec),
                  embedding_model_path=str(embedding))
    np.random.seed(0)
    ours = WakeWordDetector(settings)._model
    features = ours.preprocessor
    assert features.melspec_model is not plain.preprocessor.melspec_model
    for session in (features.melspec_model, features.embedding_model):
        options = session.get_session_options()
        assert (options.intra_op_num_threads, options.inter_op_num_threads) == (1, 1)
    audio = speech["lights"]
    label = next(iter(plain.models))
    scores = []
    for i in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        frame = audio[i : i + FRAME_SAMPLES]
        scores.append(plain.predict(frame)[label])
        assert ours.predict(frame)[label] == scores[-1]
    assert max(scores) > 0.5  # it heard "Hey Jarvis"


def test_openwakeword_without_scikit_learn() -> None:
    code = (
        "import sys\n"
        "from edge.settings import EdgeSettings\n"
        "from edge.stages.wake import WakeWordDetector\n"
        "from edge.stages.endpoint import SileroVad\n"
        "WakeWordDetector(EdgeSettings().wake); SileroVad()\n"
        "import openwakeword\n"
        "print(sorted(m for m in ('sklearn', 'tqdm') if m in sys.modules),"
        " callable(openwakeword.train_custom_verifier))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert out.strip().splitlines()[-1] == "[] True"


def test_engines_load_order_and_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """The largest transient loads first, freed memory handed back after each model."""
    import edge.heap as heap
    import edge.pipeline as pipeline
    import edge.stages.grammar_stt as grammar_stt
    import edge.stages.stt as stt

    events: list[str] = []

    class Fake:
        def __init__(self, name: str) -> None:
            events.append(name)

        def warm_up(self, *args: object) -> None:
            events.append("warm_up")

        def prerender(self, texts: object) -> None:
            events.append("prerender")

    class FakeGrammar(Fake):
        def __init__(self, inventory: object) -> None:
            super().__init__("GrammarRecognizer")

        @classmethod
        def for_stop_phrases(cls, phrases: object) -> FakeGrammar:
            return cls(None)

    monkeypatch.setattr(stt, "FasterWhisperStt", lambda threads: Fake("FasterWhisperStt"))
    monkeypatch.setattr(pipeline, "PiperTts", lambda: Fake("PiperTts"))
    monkeypatch.setattr(pipeline, "WakeWordDetector", lambda s: Fake("WakeWordDetector"))
    monkeypatch.setattr(pipeline, "SileroVad", lambda: Fake("SileroVad"))
    monkeypatch.setattr(pipeline, "MicroWakeWordModel", lambda word: Fake(f"micro {word}"))
    monkeypatch.setattr(pipeline, "Rescorer", lambda stt, s: Fake("Rescorer"))
    monkeypatch.setattr(grammar_stt, "GrammarRecognizer", FakeGrammar)
    monkeypatch.setattr(heap, "release_freed_memory", lambda: events.append("release"))
    loaded: list[str] = []
    Engines.load(EdgeSettings(), loaded.append)
    assert loaded == ["whisper", "piper", "wake", "silero", "fast_layer", "stop_phrases",
                      "stop_word"]
    assert events[:8] == ["FasterWhisperStt", "release", "PiperTts", "warm_up", "prerender",
                          "release", "WakeWordDetector", "warm_up"]
    assert events.count("release") == len(loaded)
    # Whisper's confirmation is warmed at start-up: not in the first request's wait.
    assert events[-2:] == ["Rescorer", "warm_up"]


def test_release_freed_memory_runs() -> None:
    from edge.heap import release_freed_memory

    release_freed_memory()
    release_freed_memory()


def test_idle_bench_reports_the_breakdown() -> None:
    from edge.audio.idle import format_idle

    report = {
        "audio_s": 1.0, "wall_s": 1.0, "cpu_s": 0.05, "cpu_percent_of_one_core": 5.0,
        "target_percent": 10.0, "noise_dbfs": -60.0, "vad": "gated", "turns": 0,
        "rss_mb": 400.0, "peak_rss_mb": 410.0, "pss_mb": 380.0, "uss_mb": 370.0,
        "anonymous_mb": 300.0, "rss_target_mb": 350.0, "malloc_arena_max": None,
        "rss_by_load_mb": {"python_and_libraries": 130.0, "whisper": 80.0, "piper": 100.0},
        "load_average_1min": 1.0, "cpus": 2,
    }
    text = format_idle(json.loads(json.dumps(report)))
    assert "python and libraries 130, whisper +80, piper +100" in text
    assert "300 MB anonymous, 100 MB mapped files" in text
    assert "MISSES the <= 350 MB target" in text
