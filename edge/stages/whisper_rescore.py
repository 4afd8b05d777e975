"""Whisper as the judge of the fast grammar's candidates, after its own transcription.

Whisper tiny.en writes what it heard, free: "Sweet chop the coffee maker." The text NLU
then guesses. The fast layer (pocketsphinx + the compiled grammar) hears only commands, but
its acoustic score is a weak judge of whether it heard right. This module asks Whisper's own
decoder, on the encoder output of the same request, how likely a few grammar sentences are
("Switch off the Coffee Maker.") next to its own hypothesis; when the best grammar sentence
is nearly as likely as the hypothesis (the log-probability gap is at most `max_gap`,
calibrated on the dev voices of `tandem bench speech`; `agree_gap` when the NLU reads the
same intent in Whisper's text, so the candidate only corrects the slots), its intent and
slots come from the grammar's matcher, exact; otherwise Whisper + NLU decide as before.

Candidates, nine on average, scored in one batch (`Whisper.align` gives each text token's
probability under teacher forcing, the softmax over text tokens only: the end of text is
not scored, hence `RescoreSettings.token_bonus`):

* the fast layer's own hypothesis, whatever its acoustic score (`fast`);
* the grammar sentences nearest Whisper's text (`nearest`): every expansion of the
  phrasings with the inventory's names (numbers only those Whisper's text or the fast
  layer's slots hold, and their teen/ty twins), ranked by character-trigram overlap with
  Whisper's text, its politeness kept.

Each is written as Whisper writes: capitalised, names as the inventory spells them,
numbers as digits ("25 minutes", "40%"), the hypothesis's closing punctuation.

Measured on `tandem bench speech` (given the wake word, Whisper with beam search 5): on the
held-out voices Whisper + NLU 77.0 %, the two layers 78.4 %, with the rescoring 86.5 % (its
answers 8 % wrong); on the phrasings written independently of the grammar 68.7 / 68.5 /
69.2 %. No cloud question was taken for a command (`may_overrule`; before that guard 5 of
the held-out 72 were).

Cost: the decoder runs once per candidate over the request's part of the encoder output
(the 30 s window's padding is cut off, `margin_frames` kept: 24 candidates cost 60-85 ms
so against 700 ms on the whole window; the gap is calibrated on these scores). The scoring
has no prompt: the transcription's hints (the inventory's names, ~130 tokens) would cost
~20 ms per candidate. It reuses the transcription's encoder output (`Rescorer.transcribe`,
through `EncoderTap`): an encode costs ~300 ms on two cores, the rescoring p50 27 ms, p95
44 ms. Without it, `rescore` encodes the samples itself.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from edge.messages import Understanding
from edge.nlu.slots import NOT_NAMES
from edge.settings import ConfirmSettings, RescoreSettings
from edge.stages import grammar_phrases as phrases
from edge.stages.grammar import (
    CompiledGrammar,
    Node,
    Slot,
    parse_template,
    split_politeness,
    spoken_form,
)
from edge.stages.grammar import number_words as grammar_number_words
from edge.stages.grammar_stt import GrammarResult
from edge.stages.numbers import parse_number
from edge.stages.stt import strip_wake_phrase

if TYPE_CHECKING:
    from edge.stages.fast_confirm import Confirmation

SAMPLE_RATE = 16000
MEL_HOP = 160  # samples per mel frame; the encoder halves the frames
WINDOW_FRAMES = 3000  # Whisper's 30 s window, in mel frames


@dataclass(frozen=True)
class Encoded:
    """A transcription's encoder output and how many samples of the request it heard: a
    transcription started during the hangover (`EarlyTranscript`) heard the request up to
    its pause, not the endpoint's whole utterance, and the scoring reads as many encoder
    frames as the audio it was made from."""

    output: Any
    samples: int


Heard = tuple[str, Encoded | None]  # Whisper's raw text and its encoder output (None: not kept)


@dataclass(frozen=True)
class Candidate:
    spoken: str  # the grammar's words ("switch off the coffee maker")
    text: str  # as Whisper writes it ("Switch off the Coffee Maker.")
    source: str  # "fast", "nearest" or both ("fast+nearest")
    understanding: Understanding


@dataclass(frozen=True)
class ScoredCandidate:
    candidate: Candidate
    logprob: float  # summed log-probability of its text tokens
    tokens: int


@dataclass(frozen=True)
class RescoreResult:
    understanding: Understanding | None  # the chosen candidate's; None: Whisper + NLU decide
    text: str  # the best candidate's text ("" when there was none)
    gap: float  # the hypothesis's score minus the best candidate's (inf: no candidate)
    hypothesis_logprob: float
    hypothesis_tokens: int = 0
    scored: tuple[ScoredCandidate, ...] = ()
    ms: dict[str, float] = field(default_factory=dict)  # candidates, encode, score, total

    def to_json(self) -> dict[str, Any]:
        return {
            "chosen": None if self.understanding is None else {
                "intent": self.understanding.intent, "slots": dict(self.understanding.slots)},
            "text": self.text, "gap": self.gap, "hypothesis_logprob": self.hypothesis_logprob,
            "hypothesis_tokens": self.hypothesis_tokens,
            "candidates": [{"text": s.candidate.text, "spoken": s.candidate.spoken,
                            "source": s.candidate.source, "logprob": s.logprob,
                            "tokens": s.tokens, "intent": s.candidate.understanding.intent,
                            "slots": dict(s.candidate.understanding.slots)}
                           for s in self.scored],
            "ms": dict(self.ms),
        }


# -- texts: Whisper's and the grammar's --------------------------------------------------

@lru_cache(maxsize=1)
def _spoken_numbers() -> dict[int, str]:
    said: dict[int, str] = {}
    for words in grammar_number_words():  # "one hundred" before "a hundred"
        parsed = parse_number(words.split())
        if parsed is not None:
            said.setdefault(parsed[0], words)
    return said


def number_words(n: int) -> str:
    """0..100 as the grammar says them ("twenty five"); other numbers as digits."""
    return _spoken_numbers().get(n, str(n))


# Bumped when the candidates a text gets change (their search, `normalise`, `render`): the
# bench's rescoring cache (`tandem bench speech`) is keyed by it. 2: Whisper's "ok".
CANDIDATES_VERSION = 2
# Words Whisper spells otherwise than the grammar: "Ok, so put all the lights on in the
# garage." is the grammar's "okay so ..." sentence (a dev-voice request whose right text
# lost to the fast layer's "... in the office" for want of it).
_WRITTEN_FOR = {"ok": "okay"}


def normalise(text: str) -> str:
    """Whisper's text in the grammar's alphabet: lower case, no punctuation, "%" as
    "percent", digits as words (0..100), accents folded, Whisper's "ok" as "okay"."""
    said = text.replace("%", " percent ")
    said = re.sub(r"(\d),(\d)", r"\1\2", said)
    said = re.sub(r"\d+", lambda m: f" {number_words(int(m.group()))} ", said)
    said = spoken_form(said)
    said = re.sub(r"[^a-z' ]+", " ", said)
    return " ".join(_WRITTEN_FOR.get(w, w) for w in said.split())


def said_exactly(whisper_text: str, spoken: str) -> bool:
    """Whether Whisper wrote the grammar sentence `spoken` (its words), wake word aside."""
    words = " ".join(spoken.split())
    return bool(words) and normalise(strip_wake_phrase(whisper_text)) == words


# The kind of a device or list, which every name of that kind shares: no evidence of which
# one was said.
_KIND_WORDS = frozenset({"light", "lights", "lamp", "lamps", "fan", "fans", "list", "switch",
                         "plug", "tv", "maker"})


def spelled_like(value: str, whisper_text: str, min_similarity: float) -> bool:
    """Whether each word that sets the name `value` apart ("garage" of "Garage Light") is
    spelled like a word Whisper wrote, or two of them run together ("Madroom" for
    "bedroom", "damage" for "garage"): what a mishearing of the name leaves."""
    # the words that could name something (not "off", which "office" would match), and
    # any two of them run together
    named = [w for w in normalise(whisper_text).split()
             if w not in NOT_NAMES and w not in _KIND_WORDS]
    heard = named + [a + b for a, b in itertools.pairwise(named)]
    own = [w for w in normalise(value).split() if w not in _KIND_WORDS]
    return all(any(SequenceMatcher(None, w, h).ratio() >= min_similarity for h in heard)
               for w in own)


def target_heard(candidate: Understanding, reading: Understanding | None, whisper_text: str,
                 settings: RescoreSettings) -> bool:
    """Whether a candidate may answer for what it acts on: each device or area it names is
    the one the NLU read in Whisper's text or spelled like Whisper's words
    (`RescoreSettings.min_name_similarity`), and it names one when the reading does. The
    rescoring corrects a misheard name ("the damage light" -> Garage Light), but does not
    put in one Whisper did not hear ("Garage light on" -> Office Light, in a home without a
    garage), nor drop the one it heard for every light."""
    if settings.min_name_similarity is None or reading is None:
        return True
    for key in ("name", "area"):
        value = candidate.slots.get(key)
        if value is not None and value != reading.slots.get(key) and not spelled_like(
                str(value), whisper_text, settings.min_name_similarity):
            return False
    targets = ("name", "area")
    return not any(k in reading.slots for k in targets) or \
        any(k in candidate.slots for k in targets)


def numbers_in(text: str) -> set[int]:
    """The numbers a text holds, as digits or words (only those the grammar can say)."""
    found = {int(d) for d in re.findall(r"\d+", text)}
    words = normalise(text).split()
    for i in range(len(words)):
        parsed = parse_number(words[i:])
        if parsed is not None and words[i] not in ("a", "an"):
            found.add(parsed[0])
    return {n for n in found if 0 <= n <= 100}


TEEN_TY = {**{t: 10 * (t - 10) for t in range(13, 20)}, **{10 * (t - 10): t for t in range(13, 20)}}


def _expand(node: Node) -> Iterator[list[str | Slot]]:
    """Every word/slot sequence a template tree allows."""
    if isinstance(node, str | Slot):
        yield [node]
    elif node[0] == "seq":
        for parts in itertools.product(*(list(_expand(k)) for k in node[1])):
            yield [item for part in parts for item in part]
    elif node[0] == "alt":
        for kid in node[1]:
            yield from _expand(kid)
    else:  # opt
        yield []
        yield from _expand(node[1])


@dataclass
class SentenceIndex:
    """The grammar's sentences with names filled in (numbers left as slots), indexed by
    character trigrams for a fast nearest-text search."""

    sentences: list[str]
    numbered: list[list[str | Slot]]  # expansions with number slots, filled per request
    trigram_ids: dict[str, np.ndarray]
    sizes: np.ndarray  # trigrams per sentence

    @classmethod
    def build(cls, grammar: CompiledGrammar,
              templates: dict[str, list[str]] | None = None) -> SentenceIndex:
        sentences: list[str] = []
        numbered: list[list[str | Slot]] = []
        for lines in (templates or phrases.TEMPLATES).values():
            for line in lines:
                tree = parse_template(line.partition(" => ")[0])
                for seq in _expand(tree):
                    slots = [s for s in seq if isinstance(s, Slot)]
                    if any(not grammar.lists.get(s.values) or not grammar.lists[s.values].values
                           for s in slots):
                        continue
                    if any(s.values == "number" for s in slots):
                        numbered.append(seq)
                        continue
                    sentences += _fill(seq, grammar, {})
        sentences = list(dict.fromkeys(sentences))
        postings: dict[str, list[int]] = {}
        sizes = np.zeros(len(sentences), dtype=np.float32)
        for i, s in enumerate(sentences):
            grams = trigrams(s)
            sizes[i] = len(grams)
            for g in grams:
                postings.setdefault(g, []).append(i)
        ids = {g: np.asarray(v, dtype=np.int32) for g, v in postings.items()}
        return cls(sentences, numbered, ids, sizes)

    def nearest(self, said: str, k: int, numbers: Iterable[int],
                grammar: CompiledGrammar) -> list[str]:
        """The `k` sentences with the most trigrams in common with `said` (Dice)."""
        grams = trigrams(said)
        if not grams:
            return []
        hits = [self.trigram_ids[g] for g in grams if g in self.trigram_ids]
        common = (np.bincount(np.concatenate(hits), minlength=len(self.sentences))
                  if hits else np.zeros(len(self.sentences)))
        dice = 2 * common / (self.sizes + len(grams))
        pool = [(float(dice[i]), self.sentences[i])
                for i in np.argsort(-dice, kind="stable")[:k]]
        values = sorted(set(numbers))
        if values:
            for seq in self.numbered:
                for s in _fill(seq, grammar, {"number": values}):
                    g = trigrams(s)
                    pool.append((2 * len(g & grams) / (len(g) + len(grams)), s))
        pool.sort(key=lambda x: -x[0])
        return [s for _, s in pool[:k]]


def trigrams(said: str) -> set[str]:
    padded = f"  {said} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _fill(seq: Sequence[str | Slot], grammar: CompiledGrammar,
          restrict: dict[str, list[int]]) -> list[str]:
    """Spoken sentences: each slot takes each value of its list (numbers: `restrict`)."""
    options: list[list[str]] = []
    for item in seq:
        if isinstance(item, Slot):
            if item.values == "number":
                options.append([number_words(n) for n in restrict.get("number", [])])
            else:
                options.append(list(grammar.lists[item.values].values))
        else:
            options.append([item])
    return [" ".join(p) for p in itertools.product(*options)]


_INDEXES: dict[int, tuple[CompiledGrammar, SentenceIndex]] = {}


def sentence_index(grammar: CompiledGrammar) -> SentenceIndex:
    """The index of `grammar`, built once per compiled grammar (tens of ms)."""
    held = _INDEXES.get(id(grammar))
    if held is None or held[0] is not grammar:
        if len(_INDEXES) >= 4:
            _INDEXES.clear()
        held = _INDEXES[id(grammar)] = (grammar, SentenceIndex.build(grammar))
    return held[1]


def render(spoken: str, grammar: CompiledGrammar, punctuation: str = ".",
           digits: bool = True) -> str | None:
    """A grammar sentence as Whisper writes it: "set the office light to forty percent" ->
    "Set the Office Light to 40%." (None: not a sentence of the grammar)."""
    prefix, core, suffix = split_politeness(spoken)
    padded = core + " "
    for pattern in grammar.patterns:
        m = pattern.regex.fullmatch(padded)
        if m is None:
            continue
        out, pos = [], 0
        for i, slot in enumerate(pattern.groups):
            start, end = m.span(f"g{i}")
            if start < 0:
                continue
            out.append(padded[pos:start])
            value = grammar.lists[slot.values].values[padded[start:end].strip()]
            if isinstance(value, int):
                out.append(str(value) if digits else number_words(value))
            else:  # names as the inventory spells them; colours and items as said
                out.append(value)
            out.append(" ")
            pos = end
        out.append(padded[pos:])
        text = " ".join("".join(out).split())
        if digits:
            text = re.sub(r"(\d) percent\b", r"\1%", text)
        words = " ".join(w for w in (prefix, text, suffix) if w)
        return words[0].upper() + words[1:] + punctuation
    return None


def candidates(whisper_text: str, grammar: CompiledGrammar, fast: GrammarResult | None,
               settings: RescoreSettings) -> list[Candidate]:
    """The grammar sentences worth scoring for this request, in Whisper's spelling, nearest
    first."""
    text = strip_wake_phrase(whisper_text)
    punctuation = text[-1] if text and text[-1] in ".?!" else "."
    spoken: list[tuple[str, str]] = []
    if settings.use_fast and fast is not None and fast.understanding is not None:
        spoken.append((" ".join(fast.text.split()), "fast"))
    said = normalise(text)
    if settings.nearest and said:
        prefix, core, suffix = split_politeness(said)
        numbers = numbers_in(text)
        if fast is not None and fast.understanding is not None:
            numbers |= {v for v in fast.understanding.slots.values() if isinstance(v, int)}
        if settings.teen_ty:
            numbers |= {TEEN_TY[n] for n in numbers if n in TEEN_TY}
        for s in sentence_index(grammar).nearest(core, settings.nearest, numbers, grammar):
            spoken.append((" ".join(w for w in (prefix, s, suffix) if w), "nearest"))
    out: dict[str, Candidate] = {}
    for words, source in spoken:
        u = grammar.understand(words)
        if u is None:
            continue
        for digits in ([True, False] if settings.word_numbers else [True]):
            written = render(words, grammar, punctuation, digits)
            if written is None:
                continue
            held = out.get(written)
            if held is not None:  # the same sentence from both sources
                if source not in held.source.split("+"):
                    out[written] = replace(held, source=f"{held.source}+{source}")
                continue
            out[written] = Candidate(words, written, source,
                                     Understanding(u.intent, u.slots, 1.0))
    return list(out.values())


# -- scoring with Whisper's decoder -------------------------------------------------------

class EncoderTap:
    """Keeps the encoder output of each thread's last encode by a faster-whisper model, so
    the scoring needs no second encode. Installed on the model instance (its `encode` is
    wrapped; the transcription is unchanged). Per thread: a transcription elsewhere (the
    barge-in's) cannot swap the request's encoder output. A request over 30 s leaves the
    last window's output (the rescoring then judges its end only)."""

    def __init__(self, whisper_model: Any) -> None:
        self._local = threading.local()
        original = whisper_model.encode

        def encode(features: np.ndarray) -> Any:
            out = original(features)
            self._local.last = out
            return out

        whisper_model.encode = encode

    def take(self) -> Any:
        """This thread's last encoder output (None: none since the last take)."""
        out = getattr(self._local, "last", None)
        self._local.last = None
        return out


class WhisperJudge:
    """Scores texts with a faster-whisper model's decoder on one request's encoder output."""

    def __init__(self, whisper_model: Any, prompt: str | None = None) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.model = whisper_model
        self.tokenizer = Tokenizer(whisper_model.hf_tokenizer,
                                   whisper_model.model.is_multilingual,
                                   task="transcribe", language="en")
        start = list(self.tokenizer.sot_sequence)
        if prompt:
            start = [self.tokenizer.sot_prev,
                     *self.tokenizer.encode(" " + prompt.strip()), *start]
        self.start_sequence = start

    def encode(self, samples: np.ndarray, window_s: float = 30.0) -> Any:
        """The encoder output of the request's 30 s window (what the transcription makes),
        or of a shorter one: `window_s`, or the request and 1 s more if that is longer.
        The encoder's cost grows with its window (two cores: ~260 ms for 30 s, ~40 ms for
        5 s); a short window's output scores a known sentence as well as the whole one
        (edge.stages.fast_confirm) but leaves Whisper's free transcription worse."""
        from faster_whisper.audio import pad_or_trim

        audio = np.asarray(samples).astype(np.float32) / 32768.0
        features = self.model.feature_extractor(audio)
        features = features[:, : features.shape[-1] - 1]
        frames = min(WINDOW_FRAMES, max(round(window_s * 100), features.shape[-1] + 100))
        return self.model.encode(pad_or_trim(features, frames))

    def score(self, encoder_output: Any, texts: Sequence[str], num_samples: int,
              margin_frames: int = 50) -> list[tuple[float, int]]:
        """(summed log-probability of the text tokens, token count) per text, one batch."""
        import ctranslate2

        if not texts:
            return []
        enc = np.asarray(encoder_output)[:1]
        frames = min(enc.shape[1], num_samples // MEL_HOP // 2 + margin_frames)
        enc = enc[:, :frames]
        batch = ctranslate2.StorageView.from_array(
            np.ascontiguousarray(np.repeat(enc, len(texts), axis=0)))
        tokens = [self.tokenizer.encode(" " + t.strip()) for t in texts]
        results = self.model.model.align(batch, self.start_sequence, tokens,
                                         [frames] * len(texts))
        return [(float(np.log(np.maximum(np.asarray(r.text_token_probs), 1e-12)).sum()),
                 len(t)) for r, t in zip(results, tokens, strict=True)]


def may_overrule(reading: Understanding | None, settings: RescoreSettings) -> bool:
    """Whether the rescoring may replace the NLU's `reading` of Whisper's text: not when
    it is confidently a question for the cloud (`keep_cloud_reading`)."""
    keep = settings.keep_cloud_reading
    return reading is None or keep is None or not (
        reading.intent == "cloud" and reading.confidence >= keep)


def heard_alike(reading: Understanding, fast: Understanding | None, min_confidence: float,
                settings: RescoreSettings) -> bool:
    """Whether the NLU read in Whisper's text, with at least `min_confidence`, the fast
    layer's own command, intent and slots: then nothing is left to rescore
    (`RescoreSettings.skip_when_alike`)."""
    return (settings.skip_when_alike and fast is not None and reading.intent != "cloud"
            and reading.confidence >= min_confidence
            and (fast.intent, fast.slots) == (reading.intent, reading.slots))


def overrule_settings(reading: Understanding | None,
                      settings: RescoreSettings) -> RescoreSettings | None:
    """What the rescoring may do against the NLU's `reading`: everything (`settings`), only
    the fast layer's own sentence within `fast_overrule_gap` (a question the NLU keeps for
    the cloud), or nothing (None)."""
    if may_overrule(reading, settings):
        return settings
    if settings.fast_overrule_gap is None or not settings.use_fast:
        return None
    return replace(settings, max_gap=settings.fast_overrule_gap, agree_gap=None, nearest=0)


def adjusted(logprob: float, tokens: int, token_bonus: float) -> float:
    return logprob + token_bonus * tokens


def decide(hypothesis: tuple[float, int], scored: Sequence[tuple[float, int]],
           settings: RescoreSettings, agrees: Sequence[bool] = (),
           exact: Sequence[bool] = ()) -> tuple[int | None, float]:
    """The index of the best candidate and its gap; the index only when the gap is at most
    `max_gap`, or `agree_gap` when the NLU reads the candidate's intent in Whisper's text
    (`agrees`, per candidate). A candidate that is Whisper's own text (`exact`,
    `said_exactly`) answers whatever scores better: Whisper's beam search chose it with the
    hint and the end of the text in view, which the scoring here lacks (it favours short
    sentences: "Dial Mom." over the "Dial Doctor Okafor." Whisper wrote). Pure: the
    bench's calibration replays it on stored scores."""
    if not scored:
        return None, math.inf
    values = [adjusted(lp, n, settings.token_bonus) for lp, n in scored]
    if any(exact):
        own = exact.index(True)
        return own, adjusted(*hypothesis, settings.token_bonus) - values[own]
    best = max(range(len(values)), key=values.__getitem__)
    gap = adjusted(*hypothesis, settings.token_bonus) - values[best]
    limit = settings.max_gap
    if settings.agree_gap is not None and best < len(agrees) and agrees[best]:
        limit = max(limit, settings.agree_gap)
    return (best if gap <= limit else None), gap


def rescore(judge: WhisperJudge, samples: np.ndarray, whisper_raw: str,
            grammar: CompiledGrammar, fast: GrammarResult | None,
            settings: RescoreSettings | None = None, encoder_output: Any = None,
            reading: Understanding | None = None) -> RescoreResult:
    """Whisper's hypothesis against the grammar's candidates, on one encoder output;
    `reading`: what the NLU reads in Whisper's text (`RescoreSettings.agree_gap`,
    `target_heard`)."""
    s = settings or RescoreSettings()
    t0 = time.perf_counter()
    hypothesis = whisper_raw.strip()
    cands = candidates(hypothesis, grammar, fast, s) if hypothesis else []
    t1 = time.perf_counter()
    ms = {"candidates": 1000 * (t1 - t0), "encode": 0.0, "score": 0.0}
    if not cands:
        ms["total"] = ms["candidates"]
        return RescoreResult(None, "", math.inf, 0.0, 0, (), ms)
    if encoder_output is None:
        encoder_output = judge.encode(samples)
        ms["encode"] = 1000 * (time.perf_counter() - t1)
    t2 = time.perf_counter()
    # The wake phrase Whisper wrote stays in front of every candidate, as in the hypothesis.
    lead = hypothesis[: len(hypothesis) - len(strip_wake_phrase(hypothesis))]
    scores = judge.score(encoder_output, [hypothesis] + [lead + c.text for c in cands],
                         len(samples), s.margin_frames)
    ms["score"] = 1000 * (time.perf_counter() - t2)
    ms["total"] = ms["candidates"] + ms["score"]
    hyp_lp, hyp_tokens = scores[0]
    scored = tuple(ScoredCandidate(c, lp, n) for c, (lp, n) in zip(cands, scores[1:],
                                                                      strict=True))
    # Only candidates that act on what Whisper heard may answer (`target_heard`).
    keep = [i for i, c in enumerate(cands)
            if target_heard(c.understanding, reading, hypothesis, s)]
    agrees = [reading is not None and cands[i].understanding.intent == reading.intent
              for i in keep]
    exact = [said_exactly(hypothesis, cands[i].spoken) for i in keep]
    chosen, gap = decide(scores[0], [scores[1 + i] for i in keep], s, agrees, exact)
    chosen = None if chosen is None else keep[chosen]
    top = max(scored, key=lambda x: adjusted(x.logprob, x.tokens, s.token_bonus))
    return RescoreResult(None if chosen is None else scored[chosen].candidate.understanding,
                         top.candidate.text, gap, hyp_lp, hyp_tokens, scored, ms)


class Rescorer:
    """What the daemon holds: Whisper's transcription with its encoder output kept, and the
    rescoring of a request on it.

        raw, encoded = rescorer.transcribe(samples)          # instead of stt.transcribe
        result = rescorer.rescore(utterance, raw, grammar, recognized, encoded)
    """

    def __init__(self, stt: Any, settings: RescoreSettings | None = None) -> None:
        """`stt`: a FasterWhisperStt (its model is shared, not copied)."""
        self.stt = stt
        self.settings = settings or RescoreSettings()
        self.tap = EncoderTap(stt._model)
        self.judge = WhisperJudge(stt._model)

    def transcribe(self, samples: np.ndarray, heard: str = "") -> Heard:
        """Whisper's text (with its hints, as `stt.transcribe`; `heard`: what the fast
        layer holds, `transcribe_heard`) and its encoder output."""
        from edge.stages.stt import transcribe_heard

        self.tap.take()
        raw = transcribe_heard(self.stt, samples, heard)
        output = self.tap.take()
        return raw, None if output is None else Encoded(output, len(samples))

    def warm_up(self, window_s: float = 5.0) -> None:
        """One short-window encode and scoring: the first of a shape costs CTranslate2 about
        twice a later one (the daemon's first confirmation took 235 ms, the next 89-107),
        and the first request should not pay it."""
        encoded = self.judge.encode(np.zeros(SAMPLE_RATE, dtype=np.int16), window_s)
        self.judge.score(encoded, ["Turn on the lights."] * 9, SAMPLE_RATE)  # a usual batch

    def confirm(self, samples: np.ndarray, grammar: CompiledGrammar, fast: GrammarResult,
                settings: ConfirmSettings) -> Confirmation:
        """Whisper's decoder on the fast layer's command (edge.stages.fast_confirm)."""
        from edge.stages.fast_confirm import confirm

        return confirm(self.judge, samples, grammar, fast, settings, self.settings)

    def rescore(self, samples: np.ndarray, whisper_raw: str, grammar: CompiledGrammar,
                fast: GrammarResult | None, encoded: Encoded | None = None,
                reading: Understanding | None = None,
                settings: RescoreSettings | None = None) -> RescoreResult:
        """`samples`: the request from its start (the endpoint's utterance; cut to what
        `encoded` heard); `settings`: this request's (`overrule_settings`), else the
        rescorer's own."""
        if encoded is not None:
            samples = samples[: encoded.samples]
        return rescore(self.judge, samples, whisper_raw, grammar, fast,
                       settings or self.settings,
                       None if encoded is None else encoded.output, reading)
