"""Speech to text behind one small interface, so other engines can be plugged in.

faster-whisper (Whisper tiny.en, CTranslate2 int8) is the default. whisper.cpp or
sherpa-onnx engines implement the same `SpeechToText` protocol where their models exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

import numpy as np

import models

MAX_HOTWORDS = 60  # names; faster-whisper keeps at most half its 448-token window for them
# A few commands in the hint, before the names, tell Whisper what kind of speech follows:
# on two samples of 150 and 200 dev recordings of `tandem bench speech`, Whisper + NLU
# understood 106 -> 111 and 140 -> 146 with them (three or six examples alike).
COMMAND_EXAMPLES = "Turn on the lights. Set a timer for 10 minutes. What time is it?"

class SpeechToText(Protocol):
    def transcribe(self, samples: np.ndarray) -> str:
        """16 kHz mono int16 -> text."""
        ...


# Beam search over greedy decoding: on 150 dev recordings of `tandem bench speech` the
# requests understood right went from 106 to 116, at about 370 instead of 260 ms a request
# (Whisper starts during the endpoint's hangover, which hides most of the difference).
BEAM_SIZE = 5


class FasterWhisperStt:
    def __init__(self, threads: int = 2, beam_size: int = BEAM_SIZE) -> None:
        from faster_whisper import WhisperModel

        model_dir = models.resolve("whisper_tiny_en")[0].parent
        self._model = WhisperModel(
            str(model_dir), device="cpu", compute_type="int8", cpu_threads=threads
        )
        self.beam_size = beam_size
        self.hotwords: str | None = None
        self._wake_lead = ""  # "Hey Jarvis. ", the hint's first words

    def bias_towards(self, names: Iterable[str], wake_phrase: str = "") -> None:
        """Hint the home's names (its inventory) to the decoder, as the text before the
        request: Whisper then spells "Tomás" and "Grandma's House" as the inventory does.
        The wake phrase leads the hint: the request's audio starts in the tail of the wake
        word, which a bare list of names turned into a name ("Office, why is the sky
        blue?"); led by "Hey Jarvis." it stays the wake word, which is stripped. A few
        example commands follow it (`COMMAND_EXAMPLES`), then the names."""
        unique = list(dict.fromkeys(n.strip() for n in names if n.strip()))[:MAX_HOTWORDS]
        lead = f"{wake_phrase.strip()}. " if wake_phrase.strip() else ""
        self._wake_lead = lead
        self.hotwords = (f"{lead}{COMMAND_EXAMPLES} {', '.join(unique)}." if unique
                         else None)

    def transcribe(self, samples: np.ndarray) -> str:
        return self._transcribe(samples, self.hotwords)

    def transcribe_heard(self, samples: np.ndarray, heard: str) -> str:
        """`heard`: the command the fast layer holds for this request ("turn the volume
        up"), told to Whisper after the wake phrase in the hint. It primes the words, not
        the meaning: Whisper still writes what the audio says ("Kitchen lights off." where
        the fast layer held "on"). On 206 dev-voice requests Whisper + NLU understood 145
        -> 169 with it, and no question for the cloud became a command."""
        return self._transcribe(samples, self.hint(heard))

    def hint(self, heard: str = "") -> str | None:
        """The hint text for one request (the names' hint when nothing was heard)."""
        said = " ".join(heard.split())
        if not said or self.hotwords is None:
            return self.hotwords
        sentence = said[0].upper() + said[1:] + ("" if said[-1] in ".?!" else ".")
        return f"{self._wake_lead}{sentence} {self.hotwords[len(self._wake_lead):]}"

    def transcribe_plain(self, samples: np.ndarray) -> str:
        """Without the names as hints: "stop" over a reply is no device name, and the hints
        pull short words towards them."""
        return self._transcribe(samples, None)

    def _transcribe(self, samples: np.ndarray, hotwords: str | None) -> str:
        audio = samples.astype(np.float32) / 32768.0
        segments, _ = self._model.transcribe(
            audio,
            language="en",
            beam_size=self.beam_size,
            without_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
            hotwords=hotwords,
        )
        return " ".join(seg.text.strip() for seg in segments).strip()

    def warm_up(self) -> None:
        self.transcribe(np.zeros(8000, dtype=np.int16))


_LEADING_WAKE = re.compile(
    r"^\s*(?:hey|hi|okay|ok)?[\s,]*(?:jarvis|jervis|jarvus)\b[\s,.!?]*", re.I
)


def transcribe_heard(stt: SpeechToText, samples: np.ndarray, heard: str) -> str:
    """A transcription told what the fast layer heard (`heard`), where the engine can use
    it (`FasterWhisperStt.transcribe_heard`)."""
    told = getattr(stt, "transcribe_heard", None)
    return str(told(samples, heard)) if told is not None and heard else stt.transcribe(samples)


def transcribe_plain(stt: SpeechToText, samples: np.ndarray) -> str:
    """A transcription without the engine's hints, where it has any."""
    plain = getattr(stt, "transcribe_plain", None)
    return str(plain(samples)) if plain is not None else stt.transcribe(samples)


def spoken_wake_phrase(word: str) -> str:
    """ "hey_jarvis" -> "Hey Jarvis" (a model name as it is said)."""
    return " ".join(w.capitalize() for w in word.replace("-", "_").split("_") if w)


def strip_wake_phrase(text: str) -> str:
    """The pre-roll can carry the tail of the wake word into the transcript; drop it."""
    return _LEADING_WAKE.sub("", text, count=1).strip()
