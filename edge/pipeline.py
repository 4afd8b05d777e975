"""The edge pipeline: audio frames in, spoken replies out, one TurnRecord per turn.

    source -> wake word -> endpointer (VAD) -> STT -> NLU -> router
           -> local skill | cloud stream -> PriorityChannel -> TTS -> sink

When a skill asks a question (a confirm-first intent: "shall I go ahead?"), the
next turn starts without the wake word, from the audio after the question was
spoken, and its transcript goes to the skill as the answer. A cloud that has
said nothing after `deadlines.filler_s` gets a short spoken filler meanwhile.

The front end runs frame by frame in the event loop (a few ms per 80 ms frame); model
calls that take longer run in worker threads under a deadline. Audio is never copied on the
way: each frame is a view of the source's ring buffer (wake word, energy VAD and Silero read
it in place), and the utterance handed to STT is one view of the ring from the pre-roll to
the endpoint (`RingSource.span`), checked afterwards for having survived (`intact`).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from edge import cloud_link
from edge.audio.keeper import AudioKeeper
from edge.audio.sinks import AudioSink
from edge.audio.sources import RingSource
from edge.channel import PriorityChannel
from edge.cloud_link import CloudLink, CloudUnavailable
from edge.conversation import Conversation, State
from edge.messages import (
    Cancel,
    EndOfReply,
    ReplyText,
    Understanding,
    Utterance,
    WakeDetected,
)
from edge.settings import EdgeSettings
from edge.skills import Skills
from edge.speaker import Speaker
from edge.stages.endpoint import Endpointer, SileroVad, SpeechDetector
from edge.stages.nlu import CLOUD, Nlu
from edge.stages.stt import SpeechToText, strip_wake_phrase
from edge.stages.tts import PiperTts
from edge.stages.wake import FRAME_SAMPLES, WakeWordDetector
from edge.tasks import StageTimeout, cancel_and_wait, within
from edge.trace import TurnRecord

OFFLINE_REPLY = "I'm offline right now, so I can't answer that."
UNREACHABLE_REPLY = "Sorry, I can't reach the cloud right now. Please try again later."
SLOW_REPLY = "Sorry, that is taking too long. Please try again."
BUSY_REPLY = "Sorry, the cloud is busy right now. Please try again in a moment."
NOT_HEARD_REPLY = "Sorry, I didn't catch that."
FILLER_REPLY = "One moment."
FOLLOW_UP = "(answer)"  # the wake word of a turn that answers our question
_FALLBACKS = {
    cloud_link.UNREACHABLE: UNREACHABLE_REPLY,
    cloud_link.DEADLINE_EXCEEDED: SLOW_REPLY,
    cloud_link.OVERLOADED: BUSY_REPLY,
}


@dataclass
class Engines:
    """The loaded models; loading takes seconds, so one set serves many runs."""

    wake: WakeWordDetector
    vad: SileroVad
    stt: SpeechToText
    tts: PiperTts

    @classmethod
    def load(cls, settings: EdgeSettings) -> Engines:
        from edge.stages.stt import FasterWhisperStt

        engines = cls(
            WakeWordDetector(settings.wake), SileroVad(), FasterWhisperStt(settings.stt_threads),
            PiperTts(),
        )
        engines.wake.warm_up()
        engines.tts.warm_up()
        return engines


class EdgePipeline:
    def __init__(
        self,
        settings: EdgeSettings,
        engines: Engines,
        nlu: Nlu,
        skills: Skills,
        sink: AudioSink,
        cloud: CloudLink | None,
        between_turns: Callable[[EdgePipeline], None] | None = None,
    ) -> None:
        self.settings = settings
        self.engines = engines
        self.nlu = nlu
        self.skills = skills
        self.speaker = Speaker(engines.tts, sink, settings.deadlines.tts_sentence_s)
        self.cloud = cloud
        # Called on every frame while IDLE (never mid-conversation): fleet policy applies here.
        self.between_turns = between_turns
        self.conversation = Conversation()
        self.audio_keeper: AudioKeeper | None = None  # set only by a keep_audio policy
        self.session_id = f"{settings.device_id}-{int(time.time())}"
        self._context: deque[tuple[str, str]] = deque(maxlen=2 * settings.context_turns)
        self._stop = asyncio.Event()
        self._source: RingSource | None = None
        self.speech: SpeechDetector | None = None

    def stop(self) -> None:
        self._stop.set()

    async def run(
        self,
        source: RingSource,
        on_turn: Callable[[TurnRecord], None],
        max_turns: int | None = None,
    ) -> None:
        e, conv = self.engines, self.conversation
        settings = self.settings.endpoint
        endpointer = Endpointer(settings, audio=source.span)
        speech = self.speech = SpeechDetector(e.vad, settings.vad)
        self._source = source
        wake: WakeDetected | None = None
        answer_from_s: float | None = None  # listening for an answer from this time on
        e.wake.reset(new_stream=True)
        async for frame in source.frames(FRAME_SAMPLES):
            if self._stop.is_set():
                break
            decisions = speech.observe(frame.samples)  # every frame: it learns the floor
            if answer_from_s is not None:
                if frame.start_s < answer_from_s:
                    continue  # captured while we were still thinking or speaking
                endpointer.begin(frame.start_s, [])
                wake, answer_from_s = WakeDetected(FOLLOW_UP, 1.0, frame.start_s), None
            if conv.state is State.IDLE:
                if self.between_turns is not None:
                    self.between_turns(self)  # fleet policy: only between conversations
                wake = e.wake.process(frame)
                if wake is None:
                    continue
                conv.to(State.LISTENING)
                speech.reset()
                # The request is taken back from the ring from the pre-roll on.
                endpointer.begin(max(0.0, frame.start_s - settings.preroll_s), [])
                continue
            probability = speech.probability(frame.samples, decisions)
            utterance = endpointer.push(frame, probability)
            if utterance is None:
                continue
            assert wake is not None
            record = await self._turn(wake, utterance)
            on_turn(record)
            if max_turns is not None and conv.turn_id >= max_turns:
                break
            if self.skills.awaiting_answer:  # listen for the answer, no wake word needed
                if conv.state is not State.ENDED:
                    conv.to(State.ENDED)
                conv.to(State.LISTENING)
                speech.reset()
                answer_from_s = source.written_s
                continue
            conv.end_turn()
            e.wake.reset()

    # -- one turn -------------------------------------------------------------------

    async def _turn(self, wake: WakeDetected, utterance: Utterance) -> TurnRecord:
        conv, d = self.conversation, self.settings.deadlines
        record = TurnRecord(
            turn_id=conv.turn_id, wake_word=wake.word, wake_score=wake.score,
            wake_at_s=wake.at_s, endpoint_at_s=utterance.endpoint_at_s,
            endpoint_reason=utterance.reason,
        )
        answering = self.skills.awaiting_answer
        if utterance.reason == "no_speech" and not answering:
            conv.to(State.ENDED)
            record.error = "no speech after the wake word"
            return record
        conv.to(State.THINKING)
        kept = None
        if utterance.reason != "no_speech":
            await self._transcribe(utterance, record)
            if self.audio_keeper is not None and record.transcript:
                kept = np.array(utterance.samples)  # a copy: the ring moves on
        if answering:  # whatever the NLU would make of "yes", it answers our question
            understanding = Understanding("answer")
            record.intent, record.route = understanding.intent, "answer"
        else:
            t0 = time.perf_counter()
            understanding = (
                self.nlu.parse(record.transcript) if record.transcript else Understanding("none")
            )
            record.timings_ms["nlu"] = _ms_since(t0)
            record.intent, record.slots = understanding.intent, dict(understanding.slots)
            record.confidence = understanding.confidence
            record.route = self._route(understanding)

        replies: PriorityChannel[ReplyText | EndOfReply] = PriorityChannel(max_data=16)
        speaker = asyncio.create_task(
            self._speak(replies, record, utterance.endpoint_wall), name=f"speak-{conv.turn_id}"
        )
        try:
            if answering:
                await replies.put(ReplyText(conv.turn_id, self.skills.answer(record.transcript)))
            elif not record.transcript:
                await replies.put(ReplyText(conv.turn_id, NOT_HEARD_REPLY))
            elif record.route == "local":
                await replies.put(ReplyText(conv.turn_id, self.skills.handle(understanding)))
            else:
                await self._ask_cloud(record, replies)
            await replies.put(EndOfReply(conv.turn_id))
            await within("speak", d.reply_s, asyncio.shield(speaker))
        except StageTimeout as exc:
            record.error = str(exc)
            await replies.put_control(Cancel(conv.turn_id, "deadline"))
        finally:
            await cancel_and_wait([speaker])
        self._context.extend([("user", record.transcript), ("assistant", record.reply_text)])
        if kept is not None and self.audio_keeper is not None:  # after the reply: no delay
            await asyncio.to_thread(self.audio_keeper.keep, self.session_id, record.turn_id, kept)
        return record

    async def _transcribe(self, utterance: Utterance, record: TurnRecord) -> None:
        t0 = time.perf_counter()
        try:
            raw = await within("stt", self.settings.deadlines.stt_s, asyncio.to_thread(
                self.engines.stt.transcribe, utterance.samples))
        except StageTimeout as exc:
            raw, record.error = "", str(exc)
        assert self._source is not None
        if not self._source.intact(utterance.start_s):  # the view was overwritten under STT
            raw, record.error = "", "audio overrun: the request was overwritten before STT"
        record.timings_ms["stt"] = _ms_since(t0)
        record.transcript = strip_wake_phrase(raw)

    def _route(self, understanding: Understanding) -> str:
        local = (
            understanding.intent != CLOUD
            and self.skills.handles(understanding.intent)
            and understanding.confidence >= self.settings.local_confidence
        )
        return "local" if local else "cloud"

    async def _ask_cloud(
        self, record: TurnRecord, replies: PriorityChannel[ReplyText | EndOfReply]
    ) -> None:
        turn = self.conversation.turn_id
        if self.cloud is None:
            record.error = "offline"
            await replies.put(ReplyText(turn, OFFLINE_REPLY))
            return
        t0 = time.perf_counter()
        chunks = 0
        first_chunk = asyncio.Event()
        filler = asyncio.create_task(self._filler(replies, record, first_chunk, t0))
        try:
            async with asyncio.timeout(self.settings.deadlines.cloud_s):
                async for text in self.cloud.converse(
                    record.transcript, list(self._context), self.session_id, turn
                ):
                    if chunks == 0:
                        record.timings_ms["cloud_first_chunk"] = _ms_since(t0)
                        first_chunk.set()
                    chunks += 1
                    await replies.put(ReplyText(turn, text))
        except CloudUnavailable as exc:
            record.error = exc.reason
        except TimeoutError:
            record.error = cloud_link.DEADLINE_EXCEEDED
        finally:
            await cancel_and_wait([filler])
        if record.error and chunks == 0:
            await replies.put(ReplyText(turn, _FALLBACKS.get(record.error, UNREACHABLE_REPLY)))

    async def _filler(self, replies: PriorityChannel[ReplyText | EndOfReply],
                      record: TurnRecord, first_chunk: asyncio.Event, t0: float) -> None:
        """If the cloud is still silent after `filler_s`, say so instead of saying nothing."""
        delay = self.settings.deadlines.filler_s
        if delay is None:
            return
        await asyncio.sleep(delay)
        if not first_chunk.is_set():
            record.timings_ms["filler"] = _ms_since(t0)
            await replies.put(ReplyText(self.conversation.turn_id, FILLER_REPLY))

    async def _speak(
        self,
        replies: PriorityChannel[ReplyText | EndOfReply],
        record: TurnRecord,
        endpoint_wall: float,
    ) -> None:
        conv = self.conversation

        def first_audio(tts_ms: float) -> None:
            record.timings_ms["tts_first_audio"] = tts_ms
            record.timings_ms["response"] = 1000 * (time.monotonic() - endpoint_wall)

        def playing() -> None:
            if conv.state is State.THINKING:
                conv.to(State.SPEAKING)

        spoken: list[str] = []
        try:
            await self.speaker.speak(replies, spoken, first_audio, playing)
        finally:
            record.reply_text = " ".join(spoken)


def _ms_since(t0: float) -> float:
    return 1000 * (time.perf_counter() - t0)
