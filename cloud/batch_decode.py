"""Several answers decoded together in one llama.cpp context: one sequence per answer.

Each `step` builds one llama_batch with the next token of every answer that is
generating plus up to `prefill_chunk` prompt tokens of answers still reading
their prompt, runs llama_decode once, and samples every generating answer from
its own logits. Where decoding is memory-bound (AVX2/AVX-512 with more cores,
GPUs) N answers cost barely more than one; on a 2-core AVX-only CPU it is
compute-bound and 4 answers cost ~2.9x one (tools/batch_decode_probe.py). A long
prompt is fed a chunk per step, so the other answers keep streaming and a
cancel is read in between.

Each sequence has its own KV stream of n_ctx_seq cells (kv_unified=False), so
a sequence can never run out of cells, and its cells hold positions 0.. in
order whether it runs alone or beside others, so attention sums the same terms
in the same order (with a unified cache the cells interleave and greedy answers
drift apart within a few dozen tokens). One difference remains, in llama.cpp:
its CPU matmul takes llamafile's sgemm for two or more rows and its own dot
product for one, which round differently for F32/F16/Q8_0 weights, so the
output layer (and every layer of an F32 model) can differ in the last bits
between a step that samples one answer and one that samples several; a greedy
answer then rarely flips a token late on. The price of per-sequence streams:
llama.cpp puts only consecutive sequence ids into one micro-batch, so a free
slot between running ones costs a second graph run.

Which answers a step serves is a voice assistant's choice: what a caller waits
for is the first chunk (cloud.sentences, as the service splits it); after that
the device is busy speaking for seconds and the rest of the answer has slack.
So only the oldest `first_chunk_parallel` answers that have not yet released
their first chunk advance (prompt chunks and tokens); the others wait their
turn, and answers already speaking get a step at least every
_SPEAKING_STEP_S (faster than anyone speaks) until no one waits for a first
chunk, when every answer runs in every step. On a compute-bound CPU this gets
4 simultaneous first chunks out one after another instead of all late.

A finished answer's tokens stay in its sequence: the next prompt given to that
slot reuses the longest common prefix (the system prompt, the earlier turns of
the same conversation) and only the rest is removed and evaluated, like
Llama.generate's prefix cache.

Sampling is llama.cpp's own sampler chain, built as Llama.create_chat_completion
builds it, one chain per slot. Nothing here reads the worker pipe: the worker
calls `step` in a loop and polls between steps.
"""

from __future__ import annotations

import codecs
import ctypes
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import llama_cpp
from llama_cpp import _internals

from cloud.sentences import SentenceSplitter
from cloud.worker_messages import FINISH_LENGTH, FINISH_STOP

# Llama.create_chat_completion's defaults for what we do not configure.
_TOP_K = 40
_TOP_P = 0.95
_MIN_P = 0.05
_TYPICAL_P = 1.0
_PIECE_BYTES = 64  # longer token pieces are retried with the size llama.cpp asks for
# An answer already speaking gets a token at least this often while others wait for
# their first chunk: 8 tokens/s, about twice as fast as speech consumes them.
_SPEAKING_STEP_S = 0.125


@dataclass(frozen=True)
class Piece:
    """Text of one sampled token (may be empty: half of a multi-byte character)."""

    job: int
    text: str


@dataclass(frozen=True)
class Finished:
    """An answer that ended; its slot is free again."""

    job: int
    finish_reason: str
    prompt_tokens: int
    # Tokens sampled for this answer (not counting an end-of-generation token).
    completion_tokens: int
    # time.monotonic() of its first sampled token, None if it never got one.
    first_token_at: float | None


class Detokenizer:
    """Token ids to text, one token at a time: a character whose UTF-8 bytes span
    several tokens (byte-fallback tokens, split emoji) comes out whole with its last
    byte; bytes that never form a character are dropped, as llama-cpp-python does."""

    def __init__(self, token_bytes: Callable[[int], bytes]) -> None:
        self._token_bytes = token_bytes
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="ignore")

    def push(self, token: int) -> str:
        return self._utf8.decode(self._token_bytes(token))


@dataclass
class _Answer:
    job: int
    prompt: list[int]
    max_tokens: int
    fed: int  # prompt tokens already in the sequence's KV cells
    text: Detokenizer
    # Finds the first chunk the service will send; None once it has gone (speaking).
    first_chunk: SentenceSplitter | None
    sampled: int = 0
    # Sampled and sent but not yet evaluated: the next step feeds it.
    pending: int | None = None
    first_token_at: float | None = None
    stepped_at: float = 0.0  # time.monotonic() of the last step that served it


@dataclass
class _Slot:
    seq_id: int
    sampler: _internals.LlamaSampler
    # The tokens whose KV cells this sequence holds, in position order.
    cached: list[int] = field(default_factory=list)
    answer: _Answer | None = None


class BatchDecoder:
    """Owns a multi-sequence llama context next to a loaded `Llama` (its model and
    tokenizer); not thread-safe, driven by one loop."""

    def __init__(
        self,
        llm: Any,
        *,
        n_parallel: int,
        n_ctx_seq: int,
        prefill_chunk: int,
        temperature: float,
        first_chunk_parallel: int | None = None,
        first_clause_words: int | None = None,
    ) -> None:
        """`first_chunk_parallel`: how many answers before their first chunk advance
        together (None: all); `first_clause_words`: the service's SentenceSplitter
        setting, so that "first chunk" means the same here as there."""
        self._first_chunk_parallel = first_chunk_parallel or n_parallel
        self._first_clause_words = first_clause_words
        self._model = llm._model
        self._vocab = llama_cpp.llama_model_get_vocab(self._model.model)
        self.n_ctx_seq = n_ctx_seq
        self._prefill_chunk = prefill_chunk
        self._ctx = _multi_sequence_context(llm, n_parallel, n_ctx_seq, prefill_chunk)
        self._batch = _internals.LlamaBatch(
            n_tokens=prefill_chunk + n_parallel, embd=0, n_seq_max=1, verbose=False)
        self._slots = [_Slot(seq, _sampler(llm, temperature)) for seq in range(n_parallel)]
        self._piece = ctypes.create_string_buffer(_PIECE_BYTES)
        # Admission order: prompts are fed oldest first, so the first answer to arrive
        # is the first to speak instead of all prompts finishing together, late.
        self._order: list[_Slot] = []

    # --- jobs -----------------------------------------------------------------

    @property
    def free_slots(self) -> int:
        return sum(slot.answer is None for slot in self._slots)

    @property
    def running(self) -> tuple[int, ...]:
        return tuple(slot.answer.job for slot in self._order if slot.answer is not None)

    def start(self, job: int, prompt: list[int], max_tokens: int) -> None:
        """Give the answer a free slot: the one whose cached tokens share the longest
        prefix with `prompt`. The prompt must be non-empty and shorter than n_ctx_seq."""
        if not 0 < len(prompt) < self.n_ctx_seq:
            raise ValueError(f"a prompt of {len(prompt)} tokens does not fit {self.n_ctx_seq}")
        free = [slot for slot in self._slots if slot.answer is None]
        if not free:
            raise RuntimeError("no free slot")
        slot = max(free, key=lambda s: _common_prefix(s.cached, prompt))
        # At least the last prompt token is evaluated again: its logits pick the first token.
        reuse = min(_common_prefix(slot.cached, prompt), len(prompt) - 1)
        if not llama_cpp.llama_memory_seq_rm(self._ctx.memory, slot.seq_id, reuse, -1):
            reuse = 0  # cannot cut this memory type part way: start the sequence afresh
            llama_cpp.llama_memory_seq_rm(self._ctx.memory, slot.seq_id, -1, -1)
        del slot.cached[reuse:]
        llama_cpp.llama_sampler_reset(slot.sampler.sampler)
        # Never past the sequence's share of the context, like llama's own completion.
        limit = min(max_tokens, self.n_ctx_seq - len(prompt))
        slot.answer = _Answer(job, prompt, limit, fed=reuse, text=Detokenizer(self.token_bytes),
                              first_chunk=SentenceSplitter(self._first_clause_words))
        self._order.append(slot)

    def stop(self, job: int, finish_reason: str) -> Finished:
        """End an answer now (cancel, deadline, shutdown); its cells stay for reuse."""
        for slot in self._order:
            if slot.answer is not None and slot.answer.job == job:
                return self._finish(slot, finish_reason)
        raise KeyError(job)

    def reset(self) -> None:
        """Forget every sequence (after a failed decode left the cache unknown)."""
        llama_cpp.llama_memory_clear(self._ctx.memory, True)
        for slot in self._slots:
            slot.cached.clear()
            slot.answer = None
        self._order.clear()

    # --- decoding -------------------------------------------------------------

    def step(self) -> tuple[list[Piece], list[Finished]]:
        """One llama_decode over every running answer; returns the text each sampled
        and the answers that ended (end of generation or max_tokens)."""
        outputs = self._fill_batch()
        if self._batch.batch.n_tokens == 0:
            return [], []
        # A step of prompt chunks alone samples nothing but must still be decoded.
        code = llama_cpp.llama_decode(self._ctx.ctx, self._batch.batch)
        if code != 0:
            raise RuntimeError(f"llama_decode returned {code}")
        now = time.monotonic()
        pieces: list[Piece] = []
        finished: list[Finished] = []
        for slot, index in outputs:
            answer = slot.answer
            assert answer is not None
            token = llama_cpp.llama_sampler_sample(slot.sampler.sampler, self._ctx.ctx, index)
            if llama_cpp.llama_vocab_is_eog(self._vocab, token):
                finished.append(self._finish(slot, FINISH_STOP))
                continue
            answer.sampled += 1
            if answer.first_token_at is None:
                answer.first_token_at = now
            text = answer.text.push(token)
            if answer.first_chunk is not None and answer.first_chunk.push(text):
                answer.first_chunk = None  # the service sends its first chunk now
            pieces.append(Piece(answer.job, text))
            if answer.sampled >= answer.max_tokens:
                finished.append(self._finish(slot, FINISH_LENGTH))
            else:
                answer.pending = token
        return pieces, finished

    def _serving(self, now: float) -> set[int]:
        """Sequence ids this step serves (see the module docstring)."""
        waiting = [slot for slot in self._order
                   if slot.answer is not None and slot.answer.first_chunk is not None]
        if not waiting:
            return {slot.seq_id for slot in self._order}
        serving = {slot.seq_id for slot in waiting[: self._first_chunk_parallel]}
        for slot in self._order:
            answer = slot.answer
            if (answer is not None and answer.first_chunk is None
                    and now - answer.stepped_at >= _SPEAKING_STEP_S):
                serving.add(slot.seq_id)
        return serving

    def _fill_batch(self) -> list[tuple[_Slot, int]]:
        """Put the next token of each answer served, then prompt chunks oldest first,
        into the batch; return (slot, batch index) of the tokens whose logits we sample."""
        batch = self._batch.batch
        outputs: list[tuple[_Slot, int]] = []
        n = 0
        now = time.monotonic()
        serving = self._serving(now)

        def add(slot: _Slot, token: int, logits: bool) -> None:
            nonlocal n
            batch.token[n] = token
            batch.pos[n] = len(slot.cached)
            batch.n_seq_id[n] = 1
            batch.seq_id[n][0] = slot.seq_id
            batch.logits[n] = logits
            if logits:
                outputs.append((slot, n))
            slot.cached.append(token)
            n += 1

        for slot in self._slots:  # in sequence id order: see the module docstring
            answer = slot.answer
            if answer is not None and answer.pending is not None and slot.seq_id in serving:
                add(slot, answer.pending, True)
                answer.pending = None
                answer.stepped_at = now
        budget = self._prefill_chunk
        for slot in self._order:
            answer = slot.answer
            if budget == 0:
                break
            if (answer is None or answer.fed == len(answer.prompt)
                    or slot.seq_id not in serving):
                continue
            take = min(budget, len(answer.prompt) - answer.fed)
            for token in answer.prompt[answer.fed : answer.fed + take]:
                answer.fed += 1
                add(slot, token, answer.fed == len(answer.prompt))
            answer.stepped_at = now
            budget -= take
        batch.n_tokens = n
        return outputs

    def _finish(self, slot: _Slot, finish_reason: str) -> Finished:
        answer = slot.answer
        assert answer is not None
        slot.answer = None
        # Its cells stay: `cached` says what they hold (a prompt prefix if it was
        # stopped while reading its prompt), for the next answer on this slot to reuse.
        self._order.remove(slot)
        return Finished(answer.job, finish_reason, len(answer.prompt), answer.sampled,
                        answer.first_token_at)

    def token_bytes(self, token: int) -> bytes:
        """The token's text as llama.cpp stores it (special tokens render as nothing)."""
        n = llama_cpp.llama_token_to_piece(
            self._vocab, token, self._piece, _PIECE_BYTES, 0, False)
        if n < 0:  # a piece longer than the buffer: llama.cpp says how long
            buffer = ctypes.create_string_buffer(-n)
            n = llama_cpp.llama_token_to_piece(self._vocab, token, buffer, -n, 0, False)
            return buffer.raw[:n]
        return self._piece.raw[:n]

    def close(self) -> None:
        for slot in self._slots:
            slot.sampler.close()
        self._batch.close()
        self._ctx.close()


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _multi_sequence_context(
    llm: Any, n_parallel: int, n_ctx_seq: int, prefill_chunk: int
) -> _internals.LlamaContext:
    """A context like the one `Llama` built (threads, rope, flash attention: all from
    its context_params) but holding `n_parallel` sequences of `n_ctx_seq` tokens each.
    `Llama` offers no n_seq_max argument, so its own single-sequence context is freed
    and `llm` is left able to tokenize and format chats, not to generate."""
    params = llama_cpp.llama_context_params.from_buffer_copy(llm.context_params)
    params.n_ctx = n_ctx_seq * n_parallel
    params.n_seq_max = n_parallel
    params.kv_unified = False  # one stream per sequence: see the module docstring
    # One decode holds at most a prompt chunk plus one token per answer. A small
    # physical batch also keeps llama.cpp's attention scratch memory small.
    params.n_batch = params.n_ubatch = prefill_chunk + n_parallel
    llm._ctx.close()
    llm._ctx = _NoContext()  # generating through `llm` now fails loudly, not in C
    ctx = _internals.LlamaContext(model=llm._model, params=params, verbose=False)
    if llama_cpp.llama_n_ctx_seq(ctx.ctx) < n_ctx_seq:
        raise ValueError(f"llama.cpp gave each sequence {llama_cpp.llama_n_ctx_seq(ctx.ctx)} "
                         f"tokens of context, not {n_ctx_seq}")
    return ctx


class _NoContext:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("this Llama's context belongs to a BatchDecoder now; "
                           "generate with the decoder")

    def close(self) -> None:
        pass  # Llama.close() still closes what it thinks is its context


def _sampler(llm: Any, temperature: float) -> _internals.LlamaSampler:
    """The chain Llama._init_sampler builds for create_chat_completion's defaults
    (its repeat penalty of 1.0 is a no-op and is left out)."""
    sampler = _internals.LlamaSampler()
    if temperature == 0.0:
        sampler.add_greedy()
        return sampler
    sampler.add_top_k(_TOP_K)
    sampler.add_typical(_TYPICAL_P, 1)
    sampler.add_top_p(_TOP_P, 1)
    sampler.add_min_p(_MIN_P, 1)
    sampler.add_temp(temperature)
    sampler.add_dist(llm._seed)
    return sampler
