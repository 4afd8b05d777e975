"""`tandem bench speech`: generate the recordings, run them through the models, report.

    tandem bench speech generate [--dir out/speech_eval] [--groups independent-dev]
    tandem bench speech run [--groups dev,heldout] [--no-whisper] [--results FILE]
    tandem bench speech rescore [--results FILE]   (add Whisper's rescoring of grammar
                                                    candidates to a results file)
    tandem bench speech confirm [--results FILE]   (add Whisper's confirmation of the fast
                                                    layer's early commands to a results file)
    tandem bench speech report [--results FILE] [--threshold T] [--max-gap G] [--json]
    tandem bench speech all          (generate when missing, run, report)
    tandem bench speech falsewake    (30 min of speech without the wake word: false wakes)
    tandem bench speech wake         (openWakeWord, microWakeWord, both: wake rate, false wakes)
    tandem bench speech align [--groups dev,heldout] [--aec auto|off] [--wake-step 40|80]
                                     (the daemon's wake rate per alignment of its 80 ms
                                      frames: 0, 20, 40, 60 ms of silence before each)
    tandem bench speech questions [--voices V,..] [--conditions C,..]
                                     (the NLU test set's questions for the cloud, spoken: how
                                      many are taken for a command, Whisper told the fast
                                      layer's command and not)
    tandem bench speech gate [--groups dev,independent-dev] [--limit N]
                                     (every recording without and with the background gate,
                                      from the same decoder state: accuracy, endpoints)

Wire it into `tandem bench` with `add_bench_speech(bench)` (app/cli.py).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from edge.arg_types import number_or_off
from edge.audio.duplex import AEC_MODES
from edge.settings import (
    ConfirmSettings,
    DuplexSettings,
    EndpointSettings,
    RescoreSettings,
    WakeSettings,
)
from edge.speech_eval.generate import DEFAULT_DIR, GROUPS, MANIFEST
from edge.stages.stt import BEAM_SIZE
from edge.stages.wake import DEFAULT_WAKE_STEP_MS, HALF_STEP_MS, WAKE_STEPS_MS

ACTIONS = ("generate", "run", "rescore", "confirm", "report", "all", "falsewake", "wake",
           "align", "questions", "gate")
GATE_GROUPS = "dev,independent-dev"  # the sets the daemon's settings are chosen on
QUESTION_VOICES = "piper-joe,flite-kal16"  # held-out voices, the clearest and a harder one
QUESTION_CONDITIONS = "clean,pink-10dB"
WAKE_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def add_bench_speech(bench: argparse._SubParsersAction) -> None:
    p = bench.add_parser("speech", help="wake word + command recordings through the real "
                                        "models: wake rate, audio->intent, layers, timing")
    p.add_argument("action", choices=ACTIONS, nargs="?", default="all")
    p.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where the recordings live")
    p.add_argument("--results", type=Path, help="per-recording outcomes (JSON lines); "
                                                "default DIR/results.jsonl")
    p.add_argument("--groups",
                   help="recording groups to generate or run (the voices' dev and heldout, "
                        "the independent phrasings, and the second set spoken by the dev "
                        f"voices: independent-dev; default all; gate: {GATE_GROUPS})")
    p.add_argument("--conditions", default="",
                   help=f"only these conditions (comma list; questions: {QUESTION_CONDITIONS})")
    p.add_argument("--voices", default=QUESTION_VOICES,
                   help=f"questions: the voices that say them (default {QUESTION_VOICES})")
    p.add_argument("--inventory", type=Path,
                   help="run, report: the home the device knows (default the bench's, "
                        "edge/speech_eval/inventory.yaml; inventory_lacking.yaml lacks what "
                        "some requests name)")
    p.add_argument("--no-whisper", action="store_true",
                   help="skip Whisper (its cached outcomes are still used)")
    p.add_argument("--no-whisper-bias", action="store_true",
                   help="Whisper without the inventory's names as hints (the daemon's "
                        "default hints them)")
    p.add_argument("--no-fast-lead", action="store_true",
                   help="run: Whisper without the fast layer's command in its hint (the "
                        "daemon tells it, EdgeSettings.stt_fast_lead)")
    p.add_argument("--no-background-gate", action="store_true",
                   help="run: requests end on Silero alone, background that sounds like "
                        "speech included (EndpointSettings.background_margin_db=None)")
    p.add_argument("--no-fast-room", action="store_true",
                   help="run: the fast layer does not learn the room from the audio before "
                        "the request (EndpointSettings.fast_room_s=0)")
    p.add_argument("--no-fast-final", action="store_true",
                   help="run: at the pause, only a whole command in the fast layer's partial "
                        "hypothesis decides early (EndpointSettings.fast_final_at_pause="
                        "False)")
    p.add_argument("--no-transcript-past-room", action="store_true",
                   help="run: Whisper starts early on Silero's pauses only, not on the "
                        "room's (EndpointSettings.early_transcript_past_room=False)")
    p.add_argument("--background-hangover", type=float, metavar="S",
                   help="run: the room alone ends a request after S s (EndpointSettings."
                        f"background_hangover_s, default {EndpointSettings.background_hangover_s})")
    p.add_argument("--no-rescore", action="store_true",
                   help="run: skip the rescoring of grammar candidates by Whisper")
    p.add_argument("--beam", type=int, default=BEAM_SIZE,
                   help=f"run: Whisper's beam size (default {BEAM_SIZE}, as the daemon; 1: "
                        "greedy)")
    p.add_argument("--aec", choices=AEC_MODES, default=DuplexSettings.aec,
                   help="run, wake, falsewake: the recordings go through the daemon's echo "
                        "canceller (whose residual-echo suppressor denoises them) as `edge "
                        "run --aec` says; off: the raw recordings, as before")
    p.add_argument("--wake-step", type=int, choices=WAKE_STEPS_MS, default=DEFAULT_WAKE_STEP_MS,
                   help="run, wake, align: openWakeWord scored every 40 ms (the daemon's "
                        "default, WakeSettings.half_step) or every 80 ms, its native step")
    p.add_argument("--limit", type=int, help="only the first N recordings")
    p.add_argument("--threshold", type=float,
                   help="fast-layer score threshold (default: calibrate on the dev voices)")
    p.add_argument("--max-fast-error", type=float, default=0.10,
                   help="calibration: the most of the fast layer's dev answers that may be "
                        "wrong (default 0.10)")
    p.add_argument("--max-gap", type=float,
                   help="rescoring: the largest gap (hypothesis - best candidate score) at "
                        "which a candidate answers (default: calibrate on the dev voices)")
    p.add_argument("--max-rescore-error", type=float, default=0.10,
                   help="calibration: the most of the rescoring's dev answers that may be "
                        "wrong (default 0.10)")
    p.add_argument("--agree-gap", type=number_or_off("a gap"), default=RescoreSettings.agree_gap,
                   metavar="G|off",
                   help="rescoring: the gap up to which a candidate answers when the NLU "
                        "reads the same intent in Whisper's text (default "
                        f"{RescoreSettings.agree_gap}; off: the largest gap alone)")
    p.add_argument("--fast-overrule-gap", type=number_or_off("a gap"),
                   default=RescoreSettings.fast_overrule_gap, metavar="G|off",
                   help="rescoring: the gap up to which the fast layer's own sentence answers "
                        "a text the NLU keeps for the cloud (default "
                        f"{RescoreSettings.fast_overrule_gap}; off: the cloud reading stands)")
    p.add_argument("--confirm-per-token", type=number_or_off("a log-probability"),
                   default=ConfirmSettings.min_per_token, metavar="X|off",
                   help="the fast layer's command below its threshold answers when Whisper's "
                        "decoder gives it at least this log-probability per token (default "
                        f"{ConfirmSettings.min_per_token}; off: no confirmation)")
    p.add_argument("--confirm-margin", type=float, default=ConfirmSettings.min_margin,
                   help="... and it scores this much over any sentence meaning something "
                        f"else (default {ConfirmSettings.min_margin})")
    p.add_argument("--always-rescore", action="store_true",
                   help="rescore also when the NLU reads in Whisper's text the fast layer's "
                        "own command (the daemon skips it there)")
    p.add_argument("--any-target", action="store_true",
                   help="the rescoring may answer for any device or area, not only one the "
                        "NLU read or Whisper wrote a word like (RescoreSettings."
                        "min_name_similarity)")
    p.add_argument("--confirm-floor", type=number_or_off("a score per frame"),
                   default=ConfirmSettings.min_fast_score, metavar="S|off",
                   help="no confirmation below this fast-layer score per frame (default "
                        f"{ConfirmSettings.min_fast_score}; off: always asked)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd)


def _endpoint_settings(args: argparse.Namespace) -> EndpointSettings:
    """The daemon's endpoint settings, with what the run's --no-... options turn off and
    its --background-hangover."""
    d = EndpointSettings()
    return replace(
        d, background_margin_db=None if args.no_background_gate else d.background_margin_db,
        fast_room_s=0.0 if args.no_fast_room else d.fast_room_s,
        fast_final_at_pause=d.fast_final_at_pause and not args.no_fast_final,
        early_transcript_past_room=d.early_transcript_past_room
        and not args.no_transcript_past_room,
        background_hangover_s=args.background_hangover or d.background_hangover_s)


def _cmd(args: argparse.Namespace) -> int:
    from contract.inventory import load_inventory
    from edge.speech_eval.generate import generate
    from edge.speech_eval.phrases import INVENTORY
    from edge.speech_eval.report import report
    from edge.speech_eval.runner import (
        confirm_results,
        cpu_note,
        evaluate,
        load_outcomes,
        rescore_results,
    )

    results = args.results or args.dir / "results.jsonl"
    wake = WakeSettings(half_step=args.wake_step == HALF_STEP_MS)
    inventory = args.inventory or INVENTORY
    groups = tuple((args.groups or (GATE_GROUPS if args.action == "gate"
                                    else ",".join(GROUPS))).split(","))
    if args.action == "gate":
        from edge.speech_eval import gate_ab
        from edge.stages.grammar_stt import Calibration

        print(gate_ab.report(gate_ab.run(args.dir, groups, args.limit),
                             Calibration().midpoint, RescoreSettings.max_gap))
        return 0
    if args.action == "wake":
        from edge.speech_eval.wake_ensemble import report as wake_report

        print(wake_report(args.dir, args.aec, half_step=wake.half_step))
        return 0
    if args.action == "align":
        from edge.speech_eval.wake_alignment import format_rates, wake_rates

        print(format_rates(wake_rates(args.dir, groups, args.aec, settings=wake), args.aec,
                           args.wake_step))
        return 0
    if args.action == "questions":
        from edge.speech_eval import questions

        print(questions.report(questions.run(
            tuple(args.voices.split(",")),
            tuple((args.conditions or QUESTION_CONDITIONS).split(",")))))
        return 0
    if args.action == "falsewake":
        from edge.speech_eval.nonwake import sweep

        print("false wakes (hey_jarvis) per threshold, speech without the wake word:")
        print("\n".join(sweep(args.dir, WAKE_THRESHOLDS, args.aec)))
        return 0
    if args.action == "generate":
        generate(args.dir, groups=groups)
    elif args.action == "all" and not (args.dir / MANIFEST).exists():
        generate(args.dir)
    if args.action in ("run", "all"):
        evaluate(args.dir, results, groups, not args.no_whisper,
                 args.limit, tuple(c for c in args.conditions.split(",") if c),
                 whisper_bias=not args.no_whisper_bias, rescore=not args.no_rescore,
                 beam_size=args.beam, fast_lead=not args.no_fast_lead,
                 endpoint=_endpoint_settings(args), inventory=inventory, aec=args.aec,
                 wake=wake)
    if args.action == "rescore":
        rescore_results(args.dir, results, args.limit)
    if args.action == "confirm":
        confirm_results(args.dir, results)
    if args.action in ("report", "all", "rescore", "confirm"):
        text, data = report(load_outcomes(results), load_inventory(inventory), args.threshold,
                            note=f"({cpu_note()} at report time)",
                            max_fast_error=args.max_fast_error, max_gap=args.max_gap,
                            max_rescore_error=args.max_rescore_error,
                            agree_gap=args.agree_gap,
                            fast_overrule_gap=args.fast_overrule_gap,
                            confirm=None if args.confirm_per_token is None else ConfirmSettings(
                                min_per_token=args.confirm_per_token,
                                min_margin=args.confirm_margin,
                                min_fast_score=args.confirm_floor),
                            skip_alike=not args.always_rescore,
                            name_similarity=None if args.any_target
                            else RescoreSettings.min_name_similarity)
        print(json.dumps(data, indent=2) if args.json else text)
    return 0
