"""A tiny random-weight llama GGUF that llama.cpp loads in milliseconds.

Tests need a *real* model file (real loader, real tokenizer, real chat template,
real sampling) without shipping hundreds of megabytes. This writes a two-layer
llama with a 64-wide residual stream and a vocabulary of plain English words, so
its random output is still speakable text with sentence punctuation.

How the output is kept speakable: embedding dimension 0 is a constant 1.0 for
every token and all other weights are small, so after the final RMS norm that
dimension dominates (about sqrt(n_embd)). Column 0 of the output matrix is
therefore a per-token bias: words get 0, sentence punctuation a small positive
boost, and byte/control tokens (including end-of-sequence) a large negative
one. Generation thus runs to max_tokens, which the cancellation and deadline
tests rely on. Dimension 1 marks punctuation tokens so punctuation is not
followed by more punctuation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# Plain words a speaker can read aloud; the order does not matter.
_WORD_TEXT = """
the a an and but or so if then when while because after before until
i you we they he she it this that these those there here who what where why how
is are was were be been being have has had do does did can could will would
should may might must shall
sky sea sun moon star light day night morning evening rain snow wind cloud storm
blue green red yellow white black grey bright dark warm cold cool soft loud quiet
water air fire earth stone tree leaf flower grass river hill mountain road city
house room door window table chair bed book page word song voice sound music
time hour minute year today tomorrow always never often sometimes soon later
good bad big small long short new old young fast slow high low near far early
happy calm kind clear simple easy hard real true right wrong
see look hear listen say tell ask answer think know feel want need like love
go come walk run sit stand open close start stop make take give find keep
help play work rest sleep read write learn show turn move live call try
people person child friend family teacher doctor cat dog bird fish horse
food bread milk tea coffee apple orange sugar salt
one two three four five ten hundred first last next every many much more most
some any all each other same different only also very too just still again
please thanks yes no maybe sure well now once
of in on at to for with from by about into over under between through around
color wave ocean planet world place way thing part side end story idea reason
because small fact question sunlight scatter shorter longer blue air molecule
"""
_WORDS = tuple(_WORD_TEXT.split())

# Special tokens the chat template uses, plus end-of-sequence.
_UNK, _BOS, _EOS = "<unk>", "<s>", "</s>"
_ROLE_TOKENS = ("<|system|>", "<|user|>", "<|assistant|>")
_SPACE = "\u2581"  # SentencePiece's visible space marker

# Logit boosts (before temperature) for punctuation relative to words (0.0).
_PUNCTUATION_BOOST = {".": 1.05, ",": 0.7, "?": 0.3, "!": 0.3}
_SUPPRESSED = -30.0

# Renders role headers as control tokens; llama-cpp-python's Jinja formatter
# tokenizes the result with special tokens enabled.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|{{ message['role'] }}|>\n{{ message['content'] }}{{ eos_token }}\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)

N_EMBD = 64
N_HEAD = 4
N_FF = 128
N_LAYER = 2
# Long enough for tests that need generations of thousands of tokens.
N_CTX_TRAIN = 8192


def _vocabulary() -> tuple[list[str], list[float], list[int], np.ndarray]:
    """Tokens, SentencePiece scores, token types and the per-token output bias."""
    from gguf import TokenType

    tokens: list[str] = []
    types: list[int] = []
    bias: list[float] = []

    def add(text: str, kind: TokenType, boost: float) -> None:
        tokens.append(text)
        types.append(int(kind))
        bias.append(boost)

    add(_UNK, TokenType.UNKNOWN, _SUPPRESSED)
    add(_BOS, TokenType.CONTROL, _SUPPRESSED)
    add(_EOS, TokenType.CONTROL, _SUPPRESSED)
    for role in _ROLE_TOKENS:
        add(role, TokenType.CONTROL, _SUPPRESSED)
    # llama.cpp's SentencePiece tokenizer falls back to <0xNN> byte tokens for
    # any text not in the vocabulary (prompts); it requires them to exist.
    for byte in range(256):
        add(f"<0x{byte:02X}>", TokenType.BYTE, _SUPPRESSED)
    for mark, boost in _PUNCTUATION_BOOST.items():
        add(mark, TokenType.NORMAL, boost)
    for word in dict.fromkeys(_WORDS):  # de-duplicate, keep order
        add(_SPACE + word, TokenType.NORMAL, 0.0)

    # Longer pieces win SentencePiece merges; the values only need to be distinct-ish.
    scores = [-float(i) for i in range(len(tokens))]
    return tokens, scores, types, np.asarray(bias, dtype=np.float32)


def write_tiny_gguf(path: str | Path, *, seed: int = 0) -> Path:
    """Write the tiny model to `path` (about 0.6 MB) and return the path.

    Deterministic for a given `seed`. Loads in milliseconds and generates
    >1000 tokens/s on one CPU thread; its n_ctx_train is 8192.
    """
    import gguf

    path = Path(path)
    rng = np.random.default_rng(seed)
    tokens, scores, types, bias = _vocabulary()
    n_vocab = len(tokens)
    punctuation = np.isin(np.arange(n_vocab), [tokens.index(p) for p in _PUNCTUATION_BOOST])

    def small(*shape: int, scale: float = 0.02) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("tandem-tiny-test-model")
    writer.add_context_length(N_CTX_TRAIN)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD)
    writer.add_rope_dimension_count(N_EMBD // N_HEAD)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)

    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(tokens.index(_UNK))
    writer.add_bos_token_id(tokens.index(_BOS))
    writer.add_eos_token_id(tokens.index(_EOS))
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_chat_template(CHAT_TEMPLATE)

    # numpy shapes are (rows, cols) = GGUF dims reversed, as llama.cpp expects.
    embeddings = small(n_vocab, N_EMBD)
    embeddings[:, 0] = 1.0
    embeddings[:, 1] = np.where(punctuation, 1.0, embeddings[:, 1])
    writer.add_tensor("token_embd.weight", embeddings)
    for layer in range(N_LAYER):
        prefix = f"blk.{layer}"
        writer.add_tensor(f"{prefix}.attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"{prefix}.{name}.weight", small(N_EMBD, N_EMBD))
        writer.add_tensor(f"{prefix}.ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(f"{prefix}.ffn_gate.weight", small(N_FF, N_EMBD))
        writer.add_tensor(f"{prefix}.ffn_up.weight", small(N_FF, N_EMBD))
        writer.add_tensor(f"{prefix}.ffn_down.weight", small(N_EMBD, N_FF))
    writer.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))

    # After the final norm, dim 0 is about sqrt(N_EMBD), so column 0 acts as a bias.
    output = small(n_vocab, N_EMBD, scale=0.1)
    output[:, 0] = bias / np.sqrt(N_EMBD)
    # Dim 1 is large only right after punctuation: discourage ". ," runs.
    output[:, 1] = np.where(punctuation, -2.0, output[:, 1])
    writer.add_tensor("output.weight", output)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
