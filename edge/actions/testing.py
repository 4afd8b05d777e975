"""Harness for actions: a real private Mosquitto for the home, and a recording backend.

`home_broker()` starts Debian's mosquitto on a free loopback port (anonymous, plain TCP, as
many home brokers run), for tests and the demo. `RecordingBackend` stands in for a backend
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

from edge.actions.messages import Action, ActionResult, StateQuery
from edge.local_cloud import free_port

MOSQUITTO = os.environ.get("TANDEM_MOSQUITTO", "/usr/sbin/mosquitto")


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
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mosquitto did not start on port {port}")
            time.sleep(0.02)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        proc.wait(5)
        shutil.rmtree(work, ignore_errors=True)


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
        if isinstance(action, StateQuery):
            state = self.states.get(action.device)
            return ActionResult(state is not None, "" if state else "no state", state)
        return ActionResult(True)
