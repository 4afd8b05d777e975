"""The background gate off and on, request by request: `tandem bench speech gate`.

Each recording runs twice in one process, without the gate and with it, so the two
outcomes differ by the gate alone. It was written when they could not otherwise: the fast
layer's decoder then carried its cepstral mean from one request to the next, so when the
gate moved one recording's endpoint every later recording was decoded from another mean (in
two whole runs, recordings whose endpoint the gate had not moved came out differently).
Since the fast layer starts every request from a fixed mean and primes it from the audio
before (`GrammarRecognizer.prime`), no decoder state needs putting back between the two.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from edge.audio.wavfile import read_wav
from edge.speech_eval.generate import load_manifest
from edge.speech_eval.runner import Evaluator, Outcome, _read_cache


def run(folder: Path, groups: tuple[str, ...], limit: int | None = None
        ) -> list[tuple[Outcome, Outcome]]:
    """(without the gate, with it) per recording of `groups`, Whisper's cached outcomes
    reused where the audio and the hint are the same."""
    ev = Evaluator()
    with_gate = ev.endpoint_settings
    without = replace(with_gate, background_margin_db=None)
    cache_path, rescore_path = ev.cache_paths(folder)
    cache, rescores = _read_cache(cache_path, "whisper"), _read_cache(rescore_path, "rescore")
    pairs = []
    recordings = [r for r in load_manifest(folder) if r.group in groups][:limit]
    for rec in recordings:
        audio = read_wav(folder / rec.file)
        ev.endpoint_settings = without
        off = ev.run(rec, audio, cache.get(rec.file), rescores.get(rec.file))
        ev.endpoint_settings = with_gate
        pairs.append((off, ev.run(rec, audio, cache.get(rec.file), rescores.get(rec.file))))
    return pairs


def report(pairs: list[tuple[Outcome, Outcome]], threshold: float, max_gap: float) -> str:
    """Per condition: requests right (given the wake word, rescored), end of speech ->
    endpoint and -> understood (local commands), without -> with the gate."""
    from contract.inventory import load_inventory
    from edge.speech_eval.phrases import INVENTORY
    from edge.speech_eval.report import Scorer, _p, fast_silence_ms, whisper_silence_ms
    from edge.stages.nlu import load_nlu

    inventory = load_inventory(INVENTORY)
    scorer = Scorer(inventory, nlu=load_nlu(inventory))

    def figures(outcomes: list[Outcome]) -> tuple[int, int, float, float, float]:
        right, silence = 0, []
        woken = [o for o in outcomes if o.wake_at_s is not None]
        for o in woken:
            d = scorer.rescored(o, threshold, max_gap)
            right += scorer.right(o, d)
            if o.route == "local" and (d.layer == "grammar" or o.whisper.get("stt_ms")):
                silence.append(fast_silence_ms(o) if d.layer == "grammar"
                               else whisper_silence_ms(o))
        lag = [1000 * (o.endpoint_at_s - o.command_end_s) for o in outcomes]
        return len(woken), right, _p(lag, 0.5), _p(lag, 0.95), _p(silence, 0.95)

    by: dict[str, list[tuple[Outcome, Outcome]]] = defaultdict(list)
    for pair in pairs:
        by[pair[0].condition].append(pair)
        by["all"].append(pair)
    lines = ["without -> with the background gate (the same recordings, the same decoder "
             "state)", f"  {'':14} {'woken':>5} {'right':>11} {'endpoint p50 ms':>17} "
             f"{'endpoint p95 ms':>17} {'silence p95 ms':>17}"]
    for condition, members in sorted(by.items()):
        a = figures([off for off, _ in members])
        b = figures([on for _, on in members])
        lines.append(f"  {condition:14} {a[0]:5d} {a[1]:5d} -> {b[1]:3d} {a[2]:7.0f} -> "
                     f"{b[2]:5.0f} {a[3]:7.0f} -> {b[3]:5.0f} {a[4]:7.0f} -> {b[4]:5.0f}")
    moved = sum(1 for off, on in pairs if off.endpoint_at_s != on.endpoint_at_s)
    lines.append(f"  the gate moved {moved} of {len(pairs)} endpoints")
    return "\n".join(lines)

