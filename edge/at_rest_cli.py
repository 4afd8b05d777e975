"""`tandem edge unseal`: read back what a device sealed at rest (the recovery path)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from contract.errors import TandemError
from edge.actions.audit import AuditLog
from edge.at_rest import AUDIO, MEMORY, SealingKey, is_sealed
from edge.settings import default_state_dir


def unseal(path: Path, bundle: Path | None, state_dir: Path | None) -> bytes:
    """The plaintext of a sealed recording or memory cache, or the audit log as JSON lines."""
    if not path.is_file():
        raise TandemError(f"{path} does not exist")
    device_key = bundle / "device.key" if bundle is not None else None
    sealing = SealingKey.for_device(device_key, state_dir or default_state_dir(),
                                    create=False)
    if path.suffix == ".db":
        return _audit_lines(path, sealing)
    blob = path.read_bytes()
    if not is_sealed(blob):
        raise TandemError(f"{path} is not sealed (a Tandem sealed file starts with "
                          "TANDEM-SEALED/1)")
    label = AUDIO if path.name.endswith(".wav.sealed") else MEMORY
    return sealing.open(blob, label, str(path))


def _audit_lines(path: Path, sealing: SealingKey) -> bytes:
    try:
        log = AuditLog(path, sealing=sealing)
    except sqlite3.DatabaseError as exc:
        raise TandemError(f"{path} is not an audit log: {exc}") from None
    try:
        lines = list(log.export(raw=True))
    finally:
        log.close()
    return "".join(line + "\n" for line in lines).encode()
