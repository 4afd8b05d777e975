"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, no torch.

The ONNX file (manifest `minilm_int8`) is the bare transformer: it returns
`last_hidden_state` per token. What sentence-transformers adds on top for this model is
done here: its WordPiece tokenizer (manifest `minilm_tokenizer`, tokenizer.json read by
the `tokenizers` package), mean pooling over the attention mask, and L2 normalisation,
so a dot product of two rows is their cosine similarity.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

import models

DIM = 384
# sentence-transformers' max_seq_length for this model (sentence_bert_config.json);
# tokenizer.json itself says 128 with fixed padding, which would pad every question to 128.
MAX_TOKENS = 256


class Embedder:
    """`embed(texts)` -> (n, 384) float32 rows of unit length."""

    def __init__(self, model: Path | None = None, tokenizer: Path | None = None,
                 threads: int = 1) -> None:
        """Paths default to the verified manifest files; raises models.ModelError if they
        are not fetched (`tandem models fetch minilm_int8 minilm_tokenizer`)."""
        model = model or models.resolve("minilm_int8")[0]
        tokenizer = tokenizer or models.resolve("minilm_tokenizer")[0]
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        # Pad each batch only to its longest text: questions are ~10 tokens, not 128.
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        options = ort.SessionOptions()
        # One thread: the cloud router shares its cores with the LLM worker, and a
        # question is a few ms of work; more threads would only add contention.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(model), options,
                                             providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        # The tokenizer is not documented as safe to share across threads; encoding is
        # microseconds, so a lock costs nothing (onnxruntime's run() is thread-safe).
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:  # single sentences: segment 0 throughout
            feeds["token_type_ids"] = np.zeros_like(ids)
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
