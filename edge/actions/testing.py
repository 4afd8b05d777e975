"""Harness for actions: a real private Mosquitto for the home, a real private MPD, and a
recording backend.

`home_broker()` starts Debian's mosquitto on a free loopback port (anonymous, plain TCP, as
many home brokers run), for tests and the demo; `music_player()` starts Debian's mpd with a
null audio output and two short tracks. `RecordingBackend` stands in for a backend
only in unit tests of the code around it (skills, the executor): it records every action
and answers from a dict of states.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from contract.inventory import Inventory
from contract.ports import free_port
from edge.actions.executor import ActionExecutor
from edge.actions.messages import Action, ActionResult, MessagesQuery, StateQuery

if TYPE_CHECKING:
    from edge.skills import Skills

MOSQUITTO = os.environ.get("TANDEM_MOSQUITTO", "/usr/sbin/mosquitto")
MPD = os.environ.get("TANDEM_MPD", "/usr/bin/mpd")


def _wait_listening(proc: subprocess.Popen[bytes], port: int, what: str,
                    timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start on port {port}")
        time.sleep(0.02)


@contextlib.contextmanager
def home_broker(timeout_s: float = 10.0) -> Iterator[tuple[str, int]]:
    """A private Mosquitto on 127.0.0.1; yields (host, port)."""
    if shutil.which(MOSQUITTO) is None:
        raise RuntimeError(f"mosquitto not found at {MOSQUITTO}: install Debian's mosquitto")
    work = Path(tempfile.mkdtemp(prefix="tandem-home-broker-"))
    port = free_port()
    config = work / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                      f"log_dest file {work / 'mosquitto.log'}\n")
    proc = subprocess.Popen([MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        _wait_listening(proc, port, "mosquitto", timeout_s)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        proc.wait(5)
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def music_player(timeout_s: float = 10.0) -> Iterator[tuple[str, int]]:
    """A private MPD on 127.0.0.1 (null output, software volume) with a two-track queue,
    stopped; yields (host, port)."""
    import mpd
    import numpy as np

    from edge.audio.wavfile import write_wav

    if shutil.which(MPD) is None:
        raise RuntimeError(f"mpd not found at {MPD}: install Debian's mpd")
    work = Path(tempfile.mkdtemp(prefix="tandem-mpd-"))
    music = work / "music"
    music.mkdir()
    t = np.arange(16_000 * 20) / 16_000
    for i, hz in enumerate((440, 660)):
        write_wav(music / f"track{i + 1}.wav", (3000 * np.sin(2 * np.pi * hz * t)).astype(
            np.int16), 16_000)
    port = free_port()
    config = work / "mpd.conf"
    config.write_text(
        f'music_directory "{music}"\ndb_file "{work / "db"}"\nlog_file "{work / "log"}"\n'
        f'pid_file "{work / "pid"}"\nbind_to_address "127.0.0.1"\nport "{port}"\n'
        'audio_output {\n type "null"\n name "null"\n mixer_type "software"\n}\n')
    proc = subprocess.Popen([MPD, "--no-daemon", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        _wait_listening(proc, port, "mpd", timeout_s)
        client = mpd.MPDClient()
        client.connect("127.0.0.1", port)
        client.update()
        deadline = time.monotonic() + timeout_s
        while "updating_db" in client.status() and time.monotonic() < deadline:
            time.sleep(0.05)
        client.add("track1.wav")
        client.add("track2.wav")
        client.setvol(60)
        client.close()
        client.disconnect()
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        proc.wait(5)
        shutil.rmtree(work, ignore_errors=True)


def recording_executor(backend: RecordingBackend | None = None,
                       deadline_s: float = 0.5) -> ActionExecutor:
    """An executor over a RecordingBackend (no audit log): for tests of skills and turns."""
    return ActionExecutor(backend or RecordingBackend(), deadline_s)


def acting_skills(inventory: Inventory, backend: RecordingBackend | None = None) -> Skills:
    """The default skills, acting on a RecordingBackend."""
    from edge.skills import default_skills

    return default_skills(inventory, recording_executor(backend))


class RecordingBackend:
    """Records actions; `states` answers queries; `fail` maps a device to an error."""

    def __init__(self, states: dict[str, str] | None = None,
                 fail: dict[str, str] | None = None, delay_s: float = 0.0) -> None:
        self.states = dict(states or {})
        self.fail = dict(fail or {})
        self.delay_s = delay_s
        self.actions: list[Action] = []
        self._lock = threading.Lock()

    def execute(self, action: Action, timeout_s: float) -> ActionResult:
        if self.delay_s:
            time.sleep(self.delay_s)
        with self._lock:
            self.actions.append(action)
        if action.device in self.fail:
            return ActionResult(False, self.fail[action.device])
        if isinstance(action, StateQuery | MessagesQuery):
            state = self.states.get(action.device)
            return ActionResult(state is not None, "" if state else "no state", state)
        return ActionResult(True)
