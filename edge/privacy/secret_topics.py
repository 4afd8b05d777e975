"""A security question's answer said with the question's topic, not the word "question".

"my mother's maiden name for the bank is Okonkwo", "the first car i owned, for the
security question, a blue Corolla", "childhood nickname for my bank login: Bumble". The
topic is what such questions ask (a maiden name; a first, favourite or childhood thing),
then which account it is for, then a copula, a colon or a comma, then the answer. A
maiden name is asked for nothing else; any other topic needs the account's or the
question's word before the answer's cue ("my first car was a Corolla" is a story, not a
secret).
Nothing is found in a question ("what was your first car?").
"""

from __future__ import annotations

from edge.privacy.secret_values import value_end, value_start
from edge.privacy.secret_words import CLAUSE_END, NOT_VALUE, STATES
from edge.privacy.spans import Span
from edge.privacy.text import NumberRun, Token

# What a security question asks about, after a word that makes it one ("first car").
_TOPICS = {"car", "pet", "pet's", "school", "teacher", "teacher's", "nickname", "street",
           "city", "town", "job", "boss", "friend", "concert", "album", "book", "film",
           "movie", "team", "name", "holiday", "vacation", "crush", "employer", "hero"}
_MAKERS = {"first", "favourite", "favorite", "childhood", "oldest", "eldest", "maiden",
           "memorable", "primary"}
# Between the topic and the answer, one of these says it is a security question's answer.
_ACCOUNT = {"security", "bank", "bank's", "account", "verification", "answer", "question",
            "login", "memorable", "recovery", "banking", "verify"}
_COPULAS = {"is", "was", "'s", ":", "="}
_OWN_SUBJECTS = {"i", "we", "you", "he", "she", "they", "it"}
_MOST_WORDS = 4


def topic_answer(text: str, toks: tuple[Token, ...], runs: dict[int, NumberRun]
                 ) -> list[Span]:
    if "?" in text:
        return []
    n = len(toks)
    for i in range(1, n):
        if toks[i].low not in _TOPICS or not any(
                t.low in _MAKERS for t in toks[max(0, i - 3):i]):
            continue
        maiden = toks[i - 1].low == "maiden"
        for j in range(i + 1, min(n, i + 12)):
            t = toks[j]
            if t.text in {".", "!", ";"}:
                break
            if t.low in _COPULAS and toks[j - 1].low not in _OWN_SUBJECTS:
                k = value_start(toks, j + 1)
                end = value_end(text, toks, k, runs)
                if end is None or not (maiden or any(
                        x.low in _ACCOUNT for x in toks[i + 1:j]) or _told_after(toks, end)):
                    return []  # "my favourite team is Arsenal"
                return [Span(toks[k].start, end, "secret")]
            if t.text == "," and not maiden:
                span = _after_aside(toks, j)
                if span is not None:
                    return [span]
        return []
    return []


# After the answer, these say what it was: "..., that's my security answer".
_QUESTION_AFTER = {"security", "verification", "memorable", "recovery", "secret"}


def _told_after(toks: tuple[Token, ...], end: int) -> bool:
    """The clause after the answer (ending at offset `end`) names the security question:
    "my first pet's name was Biscuit, that's my security answer" (not "..., my bank
    manager loved it")."""
    rest = [t for t in toks if t.start >= end]
    said = {t.low for t in rest[1:8]}
    return bool(rest) and rest[0].text in {",", "-", "–", ";"} and bool(
        said & _QUESTION_AFTER) and bool(said & {"answer", "answers", "question", "questions"})


def _after_aside(toks: tuple[Token, ...], comma: int) -> Span | None:
    """"..., for the security question, a blue Corolla": after the last comma, one to
    four words to the end (an article before them), when the aside named the account."""
    n = len(toks)
    last = max(m for m in range(comma, n) if toks[m].text == ",")
    if last == comma or not any(t.low in _ACCOUNT for t in toks[comma:last]):
        return None
    k = last + 1
    if k < n and toks[k].low in {"a", "an"}:
        k += 1
    words = [t for t in toks[k:] if t.text not in {".", "!"}]
    stop = (NOT_VALUE | CLAUSE_END | STATES) - {"old", "new"}
    if not 1 <= len(words) <= _MOST_WORDS or not all(t.word and t.low not in stop
                                                      for t in words):
        return None
    return Span(toks[last + 1].start, words[-1].end, "secret")
