"""Barge-in: what may interrupt the device while it thinks or speaks, decided frame by frame.

Three triggers, checked on every frame while a turn (or an announcement) runs:

* the wake word: the user starts a new request (the pipeline listens for it at once);
* a short stop phrase without the wake word ("stop", "cancel", "never mind", "be quiet",
  "that's enough"): the VAD finds a short stretch of speech. The fast layer (a grammar of
  the stop phrases alone, `GrammarRecognizer.for_stop_phrases`) decodes it as it comes and,
  sure of a stop phrase after a short silence, stops the reply at once. Otherwise, once the
  stretch has ended (`stop_phrase_hangover_s`), the STT engine transcribes it in a worker
  thread, and only a transcript that is nothing but a stop phrase counts (the turn ends,
  back to idle). While a stop phrase the fast layer found likely but not sure
  (`stop_pause_confidence`) is being transcribed, the reply pauses (`likely_stop`) and
  resumes if it was not one. The word "stop" alone, which the grammar rarely decodes with
  confidence, has its own keyword model (microWakeWord's, the one Voice PE listens with):
  when it fires (`stop_word_threshold`) on a word the VAD heard as a voice, the reply
  pauses within a frame or two and the transcription decides. The model alone would stop
  on "yes", "no", "sure" and "shop" too often to act on (about one short reply word in
  four, synthetic voices);
* optionally, any sustained speech (`interrupt_after_speech_s`, like LiveKit's
  min_interruption_duration; off by default): the speech becomes the next request.

`PlaybackGate` decides whether the microphone may be believed at all: with an echo
canceller on the capture path it always may; without one, nothing heard while the device
plays (and for a short echo tail after) can wake the device or interrupt it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from edge.audio.playback import PlaybackQueue
from edge.messages import AudioFrame, WakeDetected
from edge.settings import DuplexSettings
from edge.stages.early_endpoint import EarlyEndpoint
from edge.stages.stt import SpeechToText, transcribe_plain

WAKE_WORD, STOP_PHRASE, SPEECH = "wake_word", "stop_phrase", "speech"

_FILLERS = {"ok", "okay", "oh", "uh", "um", "please", "just", "hey", "jarvis", "now", "so",
            "thanks", "thank", "you", "alright", "right", "no"}
_VARIANTS = {
    "nevermind": "never mind",
    "that is enough": "that's enough",
    "thats enough": "that's enough",
    "enough": "that's enough",
    "stop it": "stop",
    "stop talking": "stop",
    "cancel that": "cancel",
    "cancel it": "cancel",
    "quiet": "be quiet",
}


def stop_phrase(text: str, phrases: tuple[str, ...]) -> str | None:
    """The stop phrase that `text` is, or None. The whole transcript must be the phrase,
    give or take fillers ("oh, stop please", "Jarvis, never mind") and repeats ("stop,
    stop"): a sentence that merely contains "stop" ("don't stop the music") is not one."""
    canonical = {_normal(p) for p in phrases}
    words = _normal(text).split()
    if not words:
        return None
    # Fillers may surround the phrase, never sit inside a multi-word one.
    while words and words[0] in _FILLERS and " ".join(words) not in canonical:
        words.pop(0)
    while words and words[-1] in _FILLERS and " ".join(words) not in canonical:
        words.pop()
    said = " ".join(words)
    said = _VARIANTS.get(said, said)
    if said in canonical:
        return said
    for phrase in sorted(canonical, key=len, reverse=True):  # "stop stop", "cancel, cancel"
        repeats = len(words) // max(1, len(phrase.split()))
        if repeats > 1 and said == " ".join([phrase] * repeats):
            return phrase
    return None


def phrasings(phrases: tuple[str, ...]) -> list[str]:
    """The stop phrases and their usual variants, for the fast layer's grammar. One-word
    variants ("quiet", "enough") stay with the transcription: alone, the residual echo of
    the device's own voice decoded as them with confidence (tandem bench duplex)."""
    canonical = {_normal(p) for p in phrases}
    variants = [v for v, p in _VARIANTS.items() if p in canonical and " " in v]
    return sorted(canonical) + sorted(v for v in variants if v not in canonical)


def _normal(text: str) -> str:
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"[^a-z' ]+", " ", text)
    return " ".join(w.strip("'") for w in text.split() if w.strip("'"))


_STOP_WORD_S = 0.6  # the word the keyword model fired on ends with the frame; it began here


@dataclass(frozen=True)
class Trigger:
    kind: str  # WAKE_WORD, STOP_PHRASE or SPEECH
    at_s: float  # stream time the interruption was recognised
    speech_start_s: float  # where the user's speech (or the wake word) began
    text: str = ""  # the stop phrase heard


class PlaybackGate:
    """Whether what the microphone hears now can be the user, not the device's own voice."""

    def __init__(self, playback: PlaybackQueue, echo_cancelled: bool, tail_s: float) -> None:
        self.playback = playback
        self.echo_cancelled = echo_cancelled
        self._tail = int(tail_s * playback.rate)

    def open(self) -> bool:
        return self.echo_cancelled or not self.playback.playing(self._tail)


class BargeInDetector:
    """Watches the frames of one turn for an interruption (see the module docstring)."""

    def __init__(
        self,
        settings: DuplexSettings,
        speech_threshold: float,
        stt: SpeechToText,
        audio: Callable[[float, float], np.ndarray],
        fast: EarlyEndpoint | None = None,
    ) -> None:
        self.settings = settings
        self.threshold = speech_threshold
        self.stt = stt
        self.audio = audio  # stream time span -> samples (the source's ring)
        self.fast = fast  # decodes each would-be stop phrase against the stop grammar
        self._check: asyncio.Task[str] | None = None
        self._check_span = (0.0, 0.0)
        self.checks = 0  # stop-phrase transcriptions run (for tests and benchmarks)
        # This turn's fast-layer decisions (for its trace record): at_s, text, confidence,
        # accepted.
        self.fast_checks: list[dict[str, object]] = []
        self._previous: AudioFrame | None = None
        self.reset()

    def reset(self) -> None:
        """A new turn: forget any speech in progress and any transcription still running."""
        if self._check is not None and not self._check.done():
            self._check.cancel()  # the thread finishes on its own; its result is dropped
        self._check = None
        self._start: float | None = None  # current speech segment
        self._last_speech = 0.0
        self._speech_s = 0.0
        self._too_long = False
        self._likely = False  # the fast layer found a stop phrase likely in this stretch
        self._keyword = False  # the keyword model heard "stop" in it
        self._voice_at = -1e9  # when the VAD last heard a voice
        self._end_fast()
        self.fast_checks = []

    @property
    def suspects(self) -> bool:
        """The user may be cutting in: short speech in progress, or being transcribed."""
        in_speech = self._start is not None and not self._too_long and \
            self._speech_s >= self.settings.min_speech_s
        return in_speech or self.checking

    @property
    def likely_stop(self) -> bool:
        """A stop phrase the fast layer found likely, or the keyword model heard, is still
        being decided: pause the reply meanwhile (resumed when the transcription says it
        was not one)."""
        return (self._likely or self._keyword) and (self._start is not None or self.checking)

    @property
    def checking(self) -> bool:
        """A stop-phrase transcription is running."""
        return self._check is not None and not self._check.done()

    def observe(
        self, frame: AudioFrame, probability: float | None, wake: WakeDetected | None,
        stop_word: float | None = None,
    ) -> Trigger | None:
        """One frame. `probability` (speech), `wake` and `stop_word` (the stop model's
        probability) are None while the gate is shut."""
        if wake is not None:
            return Trigger(WAKE_WORD, frame.end_s, wake.at_s)
        heard = self._check_result(frame)
        if heard is not None:
            return heard
        if probability is not None and probability >= self.threshold:
            self._voice_at = frame.end_s
        cutoff = self.settings.stop_word_threshold
        # Only with a voice heard in the word: on the canceller's residual echo of the
        # device's own speech the keyword model fired now and then (0.5-0.74, tandem bench
        # duplex), while the VAD stayed below 0.2 there and above 0.8 in every real "stop".
        if stop_word is not None and cutoff is not None and stop_word >= cutoff and \
                frame.end_s - self._voice_at <= _STOP_WORD_S:
            self._stop_word(frame, stop_word)
        previous, self._previous = self._previous, frame
        if probability is None:  # the device's own voice may be all there is to hear
            self._start = None
            self._end_fast()
            return None
        s = self.settings
        duration = frame.end_s - frame.start_s
        if self.fast is not None and self._start is not None and not self._too_long:
            heard = self._fast_stop(frame, probability)
            if heard is not None:
                return heard
        if probability >= self.threshold:
            if self._start is None:
                self._start, self._speech_s, self._too_long = frame.start_s, 0.0, False
                self._likely = self._keyword = False
                self._begin_fast(previous, frame, probability)
            self._last_speech = frame.end_s
            self._speech_s += duration
            if s.interrupt_after_speech_s is not None and \
                    self._speech_s >= s.interrupt_after_speech_s:
                start, self._start = self._start, None
                return Trigger(SPEECH, frame.end_s, start)
            if frame.end_s - self._start > s.stop_phrase_max_s:
                self._too_long = True  # a sentence, not a stop phrase: not transcribed
                self._end_fast()
            return None
        if self._start is not None and frame.end_s - self._last_speech >= s.stop_phrase_hangover_s:
            start, self._start = self._start, None
            self._end_fast()
            if not self._too_long and self._speech_s >= s.min_speech_s and not self.checking:
                self._transcribe(start, self._last_speech + 0.1)
        return None

    def _stop_word(self, frame: AudioFrame, probability: float) -> None:
        """The keyword model heard "stop": pause now, and make sure the stretch is
        transcribed when it ends (the VAD may not have heard a word that short begin)."""
        if not self._keyword:
            self.fast_checks.append({"at_s": round(frame.end_s, 3), "text": "stop",
                                     "confidence": round(probability, 3), "accepted": False,
                                     "by": "stop_word"})
        if self._start is None and not self.checking:
            self._start = max(0.0, frame.end_s - _STOP_WORD_S)
            self._speech_s, self._too_long = self.settings.min_speech_s, False
            self._end_fast()
        self._last_speech = max(self._last_speech, frame.end_s)
        self._keyword = True

    def _begin_fast(self, previous: AudioFrame | None, frame: AudioFrame,
                    probability: float) -> None:
        """A would-be stop phrase starts: decode it from the frame before (its onset)."""
        if self.fast is None:
            return
        self.fast.begin()
        if previous is not None and previous.end_s == frame.start_s:
            self.fast.push(previous, 0.0)
        self._fast_stop(frame, probability)

    def _fast_stop(self, frame: AudioFrame, probability: float) -> Trigger | None:
        """Decode one more frame; a stop phrase the fast layer is sure of ends the reply."""
        assert self.fast is not None and self._start is not None
        result = self.fast.push(frame, probability)
        if result is None:
            return None
        phrase = stop_phrase(result.text, self.settings.stop_phrases)
        accepted = phrase is not None and result.accepted(self.fast.recognizer.calibration)
        self.fast_checks.append({"at_s": round(frame.end_s, 3), "text": result.text,
                                 "confidence": round(result.confidence, 3),
                                 "accepted": accepted})
        if not accepted or phrase is None:
            likely = self.settings.stop_pause_confidence
            self._likely = phrase is not None and likely is not None and \
                result.confidence >= likely
            return None  # not sure: the transcription decides when the stretch ends
        start, self._start = self._start, None
        return Trigger(STOP_PHRASE, frame.end_s, start, phrase)

    def _end_fast(self) -> None:
        if self.fast is not None:
            self.fast.skip()

    def _transcribe(self, start_s: float, end_s: float) -> None:
        samples = np.array(self.audio(max(0.0, start_s - 0.1), end_s))  # a copy: the ring moves
        self.checks += 1
        self._check_span = (start_s, end_s)
        self._check = asyncio.create_task(asyncio.to_thread(transcribe_plain, self.stt, samples),
                                          name=f"stop-phrase-check-{self.checks}")

    def _check_result(self, frame: AudioFrame) -> Trigger | None:
        check = self._check
        if check is None or not check.done():
            return None
        self._check, self._likely, self._keyword = None, False, False
        if check.cancelled() or check.exception() is not None:
            return None
        phrase = stop_phrase(check.result(), self.settings.stop_phrases)
        if phrase is None:
            return None
        return Trigger(STOP_PHRASE, frame.end_s, self._check_span[0], phrase)
