"""Whisper starts during the endpoint's hangover, not after it.

The endpointer waits `hangover_s` (0.4 s) of silence before it ends a request, then Whisper
takes ~0.3 s: the user hears 0.7 s of nothing before the router even knows where the
request goes. Most pauses that long are the end. So after `after_s` of silence the request
so far is transcribed in a thread at once; if the user speaks again before the endpoint,
that transcription is dropped (and a new one starts at the next pause). At the endpoint
the turn takes the transcription that covers all the speech, usually already done. The
pause is the endpointer's: in babble Silero hears speech long after the user stopped, and
the request ends on the room alone (`edge.stages.background_gate`); Whisper starts on
that pause too, not at that endpoint.

    begin(start_s)                     the request opens
    push(frame, probability, audio)    every frame; may start a transcription
                                       (`probability`: the user's speech, the room gated
                                       out as the endpointer sees it)
    take()                             at the endpoint: the task whose audio holds every
                                       word (await it), or None (transcribe afresh);
                                       `told`: what that task was told of the fast layer
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np

from edge.messages import AudioFrame
from edge.stages.early_endpoint import PauseAfterSpeech

AFTER_S = 0.16  # as the fast layer's early decision: two 80 ms frames of silence
Heard = TypeVar("Heard")  # what the transcription returns (text, or text and more)


class EarlyTranscript(Generic[Heard]):
    """One request at a time; runs in the capture loop (needs its event loop)."""

    def __init__(self, transcribe: Callable[[np.ndarray, str], Heard], speech_threshold: float,
                 after_s: float = AFTER_S, heard: Callable[[], str] | None = None) -> None:
        """`transcribe(samples, heard)`; `heard()`: what the fast layer holds when the
        transcription starts (read here, in the capture loop: the fast layer is not
        thread-safe), or None."""
        self.transcribe = transcribe
        self.heard = heard
        self.after_s = after_s
        self.started = 0  # transcriptions started (the ones dropped included)
        self.told = ""  # what the running transcription was told (`heard`), for the trace
        self._task: asyncio.Future[Heard] | None = None
        self._start_s = 0.0
        self._pause = PauseAfterSpeech(speech_threshold)

    def begin(self, start_s: float) -> None:
        self._drop()
        self._start_s = start_s
        self._pause.reset()

    def push(self, frame: AudioFrame, probability: float,
             audio: Callable[[float, float], np.ndarray]) -> None:
        if self._pause.push(frame, probability):
            self._drop()  # the user goes on: what was transcribed is not the request
            return
        if self._task is None and self._pause.lasted(self.after_s):
            # A copy: the ring moves on while the thread reads it.
            samples = np.array(audio(self._start_s, frame.end_s))
            self.told = self.heard() if self.heard is not None else ""
            self._task = asyncio.ensure_future(asyncio.to_thread(self.transcribe, samples,
                                                                 self.told))
            self.started += 1

    def take(self) -> asyncio.Future[Heard] | None:
        """At the endpoint: the transcription of the whole request, if one runs."""
        task, self._task = self._task, None
        return task

    def _drop(self) -> None:
        if self._task is not None:
            self._task.cancel()  # the thread finishes on its own; its text is not used
            self._task = None
        self.told = ""
