"""The edge daemon as a systemd service: the notify protocol spoken by the real daemon to a
socket of the test's, and unit files that systemd itself accepts."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import numpy as np
import pytest

from edge.audio.wavfile import write_wav
from edge.systemd import Notifier, unit_files
from tests.test_cli import tandem

REPO = Path(__file__).resolve().parents[1]


def test_outside_systemd_nothing_is_sent() -> None:
    quiet = Notifier(None, None)
    assert quiet.send("READY=1") is False
    quiet.beat()  # no watchdog: nothing to do


def test_a_manager_that_went_away_does_not_stop_the_daemon(tmp_path: Path) -> None:
    gone = Notifier(str(tmp_path / "no-such-socket"), watchdog_s=1.0)
    assert gone.send("STOPPING=1") is False  # no exception: the daemon carries on


def test_the_watchdog_beats_at_half_its_interval(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(1)
        notifier = Notifier(str(path), watchdog_s=600.0)
        for _ in range(100):
            notifier.beat()  # every frame; only the first of these is sent
        assert server.recv(64) == b"WATCHDOG=1"
        notifier.ready()
        assert server.recv(64) == b"READY=1"


@pytest.mark.slow
def test_the_daemon_says_ready_beats_from_its_loop_and_says_stopping(tmp_path: Path) -> None:
    wav = tmp_path / "quiet.wav"
    write_wav(wav, np.zeros(int(1.5 * 16_000), np.int16), 16_000)
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        result = tandem("edge", "run", "--input", str(wav), "--output", str(tmp_path / "o.wav"),
                        "--offline", "--realtime", "--state-dir", str(tmp_path),
                        env={"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "400000"})
        assert result.returncode == 0, result.stderr.decode()[-2000:]
        server.setblocking(False)
        said = []
        while True:
            try:
                said.append(server.recv(64).decode())
            except BlockingIOError:
                break
    assert said[0] == "READY=1" and said[-1] == "STOPPING=1", said
    assert said.count("WATCHDOG=1") >= 4, said  # 1.5 s of audio at real speed, every 0.2 s


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    units = unit_files(REPO / ".venv", user="root")
    edge = units["tandem-edge.service"]
    assert "Type=notify" in edge and "WatchdogSec=30" in edge
    assert "SupplementaryGroups=audio" in edge and "--config /etc/tandem/edge.toml" in edge
    for name, text in units.items():
        (tmp_path / name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", *map(str, sorted(tmp_path.iterdir()))],
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
