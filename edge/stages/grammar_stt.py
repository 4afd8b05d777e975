"""The fast closed-vocabulary layer: pocketsphinx with the compiled grammar, fed frame by frame.

    prime(samples)   at the wake word: the audio just before the request (the room, the voice)
    start()          at the wake word (LISTENING)
    push(samples)    every frame while the user speaks: the search advances as audio comes
    partial()        the best complete command so far (for an early endpoint), or None
    finish()         at the endpoint: the final hypothesis, its intent and its confidence

The decoder (pocketsphinx 5, CMU's en-US continuous model, shipped in the wheel, BSD
licence) searches one finite-state grammar: the commands (`edge.stages.grammar`). Speech
outside the grammar either ends outside it (no command) or matches a command badly: the
confidence is the acoustic score of the decoded words per frame (from the Viterbi
backtrace; pocketsphinx keeps scores relative to each frame's best), mapped to 0..1 by a
logistic whose midpoint is calibrated on the dev voices of `tandem bench speech`
(`Calibration`), so the pipeline can accept the command or fall back to Whisper.

Measured there (held-out voices, six acoustic conditions): the layer answers a third of the
requests with 7.5 % of its answers wrong (Whisper + NLU: 34 % of its answers wrong on the
rest), finish() takes ~3 ms, the whole decode ~0.08 of real time on one x86 core. Its
errors are minimal pairs in noise: on/off, start/stop, thirty/thirteen. A loop of filler
words beside the commands (a garbage model) was tried: it swallowed commands too and cost
seconds per request; `fillers` keeps the option, off.
"""

from __future__ import annotations

import math
import mmap
import os
import re
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from contract.inventory import Inventory
from edge.heap import release_freed_memory
from edge.messages import Understanding
from edge.stages.grammar import CompiledGrammar, compile_grammar
from edge.stages.lexicon import EspeakSpeller

SEARCH = "commands"
# A one-word search that prime() decodes under: the frames it queued must be searched before
# the utterance can end, and against one word that costs ~10 ms a second of audio, against
# the commands' grammar ~100.
_PRIME_SEARCH, _PRIME_WORD = "cepstral-mean", "stop"
# Where the cepstral mean starts, and where prime() starts it again for every request: the
# mean of the decoder's means over the dev voices' 912 requests of `tandem bench speech`
# (carried from request to request, primed). Pocketsphinx's own start (40,3,-1,0,...) is
# far from speech as the device hears it; a mean carried from the last request carries
# that request's room and voice into this one.
ANCHOR_MEAN = "60.04,-0.67,2.75,11.05,-6.44,-2.17,-2.29,-7.31,-4.43,0.78,2.03,0.27,0.65"
# Each decoder starts with an empty dictionary and gets only its grammar's words (with all
# their alternative pronunciations, in the pronouncing dictionary's order) from
# `PronouncingDictionary`: the whole CMU dictionary (135k words) cost 22 MB per decoder.
# Measured on the dev voices (tandem bench speech): no lattice pass (the Viterbi backtrace
# is the hypothesis; the lattice's bestpath cost seconds on long or noisy input and was no
# more accurate), beams wider than pocketsphinx's defaults (fewer searches that end
# outside the grammar in noise, at about 15 % more CPU).
DECODER_OPTIONS = {"bestpath": False, "beam": 1e-60, "wbeam": 1e-40, "pbeam": 1e-60}
SCORE_SCALE = 1000.0  # the backtrace's per-frame scores are tiny; this makes them readable
_NON_WORDS = frozenset({"<s>", "</s>", "<sil>", "[NOISE]", "(NULL)", "<NULL>"})

@dataclass(frozen=True)
class Calibration:
    """confidence = logistic(slope * (score_per_frame - midpoint)); accept >= threshold."""

    # `tandem bench speech report`: the dev voices, benchmark and independent-dev phrasings.
    # Chosen with Whisper's confirmation below it (edge.stages.fast_confirm,
    # ConfirmSettings): of the pairs that get as many dev requests right as the fast layer
    # at -2.94 without confirmation (791 of 912), the one with the least silence (local p50
    # 595 -> 560 ms); a command between -2.94 and -2.75 is now confirmed first. -2.94
    # before (the most accurate with at most 10 % of its answers wrong), -3.16 before the
    # grammar's hesitations and wider phrasings, -3.47 before Whisper was told the fast
    # layer's command.
    midpoint: float = -2.75
    slope: float = 3.0
    threshold: float = 0.5

    def confidence(self, score_per_frame: float) -> float:
        z = self.slope * (score_per_frame - self.midpoint)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


STOP_INTENT = "stop_phrase"
# The stop grammar's acceptance (tandem bench duplex: true stops in a loud room against
# the device's own residual echo, which the VAD sometimes takes for speech). Over four
# runs true multi-word phrases and "cancel" scored 0.97-0.999, "stop" 0.69-0.93, and the
# residual echo up to 0.895 once: below 0.95 the transcription decides (the reply pauses
# meanwhile, see DuplexSettings.stop_pause_confidence).
STOP_CALIBRATION = Calibration(midpoint=-3.26, threshold=0.95)


@dataclass
class GrammarResult:
    text: str  # the decoded words ("" when nothing)
    understanding: Understanding | None  # None: not a whole command (filler, or no match)
    confidence: float  # 0..1
    score_per_frame: float  # log acoustic score of the command's words per frame (<= 0)
    posterior: float  # the lattice posterior of the hypothesis (pocketsphinx)
    frames: int
    decode_ms: float  # CPU time of all the pushes and the finish, together
    finish_ms: float  # time from finish() called to result (what the endpoint waits)
    words: list[tuple[str, int, int, float]] = field(default_factory=list)
    # Whisper's decoder confirmed the command below the threshold (edge.stages.fast_confirm):
    # its log-probability per token; None: not confirmed (or not asked).
    confirmed: float | None = None
    confirm_ms: float | None = None  # how long the confirmation took (None: not asked)

    def accepted(self, calibration: Calibration) -> bool:
        return self.understanding is not None and (
            self.confidence >= calibration.threshold or self.confirmed is not None)


class FastRecognizer(Protocol):
    """What the pipeline needs from a fast layer (pocketsphinx here; a grammar-constrained
    Whisper or CTC decoder would implement the same)."""

    calibration: Calibration
    grammar: CompiledGrammar  # what it decodes now (the rescoring's candidates come from it)

    def recompile(self, inventory: Inventory) -> CompiledGrammar: ...

    def prime(self, samples: np.ndarray) -> None: ...

    def start(self) -> None: ...

    def push(self, samples: np.ndarray) -> None: ...

    def partial(self) -> Understanding | None: ...

    def heard(self) -> str: ...

    def finish(self) -> GrammarResult: ...


class GrammarRecognizer:
    """One decoder, one grammar; recompile() when the inventory changes. Not thread-safe:
    one request at a time, from one thread."""

    def __init__(self, inventory: Inventory, calibration: Calibration | None = None,
                 fillers: tuple[str, ...] = (),
                 templates: dict[str, list[str]] | None = None, polite: bool = True) -> None:
        """`fillers`: words of a garbage loop beside the commands. Measured on the dev
        voices it swallowed most commands too and cost seconds per request: off.
        `templates`: other phrasings than the commands' (`edge.stages.grammar_phrases`)."""
        from pocketsphinx import Decoder

        self.calibration = calibration or Calibration()
        self._fillers = fillers
        self._templates = templates
        self._polite = polite
        self._dictionary = PronouncingDictionary.default()
        self._decoder = Decoder(lm=None, jsgf=None, dict=os.devnull, loglevel="FATAL",
                                cmninit=ANCHOR_MEAN, **DECODER_OPTIONS)
        self._words: set[str] = set()  # what the decoder's dictionary holds
        for entry, phones in self._dictionary.entries(_PRIME_WORD):
            self._decoder.add_word(entry, phones, False)
        self._words.add(_PRIME_WORD)
        self._decoder.add_jsgf_string(
            _PRIME_SEARCH, f"#JSGF V1.0;\ngrammar m;\npublic <m> = {_PRIME_WORD};\n")
        self._speller = EspeakSpeller()
        self.grammar: CompiledGrammar = self.recompile(inventory)
        self._running = False
        self._decode_s = 0.0

    @property
    def warnings(self) -> list[str]:
        return self.grammar.warnings

    def recompile(self, inventory: Inventory) -> CompiledGrammar:
        grammar = compile_grammar(inventory, self._lookup, self._speller, self._fillers,
                                  self._templates, self._polite)
        d = self._decoder
        for word in sorted(jsgf_words(grammar.jsgf) - self._words):
            for entry, phones in self._dictionary.entries(word):  # none: spelled below
                d.add_word(entry, phones, False)
            self._words.add(word)
        for word, phones in grammar.pronunciations.items():
            if d.lookup_word(word) is None:
                d.add_word(word, phones, False)
        d.add_jsgf_string(SEARCH, grammar.jsgf)
        d.activate_search(SEARCH)
        self.grammar = grammar
        release_freed_memory()  # the replaced search's pages (18 MB for the home's names)
        return grammar

    def _lookup(self, word: str) -> str | None:
        """The decoder's pronunciation (a word added before), else the dictionary's first."""
        return self._decoder.lookup_word(word) or self._dictionary.lookup(word)

    def prime(self, samples: np.ndarray) -> None:
        """Learn the room from audio heard just before the request (the wake word and what
        came before it): the decoder's cepstral mean, which the request's frames are
        normalised by, starts again from ANCHOR_MEAN and moves towards this audio's, as
        after a decoded utterance. So a request is decoded nearly the same whatever came
        before (the front end's noise estimate carries on)."""
        if self._running:
            self._decoder.end_utt()
            self._running = False
        d = self._decoder
        d.set_cmn(ANCHOR_MEAN)
        d.activate_search(_PRIME_SEARCH)
        try:
            d.start_utt()
            d.process_raw(np.ascontiguousarray(samples, dtype="<i2").tobytes(), True, False)
            d.end_utt()
        finally:
            d.activate_search(SEARCH)

    @property
    def cepstral_mean(self) -> list[float]:
        """The mean the next request is normalised by (C0, the log energy, first)."""
        return [float(x) for x in self._decoder.get_cmn().split(",")]

    def start(self) -> None:
        if self._running:
            self._decoder.end_utt()
        self._decoder.start_utt()
        self._running = True
        self._decode_s = 0.0

    def push(self, samples: np.ndarray) -> None:
        t0 = time.perf_counter()
        self._decoder.process_raw(np.ascontiguousarray(samples, dtype="<i2").tobytes(),
                                  False, False)
        self._decode_s += time.perf_counter() - t0

    def partial(self) -> Understanding | None:
        """The command the audio so far completes, if any (cheap: no lattice)."""
        return self.grammar.understand(self._hypothesis())

    def heard(self) -> str:
        """The words of the whole command the audio so far completes ("" if none): Whisper's
        hint for this request (`FasterWhisperStt.transcribe_heard`)."""
        text = self._hypothesis()
        return text if text and self.grammar.understand(text) is not None else ""

    def _hypothesis(self) -> str:
        """The decoder's best words so far ("" when none), its time counted as decoding."""
        t0 = time.perf_counter()
        hyp = self._decoder.hyp()
        self._decode_s += time.perf_counter() - t0
        return hyp.hypstr if hyp is not None else ""

    def finish(self) -> GrammarResult:
        t0 = time.perf_counter()
        d = self._decoder
        d.end_utt()
        self._running = False
        hyp = d.hyp()
        text = hyp.hypstr if hyp is not None else ""
        words: list[tuple[str, int, int, float]] = []
        for seg in d.seg() or ():
            if seg.word in _NON_WORDS:
                continue
            frames = seg.end_frame - seg.start_frame + 1
            words.append((seg.word, seg.start_frame, seg.end_frame,
                          SCORE_SCALE * math.log(max(seg.ascore, 1e-300)) / max(1, frames)))
        understanding = self.grammar.understand(text) if text else None
        total = sum(w[2] - w[1] + 1 for w in words)
        score = (sum(w[3] * (w[2] - w[1] + 1) for w in words) / total) if total else -50.0
        finish_s = time.perf_counter() - t0
        self._decode_s += finish_s
        confidence = self.calibration.confidence(score) if understanding is not None else 0.0
        if understanding is not None:
            understanding = Understanding(understanding.intent, understanding.slots, confidence)
        return GrammarResult(
            text=text, understanding=understanding, confidence=confidence,
            score_per_frame=score, posterior=hyp.prob if hyp is not None else 0.0,
            frames=d.n_frames(), decode_ms=1000 * self._decode_s, finish_ms=1000 * finish_s,
            words=words,
        )

    @classmethod
    def for_stop_phrases(cls, phrases: tuple[str, ...],
                         calibration: Calibration | None = None) -> GrammarRecognizer:
        """The barge-in's fast layer: only the stop phrases ("stop", "never mind", ...),
        and the usual ways of saying them ("stop it", "cancel that"). No politeness around
        them: "please" and "now" let longer speech ("don't stop the music") fit a stop
        phrase too well."""
        from edge.barge_in import phrasings

        return cls(Inventory(), calibration or STOP_CALIBRATION,
                   templates={STOP_INTENT: phrasings(phrases)}, polite=False)

    def recognize(self, samples: np.ndarray, frame: int = 1280) -> GrammarResult:
        """A whole recording at once (tests, tools), in pipeline-sized frames."""
        self.start()
        for i in range(0, len(samples), frame):
            self.push(samples[i : i + frame])
        return self.finish()


_JSGF_WORD = re.compile(r"<[^>]*>|([a-z'][a-z']*)")


def jsgf_words(jsgf: str) -> set[str]:
    """Every word a JSGF grammar can say (a superset: header words such as "grammar" too;
    rule names in <...> are not words)."""
    return {m.group(1) for m in _JSGF_WORD.finditer(jsgf) if m.group(1)}


class PronouncingDictionary:
    """The decoder's pronouncing dictionary file (pocketsphinx's CMU dictionary, sorted by
    word, a word's alternatives "word(2)" after it), looked up without loading it: a binary
    search over the memory-mapped file. Lookups are exact (case-sensitive), as the
    decoder's own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with open(path, "rb") as f:
            self._data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)

    @staticmethod
    def default() -> PronouncingDictionary:
        """The en-US model's dictionary, one mapping per process."""
        return _default_dictionary()

    def lookup(self, word: str) -> str | None:
        """`word`'s pronunciation (its first; "word(2)" its second), as
        `Decoder.lookup_word` gives it, or None."""
        base = _base(word.encode()).decode()
        return next((phones for entry, phones in self.entries(base) if entry == word), None)

    def entries(self, word: str) -> list[tuple[str, str]]:
        """[(word, phones), (word(2), phones), ...] in the file's order; [] if absent."""
        key = word.encode()
        data = self._data
        lo, hi = 0, len(data)  # lines starting before lo sort before key; at hi or after, not
        while lo < hi:
            start = data.rfind(b"\n", 0, (lo + hi) // 2) + 1
            end = data.find(b"\n", start)
            end = len(data) if end < 0 else end
            if _base(data[start:end]) < key:
                lo = end + 1
            else:
                hi = start
        out: list[tuple[str, str]] = []
        while lo < len(data):
            end = data.find(b"\n", lo)
            end = len(data) if end < 0 else end
            line = data[lo:end]
            if _base(line) != key:
                break
            entry, _, phones = line.decode().partition(" ")
            out.append((entry, phones.strip()))
            lo = end + 1
        return out


def _base(line: bytes) -> bytes:
    """A dictionary line's word without its alternative's number: b"a(2) EY" -> b"a"."""
    word = line.split(b" ", 1)[0]
    return word[: word.index(b"(")] if word.endswith(b")") and b"(" in word else word


@cache
def _default_dictionary() -> PronouncingDictionary:
    from pocketsphinx import Config

    return PronouncingDictionary(Path(Config()["dict"]))
