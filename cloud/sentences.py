"""Incremental sentence splitter: LLM tokens in, speakable sentences out.

The edge starts speaking the first sentence while the rest is still being
generated, so chunks must be whole sentences (speech engines prosody needs
them) but must leave as soon as a sentence is known to be complete. A sentence
ends at a run of terminal punctuation (``. ! ?``, optionally followed by
closing quotes or brackets) that is followed by whitespace. A "." followed by
anything else (``3.5``, ``e.g``) is not a boundary; the final remainder is
released by `flush`. Pure and synchronous: no I/O, no clock.

The first chunk may leave earlier, at a clause (``, ; :`` followed by whitespace) once it
holds `first_clause_words` words: the device starts speaking sooner ("Well, the sky is
blue," ...), and every later chunk is a whole sentence again.
"""

from __future__ import annotations

import re

_TERMINAL = ".!?"
_CLOSERS = "\"')]\u201d\u2019"
# Only the end of the match matters: the split is made right after it.
_BOUNDARY = re.compile(r"[.!?]+[\"')\]\u201d\u2019]*(?=\s)")
_CLAUSE = re.compile(r"[,;:](?=\s+\w)")  # (the next word has begun: not ", ." garbage)


class SentenceSplitter:
    """Accumulate text with `push`; get back complete, stripped sentences."""

    def __init__(self, first_clause_words: int | None = None) -> None:
        self._first_clause_words = first_clause_words
        self._buffer = ""
        # Where the next scan starts: earlier text is known to hold no boundary.
        self._scan_from = 0

    def push(self, text: str) -> list[str]:
        """Add generated text; return the sentences it completed (maybe none)."""
        if not text and not self._buffer:
            return []
        self._buffer += text
        if self._first_clause_words is not None:
            clause = self._first_clause()
            if clause is not None:
                return [clause, *self.push("")] if self._buffer else [clause]
        sentences: list[str] = []
        cut = 0
        for match in _BOUNDARY.finditer(self._buffer, self._scan_from):
            sentence = self._buffer[cut : match.end()].strip()
            if not any(ch.isalnum() for ch in sentence):
                continue  # punctuation alone is not a sentence: it joins the next one
            sentences.append(sentence)
            cut = match.end()
        self._buffer = self._buffer[cut:]
        self._scan_from = self._trailing_run_start(self._buffer)
        return sentences

    def _first_clause(self) -> str | None:
        """The first chunk, cut at a clause, if one ends after enough words and before
        any sentence boundary (then only the first chunk is ever a clause)."""
        sentence_end = _BOUNDARY.search(self._buffer)
        limit = sentence_end.start() if sentence_end else len(self._buffer)
        for match in _CLAUSE.finditer(self._buffer, 0, limit):
            words = len(self._buffer[: match.end()].split())
            assert self._first_clause_words is not None
            if words >= self._first_clause_words:
                clause = self._buffer[: match.end()].strip()
                self._buffer = self._buffer[match.end():]
                self._scan_from = 0
                self._first_clause_words = None
                return clause
        if sentence_end is not None:
            self._first_clause_words = None  # a whole sentence came first
        return None

    def flush(self) -> str | None:
        """Return whatever is left (the last, possibly unterminated sentence)."""
        rest = self._buffer.strip()
        self._buffer = ""
        self._scan_from = 0
        return rest or None

    @staticmethod
    def _trailing_run_start(buffer: str) -> int:
        # A boundary not found yet must end at or after the end of the buffer
        # (its whitespace has not arrived), so it can only start within the
        # trailing run of punctuation/closers: rescanning from there is enough.
        start = len(buffer)
        while start > 0 and buffer[start - 1] in _TERMINAL + _CLOSERS:
            start -= 1
        return start


def split_sentences(text: str) -> list[str]:
    """Split a whole text at once (same result as pushing it in any pieces)."""
    splitter = SentenceSplitter()
    sentences = splitter.push(text)
    rest = splitter.flush()
    if rest is not None:
        sentences.append(rest)
    return sentences
