"""Questions for the cloud, spoken: how many does the device take for a command?

The NLU's hand-written test set holds 113 requests for the cloud ("why is the sky blue",
"tell me a joke", requests in French and German, one-word "lights"). Each is said after
"hey jarvis" by the chosen voices under the chosen conditions and run through the whole
recognition (`Evaluator`, as the daemon runs it) twice: Whisper told the command the fast
layer holds (the daemon's default) and not told. A request decided "local" is a question
the device would have acted on instead of answering.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from contract.errors import TandemError
from contract.inventory import load_inventory
from edge.messages import SAMPLE_RATE
from edge.speech_eval.conditions import CONDITIONS, NoiseBank, apply
from edge.speech_eval.generate import Recording, compose
from edge.speech_eval.phrases import INVENTORY
from edge.speech_eval.runner import Evaluator
from edge.speech_eval.voices import VOICES, Synthesizer
from edge.stages.grammar_stt import Calibration
from edge.stages.nlu import CLOUD, load_nlu
from edge.stages.whisper_rescore import RescoreSettings

TESTSET = Path(__file__).resolve().parents[2] / "tests" / "data" / "nlu_testset.jsonl"
PAUSE = int(0.25 * SAMPLE_RATE)  # between the wake phrase and the question


@dataclass
class Claims:
    told: bool  # Whisper was told the fast layer's command
    requests: int = 0
    claimed: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    # (voice, condition, question, Whisper's text, the command taken)


def cloud_questions(path: Path = TESTSET) -> list[str]:
    if not path.exists():
        raise TandemError(f"{path} is missing: run this from a checkout of the repository")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r["text"] for r in rows if r["intent"] == CLOUD and r["text"].strip()]


def run(voices: tuple[str, ...], conditions: tuple[str, ...],
        questions: list[str] | None = None, seed: int = 7) -> list[Claims]:
    """Every question by every voice under every condition, told and not told."""
    from edge.speech_eval.report import Scorer

    chosen_voices = [v for v in VOICES if v.name in voices]
    chosen_conditions = [c for c in CONDITIONS if c.name in conditions]
    inventory = load_inventory(INVENTORY)
    scorer = Scorer(inventory, nlu=load_nlu(inventory))
    synth, bank, rng = Synthesizer(), NoiseBank(), np.random.default_rng(seed)
    evaluator = Evaluator()
    results = [Claims(told=True), Claims(told=False)]
    for voice in chosen_voices:
        wake = synth.say(voice, "Hey Jarvis.")
        for question in questions if questions is not None else cloud_questions():
            clean, span, wake_end = compose(wake, synth.say(voice, question), PAUSE)
            for condition in chosen_conditions:
                audio = apply(condition, clean, span, bank, rng)
                rec = Recording(
                    file="", voice=voice.name, engine=voice.engine, group="questions",
                    condition=condition.name, command=0, text=question, route="cloud",
                    intent=CLOUD, slots={}, wake_end_s=wake_end / SAMPLE_RATE,
                    command_start_s=(wake_end + PAUSE) / SAMPLE_RATE,
                    command_end_s=span[1] / SAMPLE_RATE, duration_s=len(audio) / SAMPLE_RATE)
                for claims in results:
                    evaluator.fast_lead = claims.told
                    out = evaluator.run(rec, audio, None)
                    decision = scorer.rescored(out, Calibration().midpoint,
                                               RescoreSettings.max_gap)
                    claims.requests += 1
                    if decision.route == "local":
                        claims.claimed.append((voice.name, condition.name, question,
                                               out.whisper.get("raw", ""), decision.intent))
    return results


def report(results: list[Claims]) -> str:
    lines = []
    for claims in results:
        told = "told the fast layer's command" if claims.told else "not told"
        lines.append(f"Whisper {told}: {len(claims.claimed)} of {claims.requests} questions "
                     "for the cloud taken for a command")
        lines += [f"  {v} {c}: {q!r} heard {w!r} -> {i}" for v, c, q, w, i in claims.claimed]
    return "\n".join(lines)
