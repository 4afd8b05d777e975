"""The edge pipeline: one loop that never stops listening, turns beside it as tasks.

    source (10 ms blocks in, 10 ms blocks out: one clock, see edge.audio.duplex)
      -> every 80 ms frame, in every state: energy VAD, wake word
      -> IDLE:      wake word -> LISTENING        (announcements wait here for silence)
         LISTENING: endpointer (VAD) -> THINKING: the turn task starts (edge.turn)
         THINKING / SPEAKING: barge-in detector (edge.barge_in) -> stop, cancel, listen
      <- inbox: control messages (Stop, Cancel) first, then data (Announcement)

Data flows one way, frames into the loop and replies out through the playback queue;
control overtakes it: a barge-in stops the playback queue (silent from the next block),
sends `BargeIn` to the reply channel, and cancels the turn task, which cancels the cloud
stream. The loop never awaits a turn, so the microphone is read while the device thinks and
speaks; only a cancelled turn is awaited, briefly (`cancel_and_wait`).

When a skill asks a question (a confirm-first intent: "shall I go ahead?"), the next turn
starts without the wake word, once the question has been spoken, and its transcript goes to
the skill as the answer. A cloud that has said nothing after `deadlines.filler_s` gets a
short spoken filler meanwhile.

Audio is never copied on the way: each frame is a view of the source's ring buffer, and the
utterance handed to STT is one view of the ring from the pre-roll to the endpoint.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import numpy as np

from contract.inventory import Inventory
from contract.tasks import cancel_and_wait
from edge.actions.executor import TurnRef
from edge.audio.keeper import AudioKeeper
from edge.audio.playback import PlaybackQueue
from edge.audio.sinks import AudioSink
from edge.audio.sources import END_OF_INPUT, RingSource
from edge.barge_in import SPEECH, STOP_PHRASE, WAKE_WORD, BargeInDetector, PlaybackGate, Trigger
from edge.channel import PriorityChannel
from edge.cloud_link import CloudLink
from edge.cloud_tools import offer
from edge.conversation import Conversation, State
from edge.messages import (
    SAMPLE_RATE,
    Announcement,
    BargeIn,
    Cancel,
    ControlMessage,
    EndOfReply,
    ReplyText,
    Stop,
    Understanding,
    Utterance,
    WakeDetected,
)
from edge.nlu.plan import Plan, PlanContext, PlannedAction, Planner
from edge.settings import EdgeSettings
from edge.skills import Skills
from edge.speaker import Speaker, spoken_pieces
from edge.stages.early_endpoint import EarlyEndpoint
from edge.stages.early_transcript import EarlyTranscript
from edge.stages.endpoint import Endpointer, SileroVad, SpeechDetector, speech_detector
from edge.stages.fast_confirm import asks_confirmation
from edge.stages.grammar_stt import FastRecognizer, GrammarResult
from edge.stages.nlu import Nlu
from edge.stages.stt import SpeechToText, spoken_wake_phrase, transcribe_heard
from edge.stages.tts import PiperTts
from edge.stages.wake import FRAME_SAMPLES, MicroWakeWordModel, WakeWordDetector
from edge.stages.whisper_rescore import Heard, Rescorer, sentence_index
from edge.trace import TurnRecord
from edge.turn import (  # noqa: F401  (re-exported: the replies' texts are part of the API)
    BUSY_REPLY,
    FILLER_REPLY,
    NOT_HEARD_REPLY,
    OFFLINE_REPLY,
    RINGING,
    SLOW_REPLY,
    STOCK_REPLIES,
    UNREACHABLE_REPLY,
    run_announcement,
    run_turn,
)

FOLLOW_UP = "(answer)"  # the wake word of a turn that answers our question
ANNOUNCED = "(announcement)"  # the wake word of proactive speech
_HOLD_POLL_S = 0.002
_RING_CHECK_S = 0.48  # how often the skills are asked whether a timer ran out


@dataclass
class Engines:
    """The loaded models; loading takes seconds, so one set serves many runs."""

    wake: WakeWordDetector
    vad: SileroVad
    stt: SpeechToText
    tts: PiperTts
    # The fast closed-vocabulary layer; None: Whisper hears everything. Its grammar follows
    # the pipeline's inventory (recompiled when a policy swaps it).
    fast: FastRecognizer | None = None
    fast_stop: FastRecognizer | None = None  # the same for the barge-in's stop phrases
    stop_word: MicroWakeWordModel | None = None  # the keyword model for "stop" alone
    # Whisper judging the fast grammar's sentences against its own text (None: off).
    rescorer: Rescorer | None = None

    def hear(self, samples: np.ndarray, heard: str = "") -> Heard:
        """Whisper's text of a request, with its encoder output when the rescoring is on;
        `heard`: the command the fast layer holds, Whisper's hint (`EdgeSettings.
        stt_fast_lead`)."""
        if self.rescorer is not None:
            return self.rescorer.transcribe(samples, heard)
        return transcribe_heard(self.stt, samples, heard), None

    @classmethod
    def load(cls, settings: EdgeSettings,
             loaded: Callable[[str], None] | None = None) -> Engines:
        """Every model. The order keeps the peak near the end figure (`tandem bench idle`):
        the loads with the largest transient copies (Whisper's, piper's and its stock
        phrases', openWakeWord's first sessions) come while little else is resident, and
        what a load freed goes back to the system before the next. `loaded(name)` is called
        after each (the bench's memory breakdown)."""
        from edge.heap import release_freed_memory
        from edge.stages.stt import FasterWhisperStt

        def done(name: str) -> None:
            release_freed_memory()
            if loaded is not None:
                loaded(name)

        stt = FasterWhisperStt(settings.stt_threads)
        done("whisper")
        tts = PiperTts()
        tts.warm_up()
        tts.prerender(p for text in STOCK_REPLIES for p in spoken_pieces(text))
        done("piper")
        wake = WakeWordDetector(settings.wake)
        wake.warm_up()
        done("wake")
        vad = SileroVad()
        done("silero")
        fast = fast_stop = None
        if settings.endpoint.fast_layer:
            from edge.stages.grammar_stt import GrammarRecognizer

            # The commands alone: each run compiles the grammar for its own inventory when
            # it starts (`_sync_grammar`), and warns there of the names it leaves out.
            fast = GrammarRecognizer(Inventory())
            done("fast_layer")
            fast_stop = GrammarRecognizer.for_stop_phrases(settings.duplex.stop_phrases)
            done("stop_phrases")
        stop_word = None
        if settings.duplex.stop_word_threshold is not None:
            stop_word = MicroWakeWordModel("stop")
            done("stop_word")
        rescorer = None
        if fast is not None and settings.rescore is not None:
            rescorer = Rescorer(stt, settings.rescore)
            if settings.confirm is not None:
                rescorer.warm_up(settings.confirm.window_s)
        return cls(wake, vad, stt, tts, fast, fast_stop, stop_word, rescorer)


log = logging.getLogger(__name__)

@dataclass
class ActiveTurn:
    """The turn (or announcement) running beside the capture loop."""

    record: TurnRecord
    task: asyncio.Task[None]
    replies: PriorityChannel[ReplyText | EndOfReply]


class EdgePipeline:
    def __init__(
        self,
        settings: EdgeSettings,
        engines: Engines,
        nlu: Nlu,
        skills: Skills,
        sink: AudioSink | None,
        cloud: CloudLink | None,
        between_turns: Callable[[EdgePipeline], None] | None = None,
        playback: PlaybackQueue | None = None,
    ) -> None:
        self.settings = settings
        self.engines = engines
        self.nlu = nlu
        self.skills = skills
        if playback is None:  # replies at the sink's rate (a RateSink's), else the voice's
            rate = getattr(sink, "rate", None) or engines.tts.sample_rate
            playback = PlaybackQueue(rate, sink)
        self.playback = playback
        skills.attach_output(playback)  # "turn the volume down" changes this queue's gain
        self.speaker = Speaker(engines.tts, playback, settings.deadlines.tts_sentence_s)
        self.cloud = cloud
        # Called on every frame while IDLE (never mid-conversation): fleet policy applies here.
        self.between_turns = between_turns
        # Called on every frame of the capture loop (a service watchdog's proof of life).
        self.heartbeat: Callable[[], None] | None = None
        self.conversation = Conversation()
        self.audio_keeper: AudioKeeper | None = None  # set only by a keep_audio policy
        # Unique per run: action keys (idempotency) and the audit log are keyed on it.
        self.session_id = f"{settings.device_id}-{int(time.time())}-{secrets.token_hex(4)}"
        self._context: deque[tuple[str, str]] = deque(maxlen=2 * settings.context_turns)
        self._context_at = 0.0  # when the last turn joined it (monotonic)
        self.inbox: PriorityChannel[Announcement] = PriorityChannel(max_data=32)
        self._announcements: deque[Announcement] = deque()
        self._active: ActiveTurn | None = None
        self._source: RingSource | None = None
        self._user_spoke_at = -1e9  # stream time of the last speech the VAD heard
        self.speech: SpeechDetector | None = None
        self.barge: BargeInDetector | None = None
        self._gate: PlaybackGate | None = None
        self.interruptions: list[Trigger] = []
        self._planner: Planner | None = None
        # The offer to the cloud's model, and the skills and inventory it was made from.
        self._tools: tuple[tuple[Skills, Inventory] | None, str] = (None, "")
        self._plan_context = PlanContext()  # what "turn it off" refers to
        self._scheduled: asyncio.Task[None] | None = None  # actions whose time has come
        self._early: EarlyEndpoint | None = None  # the fast layer, beside the endpointer
        self._early_text: EarlyTranscript[Heard] | None = None  # Whisper during the hangover
        self._request_start_s = 0.0  # where the listened request starts (its pre-roll)
        self._grammar_of: Inventory | None = None  # the inventory the fast grammar holds

    # -- the API around the loop (call from the loop's thread) -------------------------

    def stop(self) -> None:
        """Shut down: the turn in flight is cancelled."""
        self.inbox.put_control_nowait(Stop())

    def announce(self, text: str, kind: str = "announcement") -> None:
        """Say `text` unasked (a timer ringing, a fleet announcement) once the device is idle
        and the user is not speaking; it is interruptible like any reply."""
        self.inbox.put_nowait(Announcement(text, kind))

    def context(self) -> list[tuple[str, str]]:
        """Recent (role, text) turns for the cloud, oldest first: only what was spoken.
        A conversation idle for `context_idle_s` is over: the next question starts afresh
        (and whoever asks it does not inherit the last person's conversation)."""
        if self._context and time.monotonic() - self._context_at > self.settings.context_idle_s:
            self._context.clear()
        return list(self._context)

    def remember(self, user: str, assistant: str) -> None:
        self.context()  # an expired conversation is dropped before this turn joins it
        self._context.extend([("user", user), ("assistant", assistant)])
        self._context_at = time.monotonic()

    def plan(self, text: str) -> Plan:
        """What a request asks for: actions in spoken order, negation, delays, references."""
        return self._current_planner().plan(text, self._plan_context)

    def plan_command(self, understanding: Understanding, text: str) -> Plan:
        """The plan of a command a grammar sentence gave (the fast layer's, or the one the
        rescoring chose): one action, no NLU needed."""
        return self._current_planner().plan_command(understanding, text, self._plan_context)

    def plan_actions(self, actions: list[PlannedAction]) -> Plan:
        """The plan of actions the cloud's model asked for (confirmed when sensitive)."""
        return self._current_planner().plan_actions(actions, self._plan_context)

    def device_tools(self) -> str:
        """The functions offered to the cloud's model (edge.cloud_tools): what the skills
        here handle and the policy allows, named from the current inventory."""
        skills = self.skills
        made_for, _ = self._tools
        if made_for is None or made_for[0] is not skills or made_for[1] is not skills.inventory:
            self._tools = ((skills, skills.inventory), offer(
                lambda intent: skills.handles(intent)
                and skills.blocked(PlannedAction(intent, {})) is None, skills.inventory))
        return self._tools[1]

    def accepts(self, result: GrammarResult | None) -> bool:
        """Whether the fast layer's result is sure enough to skip Whisper."""
        fast = self.engines.fast
        return result is not None and fast is not None and result.accepted(fast.calibration)

    def _current_planner(self) -> Planner:
        planner = self._planner
        if planner is None or planner.nlu is not self.nlu or \
                planner.inventory is not self.skills.inventory:  # a policy swapped them
            planner = self._planner = Planner(self.nlu, self.skills.inventory)
        return planner

    def turn_ref(self, turn_id: int) -> TurnRef:
        return TurnRef(self.settings.device_id, self.session_id, turn_id)

    def source_intact(self, start_s: float) -> bool:
        return self._source is None or self._source.intact(start_s)

    # -- the loop -------------------------------------------------------------------------

    async def run(
        self,
        source: RingSource,
        on_turn: Callable[[TurnRecord], None],
        max_turns: int | None = None,
    ) -> None:
        e, s = self.engines, self.settings
        self.speech = speech_detector(e.vad, s.endpoint, FRAME_SAMPLES / SAMPLE_RATE)
        stop_early = None if e.fast_stop is None else EarlyEndpoint(
            e.fast_stop, s.endpoint.speech_threshold, s.duplex.stop_fast_hangover_s)
        self.barge = BargeInDetector(s.duplex, s.endpoint.speech_threshold, e.stt, source.span,
                                     stop_early)
        # With no canceller on the capture path, the device may be hearing itself.
        self._gate = PlaybackGate(self.playback, source.echo is not None, s.duplex.echo_tail_s)
        self._source, source.playback = source, self.playback
        if e.fast is not None:
            self._early = EarlyEndpoint(e.fast, s.endpoint.speech_threshold,
                                        s.endpoint.fast_hangover_s,
                                        s.endpoint.fast_final_at_pause)
        if s.endpoint.early_transcript_s is not None:
            heard = self._early.heard if self._early is not None and s.stt_fast_lead else None
            self._early_text = EarlyTranscript(e.hear, s.endpoint.speech_threshold,
                                               s.endpoint.early_transcript_s, heard)
        self._sync_grammar()
        self.playback.clocked()
        if source.pulled:
            source.hold = self._hold
        e.wake.reset(new_stream=True)
        if e.stop_word is not None:
            e.stop_word.reset()
        try:
            await self._listen_loop(source, on_turn, max_turns)
        except BaseException:
            if self._active is not None:  # a failing source: nothing may outlive the loop
                await cancel_and_wait([self._active.task])
                self._active = None
            raise
        await self._wind_down(source, on_turn)

    async def _listen_loop(
        self, source: RingSource, on_turn: Callable[[TurnRecord], None], max_turns: int | None
    ) -> None:
        assert self.speech is not None and self.barge is not None and self._gate is not None
        e, conv, speech, barge, gate = (self.engines, self.conversation, self.speech,
                                        self.barge, self._gate)
        endpointer = Endpointer(self.settings.endpoint, audio=source.span)
        wake: WakeDetected | None = None
        next_ring_check_s = 0.0
        echo_tail = int(self.settings.duplex.echo_tail_s * self.playback.rate)
        async for frame in source.frames(FRAME_SAMPLES):
            if self.heartbeat is not None:
                self.heartbeat()
            if not await self._serve_inbox(on_turn):
                break
            if self._active is not None and self._active.task.done():
                self._finish(on_turn)
                if max_turns is not None and conv.turn_id >= max_turns:
                    break
                if self.skills.awaiting_answer:  # listen for the answer, no wake word needed
                    conv.to(State.LISTENING)
                    speech.reset()
                    endpointer.begin(frame.start_s, [])
                    if self._early is not None:
                        self._early.skip()  # "yes", "ten minutes": not a command
                    if self._early_text is not None:
                        self._early_text.begin(frame.start_s)
                    wake = WakeDetected(FOLLOW_UP, 1.0, frame.start_s)
                else:
                    conv.to(State.IDLE)
            if frame.start_s >= next_ring_check_s:  # timers that ran out ring (proactively)
                next_ring_check_s = frame.start_s + _RING_CHECK_S
                for text in self.skills.due_announcements():
                    self.announce(text, RINGING)
                if self.skills.schedule is not None and (
                        self._scheduled is None or self._scheduled.done()):
                    self._scheduled = asyncio.create_task(self.skills.run_due(
                        self.turn_ref(0), lambda text: self.announce(text, "schedule")),
                        name="scheduled-actions")
            decisions = speech.observe(frame.samples)  # every frame: it learns the floor
            # every frame: its window never has a gap; stricter while our voice may echo
            heard = e.wake.process(frame, self.playback.playing(echo_tail))
            stop_word = None if e.stop_word is None else e.stop_word.probability(frame.samples)
            hears = gate.open()  # False: it may be our own voice, and nothing cancels it
            if conv.state is State.IDLE:
                if heard is not None and hears:
                    wake = heard
                    self._listen(endpointer, speech, frame.start_s, frame.end_s)
                    continue
                if self.between_turns is not None:
                    self.between_turns(self)  # fleet policy: only between conversations
                self._sync_grammar()
                if self._announcements:
                    self._maybe_announce(frame.end_s, speech.probability(frame.samples, decisions))
            elif conv.state is State.LISTENING:
                arrived = time.monotonic()
                listened = speech.probability(frame.samples, decisions)
                self._spoke(frame.end_s, listened)
                past_room = speech.without_background(listened)  # once: it counts frames
                utterance = endpointer.push(frame, listened, past_room)
                early = self._early
                if early is not None and utterance is None:
                    decided = early.push(frame, listened)
                    if decided is not None and not self.accepts(decided):
                        await self._confirm(decided, frame.end_s)
                    if self.accepts(decided):  # sure of a command
                        utterance = endpointer.cut(frame, "fast_layer", arrived)
                early_text = self._early_text
                if early_text is not None and utterance is None:
                    room_gated = self.settings.endpoint.early_transcript_past_room
                    early_text.push(frame, past_room if room_gated else listened, source.span)
                if utterance is not None:
                    assert wake is not None
                    transcribing = early_text.take() if early_text is not None else None
                    self._start_turn(wake, utterance, early.finish() if early else None,
                                     transcribing, early_text.told if early_text else "")
            else:  # THINKING or SPEAKING: a turn or an announcement runs beside us
                overheard = speech.probability(frame.samples, decisions) if hears else None
                if overheard is not None:
                    self._spoke(frame.end_s, overheard)
                trigger = barge.observe(frame, overheard, heard if hears else None,
                                        stop_word if hears else None)
                # Silent while the user may be cutting in: any short speech (pause_on_speech)
                # or, by default, a stop phrase the fast layer found likely.
                self.playback.pause(barge.suspects if self.settings.duplex.pause_on_speech
                                    else barge.likely_stop)
                if trigger is not None:
                    await self._barge_in(trigger, on_turn)
                    if trigger.kind == WAKE_WORD:  # straight to the new request
                        assert heard is not None
                        wake = heard
                        self._listen(endpointer, speech, frame.start_s, frame.end_s)
                    elif trigger.kind == SPEECH:  # the speech itself is the new request
                        wake = WakeDetected(f"({SPEECH})", 1.0, trigger.speech_start_s)
                        self._listen(endpointer, speech, trigger.speech_start_s, frame.end_s)

    def _listen(self, endpointer: Endpointer, speech: SpeechDetector, at_s: float,
                now_s: float) -> None:
        """IDLE or ENDED -> LISTENING at `now_s`; the request is taken back from the ring
        from the pre-roll before `at_s` on. The fast layer decodes from `now_s` on, and
        learns the room from the audio before it."""
        self.conversation.to(State.LISTENING)
        speech.reset()
        s = self.settings.endpoint
        start_s = max(0.0, at_s - s.preroll_s)
        self._request_start_s = start_s
        endpointer.begin(start_s, [])
        if self._early is not None:
            room = s.fast_room_s
            self._early.begin(self._source.span(max(0.0, now_s - room), now_s)
                              if room and self._source is not None else None)
        if self._early_text is not None:
            self._early_text.begin(start_s)

    async def _confirm(self, result: GrammarResult, end_s: float) -> None:
        """Whisper's decoder confirms a whole command the fast layer decided on but is not
        sure of (edge.stages.fast_confirm); `result.confirmed` is set when it does. The
        capture loop waits for it (~70 ms in a thread; the ring keeps the audio meanwhile):
        Whisper's transcription starts after it, not beside it on the same two cores."""
        rescorer, fast, settings = self.engines.rescorer, self.engines.fast, self.settings.confirm
        if rescorer is None or fast is None or settings is None or self._source is None \
                or result.understanding is None \
                or not asks_confirmation(result.score_per_frame, settings):
            return
        samples = np.array(self._source.span(self._request_start_s, end_s))
        c = await asyncio.to_thread(rescorer.confirm, samples, fast.grammar, result, settings)
        result.confirm_ms = c.ms
        if c.accepted(settings):
            result.confirmed = c.per_token

    def _sync_grammar(self) -> None:
        """Recompile the fast grammar and re-bias Whisper when the inventory changed (a
        policy swapped it); between conversations only, it takes tens of milliseconds."""
        inventory = self.skills.inventory
        if inventory is self._grammar_of:
            return
        self._grammar_of = inventory
        bias = getattr(self.engines.stt, "bias_towards", None)
        if bias is not None and self.settings.stt_bias:
            bias(inventory.names(), spoken_wake_phrase(self.engines.wake.word))
        if self.engines.fast is not None:
            grammar = self.engines.fast.recompile(inventory)
            for warning in grammar.warnings:
                log.warning("%s", warning)
            if self.engines.rescorer is not None:
                sentence_index(grammar)  # ~25 ms: here, not in the first request's wait

    def _start_turn(self, wake: WakeDetected, utterance: Utterance,
                    recognized: GrammarResult | None,
                    transcribing: asyncio.Future[Heard] | None = None, told: str = "") -> None:
        """`transcribing`: Whisper on the whole request, started during the hangover,
        told the fast layer's command `told`."""
        conv = self.conversation
        record = TurnRecord(
            turn_id=conv.turn_id, wake_word=wake.word, wake_score=wake.score,
            wake_at_s=wake.at_s, device_id=self.settings.device_id, session_id=self.session_id,
            trace_id=secrets.token_hex(8),
            speech_end_s=self._user_spoke_at if self._user_spoke_at >= wake.at_s else None,
            endpoint_at_s=utterance.endpoint_at_s, endpoint_reason=utterance.reason,
            stt_told=told if transcribing is not None else "",
        )
        if utterance.reason == "no_speech" and not self.skills.awaiting_answer:
            if transcribing is not None:
                transcribing.cancel()
            conv.to(State.ENDED)
            record.error = "no speech after the wake word"
            self._launch(record, _done())
            return
        conv.to(State.THINKING)
        replies: PriorityChannel[ReplyText | EndOfReply] = PriorityChannel(max_data=16)
        self._launch(record, run_turn(self, utterance, record, replies, recognized,
                                      transcribing), replies)

    def _maybe_announce(self, now_s: float, probability: float) -> None:
        """Proactive speech starts only when idle and after `announce_quiet_s` of silence."""
        self._spoke(now_s, probability)
        if now_s - self._user_spoke_at < self.settings.duplex.announce_quiet_s:
            return
        announcement = self._announcements.popleft()
        self.conversation.to(State.SPEAKING)
        record = TurnRecord(turn_id=self.conversation.turn_id, wake_word=ANNOUNCED,
                            wake_score=1.0, wake_at_s=now_s, endpoint_at_s=now_s,
                            intent=announcement.kind, route="announcement")
        replies: PriorityChannel[ReplyText | EndOfReply] = PriorityChannel(max_data=4)
        self._launch(record, run_announcement(self, announcement, record, replies), replies)

    def _launch(self, record: TurnRecord, work: Coroutine[Any, Any, None],
                replies: PriorityChannel[ReplyText | EndOfReply] | None = None) -> None:
        task = asyncio.create_task(work, name=f"turn-{record.turn_id}")
        self._active = ActiveTurn(record, task, replies or PriorityChannel())
        assert self.barge is not None
        self.barge.reset()

    def _finish(self, on_turn: Callable[[TurnRecord], None]) -> None:
        """The active turn is over (its reply played): report it, end it."""
        active, self._active = self._active, None
        self.playback.pause(False)
        assert active is not None
        if self.barge is not None:
            active.record.stop_checks = list(self.barge.fast_checks)
        if not active.task.done():
            # Cancelled but still unwinding after the grace period (a slow library, a loaded
            # machine): the loop goes on; cancel_and_wait logged the straggler by name.
            active.task.add_done_callback(_log_failure)
        elif not active.task.cancelled() and active.task.exception() is not None:
            raise active.task.exception()  # type: ignore[misc]  # a bug: not swallowed
        on_turn(active.record)
        if self.conversation.state is not State.ENDED:
            self.conversation.to(State.ENDED)

    async def _barge_in(self, trigger: Trigger, on_turn: Callable[[TurnRecord], None]) -> None:
        """Stop the reply now, cancel the turn (and with it the cloud stream), report it."""
        active = self._active
        assert active is not None
        record = active.record
        self.playback.stop(record.turn_id)  # silent from the next block
        await active.replies.put_control(BargeIn(record.turn_id, trigger.at_s, trigger.kind))
        record.interrupted_by, record.interrupted_at_s = trigger.kind, trigger.at_s
        await cancel_and_wait([active.task])
        self.interruptions.append(trigger)
        if self.skills.awaiting_answer:  # a question cut short holds nothing: forget it
            self.skills.forget_question()
        if record.intent == RINGING and trigger.kind in (STOP_PHRASE, WAKE_WORD):
            self.skills.silence_ringing()  # heard: "stop", or the user takes the word
        self._finish(on_turn)
        if trigger.kind == STOP_PHRASE:
            self.conversation.to(State.IDLE)
        # WAKE_WORD / SPEECH: the caller moves on to LISTENING for what comes next.

    async def _serve_inbox(self, on_turn: Callable[[TurnRecord], None]) -> bool:
        """Control messages first, then announcements; False: stop the loop."""
        while (message := self.inbox.try_get()) is not None:
            if isinstance(message, Stop):
                return False
            if isinstance(message, Cancel) and self._active is not None \
                    and message.turn_id == self._active.record.turn_id:
                now = self._source.written_s if self._source is not None else 0.0
                await self._barge_in(Trigger("cancel", now, now), on_turn)
                self.conversation.to(State.IDLE)
            elif isinstance(message, Announcement):
                if message not in self._announcements:  # a timer rings again while we wait
                    self._announcements.append(message)
            elif isinstance(message, ControlMessage):
                continue  # a stale Cancel, or a BargeIn meant for a reply channel
        return True

    def _spoke(self, now_s: float, probability: float) -> None:
        if probability >= self.settings.endpoint.speech_threshold:
            self._user_spoke_at = now_s

    async def _hold(self) -> None:
        """A pulled recording has no clock: it waits while the device computes (as if that
        took no time) and runs on while reply audio plays, so replies take stream time."""
        await asyncio.sleep(0)  # the turn's tasks run between blocks in any case
        # Polling: the turn's progress is spread over threads and futures; 2 ms is nothing.
        while self._busy():  # noqa: ASYNC110
            await asyncio.sleep(_HOLD_POLL_S)

    def _busy(self) -> bool:
        if self.barge is not None and self.barge.checking:
            return True
        active = self._active
        return active is not None and not active.task.done() and self.playback.pending == 0

    async def _wind_down(self, source: RingSource, on_turn: Callable[[TurnRecord], None]) -> None:
        """The input ended (or a Stop): finish or cancel what runs, report it."""
        if self._scheduled is not None:
            await cancel_and_wait([self._scheduled])
        if source.end_reason != END_OF_INPUT:  # a Stop, or the output went away: silence
            self.playback.stop()
        # No clock any more: queued audio plays at once (a WAV gets the rest of the reply; a
        # lockstep output cannot write after its input ended, so it is dropped there).
        self.playback.free_run(play=not source.lockstep_output)
        active = self._active
        if active is not None:
            if source.end_reason == END_OF_INPUT:
                await asyncio.wait([active.task], timeout=self.settings.deadlines.reply_s)
            if not active.task.done():
                active.record.interrupted_by = "shutdown"
                await cancel_and_wait([active.task])
            self._finish(on_turn)
        if self.barge is not None:
            self.barge.reset()
        if self.conversation.state is not State.IDLE:  # the next run starts idle
            self.conversation.end_turn()


async def _done() -> None:
    """The turn that had nothing to do (wake word, then silence)."""


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("turn task %s failed after it was abandoned", task.get_name(),
                  exc_info=task.exception())
