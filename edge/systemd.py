"""Running as a systemd service: readiness and watchdog notifications, and the unit files.

`Notifier` speaks systemd's notify protocol (a datagram to $NOTIFY_SOCKET; ten lines, so
no library): READY=1 once the models are loaded, WATCHDOG=1 from the capture loop itself at
half the unit's WatchdogSec (a loop that stops turning gets the service restarted), and
STOPPING=1. Outside systemd ($NOTIFY_SOCKET unset) it does nothing.

`unit_files` writes the units of a board: the edge daemon (an unprivileged user in the
audio group, configured by /etc/tandem/edge.toml, journald logs, restarted on failure and
by the watchdog) and, for a one-box install, the cloud service and the fleet broker.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path


class Notifier:
    def __init__(self, address: str | None, watchdog_s: float | None) -> None:
        self.address = address
        self.interval_s = watchdog_s / 2 if watchdog_s else None
        self._last_beat = 0.0

    @classmethod
    def from_env(cls) -> Notifier:
        usec = os.environ.get("WATCHDOG_USEC", "")
        return cls(os.environ.get("NOTIFY_SOCKET") or None,
                   int(usec) / 1e6 if usec.isdecimal() else None)

    def send(self, state: str) -> bool:
        if self.address is None:
            return False
        address = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(address)
                sock.sendall(state.encode())
        except OSError:  # the manager went away (or never listened): the daemon goes on
            return False
        return True

    def ready(self) -> None:
        self.send("READY=1")

    def stopping(self) -> None:
        self.send("STOPPING=1")

    def beat(self) -> None:
        """Called on every frame: a WATCHDOG=1 every half watchdog interval."""
        if self.interval_s is None:
            return
        now = time.monotonic()
        if now - self._last_beat >= self.interval_s:
            self._last_beat = now
            self.send("WATCHDOG=1")


def unit_files(venv: Path, user: str = "tandem", config: Path = Path("/etc/tandem"),
               state: Path = Path("/var/lib/tandem")) -> dict[str, str]:
    """The board's systemd units, by file name, for a Tandem installed in `venv`."""
    tandem = venv / "bin" / "tandem"
    common = (f"User={user}\nGroup={user}\nRestart=on-failure\nRestartSec=2\n"
              "StandardOutput=journal\nStandardError=journal\nNoNewPrivileges=yes\n"
              "ProtectSystem=strict\nProtectHome=yes\nPrivateTmp=yes\n")
    return {
        "tandem-edge.service": (
            "[Unit]\nDescription=Tandem edge daemon (wake word, speech, skills)\n"
            "After=network-online.target sound.target\nWants=network-online.target\n\n"
            "[Service]\nType=notify\nNotifyAccess=main\nWatchdogSec=30\n"
            f"ExecStart={tandem} edge run --config {config / 'edge.toml'}\n"
            f"SupplementaryGroups=audio\nEnvironment=XDG_STATE_HOME={state}\n"
            f"StateDirectory=tandem\nReadWritePaths={state}\n{common}\n"
            "[Install]\nWantedBy=multi-user.target\n"),
        "tandem-cloud.service": (
            "[Unit]\nDescription=Tandem cloud router (one-box install)\n"
            "After=network-online.target\nWants=network-online.target\n\n"
            f"[Service]\nExecStart={tandem} cloud serve --listen 127.0.0.1:50051 "
            f"--model {state / 'model.gguf'}\nStateDirectory=tandem\n"
            f"ReadWritePaths={state}\n{common}\n[Install]\nWantedBy=multi-user.target\n"),
        "tandem-broker.service": (
            "[Unit]\nDescription=Tandem fleet broker (Mosquitto with mTLS and the fleet ACL)\n"
            "After=network-online.target\nWants=network-online.target\n\n"
            f"[Service]\nExecStart={tandem} fleet broker --fleet-dir {state / 'fleet'}\n"
            f"StateDirectory=tandem\nReadWritePaths={state}\n{common}\n"
            "[Install]\nWantedBy=multi-user.target\n"),
    }
