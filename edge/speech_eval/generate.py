"""Synthesise the evaluation set: "Hey Jarvis, <command>" per voice and condition.

Every command is spoken once by one voice of each group (dev, held-out), so each group
covers every command; the independently written phrasings (`phrases.INDEPENDENT`) are
spoken by the held-out voices only, as group "independent", and a second such set
(`phrases.INDEPENDENT_DEV`) by the dev voices only, as group "independent-dev" (for
calibration); every such recording is then made under every condition. The wake
phrase and the command are synthesised apart and joined with a short pause, so the true
end of the wake word, start and end of the command are known to the sample. Audio goes to
a cache folder (default out/speech_eval/), never into git; `manifest.jsonl` there lists each
recording with its labels and times.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from contract.errors import TandemError
from edge.audio.wavfile import write_wav
from edge.messages import SAMPLE_RATE
from edge.speech_eval.conditions import CONDITIONS, NoiseBank, apply
from edge.speech_eval.phrases import (
    ALL_COMMANDS,
    COMMANDS,
    INDEPENDENT,
    INDEPENDENT_DEV,
    WAKE_PHRASE,
    spoken,
)
from edge.speech_eval.voices import DEV, HELD_OUT, VOICES, Synthesizer, missing_tools

DEFAULT_DIR = Path("out/speech_eval")
MANIFEST = "manifest.jsonl"
LEAD_S, TAIL_S = 1.0, 1.5  # silence before the wake word and after the command
TARGET_RMS = 3000.0  # speech level of a clean recording (about -21 dBFS)
SET_VERSION = 2  # bump when voices, phrases, conditions or timing change
INDEPENDENT_GROUP = "independent"
INDEPENDENT_DEV_GROUP = "independent-dev"
GROUPS = (DEV, HELD_OUT, INDEPENDENT_GROUP, INDEPENDENT_DEV_GROUP)


@dataclass(frozen=True)
class Recording:
    file: str  # relative to the set's folder
    voice: str
    engine: str
    group: str
    condition: str
    command: int  # index into phrases.ALL_COMMANDS
    text: str
    route: str
    intent: str
    slots: dict[str, str | int]
    wake_end_s: float  # end of "hey jarvis"
    command_start_s: float
    command_end_s: float  # the true end of speech
    duration_s: float


def assignments() -> list[tuple[int, int, str]]:
    """(voice index, command index, group): each group's voices share out every command;
    the held-out voices share out the independent phrasings too, the dev voices the second
    independent set."""
    pairs = []
    for group, shift in ((DEV, 0), (HELD_OUT, 2)):
        members = [i for i, v in enumerate(VOICES) if v.group == group]
        for k in range(len(COMMANDS)):
            pairs.append((members[(k + shift) % len(members)], k, group))
    held_out = [i for i, v in enumerate(VOICES) if v.group == HELD_OUT]
    for k in range(len(INDEPENDENT)):
        pairs.append((held_out[k % len(held_out)], len(COMMANDS) + k, INDEPENDENT_GROUP))
    dev = [i for i, v in enumerate(VOICES) if v.group == DEV]
    first = len(COMMANDS) + len(INDEPENDENT)
    for k in range(len(INDEPENDENT_DEV)):
        pairs.append((dev[k % len(dev)], first + k, INDEPENDENT_DEV_GROUP))
    return pairs


def compose(wake: np.ndarray, said: np.ndarray, pause: int
            ) -> tuple[np.ndarray, tuple[int, int], int]:
    """Silence, wake phrase, pause, command, silence at the clean level; returns the audio,
    the (start, end) sample span of speech and the sample where the wake phrase ends."""
    lead, tail = int(LEAD_S * SAMPLE_RATE), int(TAIL_S * SAMPLE_RATE)
    speech = np.concatenate([wake, np.zeros(pause, np.int16), said]).astype(np.float64)
    speech *= TARGET_RMS / (np.sqrt(np.mean(speech**2)) + 1e-9)
    peak = np.abs(speech).max()
    if peak > 30000:
        speech *= 30000 / peak
    clean = np.concatenate([np.zeros(lead), speech, np.zeros(tail)])
    return np.round(clean).astype(np.int16), (lead, lead + len(speech)), lead + len(wake)


def load_manifest(folder: Path) -> list[Recording]:
    path = folder / MANIFEST
    if not path.exists():
        raise TandemError(f"{path} not found; run `tandem bench speech generate` first")
    lines = path.read_text(encoding="utf-8").splitlines()
    head = json.loads(lines[0])
    if head.get("set_version") != SET_VERSION:
        raise TandemError(f"{path} is set version {head.get('set_version')}, this code reads "
                          f"{SET_VERSION}; generate the set again")
    return [Recording(**json.loads(line)) for line in lines[1:] if line.strip()]


def _existing(folder: Path) -> list[Recording]:
    """The manifest's recordings, or none when there is no manifest of this set version."""
    try:
        return load_manifest(folder)
    except TandemError:
        return []


def generate(folder: Path = DEFAULT_DIR, seed: int = 12, limit: int | None = None,
             groups: tuple[str, ...] = GROUPS) -> int:
    """Synthesise the recordings of `groups`; those of other groups already in the folder's
    manifest are kept as they are."""
    missing = missing_tools()
    if missing:
        raise TandemError(f"missing {', '.join(missing)}: apt-get install espeak-ng flite sox")
    folder.mkdir(parents=True, exist_ok=True)
    synth, bank = Synthesizer(), NoiseBank()
    # The second independent set draws from its own generator, so adding it left the
    # pauses and noise of the first three groups as they were.
    rngs = {INDEPENDENT_DEV_GROUP: np.random.default_rng([seed, 1])}
    rng_main = np.random.default_rng(seed)
    t0 = time.perf_counter()
    kept = [r for r in _existing(folder) if r.group not in groups]
    rows: list[Recording] = []
    pairs = [p for p in assignments() if p[2] in groups]
    pairs = pairs[:limit] if limit else pairs
    for vi, ci, group in pairs:
        rng = rngs.get(group, rng_main)
        voice, command = VOICES[vi], ALL_COMMANDS[ci]
        wake = synth.say(voice, WAKE_PHRASE + ".")
        said = synth.say(voice, spoken(command))
        pause = int(rng.uniform(0.15, 0.35) * SAMPLE_RATE)
        clean_i16, span, wake_end = compose(wake, said, pause)
        for condition in CONDITIONS:
            audio = apply(condition, clean_i16, span, bank, rng)
            name = f"{voice.name}/{ci:03d}-{condition.name}.wav"
            write_wav(folder / name, audio, SAMPLE_RATE)
            rows.append(Recording(
                file=name, voice=voice.name, engine=voice.engine, group=group,
                condition=condition.name, command=ci, text=command.text, route=command.route,
                intent=command.intent, slots=command.slots,
                wake_end_s=wake_end / SAMPLE_RATE,
                command_start_s=(wake_end + pause) / SAMPLE_RATE,
                command_end_s=span[1] / SAMPLE_RATE, duration_s=len(audio) / SAMPLE_RATE,
            ))
    with (folder / MANIFEST).open("w", encoding="utf-8") as f:
        f.write(json.dumps({"set_version": SET_VERSION, "seed": seed,
                            "voices": [asdict(v) for v in VOICES],
                            "conditions": [asdict(c) for c in CONDITIONS]}) + "\n")
        for row in kept + rows:
            f.write(json.dumps(asdict(row)) + "\n")
    print(f"{len(rows)} recordings ({len(pairs)} voice x command pairs x {len(CONDITIONS)} "
          f"conditions) in {folder} in {time.perf_counter() - t0:.0f} s")
    return 0
