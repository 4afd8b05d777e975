"""The fast layer beside the endpointer: it decodes while the user speaks and may end early.

    begin()                      the request opens (wake word, or a question asked)
    push(frame, probability)     every frame: decode it; after speech and then
                                 `short_hangover_s` of silence, a whole command in the
                                 partial hypothesis ends the decode -> its GrammarResult
                                 (`final_at_pause`: else the decode is ended there, and
                                 a whole command in its final hypothesis decides)
    heard()                      the whole command decoded so far, in words (Whisper's hint)
    finish()                     at the normal endpoint, if push() never decided
    skip()                       a request the fast layer must not decode (an answer)

The caller cuts the request at once when the returned result is accepted (confident and a
whole command), instead of waiting out the normal hangover (`tandem bench speech` measures
the silence saved against commands cut short). One implementation serves the daemon
(`edge.pipeline`) and the benchmark (`edge.speech_eval.runner`), so the benchmark measures
what the device does.
"""

from __future__ import annotations

import numpy as np

from edge.messages import AudioFrame
from edge.stages.grammar_stt import FastRecognizer, GrammarResult

SHORT_HANGOVER_S = 0.16  # two 80 ms frames of silence after a whole command


class PauseAfterSpeech:
    """How long the user has been quiet since they last spoke, frame by frame."""

    def __init__(self, speech_threshold: float) -> None:
        self.speech_threshold = speech_threshold
        self.spoke = False
        self.silent_s = 0.0

    def reset(self) -> None:
        self.spoke, self.silent_s = False, 0.0

    def push(self, frame: AudioFrame, speech_probability: float) -> bool:
        """Count one frame; True when it is speech."""
        if speech_probability >= self.speech_threshold:
            self.spoke, self.silent_s = True, 0.0
            return True
        self.silent_s += frame.end_s - frame.start_s
        return False

    def lasted(self, seconds: float) -> bool:
        """The user spoke, and has been quiet this long since (to float rounding)."""
        return self.spoke and self.silent_s >= seconds - 1e-6


class EarlyEndpoint:
    """One request at a time; not thread-safe (the capture loop's thread)."""

    def __init__(self, recognizer: FastRecognizer, speech_threshold: float,
                 short_hangover_s: float = SHORT_HANGOVER_S,
                 final_at_pause: bool = False) -> None:
        """`final_at_pause`: at the pause, when the partial hypothesis is not a whole
        command, end the decode and look at the final one. Pocketsphinx's partial
        hypothesis is the best path at the last frame, wherever it stands in the grammar;
        its final one must reach the grammar's end. In a pause after a whole command the
        partial often still ends a word or more short ("turn on the lights in" for "... in
        the bedroom"): 382 of `tandem bench speech`'s 1,824 requests held a whole command
        at the endpoint and never decided early (18 with this). Should the user go on, the
        request is decoded again from its start (`_resume`)."""
        self.recognizer = recognizer
        self.short_hangover_s = short_hangover_s
        self.final_at_pause = final_at_pause
        self.result: GrammarResult | None = None
        self.decided_at_s: float | None = None  # stream time of an early decision
        self._pause = PauseAfterSpeech(speech_threshold)
        self._open = False
        self._held: GrammarResult | None = None  # the decode's result, ended at a pause
        self._before: np.ndarray | None = None
        self._request: list[np.ndarray] = []  # the request's audio, for `_resume`

    def begin(self, before: np.ndarray | None = None) -> None:
        """A new request; `before`: audio heard just before it, for the recognizer to learn
        the room from (FastRecognizer.prime)."""
        # Copies: a capture ring's views are overwritten by the time `_resume` reads them.
        self._before = np.array(before) if before is not None and len(before) else None
        if self._before is not None:
            self.recognizer.prime(self._before)
        self.recognizer.start()
        self.result, self.decided_at_s, self._held = None, None, None
        self._request = []
        self._pause.reset()
        self._open = True

    def push(self, frame: AudioFrame, speech_probability: float) -> GrammarResult | None:
        """Decode one frame; the result when a whole command was followed by silence (the
        caller checks whether it is accepted)."""
        if not self._open:
            return None
        if self.final_at_pause:
            self._request.append(np.array(frame.samples))
        speaking = self._pause.push(frame, speech_probability)
        if self._held is None:
            self.recognizer.push(frame.samples)
        elif speaking:
            self._resume()
        if speaking or not self._pause.lasted(self.short_hangover_s) or \
                self._held is not None:
            return None
        if self.recognizer.partial() is None:  # not (yet) a whole command
            if not self.final_at_pause:
                return None  # keep decoding: it may be whole a frame later
            self._held = self.recognizer.finish()
            if self._held.understanding is None:
                return None  # held until the user goes on, or the endpoint
        self.decided_at_s = frame.end_s
        return self.finish()

    def _resume(self) -> None:
        """The user went on after a pause whose decode was ended: decode the request again
        from its start, as it was decoded: 110 ms of CPU for 1 s of request, ~280 ms for 3 s,
        in the caller's loop, which then catches up on the frames its ring kept."""
        if self._before is not None:
            self.recognizer.prime(self._before)
        self.recognizer.start()
        self.recognizer.push(np.concatenate(self._request))
        self._held = None

    def heard(self) -> str:
        """The whole command the fast layer holds for this request so far ("" if none)."""
        if self._open:
            return "" if self._held is not None else self.recognizer.heard()
        r = self.result
        return r.text if r is not None and r.understanding is not None else ""

    def finish(self) -> GrammarResult | None:
        """This request's result (ends the decode if push() has not); None: nothing was
        decoded for it (see `skip`)."""
        if self._open:
            self._open = False
            self.result = self._held if self._held is not None else self.recognizer.finish()
        return self.result

    def skip(self) -> None:
        """A request the fast layer does not decode (the answer to a question); ends a
        decode in progress, whose result is not wanted."""
        if self._open and self._held is None:
            self.recognizer.finish()
        self.result, self.decided_at_s, self._open = None, None, False
        self._held, self._request = None, []
