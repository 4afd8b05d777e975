"""Speaking a streamed reply: synthesis runs ahead of playback, and a stop cuts it mid-sentence.

    ReplyText ─► synthesise (piper, per clause) ─► PlaybackQueue (played in ~10 ms blocks)

While one piece plays, the next is synthesised, so a multi-sentence answer has no gaps;
long sentences are cut at clause boundaries so the first audio comes sooner. The queue plays
in small blocks, so a control message (Cancel, Stop, BargeIn) or a cancelled turn silences
the speaker within one block. `SpokenReply` knows how much of each piece actually played:
the text of an interrupted reply is what was heard, the piece that was cut kept in proportion
to its played samples, word by word (a word counts only once its share has played).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from contract.tasks import cancel_and_wait, within
from edge.audio.convert import resample
from edge.audio.playback import PieceHandle, PlaybackQueue
from edge.channel import PriorityChannel
from edge.messages import ControlMessage, EndOfReply, ReplyText
from edge.stages.tts import PiperTts

_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
PIECES_AHEAD = 2  # synthesised pieces waiting to play, at most


# Where a reply's first sentence may be cut so its first audio comes sooner: before these.
_LEAD_BREAKS = frozenset({"because", "which", "that", "and", "but", "so", "when", "where",
                          "called", "of", "in", "on", "at", "to", "for", "with", "is", "are",
                          "was", "were", "by", "from", "than", "as"})
LEAD_WORDS = (3, 7)  # the first piece of a long first sentence: this many words


def lead_piece(text: str, words: tuple[int, int] = LEAD_WORDS) -> list[str]:
    """A reply's first sentence, when long, as a short lead and the rest: its synthesis is
    what the user waits for in silence (about 340 ms for twelve words on two busy cores,
    half that for six); cut after a comma or before a word that starts a phrase."""
    said = text.split()
    low, high = words
    if len(said) <= high + 3:
        return [text]
    cut = next((i for i in range(low, high + 1)
                if said[i - 1].endswith((",", ";", ":")) or
                said[i].lower().strip(",.;:!?") in _LEAD_BREAKS), high)
    return [" ".join(said[:cut]), " ".join(said[cut:])]


def spoken_pieces(text: str) -> list[str]:
    """The pieces a reply's text is synthesised in, as its first (and any later) reply."""
    pieces = speakable_pieces(text)
    return list(dict.fromkeys([*lead_piece(pieces[0]), *pieces]))


def speakable_pieces(text: str, max_words: int = 10, min_words: int = 4) -> list[str]:
    """Split a long sentence after commas, semicolons or colons into pieces of at least
    `min_words` words; short sentences stay whole (prosody beats a few milliseconds)."""
    if len(text.split()) <= max_words:
        return [text]
    pieces: list[str] = []
    for clause in _CLAUSE_END.split(text):
        if pieces and len(pieces[-1].split()) < min_words:
            pieces[-1] = f"{pieces[-1]} {clause}"
        else:
            pieces.append(clause)
    if len(pieces) > 1 and len(pieces[-1].split()) < min_words:
        pieces[-2:] = [f"{pieces[-2]} {pieces[-1]}"]
    return pieces


@dataclass
class SpokenReply:
    """The pieces of one reply handed to the speaker, and how much of each was played."""

    pieces: list[PieceHandle] = field(default_factory=list)

    def text(self) -> str:
        said: list[str] = []
        for piece in self.pieces:
            words = piece.text.split()
            said += words if piece.fraction_played >= 1.0 else \
                words[: int(len(words) * piece.fraction_played)]
        return " ".join(said)

    @property
    def cut(self) -> bool:
        """Whether some piece was stopped before its end."""
        return any(piece.dropped for piece in self.pieces)


class Speaker:
    def __init__(self, tts: PiperTts, playback: PlaybackQueue, piece_deadline_s: float) -> None:
        self.tts = tts
        self.playback = playback
        self.piece_deadline_s = piece_deadline_s

    async def speak(
        self,
        turn_id: int,
        replies: PriorityChannel[ReplyText | EndOfReply],
        spoken: SpokenReply,
        on_first_audio: Callable[[float], None],
        on_playing: Callable[[], None],
    ) -> None:
        """Speak every ReplyText until EndOfReply has played, or a control message stops it.

        `on_first_audio(ms)` gets the synthesis time of the first piece when it is ready;
        `on_playing()` runs when its first block is actually played."""
        first = True
        finished = False
        watcher: asyncio.Task[None] | None = None
        try:
            while True:
                message = await replies.get()
                if isinstance(message, ControlMessage):  # Cancel, Stop, BargeIn
                    replies.drop_data()
                    break
                if isinstance(message, EndOfReply):
                    if spoken.pieces:
                        await spoken.pieces[-1].finished()
                    finished = True
                    break
                assert isinstance(message, ReplyText)
                pieces = speakable_pieces(message.text)
                if first:
                    pieces = [*lead_piece(pieces[0]), *pieces[1:]]
                for piece in pieces:
                    t0 = time.perf_counter()
                    synthesis = asyncio.to_thread(self.tts.synthesize_all, piece)
                    chunks = await within("tts", self.piece_deadline_s, synthesis)
                    audio = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
                    audio = resample(audio, self.tts.sample_rate, self.playback.rate)
                    handle = self.playback.push(turn_id, piece, audio)
                    spoken.pieces.append(handle)
                    if first:
                        on_first_audio(1000 * (time.perf_counter() - t0))
                        first = False
                        watcher = asyncio.create_task(
                            _when_started(handle, on_playing), name=f"playing-{turn_id}")
                    await self._keep_ahead(spoken.pieces)
        finally:
            if not finished:
                self.playback.stop(turn_id)  # silent from the next block on
            self.playback.end_turn(turn_id)
            if watcher is not None:
                await cancel_and_wait([watcher])

    @staticmethod
    async def _keep_ahead(pieces: list[PieceHandle]) -> None:
        """Back-pressure: synthesis runs at most PIECES_AHEAD pieces ahead of playback."""
        waiting = [p for p in pieces if not p.is_finished]
        while len(waiting) > PIECES_AHEAD:
            await waiting[0].finished()
            waiting = [p for p in waiting if not p.is_finished]


async def _when_started(handle: PieceHandle, on_playing: Callable[[], None]) -> None:
    await handle.started()
    if handle.played:  # not a piece dropped before it played
        on_playing()
