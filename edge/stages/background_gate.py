"""Background that sounds like speech does not hold a request open.

Silero hears a television or a room of people talking as speech, so after the user stops
the endpointer keeps waiting: of the first 138 of `tandem bench speech`'s babble recordings
by the dev voices, 10 ran to the end of the recording, 1.5 s after the speech, and on a device
they would have listened to the end of `max_utterance_s`. Two levels tell the user from
the room:

* the background: the 20th percentile of the frame levels over the few seconds before the
  request opens (the wake phrase may be among them; the quiet frames between words are
  the room);
* the user's voice: the loudest frame the detector called speech so far in the request.

A frame is the room when it is no louder than the background plus `margin_db` and at
least `below_speech_db` under the user's loudest; the endpointer ends the request after a
longer run of the room alone than of true silence (`EndpointSettings.
background_hangover_s`). In a quiet room the background is far below any speech, so
nothing changes there.

    gate = BackgroundGate(margin_db=6.0, below_speech_db=10.0, speech_threshold=0.5,
                          frame_s=0.08)
    gate.observe(level)              every frame (its level in dB, `frame_level_db`)
    gate.begin()                     the request opens: the background is fixed
    gate.filter(level, probability)  a request frame's speech probability, 0.0 when gated
"""

from __future__ import annotations

from collections import deque

import numpy as np

from native import levels

HISTORY_S = 3.0
PERCENTILE = 20.0
NO_LEVEL = -200.0  # below any frame's level


def frame_level_db(samples: np.ndarray) -> float:
    """Mean-square level of an int16 frame in dB (0 dB: one sample unit), from the capture
    front end's own level meter."""
    rms, _ = levels(samples)
    return 10.0 * float(np.log10(rms * rms + 1e-3))


class BackgroundGate:
    """One request at a time; pure logic over frame levels."""

    def __init__(self, margin_db: float, below_speech_db: float, speech_threshold: float,
                 frame_s: float, history_s: float = HISTORY_S) -> None:
        self.margin_db = margin_db
        self.below_speech_db = below_speech_db
        self.speech_threshold = speech_threshold
        self._levels: deque[float] = deque(maxlen=max(1, round(history_s / frame_s)))
        self.background_db = NO_LEVEL
        self.speech_db = NO_LEVEL
        self.gated = 0  # frames this request whose speech was taken for the room

    def observe(self, level_db: float) -> None:
        self._levels.append(level_db)

    def begin(self) -> None:
        self.background_db = (float(np.percentile(self._levels, PERCENTILE)) if self._levels
                              else NO_LEVEL)
        self.speech_db = NO_LEVEL
        self.gated = 0

    def filter(self, level_db: float, probability: float) -> float:
        if probability < self.speech_threshold:
            return probability
        if level_db <= self.background_db + self.margin_db and \
                level_db <= self.speech_db - self.below_speech_db:
            self.gated += 1
            return 0.0
        self.speech_db = max(self.speech_db, level_db)
        return probability
