"""Full duplex with fake models around the real loop: the loop keeps listening while a turn
runs, barge-in (wake word, stop phrase, sustained speech) stops the reply within a frame,
the context keeps what was spoken, AEC-off gating, proactive speech, and the pieces
(playback queue, duplex blocks, stop phrases). Real models: test_duplex_integration.py.

Every test runs on a pulled recording: the loop waits while the device computes and the
replies take stream time, so input and output line up sample for sample and nothing here
depends on how fast the machine is."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pytest

from contract.inventory import load_inventory
from edge.actions.testing import acting_skills
from edge.audio.duplex import DuplexBlocks, NoEcho
from edge.audio.playback import PlaybackQueue
from edge.audio.sources import CaptureChain, recording_source
from edge.audio.testing import TapeQueue
from edge.barge_in import (
    SPEECH,
    STOP_PHRASE,
    WAKE_WORD,
    BargeInDetector,
    PlaybackGate,
    stop_phrase,
)
from edge.channel import PriorityChannel
from edge.conversation import State
from edge.messages import AudioFrame, Cancel, ReplyText, Stop, Understanding, WakeDetected
from edge.pipeline import ANNOUNCED, EdgePipeline, Engines
from edge.settings import (
    DEFAULT_INVENTORY,
    STOP_PHRASES,
    Deadlines,
    DuplexSettings,
    EdgeSettings,
    EndpointSettings,
)
from edge.stages.nlu import load_nlu
from edge.trace import TurnRecord
from native import RingBuffer

RATE = 16_000
WORD_S = 0.25  # the fake voice says every word in exactly this long


# -- fakes around the real loop -----------------------------------------------------------


class ScheduledWake:
    """A wake word detector that fires on the frame that reaches each scheduled time, and
    logs every frame it is shown (with the conversation state at that moment)."""

    word = "hey_jarvis"

    def __init__(self, at_s: Sequence[float]) -> None:
        self.pending = sorted(at_s)
        self.seen: list[tuple[float, State]] = []
        self.pipeline: EdgePipeline | None = None
        self.on_frame: Callable[[AudioFrame, EdgePipeline], None] | None = None

    def process(self, frame: AudioFrame, playing: bool = False) -> WakeDetected | None:
        assert self.pipeline is not None
        self.seen.append((frame.start_s, self.pipeline.conversation.state))
        if self.on_frame is not None:
            self.on_frame(frame, self.pipeline)
        if self.pending and frame.end_s >= self.pending[0]:
            self.pending.pop(0)
            return WakeDetected(self.word, 0.9, frame.end_s)
        return None

    def reset(self, new_stream: bool = False) -> None:
        pass


class FakeStt:
    """Long stretches are the request, short ones the would-be stop phrase."""

    def __init__(self, request: list[str], short: str = "Stop.") -> None:
        self.request = list(request)
        self.short = short
        self.heard: list[float] = []

    def transcribe(self, samples: np.ndarray) -> str:
        self.heard.append(len(samples) / RATE)
        return self.short if len(samples) < 0.9 * RATE else self.request.pop(0)


class WordsTts:
    """A constant tone, WORD_S per word: played audio is easy to find and to count."""

    sample_rate = RATE

    def synthesize_all(self, text: str) -> list[np.ndarray]:
        return [np.full(int(WORD_S * RATE) * len(text.split()), 3000, dtype=np.int16)]


ANSWER = ["The sky looks blue to us.", "Air scatters blue light more than red light.",
          "That is why the whole sky glows blue by day."]


class ScriptedCloud:
    """Streams ANSWER; records the context it was given and whether it was closed early."""

    def __init__(self, during: Callable[[], None] | None = None, more: bool = False) -> None:
        self.contexts: list[list[tuple[str, str]]] = []
        self.completed = 0
        self.closed = 0
        self.during = during
        self.more = more  # still generating after ANSWER (a long answer)

    async def converse(self, transcript: str, context: Sequence[tuple[str, str]],
                       session_id: str, turn_id: int, tools_json: str = "", trace_id: str = ""
                       ) -> AsyncGenerator[str, None]:
        self.contexts.append(list(context))
        try:
            for sentence in ANSWER:
                if self.during is not None:
                    self.during()
                yield sentence
                await asyncio.sleep(0)
            if self.more:
                await asyncio.sleep(30)
            self.completed += 1
        finally:
            self.closed += 1

    async def aclose(self) -> None:
        pass


    def output(self) -> np.ndarray:
        return np.concatenate(self.tape)


def room(*parts: tuple[str, float]) -> np.ndarray:
    """Quiet room noise (-61 dBFS) and a voiced sound ("speech") the energy VAD hears."""
    rng = np.random.default_rng(0)
    out = []
    for kind, seconds in parts:
        n = int(seconds * RATE)
        if kind == "quiet":
            out.append(np.rint(rng.standard_normal(n) * 30).astype(np.int16))
        else:
            t = np.arange(n) / RATE
            wave = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 6)) * 5000
            out.append(np.rint(wave).astype(np.int16))
    return np.concatenate(out)


@dataclass
class Run:
    records: list[TurnRecord]
    pipeline: EdgePipeline
    tape: TapeQueue
    wake: ScheduledWake
    stt: FakeStt
    cloud: ScriptedCloud

    def audio_between(self, a_s: float, b_s: float) -> bool:
        out = self.tape.output()
        return bool(out[int(a_s * RATE) : int(b_s * RATE)].any())

    def first_audio_s(self, after_s: float = 0.0) -> float:
        out = self.tape.output()
        start = int(after_s * RATE)
        return (start + int(np.flatnonzero(out[start:])[0])) / RATE


def run_duplex(
    audio: np.ndarray, wake_at: Sequence[float], stt: FakeStt, aec: bool = True,
    duplex: DuplexSettings | None = None, before: Callable[[EdgePipeline], None] | None = None,
    cloud: ScriptedCloud | None = None,
    on_frame: Callable[[AudioFrame, EdgePipeline], None] | None = None,
) -> Run:
    wake = ScheduledWake(wake_at)
    wake.on_frame = on_frame
    engines = Engines(wake, None, stt, WordsTts())  # type: ignore[arg-type]
    settings = EdgeSettings(endpoint=EndpointSettings(vad="energy"),
                            deadlines=Deadlines(filler_s=None),
                            duplex=duplex or DuplexSettings())
    inventory = load_inventory(DEFAULT_INVENTORY)
    tape = TapeQueue(RATE)
    cloud = cloud or ScriptedCloud()
    pipeline = EdgePipeline(settings, engines, load_nlu(inventory), acting_skills(inventory),
                            None, cloud, playback=tape)  # type: ignore[arg-type]
    wake.pipeline = pipeline
    if before is not None:
        before(pipeline)
    source = recording_source(audio, realtime=False)
    source.echo = NoEcho() if aec else None  # the recording holds no echo: "cancelled"
    records: list[TurnRecord] = []

    async def go() -> None:
        async with asyncio.timeout(60):
            await pipeline.run(source, records.append)

    asyncio.run(go())
    return Run(records, pipeline, tape, wake, stt, cloud)


# request 1.0-2.0 s (wake at 1.2), reply from about 2.4 s for 6.5 s, user again at 4.0-5.0 s
CUT_IN = room(("quiet", 1.0), ("speech", 1.0), ("quiet", 2.0), ("speech", 1.0), ("quiet", 4.0))
STOP = room(("quiet", 1.0), ("speech", 1.0), ("quiet", 2.0), ("speech", 0.4), ("quiet", 8.0))


def test_the_loop_reads_every_frame_while_a_turn_runs_and_the_wake_word_cuts_in() -> None:
    stt = FakeStt(["why is the sky blue", "turn on the kitchen lights"])
    # (pause_on_speech off: here the wake word alone stops the reply, see the stop tests)
    r = run_duplex(CUT_IN, wake_at=[1.2, 4.2], stt=stt, cloud=ScriptedCloud(more=True),
                   duplex=DuplexSettings(pause_on_speech=False))
    first, second = r.records
    # Every frame was seen, in order and without a gap, through every state.
    starts = [s for s, _ in r.wake.seen]
    assert starts == pytest.approx([i * 0.08 for i in range(len(starts))])
    assert len(starts) == len(CUT_IN) // 1280
    states = {state for _, state in r.wake.seen}
    assert {State.IDLE, State.LISTENING, State.SPEAKING} <= states
    # The wake word over the reply interrupted it on the frame it was heard...
    assert (first.route, first.interrupted_by) == ("cloud", WAKE_WORD)
    assert first.interrupted_at_s is not None and 4.2 <= first.interrupted_at_s <= 4.2 + 0.08
    cut = first.interrupted_at_s
    # ... the speaker was playing up to that frame and silent from the next block on ...
    reply_start = r.first_audio_s()
    assert first.endpoint_at_s <= reply_start < cut
    assert r.audio_between(cut - 0.1, cut)
    assert not r.audio_between(cut, second.endpoint_at_s)
    # ... the cloud stream was closed, not read to its end ...
    assert (r.cloud.completed, r.cloud.closed) == (0, 1)
    # ... and what followed the wake word is the next request, answered.
    assert (second.wake_word, second.intent, second.interrupted_by) == \
        ("hey_jarvis", "HassTurnOn", None)
    assert second.reply_text == "Turned on the kitchen lights."
    # The context keeps what was said of the cut reply: the words that played.
    full = " ".join(ANSWER)
    said = first.reply_text
    assert said and full.startswith(said) and said != full
    assert abs(len(said.split()) - (cut - reply_start) / WORD_S) <= 1
    assert r.pipeline.context() == [("user", "why is the sky blue"), ("assistant", said),
                                    ("user", "turn on the kitchen lights"),
                                    ("assistant", "Turned on the kitchen lights.")]


def test_a_stop_phrase_without_the_wake_word_ends_the_reply() -> None:
    r = run_duplex(STOP, wake_at=[1.2], stt=FakeStt(["why is the sky blue"], short="Stop."),
                   cloud=ScriptedCloud(more=True), duplex=DuplexSettings(pause_on_speech=True))
    (record,) = r.records
    assert record.interrupted_by == STOP_PHRASE
    cut = record.interrupted_at_s
    assert cut is not None
    # Speech ends at 4.4 s; then the stop-phrase hangover, and a frame or two to decide.
    assert 4.4 + 0.24 <= cut <= 4.4 + 0.24 + 0.24
    # But the reply fell silent as soon as the speech was heard (two frames in), before
    # the transcription decided; the stop phrase then ended it for good.
    assert r.audio_between(3.9, 4.0) and not r.audio_between(4.0 + 0.24, len(STOP) / RATE)
    assert r.stt.heard[1] < 0.9  # the short stretch was transcribed, alone
    assert r.pipeline.conversation.state is State.IDLE
    assert (r.cloud.completed, r.cloud.closed) == (0, 1)


def test_speech_that_is_not_a_stop_phrase_does_not_interrupt() -> None:
    # By default the reply plays on while the would-be stop phrase is checked ...
    r = run_duplex(STOP, wake_at=[1.2],
                   stt=FakeStt(["why is the sky blue"], short="Don't stop the music."))
    (record,) = r.records
    assert record.interrupted_by is None and record.reply_text == " ".join(ANSWER)
    assert r.audio_between(4.24, 4.64)
    # ... with pause_on_speech, it pauses meanwhile.
    r = run_duplex(STOP, wake_at=[1.2], duplex=DuplexSettings(pause_on_speech=True),
                   stt=FakeStt(["why is the sky blue"], short="Don't stop the music."))
    (record,) = r.records
    assert record.interrupted_by is None and record.reply_text == " ".join(ANSWER)
    assert r.pipeline.barge is not None and r.pipeline.barge.checks == 1
    # Paused while it might have been a stop phrase, then resumed where it stopped: the
    # whole reply still played, only later.
    assert r.audio_between(3.9, 4.0) and not r.audio_between(4.24, 4.64)
    assert r.audio_between(4.9, 5.0)
    assert np.count_nonzero(r.tape.output()) == int(len(" ".join(ANSWER).split()) * WORD_S * RATE)


def test_without_echo_cancellation_nothing_heard_during_playback_interrupts() -> None:
    # The same room as above, but no canceller: it may be the device's own voice.
    for audio, wake_at in ((CUT_IN, [1.2, 4.2]), (STOP, [1.2])):
        stt = FakeStt(["why is the sky blue", "turn on the kitchen lights"])
        r = run_duplex(audio, wake_at=wake_at, stt=stt, aec=False)
        (record,) = r.records
        assert record.interrupted_by is None and record.reply_text == " ".join(ANSWER)
        assert r.pipeline.barge is not None and r.pipeline.barge.checks == 0
        assert len(stt.heard) == 1  # STT ran once: for the request


def test_a_stop_phrase_while_thinking_is_heard_even_without_echo_cancellation() -> None:
    # Nothing plays while the cloud thinks: the gate is open, "stop" cancels the turn.
    class ThinkingCloud(ScriptedCloud):
        async def converse(self, transcript: str, context: Sequence[tuple[str, str]],
                           session_id: str, turn_id: int, tools_json: str = "", trace_id: str = ""
                           ) -> AsyncGenerator[str, None]:
            try:
                await asyncio.sleep(30)
                yield "Too late."
            finally:
                self.closed += 1

    audio = room(("quiet", 1.0), ("speech", 1.0), ("quiet", 0.8), ("speech", 0.4),
                 ("quiet", 2.0))
    cloud = ThinkingCloud()
    stt = FakeStt(["why is the sky blue"], short="Never mind.")
    wake = ScheduledWake([1.2])

    # The pulled recording waits while the device thinks, so let it run at real pace here.
    engines = Engines(wake, None, stt, WordsTts())  # type: ignore[arg-type]
    settings = EdgeSettings(endpoint=EndpointSettings(vad="energy"),
                            deadlines=Deadlines(filler_s=None))
    inventory = load_inventory(DEFAULT_INVENTORY)
    pipeline = EdgePipeline(settings, engines, load_nlu(inventory), acting_skills(inventory),
                            None, cloud, playback=TapeQueue(RATE))  # type: ignore[arg-type]
    wake.pipeline = pipeline
    records: list[TurnRecord] = []
    asyncio.run(pipeline.run(recording_source(audio, realtime=True), records.append))
    (record,) = records
    assert record.interrupted_by == STOP_PHRASE and cloud.closed == 1
    assert record.reply_text == ""


def test_sustained_speech_interrupts_when_the_policy_says_so() -> None:
    stt = FakeStt(["why is the sky blue", "turn on the kitchen lights"])
    r = run_duplex(CUT_IN, wake_at=[1.2], stt=stt,
                   duplex=DuplexSettings(interrupt_after_speech_s=0.5))
    first, second = r.records
    assert first.interrupted_by == SPEECH
    assert first.interrupted_at_s == pytest.approx(4.52, abs=0.1)  # 0.5 s into 4.0 s speech
    # The speech that interrupted is the next request, from its start on.
    assert second.wake_word == f"({SPEECH})" and second.intent == "HassTurnOn"
    assert second.wake_at_s == pytest.approx(4.0, abs=0.09)
    assert r.pipeline.barge is not None and r.pipeline.barge.checks == 0


def test_an_announcement_waits_for_the_user_to_stop_speaking() -> None:
    audio = room(("quiet", 1.0), ("speech", 2.0), ("quiet", 4.0))

    def ring_at_1_5_s(frame: AudioFrame, pipeline: EdgePipeline) -> None:
        if frame.start_s == pytest.approx(1.52):  # the user is talking (no wake word)
            pipeline.announce("Your timer is done.", "timer")

    r = run_duplex(audio, wake_at=[], stt=FakeStt([]), on_frame=ring_at_1_5_s)
    (record,) = r.records
    assert (record.route, record.intent, record.wake_word) == ("announcement", "timer", ANNOUNCED)
    assert record.reply_text == "Your timer is done." and record.interrupted_by is None
    start = r.first_audio_s()
    assert 3.0 + 0.5 - 0.08 <= start <= 3.0 + 0.5 + 0.16  # after the speech, plus the quiet
    assert r.pipeline.conversation.state is State.IDLE


def test_an_announcement_waits_for_the_turn_and_is_interruptible() -> None:
    # Announced while the cloud answers: it starts after the reply, and a wake word cuts it.
    holder: list[EdgePipeline] = []
    text = "The fleet says hello there."

    def announce_once() -> None:
        if len(holder) == 1:
            holder[0].announce(text)
            holder.append(holder[0])

    audio = room(("quiet", 1.0), ("speech", 1.0), ("quiet", 12.0))
    r = run_duplex(audio, wake_at=[1.2, 9.0], stt=FakeStt(["why is the sky blue"]),
                   cloud=ScriptedCloud(during=announce_once), before=holder.append)
    turn, announcement, after = r.records
    assert turn.route == "cloud" and turn.reply_text == " ".join(ANSWER)
    reply_end = turn.endpoint_at_s + len(turn.reply_text.split()) * WORD_S
    assert not r.audio_between(reply_end + 0.01, reply_end + 0.08)  # not over the reply
    assert reply_end < r.first_audio_s(after_s=reply_end + 0.01) < reply_end + 0.25
    assert (announcement.route, announcement.interrupted_by) == ("announcement", WAKE_WORD)
    assert announcement.reply_text and text.startswith(announcement.reply_text)
    assert announcement.reply_text != text
    assert after.wake_word == "hey_jarvis" and after.error == "no speech after the wake word"


def test_stop_and_cancel_are_control_messages_that_overtake_announcements() -> None:
    async def scenario() -> list[object]:
        inbox: PriorityChannel[ReplyText] = PriorityChannel(max_data=2)
        inbox.put_nowait(ReplyText(1, "a"))
        inbox.put_control_nowait(Cancel(1))
        inbox.put_nowait(ReplyText(1, "b"))
        inbox.put_control_nowait(Stop())
        with pytest.raises(asyncio.QueueFull):
            inbox.put_nowait(ReplyText(1, "c"))
        return [inbox.try_get() for _ in range(5)]

    assert asyncio.run(scenario()) == [Cancel(1), Stop(), ReplyText(1, "a"), ReplyText(1, "b"),
                                       None]


# -- stop phrases -------------------------------------------------------------------------


@pytest.mark.parametrize(("said", "phrase"), [
    ("Stop.", "stop"), ("stop!", "stop"), ("Stop, stop.", "stop"), ("Oh, stop please.", "stop"),
    ("Stop it.", "stop"), ("Cancel.", "cancel"), ("Cancel that.", "cancel"),
    ("Never mind.", "never mind"), ("Nevermind", "never mind"), ("Jarvis, never mind.",
                                                                  "never mind"),
    ("Be quiet!", "be quiet"), ("That's enough.", "that's enough"),
    ("That\u2019s enough.", "that's enough"), ("That is enough", "that's enough"),
    ("Hey Jarvis, stop.", "stop"), ("Okay, that's enough, thank you.", "that's enough"),
])
def test_stop_phrases_match(said: str, phrase: str) -> None:
    assert stop_phrase(said, STOP_PHRASES) == phrase


@pytest.mark.parametrize("said", [
    "", "...", "Don't stop the music.", "Stop the timer.", "Cancel my meeting.",
    "Why is the sky blue?", "Never mind the weather, what time is it?", "Be quiet, stop, no,",
    "quietly", "stopwatch", "Please go on.",
])
def test_other_speech_is_not_a_stop_phrase(said: str) -> None:
    assert stop_phrase(said, STOP_PHRASES) is None


def test_stop_phrases_are_configurable() -> None:
    assert stop_phrase("Halt!", ("halt",)) == "halt"
    assert stop_phrase("Stop.", ("halt",)) is None


# -- barge-in detector and gate -----------------------------------------------------------


def test_detector_transcribes_only_short_speech_and_only_once_it_ends() -> None:
    stt = FakeStt([], short="stop")

    async def scenario() -> tuple[list[object], int]:
        audio = np.zeros(10 * RATE, np.int16)
        det = BargeInDetector(DuplexSettings(), 0.5, stt, lambda a, b: audio[int(a * RATE):
                                                                         int(b * RATE)])
        triggers: list[object] = []
        # 2 s of speech (too long for a stop phrase), silence, 0.4 s of speech, silence.
        plan = [1.0] * 25 + [0.0] * 10 + [1.0] * 5 + [0.0] * 10
        for i, p in enumerate(plan):
            frame = AudioFrame(audio[i * 1280 : (i + 1) * 1280], i * 0.08)
            triggers.append(det.observe(frame, p, None))
            await asyncio.sleep(0.01)  # the transcription thread
        return [t for t in triggers if t is not None], det.checks

    triggers, checks = asyncio.run(scenario())
    assert checks == 1 and len(stt.heard) == 1 and stt.heard[0] < 0.7
    (trigger,) = triggers
    assert trigger.kind == STOP_PHRASE and trigger.text == "stop"  # type: ignore[attr-defined]
    assert trigger.speech_start_s == pytest.approx(35 * 0.08)  # type: ignore[attr-defined]


class ScheduledStopWord:
    """A stop-word model whose probability is 0.9 on the frames that reach `at_s`."""

    def __init__(self, at_s: float, frames: int = 2) -> None:
        self.at_s, self.frames = at_s, frames
        self.t = 0.0
        self.resets = 0

    def probability(self, samples: np.ndarray) -> float:
        self.t += len(samples) / RATE
        return 0.9 if self.at_s <= self.t < self.at_s + self.frames * 0.08 else 0.0

    def reset(self) -> None:
        self.t, self.resets = 0.0, self.resets + 1


@pytest.mark.parametrize(("aec", "threshold", "said", "paused", "stops"), [
    (True, 0.5, "Stop.", True, True),  # paused on the frame it fired, stopped once confirmed
    (True, 0.5, "Hop on.", True, False),  # paused, then resumed: not a stop phrase
    (True, 0.95, "Hop on.", False, False),  # below its threshold: nothing
    (True, None, "Hop on.", False, False),  # switched off
    (False, 0.5, "Stop.", False, False),  # no canceller while the device plays: its own voice?
])
def test_the_stop_word_model_pauses_the_reply_until_the_stop_is_confirmed(
    aec: bool, threshold: float | None, said: str, paused: bool, stops: bool
) -> None:
    stop_word = ScheduledStopWord(at_s=4.24)  # fires on the frame 4.16-4.24 s

    def with_stop_word(pipeline: EdgePipeline) -> None:
        pipeline.engines.stop_word = stop_word  # type: ignore[assignment]

    r = run_duplex(STOP, wake_at=[1.2], before=with_stop_word, aec=aec,
                   stt=FakeStt(["why is the sky blue"], short=said),
                   cloud=ScriptedCloud(more=True),
                   duplex=DuplexSettings(stop_word_threshold=threshold))
    (record,) = r.records
    assert stop_word.resets == 1  # a new stream starts the model afresh
    # (speech 4.0-4.4 s; the frame after the one the model fired on is silent if paused)
    assert r.audio_between(4.1, 4.24)
    assert r.audio_between(4.24, 4.4) is not paused
    assert [c["by"] for c in record.stop_checks if c.get("by")] == (["stop_word"] if paused
                                                                     else [])
    if not stops:
        assert record.interrupted_by is None and record.reply_text == " ".join(ANSWER)
        return
    assert record.interrupted_by == STOP_PHRASE and r.stt.heard[1] < 0.9  # confirmed
    assert record.interrupted_at_s is not None and record.interrupted_at_s > 4.4
    assert not r.audio_between(4.24, len(STOP) / RATE)  # silent from the pause on, for good
    assert (r.cloud.completed, r.cloud.closed) == (0, 1)


class UnsureStopGrammar:
    """A fast layer that decodes every stretch as "stop" with the given confidence."""

    def __init__(self, confidence: float) -> None:
        from edge.stages.grammar_stt import Calibration

        self.calibration = Calibration(threshold=0.9)
        self.confidence = confidence

    def start(self) -> None:
        pass

    def push(self, samples: np.ndarray) -> None:
        pass

    def partial(self) -> object:
        return "stop"

    def heard(self) -> str:
        return "stop"

    def finish(self) -> object:
        from edge.stages.grammar_stt import GrammarResult

        return GrammarResult("stop", Understanding("stop_phrase"), self.confidence, -3.0, 0.0,
                             5, 1.0, 1.0)


@pytest.mark.parametrize(("confidence", "said", "paused_while_checked", "stopped"), [
    (0.95, "Don't stop.", False, True),  # sure: stopped by the fast layer, no transcription
    (0.7, "Stop.", True, True),  # likely: paused at once, stopped when Whisper agrees
    (0.7, "Hop on.", True, False),  # likely, but not a stop phrase: paused, then resumed
    (0.3, "Stop.", False, True),  # unlikely: no pause, Whisper alone decides
])
def test_a_likely_stop_phrase_pauses_the_reply_until_it_is_decided(
    confidence: float, said: str, paused_while_checked: bool, stopped: bool
) -> None:
    from edge.stages.early_endpoint import EarlyEndpoint

    stt = FakeStt([], short=said)

    async def scenario() -> tuple[list[bool], list[object], int]:
        audio = np.zeros(10 * RATE, np.int16)
        fast = EarlyEndpoint(UnsureStopGrammar(confidence), 0.5)  # type: ignore[arg-type]
        det = BargeInDetector(DuplexSettings(), 0.5, stt,
                              lambda a, b: audio[int(a * RATE) : int(b * RATE)], fast)
        likely, triggers = [], []
        for i, p in enumerate([0.0] * 3 + [1.0] * 5 + [0.0] * 12):  # 0.4 s of speech
            frame = AudioFrame(audio[i * 1280 : (i + 1) * 1280], i * 0.08)
            trigger = det.observe(frame, p, None)
            if trigger is not None:
                triggers.append(trigger)
                break
            likely.append(det.likely_stop)
            await asyncio.sleep(0.01)  # the transcription thread
        likely.append(det.likely_stop)  # once decided
        return likely, triggers, det.checks

    likely, triggers, checks = asyncio.run(scenario())
    assert any(likely) == paused_while_checked
    assert not likely[-1]  # never left paused once decided
    assert bool(triggers) == stopped
    assert checks == (0 if confidence >= 0.9 else 1)


def test_gate_shuts_during_playback_and_its_echo_tail_only_without_aec() -> None:
    async def scenario() -> list[bool]:
        queue = PlaybackQueue(RATE)
        off = PlaybackGate(queue, echo_cancelled=False, tail_s=0.3)
        on = PlaybackGate(queue, echo_cancelled=True, tail_s=0.3)
        states = [off.open()]
        queue.push(1, "hello", np.ones(1600, np.int16))
        states += [off.open(), on.open()]
        queue.read(1600)  # played
        states.append(off.open())  # the room still echoes it
        for _ in range(30):
            queue.read(160)  # 0.3 s of silence
        states.append(off.open())
        return states

    assert asyncio.run(scenario()) == [True, False, True, False, True]


# -- playback queue and the duplex block step -----------------------------------------------


class ListSink:
    def __init__(self) -> None:
        self.played: list[np.ndarray] = []
        self.ended = 0

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        self.played.append(np.array(samples))

    def end_turn(self) -> None:
        self.ended += 1

    def close(self) -> None:
        pass


def test_playback_queue_plays_in_blocks_and_stops_within_one() -> None:
    async def scenario() -> None:
        sink = ListSink()
        queue = PlaybackQueue(RATE, sink)
        a = queue.push(1, "one", np.full(300, 7, np.int16))
        b = queue.push(1, "two", np.full(300, 9, np.int16))
        queue.end_turn(1)
        block = queue.read(160)
        assert len(block) == 160 and (block == 7).all()
        block = queue.read(160)
        assert (block[:140] == 7).all() and (block[140:] == 9).all()
        await a.finished()
        assert a.fraction_played == 1.0 and 0 < b.fraction_played < 1
        assert queue.stop(1) == 300 - 20
        await b.finished()
        assert b.dropped and not queue.read(160).any()
        assert sink.ended == 1 and sum(len(x) for x in sink.played) == 320
        # A new turn; the input ends: what is queued plays at once (or is dropped).
        c = queue.push(2, "three", np.full(500, 5, np.int16))
        queue.free_run(play=True)
        await c.finished()
        assert c.fraction_played == 1.0 and sum(len(x) for x in sink.played) == 820
        queue.clocked()
        d = queue.push(3, "four", np.full(500, 5, np.int16))
        assert d.played == 0 and queue.pending == 500
        queue.free_run(play=False)
        assert d.played == 0 and d.dropped

    asyncio.run(scenario())


class RecordingEcho:
    def __init__(self) -> None:
        self.refs: list[np.ndarray] = []
        self.mics: list[np.ndarray] = []

    def playback(self, ref16k: np.ndarray) -> None:
        self.refs.append(np.array(ref16k))

    def capture(self, mic16k: np.ndarray) -> np.ndarray:
        self.mics.append(np.array(mic16k))
        return mic16k // 2  # "cancelled"


@pytest.mark.parametrize(("in_rate", "out_rate"), [
    (16_000, 16_000), (16_000, 48_000), (48_000, 16_000), (44_100, 22_050), (16_000, 11_025),
    (8_000, 44_100),
])
def test_duplex_blocks_keep_one_output_sample_per_input_sample(in_rate: int,
                                                               out_rate: int) -> None:
    async def scenario() -> None:
        ring = RingBuffer(10 * RATE)
        queue = PlaybackQueue(out_rate)
        echo = RecordingEcho()
        blocks = DuplexBlocks(ring, queue, echo, CaptureChain(in_rate))
        queue.push(1, "reply", np.full(out_rate // 2, 1000, np.int16))
        rng = np.random.default_rng(1)
        total_in = total_out = 0
        for _ in range(120):
            n = int(rng.integers(1, 3 * in_rate // 100))  # ragged blocks, as pipes deliver
            out = blocks.step(np.full(n, 100, np.int16))
            total_in += n
            total_out += len(out)
            assert total_out == total_in * out_rate // in_rate  # exact after every block
        assert [len(r) for r in echo.refs] == [len(m) for m in echo.mics]  # same slots
        assert ring.total_written == sum(len(m) for m in echo.mics)
        assert sum(int(np.abs(r).sum()) for r in echo.refs) > 0  # the reply was the reference

    asyncio.run(scenario())


def test_the_echo_reference_is_the_block_played_in_the_same_slot() -> None:
    async def scenario() -> None:
        ring = RingBuffer(RATE)
        queue = PlaybackQueue(RATE)
        echo = RecordingEcho()
        blocks = DuplexBlocks(ring, queue, echo, CaptureChain(RATE, dc_block=False))
        reply = np.arange(1, 801, dtype=np.int16)
        queue.push(1, "reply", reply)
        outs = [blocks.step(np.full(160, 50, np.int16)) for _ in range(8)]
        np.testing.assert_array_equal(np.concatenate(echo.refs), np.concatenate(outs))
        np.testing.assert_array_equal(np.concatenate(outs)[:800], reply)
        assert (np.concatenate(echo.mics) == 50).all()
        assert ring.available == 8 * 160  # the cleaned signal reaches the ring

    asyncio.run(scenario())


def test_a_timer_that_runs_out_rings_as_an_announcement() -> None:
    from edge.skills.timers import Timer, TimerSkill

    def set_timer(pipeline: EdgePipeline) -> None:
        said = asyncio.run(pipeline.skills.act(Understanding("HassStartTimer", {"minutes": 10},
                                                             1.0), pipeline.turn_ref(1)))
        assert said == "Timer set for 10 minutes."
        timers = next(s for s in pipeline.skills._by_intent.values()
                      if isinstance(s, TimerSkill))
        timers.timers = [Timer(600, time.time() - 601)]  # ten minutes later

    r = run_duplex(room(("quiet", 3.0)), wake_at=[], stt=FakeStt([]), before=set_timer)
    (record,) = r.records  # it rings again only after RING_REPEAT_S
    assert (record.route, record.intent) == ("announcement", "timer")
    assert record.reply_text == "The timer for 10 minutes is done."
    assert r.pipeline.skills.silence_ringing()  # it rang until stopped
    assert r.pipeline.skills.due_announcements() == []
    # The chime comes first, then the spoken line (WordsTts: a constant level per word).
    out = r.tape.output()
    start = int(r.first_audio_s() * RATE)
    chime_part, line_part = out[start : start + RATE // 4], out[start + RATE // 2 + 800 :]
    assert len(np.unique(chime_part)) > 100 and set(np.unique(line_part)) <= {0, 3000}


def ring_a_timer(pipeline: EdgePipeline) -> None:
    """Before the run: a timer that has just run out (it rings after 0.5 s of quiet)."""
    from edge.skills.timers import Timer, TimerSkill

    timers = next(s for s in pipeline.skills._by_intent.values() if isinstance(s, TimerSkill))
    timers.timers = [Timer(600, time.time() - 1)]


def test_a_stop_phrase_over_a_ringing_timer_silences_it() -> None:
    # The ring starts after 0.5 s of quiet; "stop" at 1.3-1.7 s, over the chime and line.
    audio = room(("quiet", 1.3), ("speech", 0.4), ("quiet", 3.0))
    r = run_duplex(audio, wake_at=[], stt=FakeStt([], short="Stop."), before=ring_a_timer)
    (record,) = r.records
    assert record.intent == "timer" and record.interrupted_by == STOP_PHRASE
    assert not r.pipeline.skills.silence_ringing()  # the stop phrase already silenced it
    assert not r.audio_between(record.interrupted_at_s + 0.1, len(audio) / RATE)


@pytest.mark.parametrize("control", ["stop", "cancel"])
def test_stop_and_cancel_from_outside_silence_the_reply_at_once(control: str) -> None:
    def send(frame: AudioFrame, pipeline: EdgePipeline) -> None:
        if frame.start_s == pytest.approx(3.52):  # the reply is playing
            if control == "stop":
                pipeline.stop()
            else:
                pipeline.inbox.put_control_nowait(Cancel(pipeline.conversation.turn_id))

    r = run_duplex(CUT_IN, wake_at=[1.2], stt=FakeStt(["why is the sky blue"]),
                   cloud=ScriptedCloud(more=True), on_frame=send)
    (record,) = r.records
    assert record.interrupted_by == ("shutdown" if control == "stop" else "cancel")
    assert r.cloud.closed == 1 and r.cloud.completed == 0
    assert r.audio_between(3.4, 3.6)
    assert not r.audio_between(3.68, len(r.tape.output()) / RATE)
    assert r.pipeline.conversation.state is State.IDLE
    if control == "stop":  # the loop ended there: the rest of the input was never read
        assert len(r.tape.output()) < len(CUT_IN) // 2


def test_wake_word_and_stop_between_two_rings_silences_the_timer() -> None:
    # The first ring is over by 4 s; "hey jarvis, stop" at 5-6 s, before the next ring.
    audio = room(("quiet", 5.0), ("speech", 1.0), ("quiet", 3.0))
    r = run_duplex(audio, wake_at=[5.2], stt=FakeStt(["Stop."]), before=ring_a_timer)
    ring, stop = r.records
    assert ring.intent == "timer" and ring.interrupted_by is None
    assert (stop.intent, stop.route, stop.reply_text) == ("stop_ringing", "local",
                                                          "Timer stopped.")
    assert not r.pipeline.skills.silence_ringing()


def test_an_idle_conversation_is_over_and_its_context_with_it() -> None:
    inventory = load_inventory(DEFAULT_INVENTORY)
    pipeline = EdgePipeline(EdgeSettings(context_idle_s=60.0), Engines(None, None, None, None),  # type: ignore[arg-type]
                            load_nlu(inventory), acting_skills(inventory), None, None,
                            playback=TapeQueue(RATE))
    pipeline.remember("why is the sky blue", "Rayleigh scattering.")
    pipeline.remember("and sunsets?", "Longer paths.")
    assert len(pipeline.context()) == 4  # a follow-up within the minute keeps it
    pipeline._context_at -= 61.0  # a minute of silence later
    assert pipeline.context() == []
    pipeline.remember("what time is it", "Noon.")
    assert pipeline.context() == [("user", "what time is it"), ("assistant", "Noon.")]


def test_the_stop_word_model_firing_without_a_voice_is_ignored() -> None:
    # The canceller's residual echo of the device's own voice sometimes scores as "stop";
    # only a word the VAD hears as a voice pauses the reply.
    stop_word = ScheduledStopWord(at_s=6.0)  # in the quiet after the user's speech

    def with_stop_word(pipeline: EdgePipeline) -> None:
        pipeline.engines.stop_word = stop_word  # type: ignore[assignment]

    r = run_duplex(STOP, wake_at=[1.2], before=with_stop_word,
                   stt=FakeStt(["why is the sky blue"], short="Hop on."),
                   cloud=ScriptedCloud(more=True))
    (record,) = r.records
    assert not [c for c in record.stop_checks if c.get("by") == "stop_word"]
    assert r.audio_between(5.9, 6.3)  # no pause
    assert record.interrupted_by is None
