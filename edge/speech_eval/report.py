"""Scores of `tandem bench speech`: wake rate, audio -> intent, which layer answered, timing.

A request is right when its route is right and, for a local command, the intent and every
expected slot are (slots compared as `tandem bench nlu` does). End to end, a missed wake
word is a wrong request; "given the wake word" scores the recognisers on every recording
(a missed wake word opened by the oracle). Two systems are compared:

* whisper: Whisper tiny.en + the text NLU, routed as the turn routes (`local_confidence`);
* two-layer: the fast grammar layer when it holds a whole command with a confidence at or
  above the calibrated threshold, Whisper + NLU otherwise;
* rescored: the fast layer when it is that sure; otherwise the grammar sentence Whisper's
  decoder finds nearly as likely as its own hypothesis (`edge.stages.whisper_rescore`:
  candidates from the fast layer's hypothesis and the sentences nearest Whisper's text,
  the gap at most the calibrated one); otherwise Whisper + NLU. Beside it the cheap
  variant "fast+gap": the fast layer's own sentence is the only candidate.

The threshold and the gaps are calibrated on the dev voices only and the figures that count
are the held-out voices'.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contract.inventory import Inventory
from edge.messages import Understanding
from edge.nlu.bench import slots_match
from edge.nlu.plan import more_than_one_command
from edge.settings import ConfirmSettings, EndpointSettings
from edge.skills import default_skills
from edge.speech_eval.runner import Outcome
from edge.stages.endpoint import AFTER_SPEECH
from edge.stages.fast_confirm import Confirmation, asks_confirmation
from edge.stages.grammar_stt import Calibration
from edge.stages.nlu import Nlu
from edge.stages.whisper_rescore import (
    RescoreSettings,
    decide,
    heard_alike,
    overrule_settings,
    said_exactly,
    target_heard,
)

LOCAL_CONFIDENCE = 0.7  # EdgeSettings.local_confidence
# Calibration: the threshold that makes the two-layer system most accurate on the dev voices
# while at most this share of the fast layer's own answers are wrong (a wrong fast answer
# acts at once; Whisper's answers are wrong about 40 % of the time on this set).
MAX_FAST_ERROR = 0.10
# The rescoring's gap: the most accurate on the dev voices with at most this share of its
# own answers wrong (the same bound as the fast layer's: its answers act at once too).
MAX_RESCORE_ERROR = 0.10
ALL_SOURCES = ("fast", "nearest")
# What the thresholds are chosen on: the dev voices, speaking the benchmark's phrasings and
# the second independently written set (the grammar was written after the first, so on
# them alone the grammar looks surer than it is on phrasings it was not written for).
CALIBRATION_GROUPS = ("dev", "independent-dev")
GAPS = tuple(x / 4 for x in range(-20, 121))  # the gaps the calibration tries


@dataclass(frozen=True)
class Decision:
    route: str
    intent: str
    slots: dict[str, Any]
    layer: str  # "grammar", "rescore" or "whisper"


class Scorer:
    def __init__(self, inventory: Inventory, local_confidence: float = LOCAL_CONFIDENCE,
                 nlu: Nlu | None = None) -> None:
        """`nlu`: reads Whisper's stored text again (the NLU of this version, not the one
        of the run); None: the run's reading stands."""
        self.inventory = inventory
        self.skills = default_skills(inventory)
        self.local_confidence = local_confidence
        self.nlu = nlu
        self._read: dict[str, Understanding] = {}
        self.agree_gap = RescoreSettings.agree_gap
        self.fast_overrule_gap = RescoreSettings.fast_overrule_gap
        self.exact = True  # Whisper's own text, when a grammar sentence, answers (`decide`)
        self.skip_alike = RescoreSettings.skip_when_alike
        self.name_similarity = RescoreSettings.min_name_similarity
        self.confirm: ConfirmSettings | None = ConfirmSettings()  # None: no confirmation

    def whisper(self, o: Outcome) -> Decision:
        w = o.whisper
        intent, slots, confidence = w.get("intent", "none"), w.get("slots", {}), \
            w.get("confidence", 0.0)
        if self.nlu is not None and w.get("text"):
            u = self._reading(w["text"])
            intent, slots, confidence = u.intent, u.slots, u.confidence
        local = (intent not in ("cloud", "none") and self.skills.handles(intent)
                 and confidence >= self.local_confidence)
        return Decision("local" if local else "cloud", intent, slots, "whisper")

    def _reading(self, text: str) -> Understanding:
        assert self.nlu is not None
        u = self._read.get(text)
        if u is None:
            u = self._read[text] = self.nlu.parse(text)
        return u

    def fast(self, o: Outcome, threshold: float) -> Decision | None:
        """The fast layer's answer: its command at or above `threshold` (layer "grammar"),
        or below it where Whisper's decoder confirmed it at the early decision
        ("confirmed"); None: Whisper hears the request."""
        g = o.grammar
        if not g or g.get("intent") is None or not self.skills.handles(g["intent"]):
            return None
        if g["score_per_frame"] >= threshold:
            return Decision("local", g["intent"], g.get("slots", {}), "grammar")
        c = self._asked(o, threshold)
        if c is None or self.confirm is None or \
                not Confirmation(c["per_token"], c["margin"]).accepted(self.confirm):
            return None
        return Decision("local", g["intent"], g.get("slots", {}), "confirmed")

    def confirm_ms(self, o: Outcome, threshold: float) -> float:
        """The time the daemon spends confirming the request's command (a whole one at the
        early decision, below `threshold`) before it answers or starts Whisper."""
        c = self._asked(o, threshold)
        return 0.0 if c is None else float(c["ms"])

    def _asked(self, o: Outcome, threshold: float) -> dict[str, Any] | None:
        """The confirmation the daemon asks for this request (None: none): a whole command
        a skill handles, below `threshold`, at the early decision, confirmation on."""
        g = o.grammar
        if self.confirm is None or o.confirm is None or o.early is None or not g or \
                g.get("intent") is None or g["score_per_frame"] >= threshold or \
                not self.skills.handles(g["intent"]):
            return None
        return o.confirm if asks_confirmation(g["score_per_frame"], self.confirm) else None

    def two_layer(self, o: Outcome, threshold: float) -> Decision:
        return self.fast(o, threshold) or self.whisper(o)

    def rescue(self, o: Outcome, max_gap: float, sources: tuple[str, ...] = ALL_SOURCES,
               token_bonus: float = RescoreSettings.token_bonus) -> Decision | None:
        """The rescoring's answer (the decision replayed on the stored scores), or None."""
        r = o.rescore
        if not r:
            return None
        cands = [c for c in r["candidates"] if set(c["source"].split("+")) & set(sources)]
        settings = RescoreSettings(max_gap=max_gap, token_bonus=token_bonus,
                                   agree_gap=self.agree_gap,
                                   fast_overrule_gap=self.fast_overrule_gap,
                                   min_name_similarity=self.name_similarity)
        reading = None
        if self.alike(o):
            return None  # as the daemon: nothing left to rescore
        if self.nlu is not None and o.whisper.get("text"):
            reading = self._reading(o.whisper["text"])
            allowed = overrule_settings(reading, settings)
            if more_than_one_command(o.whisper["text"]) or allowed is None:
                return None  # as the daemon (edge.turn._rescore)
            settings = allowed
            if not settings.nearest:  # only the fast layer's own sentence
                cands = [c for c in cands if "fast" in c["source"].split("+")]
        said = o.whisper.get("raw", "")  # the hypothesis the candidates were scored against
        cands = [c for c in cands if target_heard(Understanding(c["intent"], c["slots"], 1.0),
                                                  reading, said, settings)]
        agrees = [reading is not None and c["intent"] == reading.intent for c in cands]
        exact = [self.exact and said_exactly(said, c.get("spoken", "")) for c in cands]
        chosen, _ = decide((r["hypothesis_logprob"], r["hypothesis_tokens"]),
                           [(c["logprob"], c["tokens"]) for c in cands], settings, agrees,
                           exact)
        if chosen is None or not self.skills.handles(cands[chosen]["intent"]):
            return None
        c = cands[chosen]
        return Decision("local", c["intent"], c["slots"], "rescore")

    def alike(self, o: Outcome) -> bool:
        """Whether the daemon skips the rescoring: the NLU reads in Whisper's text the fast
        layer's own command (`heard_alike`)."""
        g = o.grammar
        if self.nlu is None or not o.whisper.get("text") or not g or \
                g.get("intent") is None or not self.skills.handles(g["intent"]):
            return False
        fast = Understanding(g["intent"], g.get("slots", {}), 1.0)
        return heard_alike(self._reading(o.whisper["text"]), fast, self.local_confidence,
                           RescoreSettings(skip_when_alike=self.skip_alike))

    def rescored(self, o: Outcome, threshold: float, max_gap: float,
                 sources: tuple[str, ...] = ALL_SOURCES) -> Decision:
        return (self.fast(o, threshold) or self.rescue(o, max_gap, sources)
                or self.whisper(o))

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


def _most_accurate(scorer: Scorer, values: list[float], outcomes: list[Outcome],
                   decide: Callable[[Outcome, float], Decision], layer: str,
                   max_error: float, name: str, worst: float) -> tuple[float, list[str]]:
    """The value that makes `decide` most accurate on `outcomes` while at most `max_error`
    of `layer`'s own answers are wrong (`worst` when none does), and one line per value."""
    best, best_acc = worst, -1.0
    lines = []
    for value in values:
        decided = [(o, decide(o, value)) for o in outcomes]
        answered = [(o, d) for o, d in decided if d.layer == layer]
        wrong = sum(not scorer.right(o, d) for o, d in answered)
        acc = sum(scorer.right(o, d) for o, d in decided) / len(outcomes)
        if answered and wrong / len(answered) <= max_error and acc > best_acc:
            best, best_acc = value, acc
        lines.append(f"    {name} {value:6.2f}: {layer} answers {len(answered):4d}, wrong "
                     f"{wrong:3d}, accuracy {acc:.3f}")
    return best, lines


def calibrate(scorer: Scorer, outcomes: list[Outcome], max_fast_error: float = MAX_FAST_ERROR
              ) -> tuple[float, list[str]]:
    """The score threshold that makes the two-layer system most accurate on `outcomes`
    (dev voices) while at most MAX_FAST_ERROR of the fast layer's answers are wrong."""
    scores = sorted({round(o.grammar["score_per_frame"], 2) for o in outcomes if o.grammar
                     and o.grammar.get("intent") is not None})
    return _most_accurate(scorer, scores, outcomes, scorer.two_layer, "grammar", max_fast_error,
                          "threshold", float("inf"))


def calibrate_gap(scorer: Scorer, outcomes: list[Outcome], threshold: float,
                  sources: tuple[str, ...] = ALL_SOURCES,
                  max_error: float = MAX_RESCORE_ERROR) -> tuple[float, list[str]]:
    """The gap that makes the rescored system most accurate on `outcomes` (dev voices)
    while at most `max_error` of the rescoring's answers are wrong (-inf: none does)."""
    return _most_accurate(scorer, list(GAPS), outcomes,
                          lambda o, gap: scorer.rescored(o, threshold, gap, sources),
                          "rescore", max_error, "gap", -math.inf)


def summarize(scorer: Scorer, outcomes: list[Outcome], threshold: float,
              gaps: dict[str, float] | None = None) -> dict[str, Any]:
    n = len(outcomes)
    woke = [o for o in outcomes if o.wake_at_s is not None]
    res: dict[str, Any] = {"recordings": n, "wake_rate": len(woke) / n if n else 0.0}
    gaps = gaps or {}
    systems: list[tuple[str, Callable[[Outcome], Decision]]] = [
        ("whisper", scorer.whisper), ("two_layer", lambda o: scorer.two_layer(o, threshold))]
    if "rescored" in gaps:
        systems.append(("rescored", lambda o: scorer.rescored(o, threshold, gaps["rescored"])))
    if "fast_gap" in gaps:
        systems.append(("fast_gap", lambda o: scorer.rescored(o, threshold, gaps["fast_gap"],
                                                              ("fast",))))
    for name, decide_with in systems:
        right = [scorer.right(o, decide_with(o)) for o in outcomes]
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
    for name, sources in (("rescored", ALL_SOURCES), ("fast_gap", ("fast",))):
        if name not in gaps:
            continue
        layers: dict[str, list[bool]] = defaultdict(list)
        claimed = 0
        for o in outcomes:
            d = scorer.rescored(o, threshold, gaps[name], sources)
            layers[d.layer].append(scorer.right(o, d))
            claimed += d.layer == "rescore" and o.route == "cloud"
        res[name].update({f"{layer}_{k}": v for layer in ("grammar", "confirmed", "rescore",
                                                            "whisper")
                          for k, v in (("answered", len(layers[layer])),
                                       ("wrong", layers[layer].count(False)))})
        res[name]["cloud_claimed_by_rescore"] = claimed
    added = [o.rescore["ms"]["total"] for o in outcomes if o.rescore and "ms" in o.rescore]
    cheap = [o.rescore["ms"]["fast_only"] for o in outcomes
             if o.rescore and "fast_only" in o.rescore.get("ms", {})]
    if added:
        res["rescore_ms"] = {"added_p50": _p(added, 0.5), "added_p95": _p(added, 0.95),
                             "fast_only_p50": _p(cheap, 0.5), "fast_only_p95": _p(cheap, 0.95),
                             "candidates_mean": sum(len(o.rescore["candidates"])
                                                    for o in outcomes if o.rescore)
                             / max(1, sum(1 for o in outcomes if o.rescore))}
    stt = [o.whisper["stt_ms"] + o.whisper.get("nlu_ms", 0.0) for o in outcomes
           if o.whisper.get("stt_ms") is not None]
    fin = [o.grammar["finish_ms"] for o in outcomes if o.grammar]
    dec = [o.grammar["decode_ms"] for o in outcomes if o.grammar]
    lag = [o.endpoint_at_s - o.command_end_s for o in outcomes
           if o.endpoint_reason in AFTER_SPEECH]
    # Silence the user waits, end of speech -> understanding (before the skill and TTS):
    # for the fast layer's answers, from its decision (early endpoint or normal endpoint)
    # plus its finish; for Whisper's, Whisper started during the hangover as the daemon
    # does (EndpointSettings.early_transcript_s), done no sooner than the endpoint, then
    # the rescoring and the NLU.
    # A confirmation (below the fast threshold) comes first: before the answer it allows,
    # or before Whisper starts.
    silence_fast = [fast_silence_ms(o) + scorer.confirm_ms(o, threshold) for o, _ in answered]
    silence_whisper = [whisper_silence_ms(o, rescored=not scorer.alike(o))
                       + scorer.confirm_ms(o, threshold) for o, d in fast
                       if d is None and o.route == "local" and o.whisper.get("stt_ms")]
    silence_local = silence_whisper + [fast_silence_ms(o) + scorer.confirm_ms(o, threshold)
                                       for o, _ in answered if o.route == "local"]
    confirmed = [o for o, d in answered if d.layer == "confirmed"]
    res["confirmed"] = len(confirmed)
    res["confirmed_wrong"] = sum(not scorer.right(o, d) for o, d in answered
                                 if d.layer == "confirmed")
    spent = [scorer.confirm_ms(o, threshold) for o, _ in fast]
    res["confirm_ms"] = {"p50": _p([t for t in spent if t], 0.5),
                         "p95": _p([t for t in spent if t], 0.95),
                         "asked": sum(1 for t in spent if t)}
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
        "silence_local_p50": _p(silence_local, 0.5),
        "silence_local_p95": _p(silence_local, 0.95),
    }
    res["early_endpoints"] = len(early)
    res["early_wrong"] = sum(not scorer.right(o, d) for o, d in answered if o.early)
    res["early_cut_before_speech_end"] = sum(1 for t in early_lag if t < 0)
    return res


DAEMON_ENDPOINT = EndpointSettings()
DAEMON_CONFIRM = ConfirmSettings()


def fast_silence_ms(o: Outcome) -> float:
    """End of speech -> understanding for a command the fast layer answered: its decision
    (early or at the endpoint), then its finish."""
    return 1000 * (o.grammar["at_s"] - o.command_end_s) + o.grammar["finish_ms"]


def whisper_silence_ms(o: Outcome, settings: EndpointSettings = DAEMON_ENDPOINT,
                       rescored: bool = True) -> float:
    """End of speech -> understanding for a request Whisper hears, as the daemon runs it:
    Whisper starts when the run recorded (`whisper_at_s`; in older results,
    `early_transcript_s` into the silence if the hangover ended the request), done no sooner
    than the endpoint; the rescoring and the NLU follow."""
    started = o.whisper_at_s
    if started is None:
        started = o.endpoint_at_s
        if o.endpoint_reason in AFTER_SPEECH and settings.early_transcript_s is not None:
            started -= max(0.0, settings.hangover_s - settings.early_transcript_s)
    stt_s = o.whisper["stt_ms"] / 1000
    done = max(o.endpoint_at_s, started + stt_s)
    rescore_ms = o.rescore["ms"]["total"] if rescored and o.rescore and "ms" in o.rescore \
        else 0.0
    return 1000 * (done - o.command_end_s) + rescore_ms + o.whisper.get("nlu_ms", 0.0)


def _rows(scorer: Scorer, outcomes: list[Outcome], threshold: float,
          key: Callable[[Outcome], str], gaps: dict[str, float] | None = None) -> list[str]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[key(o)].append(o)
    lines = []
    for name, members in sorted(groups.items()):
        s = summarize(scorer, members, threshold, gaps)
        t = s["timing_ms"]
        rescored = (f"{100 * s['rescored']['accuracy_given_wake']:8.1f}%" if "rescored" in s
                    else f"{'-':>9}")
        lines.append(
            f"  {name:22} {s['recordings']:4d} {100 * s['wake_rate']:6.1f}% "
            f"{100 * s['whisper']['accuracy_end_to_end']:8.1f}% "
            f"{100 * s['two_layer']['accuracy_end_to_end']:8.1f}% "
            f"{100 * s['whisper']['accuracy_given_wake']:8.1f}% "
            f"{100 * s['two_layer']['accuracy_given_wake']:8.1f}% {rescored} "
            f"{100 * s['fast_answer_rate']:6.1f}% {s['fast_wrong']:10d} "
            f"{t['silence_local_p50']:7.0f} {t['silence_local_p95']:7.0f}")
    return lines


HEADER = (f"  {'':22} {'n':>4} {'wake':>7} {'e2e W':>9} {'e2e 2L':>9} {'W|wake':>9} "
          f"{'2L|wake':>9} {'RS|wake':>9} {'fast':>7} {'fast wrong':>4} {'sil p50':>7} "
          f"{'sil p95':>7}")


def report(outcomes: list[Outcome], inventory: Inventory, threshold: float | None,
           calibrate_on: tuple[str, ...] = CALIBRATION_GROUPS, as_json: bool = False,
           note: str = "",
           max_fast_error: float = MAX_FAST_ERROR, max_gap: float | None = None,
           max_rescore_error: float = MAX_RESCORE_ERROR,
           agree_gap: float | None = RescoreSettings.agree_gap,
           fast_overrule_gap: float | None = RescoreSettings.fast_overrule_gap,
           confirm: ConfirmSettings | None = DAEMON_CONFIRM,
           skip_alike: bool = RescoreSettings.skip_when_alike,
           name_similarity: float | None = RescoreSettings.min_name_similarity,
           ) -> tuple[str, dict[str, Any]]:
    from edge.stages.nlu import load_nlu

    scorer = Scorer(inventory, nlu=load_nlu(inventory))  # Whisper's text, read as today
    scorer.agree_gap = agree_gap
    scorer.fast_overrule_gap = fast_overrule_gap
    scorer.confirm = confirm
    scorer.skip_alike = skip_alike
    scorer.name_similarity = name_similarity
    dev = [o for o in outcomes if o.group in calibrate_on]
    on = " + ".join(g for g in calibrate_on if any(o.group == g for o in dev))
    cal_lines: list[str] = []
    if threshold is None:
        threshold, cal_lines = (calibrate(scorer, dev, max_fast_error) if dev
                                else (float("inf"), []))
    gaps: dict[str, float] = {}
    gap_lines: list[str] = []
    if any(o.rescore for o in outcomes):
        if max_gap is not None:
            gaps = {"rescored": max_gap, "fast_gap": max_gap}
        elif dev:
            gaps["rescored"], gap_lines = calibrate_gap(scorer, dev, threshold,
                                                        ALL_SOURCES, max_rescore_error)
            gaps["fast_gap"], _ = calibrate_gap(scorer, dev, threshold, ("fast",),
                                                max_rescore_error)
    out: dict[str, Any] = {"threshold_score_per_frame": threshold,
                           "calibration": Calibration(midpoint=threshold).__dict__,
                           "rescore_max_gap": gaps}
    text = [f"tandem bench speech: {len(outcomes)} recordings; fast-layer threshold "
            f"{threshold:.2f} (score per frame, calibrated on {on}) {note}"]
    if gaps:
        text.append(f"rescoring: largest gap {gaps['rescored']:.2f} (fast+gap alone: "
                    f"{gaps['fast_gap']:.2f}; summed log-probability + "
                    f"{RescoreSettings.token_bonus:g} per token, calibrated on {on}, "
                    f"at most {100 * max_rescore_error:.0f} % of its answers wrong)")
    for group in sorted({o.group for o in outcomes}):
        members = [o for o in outcomes if o.group == group]
        s = summarize(scorer, members, threshold, gaps)
        out[group] = s
        text.append(f"\n== {group} voices: {len(members)} recordings ==")
        text.append(json.dumps(s, indent=1) if as_json else _pretty(s))
        text.append("  by condition (e2e: wake word required; |wake: every recording; "
                    "W: Whisper alone, 2L: two layers, RS: rescored; sil: end of speech -> "
                    "understood, local commands, ms)")
        text.append(HEADER)
        text += _rows(scorer, members, threshold, lambda o: o.condition, gaps)
        text.append("  by voice")
        text.append(HEADER)
        text += _rows(scorer, members, threshold, lambda o: o.voice, gaps)
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
    if gap_lines:
        text.append("\nrescoring gap sweep (dev), every 8th gap:")
        text += gap_lines[::8]
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
    lines = []
    for name, title in (("rescored", "rescored"), ("fast_gap", "fast+gap (cheap variant)")):
        if name in s:
            r = s[name]
            lines.append(
                f"  {title}: given the wake word {100 * r['accuracy_given_wake']:.1f}%, end to "
                f"end {100 * r['accuracy_end_to_end']:.1f}%; fast layer answered "
                f"{r['grammar_answered']} (wrong {r['grammar_wrong']}), confirmed by "
                f"Whisper's decoder {r['confirmed_answered']} (wrong {r['confirmed_wrong']}), "
                f"rescoring "
                f"{r['rescore_answered']} (wrong {r['rescore_wrong']}, cloud questions claimed "
                f"{r['cloud_claimed_by_rescore']}), Whisper+NLU {r['whisper_answered']} (wrong "
                f"{r['whisper_wrong']})")
    if "rescore_ms" in s:
        m = s["rescore_ms"]
        lines.append(
            f"  rescoring added (candidates + scoring, on the transcription's encoder output): "
            f"p50 {m['added_p50']:.0f} ms, p95 {m['added_p95']:.0f} ms, "
            f"{m['candidates_mean']:.1f} candidates on average; fast+gap alone p50 "
            f"{m['fast_only_p50']:.0f} ms, p95 {m['fast_only_p95']:.0f} ms")
    return "\n".join(lines + [
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
        f"  of the fast layer's answers, confirmed by Whisper's decoder below its threshold: "
        f"{s['confirmed']}, wrong {s['confirmed_wrong']}; confirmations asked "
        f"{s['confirm_ms']['asked']}, p50 {s['confirm_ms']['p50']:.0f} ms, p95 "
        f"{s['confirm_ms']['p95']:.0f} ms",
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
        f"{t['silence_whisper_local_p95']:.0f} ms; all local commands p50 "
        f"{t['silence_local_p50']:.0f} ms, p95 {t['silence_local_p95']:.0f} ms",
    ])

