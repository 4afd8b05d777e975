"""The incremental sentence splitter (pure): examples plus hypothesis properties."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from cloud.sentences import SentenceSplitter, split_sentences


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _push_pieces(text: str, cuts: list[int], first_clause_words: int | None = None) -> list[str]:
    splitter = SentenceSplitter(first_clause_words)
    chunks: list[str] = []
    start = 0
    for cut in sorted({c % (len(text) + 1) for c in cuts}) + [len(text)]:
        chunks += splitter.push(text[start:cut])
        start = max(start, cut)
    rest = splitter.flush()
    return chunks + ([rest] if rest is not None else [])


def test_splits_at_terminal_punctuation_followed_by_space() -> None:
    text = "The sky is blue. Light scatters! Why? Because air molecules are small"
    assert split_sentences(text) == [
        "The sky is blue.",
        "Light scatters!",
        "Why?",
        "Because air molecules are small",
    ]


def test_no_split_inside_numbers_or_without_whitespace() -> None:
    assert split_sentences("Pi is 3.14 roughly. Done.") == ["Pi is 3.14 roughly.", "Done."]
    assert split_sentences("e.g.this") == ["e.g.this"]


def test_closing_quotes_and_ellipses_stay_with_their_sentence() -> None:
    assert split_sentences('He said "hi." Then... left?! ok') == [
        'He said "hi."',
        "Then...",
        "left?!",
        "ok",
    ]


def test_sentence_is_released_only_when_the_following_whitespace_arrives() -> None:
    splitter = SentenceSplitter()
    assert splitter.push(" Hello") == []
    assert splitter.push(" world.") == []  # could still be "world.com"
    assert splitter.push(" Next") == ["Hello world."]
    assert splitter.flush() == "Next"
    assert splitter.flush() is None


def test_token_by_token_like_an_llm() -> None:
    tokens = [" The", " sky", " is", " blue", ".", " It", " is", " day", "!", "\n", "Bye"]
    splitter = SentenceSplitter()
    out = [s for t in tokens for s in splitter.push(t)]
    assert out == ["The sky is blue.", "It is day!"]
    assert splitter.flush() == "Bye"


_alphabet = st.sampled_from(list("ab .!?\"')\n\t3,"))


@given(text=st.text(alphabet=_alphabet, max_size=200), cuts=st.lists(st.integers(0, 400)))
def test_chunks_concatenate_to_input_modulo_whitespace(text: str, cuts: list[int]) -> None:
    chunks = _push_pieces(text, cuts)
    assert _squash("".join(chunks)) == _squash(text)
    assert all(chunk and chunk == chunk.strip() for chunk in chunks)


@given(text=st.text(alphabet=_alphabet, max_size=200), cuts=st.lists(st.integers(0, 400)))
def test_result_does_not_depend_on_how_the_text_was_cut(text: str, cuts: list[int]) -> None:
    assert _push_pieces(text, cuts) == split_sentences(text)


@given(text=st.text(alphabet=_alphabet, max_size=200))
def test_every_chunk_but_the_last_ends_a_sentence(text: str) -> None:
    chunks = split_sentences(text)
    for chunk in chunks[:-1]:
        assert re.search(r"[.!?][\"')\]\u201d\u2019]*$", chunk), chunk


def test_the_first_chunk_may_be_a_clause_then_only_sentences() -> None:
    text = "Well, the sky looks blue to us, because air scatters blue light. Then, next."
    tokens = text.split()
    splitter = SentenceSplitter(first_clause_words=4)
    out = [s for t in tokens for s in splitter.push(t + " ")]
    assert out == ["Well, the sky looks blue to us,", "because air scatters blue light.",
                   "Then, next."]  # "Well," is too short; only the first chunk is a clause
    # a sentence that ends first keeps every chunk a sentence
    assert SentenceSplitter(4).push("Hi there. The sky, as you know, is blue. ") == \
        ["Hi there.", "The sky, as you know, is blue."]


@given(text=st.text(alphabet=_alphabet, max_size=200), cuts=st.lists(st.integers(0, 400)))
def test_first_clause_mode_does_not_depend_on_the_cuts_either(text: str, cuts: list[int]) -> None:
    whole = _push_pieces(text, [], first_clause_words=2)
    assert _push_pieces(text, cuts, first_clause_words=2) == whole
    assert _squash("".join(whole)) == _squash(text)
    for chunk in whole[1:-1]:
        assert re.search(r"[.!?][\"')\]\u201d\u2019]*$", chunk), chunk
