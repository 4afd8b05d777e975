"""Whisper started during the hangover: used when the user said nothing more, dropped when
they went on; in babble, started on the room's pause."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import pytest

from contract.inventory import load_inventory
from edge.actions.testing import acting_skills
from edge.audio.sources import recording_source
from edge.audio.testing import TapeQueue
from edge.messages import AudioFrame
from edge.pipeline import EdgePipeline, Engines
from edge.settings import DEFAULT_INVENTORY, Deadlines, EdgeSettings, EndpointSettings
from edge.stages.early_transcript import EarlyTranscript
from edge.stages.nlu import load_nlu
from edge.trace import TurnRecord
from tests.test_duplex import FakeStt, ScheduledWake, ScriptedCloud, WordsTts

FRAME_S = 0.08
RATE = 16_000


def frames(pattern: str) -> list[tuple[AudioFrame, float]]:
    """'s' speech, '.' silence, one 80 ms frame each; the samples hold the frame index."""
    n = int(FRAME_S * RATE)
    return [(AudioFrame(np.full(n, i, dtype=np.int16), i * FRAME_S),
             0.9 if c == "s" else 0.05) for i, c in enumerate(pattern)]


def run(pattern: str, fast_layer: Callable[[], str] | None = None,
        told: list[str] | None = None) -> tuple[list[list[int]], str | None, int]:
    """Feed the pattern; return what each transcription got (frame indices) and the text
    taken at the end (with what the fast layer held, if it was asked)."""
    audio = np.concatenate([f.samples for f, _ in frames(pattern)])
    heard: list[list[int]] = []

    def transcribe(samples: np.ndarray, told: str) -> str:
        indices = sorted(set(samples[:: int(FRAME_S * RATE)].tolist()))
        heard.append(indices)
        return f"frames {indices[0]}-{indices[-1]}" + (f" told {told}" if told else "")

    async def scenario() -> tuple[str | None, int]:
        early = EarlyTranscript(transcribe, 0.5, heard=fast_layer)
        early.begin(0.0)
        for frame, p in frames(pattern):
            early.push(frame, p, lambda a, b: audio[int(a * RATE):int(b * RATE)])
            await asyncio.sleep(0)
        task = early.take()
        if told is not None:
            told.append(early.told)  # what the trace records
        return (await task if task is not None else None), early.started

    text, started = asyncio.run(scenario())
    return heard, text, started


def test_a_pause_at_the_end_is_transcribed_before_the_endpoint() -> None:
    _, text, started = run("sss..")  # two silent frames = 0.16 s, the hangover goes on
    assert (text, started) == ("frames 0-4", 1)


def test_speech_after_the_pause_drops_it_and_the_next_pause_starts_again() -> None:
    _, text, started = run("ss..ss..")
    assert started == 2 and text == "frames 0-7"  # the whole request, not its first half


def test_a_short_pause_or_no_speech_starts_nothing() -> None:
    assert run("sss.")[1:] == (None, 0)
    assert run("......")[1:] == (None, 0)


def test_each_transcription_is_told_what_the_fast_layer_holds_when_it_starts() -> None:
    held = iter(["turn on the", "turn on the fan"])  # the fast layer at each pause
    _, text, started = run("ss..ss..", lambda: next(held))
    assert started == 2 and text == "frames 0-7 told turn on the fan"


def test_what_was_told_is_kept_for_the_trace_and_forgotten_when_dropped() -> None:
    told: list[str] = []
    run("ss..", lambda: "turn on the fan", told)
    run("ss..s", lambda: "turn on the", told)  # the user went on: dropped, nothing told
    assert told == ["turn on the fan", ""]


class SpeechEverywhere:
    """Silero in a room of people talking: every frame sounds like speech."""

    def speech_probability(self, samples: np.ndarray) -> float:
        return 0.9

    def reset(self) -> None:
        pass


def babble_run(past_room: bool) -> tuple[TurnRecord, list[float]]:
    """The real loop: 1 s of a talking room, the user's voice 20 dB over it for 1 s (from
    1.0 s), the room again for 2 s; Silero hears speech throughout."""
    rng = np.random.default_rng(5)
    audio = np.rint(rng.standard_normal(4 * RATE) * 300)
    t = np.arange(RATE) / RATE
    audio[RATE : 2 * RATE] += np.sin(2 * np.pi * 180 * t) * 6000
    stt = FakeStt(["turn on the kitchen lights"])
    wake = ScheduledWake([1.2])
    settings = EdgeSettings(endpoint=EndpointSettings(vad="silero",
                                                      early_transcript_past_room=past_room),
                            deadlines=Deadlines(filler_s=None))
    inventory = load_inventory(DEFAULT_INVENTORY)
    pipeline = EdgePipeline(settings, Engines(wake, SpeechEverywhere(), stt, WordsTts()),  # type: ignore[arg-type]
                            load_nlu(inventory), acting_skills(inventory), None, ScriptedCloud(),
                            playback=TapeQueue(RATE))
    wake.pipeline = pipeline
    records: list[TurnRecord] = []

    async def go() -> None:
        async with asyncio.timeout(60):
            await pipeline.run(recording_source(audio.astype(np.int16), realtime=False),
                               records.append)

    asyncio.run(go())
    return records[0], stt.heard


def test_in_babble_whisper_starts_at_the_rooms_pause_not_at_its_endpoint() -> None:
    early, early_heard = babble_run(past_room=True)
    late, late_heard = babble_run(past_room=False)  # Silero's pauses alone: none here
    # The room ends the request after its hangover (edge.stages.background_gate) ...
    room_ends = 2.0 + EndpointSettings().background_hangover_s
    for record in (early, late):
        assert record.endpoint_reason == "background" and record.intent == "HassTurnOn"
        assert room_ends <= record.endpoint_at_s <= room_ends + 0.08
    # ... Whisper started 0.16 s into the room's pause, on the request up to there; on
    # Silero's pauses it waited for the endpoint and heard the request up to it.
    assert early.stt_early and not late.stt_early
    assert len(early_heard) == len(late_heard) == 1
    assert late_heard[0] - early_heard[0] == pytest.approx(late.endpoint_at_s - (2.0 + 0.16))
