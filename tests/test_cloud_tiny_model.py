"""The shipped tiny GGUF is a real llama model that llama-cpp-python loads and runs."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from cloud.testing import write_tiny_gguf

llama_cpp = pytest.importorskip("llama_cpp")


def test_tiny_model_loads_fast_and_speaks_words(tmp_path: Path) -> None:
    path = write_tiny_gguf(tmp_path / "tiny.gguf")
    assert 300_000 <= path.stat().st_size <= 2_000_000
    started = time.monotonic()
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=512, n_threads=1, verbose=False)
    assert time.monotonic() - started < 2.0
    assert "tokenizer.chat_template" in llm.metadata

    stream = llm.create_chat_completion(
        messages=[
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": "why is the sky blue"},
        ],
        max_tokens=80,
        temperature=0.7,
        stream=True,
    )
    pieces = [c["choices"][0]["delta"].get("content") or "" for c in stream]
    text = "".join(pieces)
    # Every piece is a whole word or punctuation: speakable, no bytes or control tokens.
    assert re.fullmatch(r"( [a-z]+|[.,!?])+", text), text
    assert re.search(r"[.!?] ", text), "expected sentence boundaries in 80 tokens"
