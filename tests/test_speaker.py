"""The speaker stage: clause splitting, overlap of synthesis and playback, cancel mid-piece,
and the text of what was actually spoken."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest

from edge.audio.playback import PlaybackQueue
from edge.channel import PriorityChannel
from edge.messages import Cancel, EndOfReply, ReplyText
from edge.pipeline import Engines
from edge.speaker import Speaker, SpokenReply, lead_piece, speakable_pieces


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


@pytest.mark.parametrize(("text", "lead"), [
    ("The sky appears blue because of a phenomenon called Rayleigh scattering.",
     ["The sky appears blue", "because of a phenomenon called Rayleigh scattering."]),
    ("Turned on the kitchen lights.", ["Turned on the kitchen lights."]),  # short: whole
    ("Most of it, they say, comes from dust clouds over the northern hemisphere.",
     ["Most of it,", "they say, comes from dust clouds over the northern hemisphere."]),
    ("Bees collect nectar flowers produce then store it carefully inside wax combs all day.",
     ["Bees collect nectar flowers produce then store", "it carefully inside wax combs all "
      "day."]),  # no phrase boundary in reach: cut at the longest lead
])
def test_a_long_first_sentence_leads_with_a_short_piece(text: str, lead: list[str]) -> None:
    assert lead_piece(text) == lead
    assert " ".join(lead) == text


class RecordingSink:
    """The reply audio the clock hands out, as a sound card would play it."""

    def __init__(self) -> None:
        self.samples = 0
        self.turns_ended = 0
        self.lock = threading.Lock()

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        with self.lock:
            self.samples += len(samples)

    def end_turn(self) -> None:
        self.turns_ended += 1

    def close(self) -> None:
        pass


class SlowTts:
    """Harness double: 50 ms per piece, 0.3 s of audio each, at the queue's rate."""

    sample_rate = 16_000

    def __init__(self, sink: RecordingSink) -> None:
        self.sink = sink
        self.calls: list[str] = []
        self.played_when_synthesised: dict[str, int] = {}

    def synthesize_all(self, text: str) -> list[np.ndarray]:
        self.played_when_synthesised[text] = self.sink.samples
        time.sleep(0.05)
        self.calls.append(text)
        return [np.ones(PIECE, dtype=np.int16)]


PIECE = 4800  # 0.3 s at 16 kHz


class Clock(threading.Thread):
    """A sound card's clock: one 10 ms block every 10 ms."""

    def __init__(self, queue: PlaybackQueue) -> None:
        super().__init__(name="test-clock", daemon=True)
        self.queue = queue
        self.stop = threading.Event()
        self.blocks: list[np.ndarray] = []

    def run(self) -> None:
        while not self.stop.is_set():
            self.blocks.append(self.queue.read(160))
            time.sleep(0.01)


def speak(texts: list[str], control_after_s: float | None = None,
          ) -> tuple[SpokenReply, RecordingSink, SlowTts, Clock]:
    sink = RecordingSink()
    tts = SlowTts(sink)

    async def scenario() -> SpokenReply:
        queue = PlaybackQueue(16_000, sink)
        speaker = Speaker(tts, queue, piece_deadline_s=1.0)  # type: ignore[arg-type]
        clock = Clock(queue)
        clock.start()
        replies: PriorityChannel[ReplyText | EndOfReply] = PriorityChannel()
        for text in texts:
            await replies.put(ReplyText(1, text))
        if control_after_s is None:
            await replies.put(EndOfReply(1))
        spoken = SpokenReply()
        first_audio: list[float] = []
        task = asyncio.create_task(speaker.speak(1, replies, spoken, first_audio.append,
                                                 lambda: None))
        if control_after_s is not None:
            await asyncio.sleep(control_after_s)
            await replies.put_control(Cancel(1))
        await asyncio.wait_for(task, 10.0)
        assert len(first_audio) == 1 and first_audio[0] >= 50
        clock.stop.set()
        clock.join()
        result.append(clock)
        return spoken

    result: list[Clock] = []
    spoken = asyncio.run(scenario())
    return spoken, sink, tts, result[0]


def test_synthesis_overlaps_playback_and_the_whole_reply_plays() -> None:
    texts = [f"Sentence {i}." for i in range(4)]
    spoken, sink, tts, _ = speak(texts)
    assert spoken.text() == " ".join(texts) and not spoken.cut
    assert sink.samples == 4 * PIECE and sink.turns_ended == 1
    # The second sentence is synthesised while the first one plays, not after it.
    assert tts.played_when_synthesised["Sentence 1."] < PIECE


def test_cancel_overtakes_queued_reply_and_stops_playback_mid_piece() -> None:
    texts = [f"Sentence number {i} is here." for i in range(10)]
    spoken, sink, tts, clock = speak(texts, control_after_s=0.2)
    assert len(tts.calls) < 10 and sink.samples < 2 * PIECE
    assert spoken.cut and sink.turns_ended == 1
    # Silent from the block after the stop: nothing of the queued sentences came out.
    last_audio = max(i for i, b in enumerate(clock.blocks) if b.any())
    assert all(not b.any() for b in clock.blocks[last_audio + 1 :])
    # Only what played is in the reply's text: a prefix of the first sentence or two.
    assert " ".join(texts).startswith(spoken.text())
    assert len(spoken.text().split()) < 2 * 5


def test_spoken_text_keeps_the_played_share_of_a_cut_piece() -> None:
    async def scenario() -> tuple[str, str, np.ndarray]:
        queue = PlaybackQueue(16_000)
        spoken = SpokenReply()
        spoken.pieces.append(queue.push(1, "The sky is blue.", np.ones(1000, np.int16)))
        spoken.pieces.append(queue.push(1, "one two three four five six seven eight nine ten",
                                        np.ones(1000, np.int16)))
        queue.read(1000 + 560)  # all of the first piece, 56 % of the second
        dropped = queue.stop(1)
        await spoken.pieces[1].finished()
        assert dropped == 440
        full = SpokenReply(spoken.pieces[:1]).text()
        return full, spoken.text(), queue.read(160)

    full, cut, after = asyncio.run(scenario())
    assert full == "The sky is blue."
    assert cut == "The sky is blue. one two three four five"  # 5.6 words: 5 were said
    assert not after.any()


def test_a_short_reply_said_again_comes_from_the_recent_cache(
        engines: Engines, monkeypatch: pytest.MonkeyPatch) -> None:
    import edge.stages.tts as tts_module

    tts = engines.tts
    monkeypatch.setattr(tts_module, "RECENT_MAX_REPLIES", 2)
    monkeypatch.setattr(tts, "variation", True)  # two syntheses of one text would differ
    tts.recent.clear()
    first = tts.synthesize_all("Turned on the porch light.")
    again = tts.synthesize_all("Turned on the porch light.")
    assert [a is b for a, b in zip(first, again, strict=True)] == [True] * len(first)
    long_answer = "The sky is blue because air scatters short wavelengths of sunlight more."
    tts.synthesize_all(long_answer)
    assert long_answer not in tts.recent  # a cloud answer's sentence is not kept
    tts.synthesize_all("Turned off the fan.")
    tts.synthesize_all("Set a timer for five minutes.")
    assert list(tts.recent) == ["Turned off the fan.", "Set a timer for five minutes."]
    tts.recent.clear()
