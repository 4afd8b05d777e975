"""Audio files, inventory files and the ring-buffer source: conversions and clear errors."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import numpy as np
import pytest

from contract.errors import AudioInputError, InventoryError
from contract.inventory import load_inventory
from edge.audio.sources import recording_source
from edge.audio.wavfile import read_wav, write_wav
from edge.settings import DEFAULT_INVENTORY


def _tone(rate: int, seconds: float, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (8000 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def test_stereo_44k1_is_converted_to_16k_mono(tmp_path: Path) -> None:
    tone = _tone(44_100, 1.0)
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(2)
        wf.setsampwidth(2)
        wf.setframerate(44_100)
        wf.writeframes(np.stack([tone, tone], axis=1).tobytes())
    audio = read_wav(path)
    assert audio.dtype == np.int16 and audio.ndim == 1
    assert len(audio) == 16_000
    spectrum = np.abs(np.fft.rfft(audio.astype(np.float64)))
    assert abs(np.argmax(spectrum) - 440) <= 1  # 1 s of audio -> 1 Hz bins


def test_16k_mono_round_trips_exactly(tmp_path: Path) -> None:
    tone = _tone(16_000, 0.5)
    write_wav(tmp_path / "a.wav", tone, 16_000)
    assert np.array_equal(read_wav(tmp_path / "a.wav"), tone)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "not a readable PCM WAV"),
        (b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk", "not a readable PCM WAV"),
        (b"this is not audio at all" * 10, "not a readable PCM WAV"),
    ],
)
def test_corrupt_wav_is_a_clear_error(tmp_path: Path, payload: bytes, message: str) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(payload)
    with pytest.raises(AudioInputError, match=message):
        read_wav(path)


def test_truncated_wav_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.wav"
    write_wav(path, _tone(16_000, 1.0), 16_000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioInputError, match="truncated"):
        read_wav(path)


def test_unsupported_rate_is_a_clear_error(tmp_path: Path) -> None:
    write_wav(tmp_path / "odd.wav", _tone(16_000, 0.1), 12_345)
    with pytest.raises(AudioInputError, match="12345 Hz is not supported"):
        read_wav(tmp_path / "odd.wav")


def test_default_inventory_loads() -> None:
    inv = load_inventory(DEFAULT_INVENTORY)
    assert "Kitchen" in inv.areas and inv.devices_in("Kitchen", "light")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("areas: [Kitchen, kitchen]", "twice"),
        ("areas: [Kitchen\n  - oops", "not valid YAML"),
        ("devices: [{name: Lamp}]", "needs a domain"),
        ("rooms: [Kitchen]", "unknown keys"),
        ("- just a list", "expected a mapping"),
    ],
)
def test_bad_inventory_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "home.yaml"
    path.write_text(text)
    with pytest.raises(InventoryError, match=message):
        load_inventory(path)


@pytest.mark.parametrize("realtime", [False, True])
def test_recording_source_yields_every_frame_with_positions(realtime: bool) -> None:
    samples = np.arange(16_000 // 4 * 3, dtype=np.int16)  # 0.75 s: 9 frames of 80 ms + a bit

    async def collect() -> list:
        source = recording_source(samples, realtime=realtime)
        return [frame async for frame in source.frames(1280)]

    frames = asyncio.run(collect())
    assert [f.start_s for f in frames] == pytest.approx([i * 0.08 for i in range(9)])
    assert np.array_equal(np.concatenate([f.samples for f in frames]), samples[: 9 * 1280])
