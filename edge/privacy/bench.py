"""`tandem bench redact`: recall per kind, false redactions and latency on the labelled set.

The set (pii_set.jsonl) is hand-written: one object per sentence, `text`, `spans`
(`start`, `end`, `kind`) and `split` ("dev" for tuning, "test" held out and written in
other phrasings). A labelled span counts as found when redaction covers every letter and
digit of it, whatever kind it is given ("typed" counts only the right kind); a sentence
with no labelled span is falsely redacted when anything in it is redacted.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from contract.errors import TandemError
from edge.privacy.redact import Redactor
from edge.privacy.spans import KINDS, Span

PII_SET = Path(__file__).resolve().parent / "pii_set.jsonl"
# The contacts the set's sentences assume (an inventory's "contacts:").
CONTACTS = ("Mom", "Priya", "Tomás", "Anna Smith")
TARGET_RECALL, TARGET_FALSE, TARGET_P95_MS = 0.95, 0.02, 1.0


@dataclass(frozen=True)
class Example:
    text: str
    spans: tuple[Span, ...]
    split: str


@dataclass
class Result:
    found: Counter[str] = field(default_factory=Counter)
    typed: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    clean: int = 0
    false_redactions: int = 0
    extra_chars: int = 0  # characters redacted outside any labelled span, PII sentences
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def recall(self, kind: str) -> float:
        return self.found[kind] / self.total[kind] if self.total[kind] else 1.0

    def p95_ms(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "recall": {k: round(self.recall(k), 4) for k in KINDS},
            "typed_recall": {k: round(self.typed[k] / self.total[k], 4) if self.total[k]
                             else 1.0 for k in KINDS},
            "spans": dict(self.total),
            "clean_sentences": self.clean,
            "false_redactions": self.false_redactions,
            "false_redaction_rate": round(self.false_redactions / max(1, self.clean), 4),
            "extra_chars": self.extra_chars,
            "latency_ms": {"p50": round(statistics.median(self.latencies_ms), 4),
                           "p95": round(self.p95_ms(), 4),
                           "max": round(max(self.latencies_ms), 4)},
        }


def load_set(path: Path, split: str) -> list[Example]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            spans = tuple(Span(int(s["start"]), int(s["end"]), s["kind"]) for s in row["spans"])
            example = Example(row["text"], spans, row["split"])
        except (ValueError, KeyError, TypeError) as exc:
            raise TandemError(f"{path}:{number}: not a labelled sentence ({exc})") from None
        if split in ("all", example.split):
            examples.append(example)
    if not examples:
        raise TandemError(f"{path}: no sentences in split {split!r} (dev, test or all)")
    return examples


def _covered(text: str, gold: Span, got: tuple[Span, ...]) -> Span | None:
    """The predicted span that covers gold's letters and digits (None if any is left)."""
    best = None
    for at in range(gold.start, gold.end):
        if not text[at].isalnum():
            continue
        hit = next((s for s in got if s.start <= at < s.end), None)
        if hit is None:
            return None
        best = best or hit
    return best


def run(examples: list[Example], redactor: Redactor, repeat: int) -> Result:
    result = Result()
    for example in examples:
        got = redactor.spans(example.text)
        for _ in range(repeat):
            t0 = time.perf_counter()
            redactor.redact(example.text)
            result.latencies_ms.append((time.perf_counter() - t0) * 1000)
        if not example.spans:
            result.clean += 1
            if got:
                result.false_redactions += 1
                result.misses.append(f"false: {example.text!r} -> "
                                     f"{redactor(example.text)!r}")
            continue
        for gold in example.spans:
            result.total[gold.kind] += 1
            hit = _covered(example.text, gold, got)
            if hit is None:
                result.misses.append(f"missed {gold.kind}: "
                                     f"{example.text[gold.start:gold.end]!r} in "
                                     f"{example.text!r} -> {redactor(example.text)!r}")
                continue
            result.found[gold.kind] += 1
            result.typed[gold.kind] += hit.kind == gold.kind
        labelled = {i for g in example.spans for i in range(g.start, g.end)}
        result.extra_chars += sum(1 for s in got for i in range(s.start, s.end)
                                  if i not in labelled and example.text[i].isalnum())
    return result


def bench_redact(path: Path, split: str, repeat: int, errors: bool, as_json: bool) -> int:
    examples = load_set(path, split)
    redactor = Redactor(CONTACTS)
    for example in examples[:20]:  # warm: the gazetteer loads on first use
        redactor(example.text)
    result = run(examples, redactor, max(1, repeat))
    if as_json:
        print(json.dumps({"split": split, "sentences": len(examples), **result.to_json()}))
        return 0
    print(f"{path.name} split={split}: {len(examples)} sentences, "
          f"{len(examples) - result.clean} with personal data, {result.clean} without")
    print(f"{'kind':<8} {'spans':>5} {'recall':>7} {'typed':>7}")
    for kind in KINDS:
        n = result.total[kind]
        typed = result.typed[kind] / n if n else 1.0
        print(f"{kind:<8} {n:>5} {result.recall(kind):>7.1%} {typed:>7.1%}")
    rate = result.false_redactions / max(1, result.clean)
    print(f"false redactions: {result.false_redactions}/{result.clean} sentences without "
          f"personal data ({rate:.1%}); {result.extra_chars} characters redacted beyond the "
          f"labels in the others")
    p50 = statistics.median(result.latencies_ms)
    print(f"latency per request: p50 {p50 * 1000:.0f} µs, p95 {result.p95_ms() * 1000:.0f} µs, "
          f"max {max(result.latencies_ms) * 1000:.0f} µs ({len(result.latencies_ms)} calls)")
    worst = min(result.recall(k) for k in KINDS)
    verdict = (worst >= TARGET_RECALL and rate <= TARGET_FALSE
               and result.p95_ms() <= TARGET_P95_MS)
    print(f"targets (recall >= {TARGET_RECALL:.0%} per kind, false <= {TARGET_FALSE:.0%}, "
          f"p95 <= {TARGET_P95_MS:g} ms): {'met' if verdict else 'NOT met'}")
    if errors:
        for line in result.misses:
            print("  " + line)
    return 0
