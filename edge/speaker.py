"""Speaking a streamed reply: synthesis and playback overlap, and a cancel stops both.

    ReplyText ─► synthesise (piper, per clause) ─► ReplyAudio ─► play (sink)

While one piece plays, the next is synthesised, so a multi-sentence answer has no gaps;
long sentences are cut at clause boundaries so the first audio comes sooner.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable

from edge.audio.sinks import AudioSink
from edge.channel import PriorityChannel
from edge.messages import Cancel, EndOfReply, ReplyAudio, ReplyText, Stop
from edge.stages.tts import PiperTts
from edge.tasks import cancel_and_wait, within

_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")


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


class Speaker:
    def __init__(self, tts: PiperTts, sink: AudioSink, piece_deadline_s: float) -> None:
        self.tts = tts
        self.sink = sink
        self.piece_deadline_s = piece_deadline_s

    async def speak(
        self,
        replies: PriorityChannel[ReplyText | EndOfReply],
        spoken: list[str],
        on_first_audio: Callable[[float], None],
        on_playing: Callable[[], None],
    ) -> None:
        """Speak every ReplyText until EndOfReply or a Cancel, appending each to `spoken`.

        `on_first_audio(ms)` gets the synthesis time of the first piece when it is ready.
        """
        audio: PriorityChannel[ReplyAudio | EndOfReply] = PriorityChannel(max_data=4)
        player = asyncio.create_task(self._play(audio, on_playing), name="play")
        first = True
        try:
            while True:
                message = await replies.get()
                if isinstance(message, Cancel | Stop):
                    replies.drop_data()
                    await audio.put_control(message)
                    break
                if isinstance(message, EndOfReply):
                    await audio.put(message)
                    break
                assert isinstance(message, ReplyText)
                spoken.append(message.text)
                for piece in speakable_pieces(message.text):
                    t0 = time.perf_counter()
                    synthesis = asyncio.to_thread(self.tts.synthesize_all, piece)
                    pieces = await within("tts", self.piece_deadline_s, synthesis)
                    for samples in pieces:
                        if first:
                            on_first_audio(1000 * (time.perf_counter() - t0))
                            first = False
                        await audio.put(ReplyAudio(message.turn_id, samples, self.tts.sample_rate))
            await asyncio.shield(player)
        finally:
            await cancel_and_wait([player])
            self.sink.end_turn()

    async def _play(
        self, audio: PriorityChannel[ReplyAudio | EndOfReply], on_playing: Callable[[], None]
    ) -> None:
        while True:
            message = await audio.get()
            if isinstance(message, Cancel | Stop):
                audio.drop_data()
                return
            if isinstance(message, EndOfReply):
                return
            assert isinstance(message, ReplyAudio)
            on_playing()
            await asyncio.to_thread(self.sink.play, message.samples, message.sample_rate)
