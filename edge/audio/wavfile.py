"""Read any reasonable PCM WAV as 16 kHz mono int16, with one clear error for bad files."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np

from contract.errors import AudioInputError
from edge.audio.convert import SUPPORTED_RATES, resample, to_mono
from edge.messages import SAMPLE_RATE

MAX_CHANNELS = 32
_DTYPES: dict[int, np.dtype] = {1: np.dtype(np.uint8), 2: np.dtype("<i2"), 4: np.dtype("<i4")}


def read_wav(path: Path) -> np.ndarray:
    try:
        with wave.open(str(path), "rb") as wf:
            channels, width, rate, declared = (
                wf.getnchannels(), wf.getsampwidth(), wf.getframerate(), wf.getnframes()
            )
            raw = wf.readframes(declared)
    except FileNotFoundError:
        raise AudioInputError(f"{path}: no such file") from None
    except OSError as exc:  # a folder, no permission, an I/O error
        raise AudioInputError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    # RuntimeError: wave's own, for a chunk that says it is longer than the RIFF around it
    except (wave.Error, EOFError, RuntimeError) as exc:
        why = str(exc) or ("a chunk is longer than the file says" if isinstance(
            exc, RuntimeError) else "it ends too early")
        raise AudioInputError(
            f"{path}: not a readable PCM WAV ({why}); convert it with "
            "`sox IN -r 16000 -c 1 -b 16 OUT.wav`"
        ) from None
    if width not in _DTYPES:
        raise AudioInputError(f"{path}: {8 * width}-bit samples are not supported; use 16-bit PCM")
    if not 1 <= channels <= MAX_CHANNELS:  # (the downmix kernel's bound)
        raise AudioInputError(f"{path}: {channels} channels are not supported (1..{MAX_CHANNELS})")
    if rate not in SUPPORTED_RATES:
        raise AudioInputError(f"{path}: sample rate {rate} Hz is not supported; use 16000 Hz")
    frame_bytes = channels * width
    if len(raw) < declared * frame_bytes:
        raise AudioInputError(
            f"{path}: truncated (header says {declared} frames, file holds "
            f"{len(raw) // frame_bytes}); re-record or re-export the file"
        )
    samples = np.frombuffer(raw, dtype=_DTYPES[width]).reshape(-1, channels)
    if width == 1:  # unsigned 8-bit
        samples = ((samples.astype(np.int16) - 128) << 8).astype(np.int16)
    elif width == 4:
        samples = (samples >> 16).astype(np.int16)
    return resample(to_mono(samples.astype(np.int16)), rate, SAMPLE_RATE)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(rate)
        wf.writeframes(np.asarray(samples, dtype="<i2").tobytes())


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    """A mono 16-bit WAV file's bytes (for files that are sealed before they are written)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(rate)
        wf.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return buffer.getvalue()
