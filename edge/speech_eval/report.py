"""Scores of `tandem bench speech`: wake rate, audio -> intent, which layer answered, timing.

A request is right when its route is right and, for a local command, the intent and every
expected slot are (slots compared as `tandem bench nlu` does). End to end, a missed wake
word is a wrong request; "given the wake word" scores the recognisers on every recording
(a missed wake word opened by the oracle). Two systems are compared:

* whisper: Whisper tiny.en + the text NLU, routed as the turn routes (`local_confidence`);
* two-layer: the fast grammar layer when it holds a whole command with a confidence at or
  above the calibrated threshold, Whisper + NLU otherwise.

The threshold is calibrated on the dev voices only and the figures that count are the
held-out voices'.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge.inventory import Inventory
from edge.nlu.bench import slots_match
from edge.skills import default_skills
from edge.speech_eval.runner import Outcome
from edge.stages.grammar_stt import Calibration

LOCAL_CONFIDENCE = 0.7  # EdgeSettings.local_confidence
# Calibration: the threshold that makes the two-layer system most accurate on the dev voices
# while at most this share of the fast layer's own answers are wrong (a wrong fast answer
# acts at once; Whisper's answers are wrong about 40 % of the time on this set).
MAX_FAST_ERROR = 0.10


@dataclass(frozen=True)
class Decision:
    route: str
    intent: str
    slots: dict[str, Any]
    layer: str  # "grammar" or "whisper"


class Scorer:
    def __init__(self, inventory: Inventory, local_confidence: float = LOCAL_CONFIDENCE) -> None:
        self.inventory = inventory
        self.skills = default_skills(inventory)
        self.local_confidence = local_confidence

    def whisper(self, o: Outcome) -> Decision:
        w = o.whisper
        intent = w.get("intent", "none")
        local = (intent not in ("cloud", "none") and self.skills.handles(intent)
                 and w.get("confidence", 0.0) >= self.local_confidence)
        return Decision("local" if local else "cloud", intent, w.get("slots", {}), "whisper")

    def fast(self, o: Outcome, threshold: float) -> Decision | None:
        g = o.grammar
        if not g or g.get("intent") is None or g["score_per_frame"] < threshold:
            return None
        if not self.skills.handles(g["intent"]):
            return None
        return Decision("local", g["intent"], g.get("slots", {}), "grammar")

    def two_layer(self, o: Outcome, threshold: float) -> Decision:
        return self.fast(o, threshold) or self.whisper(o)

    def right(self, o: Outcome, d: Decision) -> bool:
        if o.route == "cloud":
            return d.route == "cloud"
        return (d.route == "local" and d.intent == o.intent
                and slots_match(o.slots, d.slots, self.inventory))


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}%" if d else "    -"


def _p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


def calibrate(scorer: Scorer, outcomes: list[Outcome], max_fast_error: float = MAX_FAST_ERROR
              ) -> tuple[float, list[str]]:
    """The score threshold that makes the two-layer system most accurate on `outcomes`
    (dev voices) while at most MAX_FAST_ERROR of the fast layer's answers are wrong."""
    scores = sorted({round(o.grammar["score_per_frame"], 2) for o in outcomes if o.grammar
                     and o.grammar.get("intent") is not None})
    best, best_acc = float("inf"), -1.0
    lines = []
    for t in scores:
        fast = [(o, scorer.fast(o, t)) for o in outcomes]
        answered = [(o, d) for o, d in fast if d is not None]
        wrong = sum(not scorer.right(o, d) for o, d in answered)
        acc = sum(scorer.right(o, scorer.two_layer(o, t)) for o in outcomes) / len(outcomes)
        if answered and wrong / len(answered) <= max_fast_error and acc > best_acc:
            best, best_acc = t, acc
        lines.append(f"    threshold {t:6.2f}: fast answers {len(answered):4d}, wrong {wrong:3d}, "
                     f"two-layer accuracy {acc:.3f}")
    return best, lines


def summarize(scorer: Scorer, outcomes: list[Outcome], threshold: float) -> dict[str, Any]:
    n = len(outcomes)
    woke = [o for o in outcomes if o.wake_at_s is not None]
    res: dict[str, Any] = {"recordings": n, "wake_rate": len(woke) / n if n else 0.0}
    for name, decide in (("whisper", scorer.whisper),
                         ("two_layer", lambda o: scorer.two_layer(o, threshold))):
        right = [scorer.right(o, decide(o)) for o in outcomes]
        res[name] = {
            "accuracy_given_wake": sum(right) / n if n else 0.0,
            "accuracy_end_to_end": sum(r for r, o in zip(right, outcomes, strict=True)
                                       if o.wake_at_s is not None) / n if n else 0.0,
        }
    fast = [(o, scorer.fast(o, threshold)) for o in outcomes]
    answered = [(o, d) for o, d in fast if d is not None]
    res["fast_answer_rate"] = len(answered) / n if n else 0.0
    res["fast_wrong"] = sum(not scorer.right(o, d) for o, d in answered)
    res["fast_answered"] = len(answered)
    res["fast_claimed_cloud"] = sum(o.route == "cloud" for o, _ in answered)
    res["whisper_fallback_wrong"] = sum(
        not scorer.right(o, scorer.whisper(o)) for o, d in fast if d is None)
    res["whisper_fallback"] = n - len(answered)
    stt = [o.whisper["stt_ms"] + o.whisper.get("nlu_ms", 0.0) for o in outcomes
           if o.whisper.get("stt_ms") is not None]
    fin = [o.grammar["finish_ms"] for o in outcomes if o.grammar]
    dec = [o.grammar["decode_ms"] for o in outcomes if o.grammar]
    lag = [o.endpoint_at_s - o.command_end_s for o in outcomes
           if o.endpoint_reason == "silence"]
    # Silence the user waits, end of speech -> understanding (before the skill and TTS):
    # for the fast layer's answers, from its decision (early endpoint or normal endpoint)
    # plus its finish; for Whisper's, the normal endpoint plus Whisper and the NLU.
    silence_fast = [1000 * (o.grammar["at_s"] - o.command_end_s) + o.grammar["finish_ms"]
                    for o, _ in answered]
    silence_whisper = [1000 * (o.endpoint_at_s - o.command_end_s) + o.whisper["stt_ms"]
                       + o.whisper.get("nlu_ms", 0.0) for o, d in fast
                       if d is None and o.route == "local" and o.whisper.get("stt_ms")]
    early = [o for o, _ in answered if o.early is not None]
    early_lag = [o.early["at_s"] - o.command_end_s for o in early if o.early]
    res["timing_ms"] = {
        "whisper_stt_nlu_p50": _p(stt, 0.5), "whisper_stt_nlu_p95": _p(stt, 0.95),
        "grammar_finish_p50": _p(fin, 0.5), "grammar_finish_p95": _p(fin, 0.95),
        "grammar_cpu_per_request_p50": _p(dec, 0.5),
        "endpoint_after_speech_p50": 1000 * _p(lag, 0.5),
        "endpoint_after_speech_p95": 1000 * _p(lag, 0.95),
        "early_endpoint_after_speech_p50": 1000 * _p(early_lag, 0.5),
        "early_endpoint_after_speech_p95": 1000 * _p(early_lag, 0.95),
        "silence_fast_answers_p50": _p(silence_fast, 0.5),
        "silence_fast_answers_p95": _p(silence_fast, 0.95),
        "silence_whisper_local_p50": _p(silence_whisper, 0.5),
        "silence_whisper_local_p95": _p(silence_whisper, 0.95),
    }
    res["early_endpoints"] = len(early)
    res["early_wrong"] = sum(not scorer.right(o, d) for o, d in answered if o.early)
    res["early_cut_before_speech_end"] = sum(1 for t in early_lag if t < 0)
    return res


def _rows(scorer: Scorer, outcomes: list[Outcome], threshold: float,
          key: Callable[[Outcome], str]) -> list[str]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[key(o)].append(o)
    lines = []
    for name, members in sorted(groups.items()):
        s = summarize(scorer, members, threshold)
        lines.append(
            f"  {name:22} {s['recordings']:4d} {100 * s['wake_rate']:6.1f}% "
            f"{100 * s['whisper']['accuracy_end_to_end']:8.1f}% "
            f"{100 * s['two_layer']['accuracy_end_to_end']:8.1f}% "
            f"{100 * s['whisper']['accuracy_given_wake']:8.1f}% "
            f"{100 * s['two_layer']['accuracy_given_wake']:8.1f}% "
            f"{100 * s['fast_answer_rate']:6.1f}% {s['fast_wrong']:4d}")
    return lines


HEADER = (f"  {'':22} {'n':>4} {'wake':>7} {'e2e W':>9} {'e2e 2L':>9} {'W|wake':>9} "
          f"{'2L|wake':>9} {'fast':>7} {'fast wrong':>4}")


def report(outcomes: list[Outcome], inventory: Inventory, threshold: float | None,
           calibrate_on: str = "dev", as_json: bool = False, note: str = "",
           max_fast_error: float = MAX_FAST_ERROR) -> tuple[str, dict[str, Any]]:
    scorer = Scorer(inventory)
    dev = [o for o in outcomes if o.group == calibrate_on]
    cal_lines: list[str] = []
    if threshold is None:
        threshold, cal_lines = (calibrate(scorer, dev, max_fast_error) if dev
                                else (float("inf"), []))
    out: dict[str, Any] = {"threshold_score_per_frame": threshold,
                           "calibration": Calibration(midpoint=threshold).__dict__}
    text = [f"tandem bench speech: {len(outcomes)} recordings; fast-layer threshold "
            f"{threshold:.2f} (score per frame, calibrated on {calibrate_on} voices) {note}"]
    for group in sorted({o.group for o in outcomes}):
        members = [o for o in outcomes if o.group == group]
        s = summarize(scorer, members, threshold)
        out[group] = s
        text.append(f"\n== {group} voices: {len(members)} recordings ==")
        text.append(json.dumps(s, indent=1) if as_json else _pretty(s))
        text.append("  by condition (e2e: wake word required; |wake: every recording; "
                    "W: Whisper alone, 2L: two layers)")
        text.append(HEADER)
        text += _rows(scorer, members, threshold, lambda o: o.condition)
        text.append("  by voice")
        text.append(HEADER)
        text += _rows(scorer, members, threshold, lambda o: o.voice)
    sweep = wake_sweep(outcomes)
    if sweep:
        out["wake_sweep"] = sweep
        text.append("\nwake word threshold sweep (peak score near the phrase >= threshold; "
                    "false wakes: `tandem bench speech falsewake`)")
        for row in sweep:
            text.append("  " + "  ".join(f"{k} {v}" for k, v in row.items()))
    if cal_lines:
        text.append("\ncalibration sweep (dev), every 10th threshold:")
        text += cal_lines[::10]
    return "\n".join(text), out


WAKE_THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def wake_sweep(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """Wake rate per threshold and voice group, from each recording's peak score."""
    if not any(o.wake_peak for o in outcomes):
        return []
    rows = []
    for t in WAKE_THRESHOLDS:
        row: dict[str, Any] = {"threshold": t}
        for group in sorted({o.group for o in outcomes}):
            members = [o for o in outcomes if o.group == group]
            woke = sum(o.wake_peak >= t for o in members)
            row[f"{group}_wake"] = f"{100 * woke / len(members):.1f}%"
        rows.append(row)
    return rows


def _pretty(s: dict[str, Any]) -> str:
    t = s["timing_ms"]
    return "\n".join([
        f"  wake rate {100 * s['wake_rate']:.1f}%",
        f"  audio->intent, end to end: Whisper alone "
        f"{100 * s['whisper']['accuracy_end_to_end']:.1f}%, two layers "
        f"{100 * s['two_layer']['accuracy_end_to_end']:.1f}%",
        f"  audio->intent, given the wake word: Whisper alone "
        f"{100 * s['whisper']['accuracy_given_wake']:.1f}%, two layers "
        f"{100 * s['two_layer']['accuracy_given_wake']:.1f}%",
        f"  fast layer answered {s['fast_answered']} ({100 * s['fast_answer_rate']:.1f}%), "
        f"wrong {s['fast_wrong']} (of which cloud requests claimed: {s['fast_claimed_cloud']}); "
        f"Whisper answered {s['whisper_fallback']}, wrong {s['whisper_fallback_wrong']}",
        f"  endpoint -> understanding: Whisper+NLU p50 {t['whisper_stt_nlu_p50']:.0f} ms, "
        f"p95 {t['whisper_stt_nlu_p95']:.0f} ms; grammar finish p50 {t['grammar_finish_p50']:.1f}"
        f" ms, p95 {t['grammar_finish_p95']:.1f} ms (grammar CPU per request, spread over the "
        f"request: p50 {t['grammar_cpu_per_request_p50']:.0f} ms)",
        f"  end of speech -> endpoint (0.4 s hangover): p50 {t['endpoint_after_speech_p50']:.0f} "
        f"ms, p95 {t['endpoint_after_speech_p95']:.0f} ms; early endpoint (fast layer complete "
        f"+ 0.16 s silence) on {s['early_endpoints']} of its answers: p50 "
        f"{t['early_endpoint_after_speech_p50']:.0f} ms, p95 "
        f"{t['early_endpoint_after_speech_p95']:.0f} ms, cut before the true end: "
        f"{s['early_cut_before_speech_end']}, wrong: {s['early_wrong']}",
        f"  silence (end of speech -> understanding, before skill + TTS): fast-layer answers "
        f"p50 {t['silence_fast_answers_p50']:.0f} ms, p95 {t['silence_fast_answers_p95']:.0f} ms;"
        f" local commands left to Whisper p50 {t['silence_whisper_local_p50']:.0f} ms, p95 "
        f"{t['silence_whisper_local_p95']:.0f} ms",
    ])

