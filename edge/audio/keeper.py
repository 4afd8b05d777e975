"""Requests' audio kept on the device, only while the fleet policy allows it.

`privacy.keep_audio: true` (opt-in, e.g. a maker collecting utterances to tune
the wake word) keeps the newest `max_files` requests as WAV files; when a policy
turns it off, `purge` deletes everything kept, so "keep no audio" also means
none is left from before. With the device's at-rest key the files are sealed
(`*.wav.sealed`; `tandem edge unseal` turns one back into a WAV file).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from contract.files import atomic_write
from edge.at_rest import AUDIO, SealingKey
from edge.audio.wavfile import wav_bytes
from edge.messages import SAMPLE_RATE

SEALED_SUFFIX = ".sealed"


class AudioKeeper:
    def __init__(self, directory: Path, max_files: int = 100,
                 sealing: SealingKey | None = None) -> None:
        self.directory = Path(directory)
        self.max_files = max_files
        self.sealing = sealing

    def keep(self, session_id: str, turn_id: int, samples: np.ndarray) -> Path:
        path = self.directory / f"{session_id}-turn-{turn_id:05d}.wav"
        data = wav_bytes(samples, SAMPLE_RATE)
        if self.sealing is not None:
            path, data = path.with_name(path.name + SEALED_SUFFIX), self.sealing.seal(data, AUDIO)
        atomic_write(path, data)
        for old in self.kept()[: -self.max_files]:
            old.unlink(missing_ok=True)
        return path

    def kept(self) -> list[Path]:
        """Oldest first, sealed or not."""
        if not self.directory.is_dir():
            return []
        files = [*self.directory.glob("*.wav"), *self.directory.glob("*.wav" + SEALED_SUFFIX)]
        return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))

    def purge(self) -> int:
        files = self.kept()
        for path in files:
            path.unlink(missing_ok=True)
        return len(files)
