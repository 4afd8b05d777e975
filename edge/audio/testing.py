"""Harness for audio I/O without a sound card: ALSA's file plugin as a virtual sound card,
and a playback queue that tapes what the clock plays."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.audio.playback import PlaybackQueue


def virtual_sound_card(workdir: Path, mic: np.ndarray) -> tuple[dict[str, str], Path]:
    """An ALSA configuration whose default microphone reads `mic` (int16, at the rate the
    stream is opened with) and whose default speaker writes raw s16le to a file; returns
    the environment to run pyaudio under and that file."""
    mic_raw, speaker_raw = workdir / "mic.raw", workdir / "spk.raw"
    mic_raw.write_bytes(np.asarray(mic, dtype="<i2").tobytes())
    conf = workdir / "asound.conf"
    conf.write_text(
        Path("/usr/share/alsa/alsa.conf").read_text()
        + 'pcm.!default { type asym; playback.pcm "spk"; capture.pcm "mic" }\n'
        + f'pcm.spk {{ type file; slave.pcm "null"; file "{speaker_raw}"; format "raw" }}\n'
        + f'pcm.mic {{ type file; slave.pcm "null"; file "/dev/null"; infile "{mic_raw}"; '
        + 'format "raw" }\nctl.!default { type hw card 0 }\n'
    )
    return {"ALSA_CONFIG_PATH": str(conf)}, speaker_raw


class TapeQueue(PlaybackQueue):
    """The playback queue, taping every block the clock reads (the 'speaker')."""

    def __init__(self, rate: int) -> None:
        super().__init__(rate)
        self.tape: list[np.ndarray] = []

    def read(self, n: int) -> np.ndarray:
        block = super().read(n)
        self.tape.append(block)
        return block

    def output(self) -> np.ndarray:
        """Everything played so far, silence included."""
        return np.concatenate(self.tape) if self.tape else np.zeros(0, np.int16)
