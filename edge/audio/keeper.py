"""Requests' audio kept on the device, only while the fleet policy allows it.

`privacy.keep_audio: true` (opt-in, e.g. a maker collecting utterances to tune
the wake word) keeps the newest `max_files` requests as WAV files; when a policy
turns it off, `purge` deletes everything kept, so "keep no audio" also means
none is left from before.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.audio.wavfile import write_wav
from edge.messages import SAMPLE_RATE


class AudioKeeper:
    def __init__(self, directory: Path, max_files: int = 100) -> None:
        self.directory = Path(directory)
        self.max_files = max_files

    def keep(self, session_id: str, turn_id: int, samples: np.ndarray) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{session_id}-turn-{turn_id:05d}.wav"
        write_wav(path, samples, SAMPLE_RATE)
        for old in self.kept()[: -self.max_files]:
            old.unlink(missing_ok=True)
        return path

    def kept(self) -> list[Path]:
        """Oldest first."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("*.wav"), key=lambda p: (p.stat().st_mtime, p.name))

    def purge(self) -> int:
        files = self.kept()
        for path in files:
            path.unlink(missing_ok=True)
        return len(files)
