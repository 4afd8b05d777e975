"""One turn, run as a task beside the capture loop: STT -> NLU -> skill or cloud -> speaking.

    Utterance ─► STT ─► NLU ─► router ──► local skill ──────────┐
                                    └──► gRPC Converse stream ───┤
                                                                 ▼
                            PriorityChannel[ReplyText] ─► Speaker ─► PlaybackQueue

The capture loop (`edge.pipeline`) starts it when the endpointer closes a request and may
cancel it at any await (a barge-in): the cloud stream is closed with the task (`aclosing`),
which cancels the gRPC call and the worker's generation; the speaker stops the playback
queue; the conversation context keeps only what was actually spoken. An announcement
(speech nobody asked for) is the speaking part alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from contract.tasks import StageTimeout, cancel_and_wait, within
from edge import cloud_link
from edge.audio.chime import chime
from edge.barge_in import stop_phrase
from edge.channel import PriorityChannel
from edge.cloud_link import CloudToolCall, CloudUnavailable
from edge.cloud_tools import to_action, without_contacts
from edge.conversation import State
from edge.messages import Announcement, Cancel, EndOfReply, ReplyText, Understanding, Utterance
from edge.nlu.plan import more_than_one_command
from edge.privacy import redactor_for
from edge.skills.confirm import DECLINED, NOT_CONFIRMED, QUESTION
from edge.speaker import SpokenReply
from edge.stages.grammar_stt import GrammarResult
from edge.stages.nlu import CLOUD
from edge.stages.stt import strip_wake_phrase
from edge.stages.whisper_rescore import Encoded, Heard, heard_alike, overrule_settings
from edge.trace import TurnRecord

if TYPE_CHECKING:
    from edge.nlu.plan import Plan
    from edge.pipeline import EdgePipeline

OFFLINE_REPLY = "I'm offline right now, so I can't answer that."
UNREACHABLE_REPLY = "Sorry, I can't reach the cloud right now. Please try again later."
SLOW_REPLY = "Sorry, that is taking too long. Please try again."
BUSY_REPLY = "Sorry, the cloud is busy right now. Please try again in a moment."
NOT_HEARD_REPLY = "Sorry, I didn't catch that."
FILLER_REPLY = "One moment."
RINGING = "timer"  # the announcement kind of a timer that rings (chime first, stoppable)
STOPPED_RINGING = "stop_ringing"  # the turn's intent when its stop phrase silenced a timer
LOCAL_AND_CLOUD = "local+cloud"  # the route of a request partly for the device, partly not
# Said word for word, often when speed matters most: rendered once (PiperTts.prerender).
STOCK_REPLIES = (FILLER_REPLY, OFFLINE_REPLY, UNREACHABLE_REPLY, SLOW_REPLY, BUSY_REPLY,
                 NOT_HEARD_REPLY, QUESTION, DECLINED, NOT_CONFIRMED)
_FALLBACKS = {
    cloud_link.UNREACHABLE: UNREACHABLE_REPLY,
    cloud_link.DEADLINE_EXCEEDED: SLOW_REPLY,
    cloud_link.OVERLOADED: BUSY_REPLY,
}
Replies = PriorityChannel[ReplyText | EndOfReply]


async def run_turn(
    p: EdgePipeline, utterance: Utterance, record: TurnRecord, replies: Replies,
    recognized: GrammarResult | None = None,
    transcribing: asyncio.Future[Heard] | None = None,
) -> None:
    """The whole turn; `record` is filled in as it goes (and is complete when cancelled).
    `recognized`: the fast layer's result for this request, if it decoded it;
    `transcribing`: Whisper on this request, started before the endpoint."""
    d = p.settings.deadlines
    answering = p.skills.awaiting_answer
    fast = not answering and p.accepts(recognized)
    plan = None
    rescued: Understanding | None = None  # of a grammar sentence Whisper found as likely
    cloud_part = ""  # a mixed request's words for the cloud
    kept = None
    stopped_ringing: str | None = None  # what silencing a ringing timer said
    spoken = SpokenReply()
    try:
        if recognized is not None:
            record.fast_confidence = round(recognized.confidence, 3)
            record.timings_ms["fast_finish"] = recognized.finish_ms
            if recognized.confirm_ms is not None:
                record.timings_ms["fast_confirm"] = recognized.confirm_ms
            if recognized.confirmed is not None:
                record.fast_confirmed = round(recognized.confirmed, 3)
        if fast:  # the fast layer is sure: no Whisper, no NLU
            assert recognized is not None
            record.transcript = recognized.text
            # "confirmed": below its own threshold, confirmed by Whisper's decoder
            record.stt_layer = "fast" if recognized.confirmed is None else "confirmed"
            if transcribing is not None:
                transcribing.cancel()
        elif utterance.reason != "no_speech":
            raw, encoded = await _transcribe(p, utterance, record, transcribing, recognized)
            record.stt_layer = "whisper"
            if not answering and record.transcript:
                rescued = await _rescore(p, utterance, record, raw, encoded, recognized)
        if p.audio_keeper is not None and record.transcript:
            kept = np.array(utterance.samples)  # a copy: the ring moves on
        if answering:  # whatever the NLU would make of "yes", it answers our question
            understanding = Understanding("answer")
            record.intent, record.route = understanding.intent, "answer"
        elif (stopped_ringing := _stop_ringing(p, record.transcript)) is not None:
            record.intent, record.route = STOPPED_RINGING, "local"  # "hey jarvis, stop"
        else:
            t0 = time.perf_counter()
            if fast:
                assert recognized is not None and recognized.understanding is not None
                plan = p.plan_command(recognized.understanding, recognized.text)
            elif rescued is not None:
                plan = p.plan_command(rescued, record.transcript)
            else:
                plan = p.plan(record.transcript) if record.transcript else None
            understanding = plan.understanding if plan else Understanding("none")
            record.timings_ms["nlu"] = _ms_since(t0)
            record.intent, record.slots = understanding.intent, dict(understanding.slots)
            record.confidence = understanding.confidence
            record.actions = [a.to_json() for a in plan.actions] if plan else []
            # The fast layer's acceptance is its own calibrated confidence check (another
            # scale than the NLU's): what it accepted is the device's when a skill handles it.
            record.route = ("local" if (fast or rescued is not None)
                            and p.skills.handles(understanding.intent)
                            else _route(p, understanding))
            if plan is not None and (split := _split_for_cloud(p, plan)) is not None:
                # "turn on the lights and tell me a joke": the device acts, the cloud talks
                plan, cloud_part = split
                record.route = LOCAL_AND_CLOUD
            if record.route == "cloud" and plan is not None and _offline_local(p, plan):
                record.route, record.kept_local = "local", "cloud unreachable"
            _audit(p, record, "utterance", {"transcript": record.transcript})
            _audit(p, record, "understanding", {
                "intent": record.intent, "actions": record.actions, "route": record.route,
                "confirm": bool(plan and plan.confirm)})

        speaker = asyncio.create_task(
            _speak(p, replies, spoken, record, utterance.endpoint_wall),
            name=f"speak-{record.turn_id}",
        )
        try:
            if answering:
                _audit(p, record, "confirmation", {"answer": record.transcript})
                reply = await p.skills.answer(record.transcript)
                await replies.put(ReplyText(record.turn_id, reply))
            elif not record.transcript:
                await replies.put(ReplyText(record.turn_id, NOT_HEARD_REPLY))
            elif stopped_ringing is not None:
                await replies.put(ReplyText(record.turn_id, stopped_ringing))
            elif record.route in ("local", LOCAL_AND_CLOUD):
                assert plan is not None
                # Each action has the executor's deadline; a plan has one per part and one more.
                budget = d.skill_s * (len(plan.actions) + 1)
                reply = await within("skill", budget,
                                     p.skills.carry_out(plan, p.turn_ref(record.turn_id)))
                await replies.put(ReplyText(record.turn_id, reply))
                if cloud_part:
                    await _ask_cloud(p, record, replies, utterance.endpoint_wall, cloud_part,
                                     first_part=len(plan.actions))
            else:
                await _ask_cloud(p, record, replies, utterance.endpoint_wall,
                                 record.transcript)
            await replies.put(EndOfReply(record.turn_id))
            await within("speak", d.reply_s, asyncio.shield(speaker))
        except StageTimeout as exc:
            record.error = str(exc)
            await replies.put_control(Cancel(record.turn_id, "deadline"))
        finally:
            await cancel_and_wait([speaker])
    finally:
        record.reply_text = spoken.text()
        # The filler is ours, not the answer: kept in the context, a small model learns to
        # answer with fillers only.
        p.remember(record.transcript, record.reply_text.removeprefix(FILLER_REPLY).strip())
    if kept is not None and p.audio_keeper is not None:  # after the reply: no delay
        await asyncio.to_thread(p.audio_keeper.keep, p.session_id, record.turn_id, kept)


async def run_announcement(
    p: EdgePipeline, announcement: Announcement, record: TurnRecord, replies: Replies
) -> None:
    """Proactive speech: the speaking part of a turn, with no request before it."""
    spoken = SpokenReply()
    turn_id = record.turn_id
    try:
        speaker = asyncio.create_task(
            _speak(p, replies, spoken, record, time.monotonic()), name=f"announce-{turn_id}")
        try:
            if announcement.kind == RINGING:  # a timer: the chime, then its line
                p.playback.push(turn_id, "", chime(p.playback.rate))
            await replies.put(ReplyText(turn_id, announcement.text))
            await replies.put(EndOfReply(turn_id))
            await within("speak", p.settings.deadlines.reply_s, asyncio.shield(speaker))
        except StageTimeout as exc:
            record.error = str(exc)
        finally:
            await cancel_and_wait([speaker])
    finally:
        record.reply_text = spoken.text()


async def _transcribe(p: EdgePipeline, utterance: Utterance, record: TurnRecord,
                      transcribing: asyncio.Future[Heard] | None,
                      recognized: GrammarResult | None) -> Heard:
    """Whisper on the request (`transcribing`: already started on it before the
    endpoint; "stt" then times only the wait after the endpoint; else told what the
    fast layer `recognized`): its raw text and encoder output (None unless the rescoring
    keeps it)."""
    t0 = time.perf_counter()
    record.stt_early = transcribing is not None
    encoded = None
    heard = recognized.text if recognized is not None and recognized.understanding \
        is not None and p.settings.stt_fast_lead else ""
    if transcribing is None:
        record.stt_told = heard
    try:
        raw, encoded = await within("stt", p.settings.deadlines.stt_s, transcribing or
                                    asyncio.to_thread(p.engines.hear, utterance.samples,
                                                      heard))
    except StageTimeout as exc:
        raw, record.error = "", str(exc)
    if not p.source_intact(utterance.start_s):  # the view was overwritten under STT
        raw, encoded = "", None
        record.error = "audio overrun: the request was overwritten before STT"
    record.timings_ms["stt"] = _ms_since(t0)
    record.transcript = strip_wake_phrase(raw)
    return raw, encoded


async def _rescore(p: EdgePipeline, utterance: Utterance, record: TurnRecord, raw: str,
                   encoded: Encoded | None, recognized: GrammarResult | None
                   ) -> Understanding | None:
    """What the grammar sentence Whisper finds nearly as likely as its own text says (None:
    Whisper + NLU decide)."""
    rescorer, fast = p.engines.rescorer, p.engines.fast
    if rescorer is None or fast is None or encoded is None or \
            more_than_one_command(record.transcript):
        return None
    reading = p.nlu.parse(record.transcript)
    if heard_alike(reading, recognized.understanding if recognized else None,
                   p.settings.local_confidence, rescorer.settings):
        return None
    settings = overrule_settings(reading, rescorer.settings)
    if settings is None:
        return None
    t0 = time.perf_counter()
    result = await asyncio.to_thread(rescorer.rescore, utterance.samples, raw, fast.grammar,
                                     recognized, encoded, reading, settings)
    record.timings_ms["rescore"] = _ms_since(t0)
    record.rescore_gap = None if math.isinf(result.gap) else round(result.gap, 2)
    if result.understanding is None:
        return None
    record.transcript, record.stt_layer = strip_wake_phrase(result.text), "rescored"
    return result.understanding


def _stop_ringing(p: EdgePipeline, transcript: str) -> str | None:
    """A stop phrase while a timer rings silences it (the NLU would read "stop" as pausing
    the music); what the skills said of it, None when it was no stop phrase or nothing
    rang."""
    if not transcript or stop_phrase(transcript, p.settings.duplex.stop_phrases) is None:
        return None
    return p.skills.silence_ringing()


def _audit(p: EdgePipeline, record: TurnRecord, kind: str, body: dict[str, object]) -> None:
    """utterance -> understanding -> confirmation in the audit log (actions log the rest)."""
    executor = p.skills.executor
    if executor is not None and executor.audit is not None:
        executor.audit.append(p.settings.device_id, p.session_id, record.turn_id,
                              kind, body)  # type: ignore[arg-type]


def _split_for_cloud(p: EdgePipeline, plan: Plan) -> tuple[Plan, str] | None:
    """A request that is partly the device's, partly the cloud's: the plan of the device's
    part and the words of the cloud's; None when it is not such a request."""
    for_cloud = [a for a in plan.actions if a.intent == CLOUD]
    here = [a for a in plan.actions if a.intent != CLOUD]
    if not for_cloud or not here or not all(
            p.skills.handles(a.intent) and a.confidence >= p.settings.local_confidence
            for a in here):
        return None
    first = here[0].understanding()
    mine = replace(plan, understanding=replace(first, confidence=min(a.confidence for a in here)),
                   actions=tuple(here))
    return mine, " and ".join(a.said for a in for_cloud)


async def _carry_out_call(p: EdgePipeline, record: TurnRecord, call: CloudToolCall,
                          first_part: int) -> str:
    """A function the cloud's model called: checked against the inventory, then carried
    out through the skills (policy blocks and confirmation included); what to say."""
    action = to_action(call.name, call.arguments_json, p.skills.inventory)
    record.cloud_calls.append({"name": call.name, "arguments": call.arguments_json[:200],
                               "accepted": not isinstance(action, str)})
    if isinstance(action, str):
        return action
    plan = p.plan_actions([action])
    record.actions.append(action.to_json())
    part = first_part + len(record.cloud_calls) - 1
    return await within("skill", p.settings.deadlines.skill_s * 2,
                        p.skills.carry_out(plan, p.turn_ref(record.turn_id), part))


def _offline_local(p: EdgePipeline, plan: Plan) -> bool:
    """The cloud is known to be unreachable and the device's best guess is a harmless
    command it can carry out: do that rather than apologise."""
    understanding = plan.understanding
    return (bool(getattr(p.cloud, "circuit_open", False))
            and understanding.intent != CLOUD and p.skills.handles(understanding.intent)
            and not plan.confirm and bool(plan.actions)
            and understanding.confidence >= p.settings.offline_local_confidence)


def _route(p: EdgePipeline, understanding: Understanding) -> str:
    local = (
        understanding.intent != CLOUD
        and p.skills.handles(understanding.intent)
        and understanding.confidence >= p.settings.local_confidence
    )
    return "local" if local else "cloud"


async def _ask_cloud(p: EdgePipeline, record: TurnRecord, replies: Replies,
                     endpoint_wall: float, question: str, first_part: int = 0) -> None:
    """Stream the cloud's answer to `question` into `replies`; the functions this device
    offers go with it, and each call the model makes is carried out here as the user's
    own command would be (numbered on from `first_part` among the turn's actions)."""
    turn = record.turn_id
    if p.cloud is None:
        record.error = "offline"
        await replies.put(ReplyText(turn, OFFLINE_REPLY))
        return
    t0 = time.perf_counter()
    chunks = 0
    first_chunk = asyncio.Event()
    filler = asyncio.create_task(_filler(p, replies, record, first_chunk, endpoint_wall),
                                 name=f"filler-{turn}")
    # Personal data stays here: the request and its context redacted with the contacts as
    # names (the link redacts again without them), and the contacts kept off the offer.
    redact = redactor_for(tuple(p.skills.inventory.contacts))
    stream = p.cloud.converse(redact(question), [(role, redact(text)) for role, text
                                                 in p.context()],
                              p.session_id, turn, without_contacts(p.device_tools()),
                              record.trace_id)
    try:
        # aclosing: a cancelled turn (barge-in) closes the stream at once, which cancels the
        # gRPC call and so the worker's generation, instead of whenever it is collected.
        async with asyncio.timeout(p.settings.deadlines.cloud_s), contextlib.aclosing(stream):
            async for item in stream:
                if chunks == 0:
                    record.timings_ms["cloud_first_chunk"] = _ms_since(t0)
                    first_chunk.set()
                chunks += 1
                if isinstance(item, CloudToolCall):
                    item = await _carry_out_call(p, record, item, first_part)
                await replies.put(ReplyText(turn, item))
    except CloudUnavailable as exc:
        record.error = exc.reason
    except TimeoutError:
        record.error = cloud_link.DEADLINE_EXCEEDED
    finally:
        await cancel_and_wait([filler])
    if record.error and chunks == 0:
        await replies.put(ReplyText(turn, _FALLBACKS.get(record.error, UNREACHABLE_REPLY)))


async def _filler(p: EdgePipeline, replies: Replies, record: TurnRecord,
                  first_chunk: asyncio.Event, endpoint_wall: float) -> None:
    """If the cloud is still silent `filler_s` after the user stopped speaking (the
    silence they hear, transcription included), say so instead of saying nothing."""
    delay = p.settings.deadlines.filler_s
    if delay is None:
        return
    await asyncio.sleep(max(0.0, delay - (time.monotonic() - endpoint_wall)))
    if not first_chunk.is_set():
        record.timings_ms["filler"] = 1000 * (time.monotonic() - endpoint_wall)  # after speech
        await replies.put(ReplyText(record.turn_id, FILLER_REPLY))


async def _speak(p: EdgePipeline, replies: Replies, spoken: SpokenReply, record: TurnRecord,
                 endpoint_wall: float) -> None:
    conv = p.conversation

    def first_audio(tts_ms: float) -> None:
        record.timings_ms["tts_first_audio"] = tts_ms
        record.timings_ms["response"] = 1000 * (time.monotonic() - endpoint_wall)
        if record.speech_end_s is not None:  # what the user heard of nothing
            record.timings_ms["silence"] = record.timings_ms["response"] + 1000 * (
                record.endpoint_at_s - record.speech_end_s)

    def playing() -> None:
        if conv.state is State.THINKING:
            conv.to(State.SPEAKING)

    await p.speaker.speak(record.turn_id, replies, spoken, first_audio, playing)


def _ms_since(t0: float) -> float:
    return 1000 * (time.perf_counter() - t0)
