"""Whisper's decoder confirms a fast-layer command the fast layer alone is not sure of.

The fast layer (pocketsphinx + the compiled grammar) holds a whole command at its early
decision, 0.16 s into the user's pause; when its acoustic score is below its threshold,
the request used to wait for Whisper's free transcription (~0.4 s on two cores, most of
it the encoder's 30 s window) and the rescoring. Here Whisper's decoder scores the
command's sentence under teacher forcing instead, on the encoder output of a short window
(5 s: ~40 ms), against the grammar sentences nearest it and its twins (the opposite
command, the numbers next to its number): the same aligner the rescoring uses, without the
free decoding. The command answers at once when its log-probability per
token is high and no sentence meaning something else scores near it
(`ConfirmSettings`); otherwise Whisper hears the request as before, started that much
later.

A short window leaves Whisper's free transcription worse (`tandem bench speech`, dev
voices: Whisper + NLU 76.4 -> 73.2 % with 10 s), but a known sentence's score separates
right from wrong as well as on the whole window: that is why it confirms and does not
transcribe.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from edge.messages import Understanding
from edge.settings import ConfirmSettings, RescoreSettings
from edge.stages.grammar import CompiledGrammar
from edge.stages.grammar_stt import GrammarResult
from edge.stages.numbers import parse_number
from edge.stages.whisper_rescore import (
    Candidate,
    WhisperJudge,
    adjusted,
    candidates,
    number_words,
)


@dataclass(frozen=True)
class Confirmation:
    per_token: float  # the command's sentence: log-probability per token (-inf: unscored)
    margin: float  # its score over the best sentence meaning something else (inf: none)
    ms: float = 0.0
    competitors: int = 0

    def accepted(self, settings: ConfirmSettings) -> bool:
        return self.per_token >= settings.min_per_token and self.margin >= settings.min_margin

    def to_json(self) -> dict[str, float | int]:
        return {"per_token": self.per_token, "margin": self.margin, "ms": self.ms,
                "competitors": self.competitors}


def asks_confirmation(score_per_frame: float, settings: ConfirmSettings) -> bool:
    """Whether a command the fast layer is unsure of is worth confirming: not when its
    score is so low that a confirmation seldom passes (`ConfirmSettings.min_fast_score`)."""
    floor = settings.min_fast_score
    return floor is None or score_per_frame >= floor


def judge_scores(own: list[tuple[float, int]], others: list[tuple[float, int]],
                 token_bonus: float) -> tuple[float, float]:
    """(per-token log-probability, margin) of the command's best rendering `own` against
    the sentences of other meanings `others`, each (summed log-probability, tokens). Pure."""
    if not own:
        return -math.inf, -math.inf
    best = max(own, key=lambda s: adjusted(s[0], s[1], token_bonus))
    rival = max((adjusted(lp, n, token_bonus) for lp, n in others), default=-math.inf)
    return best[0] / max(1, best[1]), adjusted(best[0], best[1], token_bonus) - rival


# Words whose swap makes a command's opposite ("turn off" for "turn on").
_TWIN_WORDS = {"on": "off", "off": "on", "up": "down", "down": "up", "lock": "unlock",
               "unlock": "lock", "open": "close", "close": "open", "start": "stop",
               "stop": "start", "pause": "resume", "resume": "pause"}


def twins(words: str) -> list[str]:
    """The command's minimal pairs, said: each twin word swapped ("on" <-> "off") and each
    number moved to its neighbours a fast layer confuses it with: the other units under the
    same tens ("twenty nine" for "twenty five"), the same unit under other tens ("fifty
    five" for "sixty five"), units and their tens ("eight" <-> "eighty"). Grammar or not:
    the caller keeps those the grammar understands."""
    said = words.split()
    out = [" ".join(said[:i] + [_TWIN_WORDS[w]] + said[i + 1:])
           for i, w in enumerate(said) if w in _TWIN_WORDS]
    for i in range(len(said)):
        for n in (2, 1):
            value = parse_number(said[i : i + n])
            if value is None or value[1] != n:
                continue
            for other in _number_neighbours(value[0]):
                out.append(" ".join(said[:i] + [number_words(other)] + said[i + n:]))
            break
    return out


def _number_neighbours(n: int) -> list[int]:
    tens, unit = divmod(n, 10)
    near = [10 * tens + u for u in range(1, 10) if tens >= 2 and u != unit]
    near += [10 * t + unit for t in range(2, 10) if unit and t != tens and tens >= 2]
    if n < 10:  # "eight" <-> "eighty" (not "one" <-> "ten"), and the other units
        if n >= 2:
            near.append(10 * n)
        near += [u for u in range(1, 10) if u != n]
    elif unit == 0 and 2 <= tens <= 9:
        near += [tens] + [10 * t for t in range(2, 10) if t != tens]
    return [m for m in near if 0 < m <= 100]


def competitors(fast: GrammarResult, grammar: CompiledGrammar, settings: ConfirmSettings,
                rescore: RescoreSettings) -> list[Candidate]:
    """The command's sentence, its twins (`twins`), and the `settings.nearest` grammar
    sentences nearest its text (Dice over character trigrams, as the rescoring's): other
    wordings of the same command, and near misses with another name, area or teen/ty
    number. Tried and not taken: the 8 nearest of another meaning out of 32, and every
    number one word away said through the nearest-sentence search (~350 ms)."""
    search = RescoreSettings(nearest=settings.nearest, word_numbers=rescore.word_numbers,
                             teen_ty=rescore.teen_ty)
    found = candidates(fast.text, grammar, fast, search)
    seen = {c.text for c in found}
    alone = replace(search, nearest=0)
    for twin in twins(" ".join(fast.text.split())):  # those not in the grammar give none
        for c in candidates(twin, grammar, replace(fast, text=twin), alone):
            if c.text not in seen:
                seen.add(c.text)
                found.append(c)
    return found


def _meaning(u: Understanding) -> tuple[str, list[tuple[str, object]]]:
    return u.intent, sorted(u.slots.items())


def confirm(judge: WhisperJudge, samples: np.ndarray, grammar: CompiledGrammar,
            fast: GrammarResult, settings: ConfirmSettings,
            rescore: RescoreSettings | None = None) -> Confirmation:
    """Score the fast layer's command (`fast`, a whole one) on `samples`, the request up to
    the fast layer's decision."""
    r = rescore or RescoreSettings()
    t0 = time.perf_counter()
    if fast.understanding is None:
        return Confirmation(-math.inf, -math.inf)
    cands = competitors(fast, grammar, settings, r)
    if not cands:
        return Confirmation(-math.inf, -math.inf, 1000 * (time.perf_counter() - t0))
    encoded = judge.encode(samples, settings.window_s)
    scores = judge.score(encoded, [c.text for c in cands], len(samples), r.margin_frames)
    meaning = _meaning(fast.understanding)
    own: list[tuple[float, int]] = []
    others: list[tuple[float, int]] = []
    for c, s in zip(cands, scores, strict=True):
        (own if _meaning(c.understanding) == meaning else others).append(s)
    per_token, margin = judge_scores(own, others, r.token_bonus)
    return Confirmation(per_token, margin, 1000 * (time.perf_counter() - t0), len(others))
