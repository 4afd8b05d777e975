"""The speaker stage: clause splitting, overlap of synthesis and playback, cancel."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest

from edge.channel import PriorityChannel
from edge.messages import Cancel, EndOfReply, ReplyText
from edge.speaker import Speaker, speakable_pieces


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("Turned on the kitchen lights.", ["Turned on the kitchen lights."]),
        (
            "The sky is blue because of Rayleigh scattering, which describes how light "
            "interacts with air molecules.",
            ["The sky is blue because of Rayleigh scattering,",
             "which describes how light interacts with air molecules."],
        ),
        (  # a short tail is not left alone
            "Light from the sun is scattered by the air in every direction, mostly blue.",
            ["Light from the sun is scattered by the air in every direction, mostly blue."],
        ),
    ],
)
def test_speakable_pieces(text: str, pieces: list[str]) -> None:
    assert speakable_pieces(text) == pieces
    assert " ".join(speakable_pieces(text)) == text


EVENTS: list[str] = []
EVENTS_LOCK = threading.Lock()


def event(name: str) -> None:
    with EVENTS_LOCK:
        EVENTS.append(name)


class SlowTts:
    """Harness double: 50 ms per piece."""

    sample_rate = 1000

    def __init__(self) -> None:
        self.calls: list[str] = []

    def synthesize_all(self, text: str) -> list[np.ndarray]:
        event(f"synth {text}")
        time.sleep(0.05)
        self.calls.append(text)
        return [np.ones(1000, dtype=np.int16)]


class SlowSink:
    def __init__(self, play_s: float) -> None:
        self.play_s = play_s
        self.played = 0
        self.turns_ended = 0

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        time.sleep(self.play_s)
        self.played += 1
        event(f"played {self.played}")

    def end_turn(self) -> None:
        self.turns_ended += 1

    def close(self) -> None:
        pass


def test_synthesis_overlaps_playback() -> None:
    EVENTS.clear()
    tts, sink = SlowTts(), SlowSink(play_s=0.3)
    speaker = Speaker(tts, sink, piece_deadline_s=1.0)  # type: ignore[arg-type]

    async def scenario() -> None:
        replies: PriorityChannel[ReplyText | EndOfReply] = PriorityChannel()
        for i in range(4):
            await replies.put(ReplyText(1, f"Sentence {i}."))
        await replies.put(EndOfReply(1))
        spoken: list[str] = []
        await speaker.speak(replies, spoken, lambda ms: None, lambda: None)
        assert spoken == [f"Sentence {i}." for i in range(4)]

    asyncio.run(scenario())
    assert sink.played == 4 and sink.turns_ended == 1
    # The second sentence is synthesised while the first one plays, not after it.
    assert EVENTS.index("synth Sentence 1.") < EVENTS.index("played 1")


def test_cancel_overtakes_queued_reply_and_stops_playback() -> None:
    tts, sink = SlowTts(), SlowSink(play_s=0.05)
    speaker = Speaker(tts, sink, piece_deadline_s=1.0)  # type: ignore[arg-type]

    async def scenario() -> list[str]:
        replies: PriorityChannel[ReplyText | EndOfReply] = PriorityChannel()
        for i in range(10):
            await replies.put(ReplyText(1, f"Sentence {i}."))
        spoken: list[str] = []
        first_audio: list[float] = []
        task = asyncio.create_task(speaker.speak(replies, spoken, first_audio.append, lambda: None))
        await asyncio.sleep(0.08)
        await replies.put_control(Cancel(1))
        await asyncio.wait_for(task, 1.0)  # ends without EndOfReply
        assert len(first_audio) == 1 and first_audio[0] >= 50
        return spoken

    spoken = asyncio.run(scenario())
    assert 1 <= len(spoken) < 10
    assert len(tts.calls) < 10 and sink.played < 10
