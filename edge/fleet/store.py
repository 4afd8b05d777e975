"""Atomic on-device persistence: the applied policy, the memory cache, the session counter.

Every write goes to a temporary file in the same directory, is fsynced, then
renamed over the old one (and the directory fsynced), so a power cut leaves
either the old file or the new one, never half of either. The policy is stored
as the signed envelope and re-verified at boot: a corrupted or tampered file is
refused like any other bad policy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contract.files import atomic_write, read_json, wall_ms
from contract.fleet import jsontext
from contract.fleet.memory import MemoryRejected, check_snapshot
from contract.fleet.policy import PolicyRejected, SignedPolicy, open_envelope
from contract.fleet.signing import TrustedKeys
from edge.at_rest import MEMORY, SealedFileError, SealingKey, is_sealed

STATE_VERSION = 1
GENERATION_RESERVE = 60_000  # session numbers reserved per write (1 min of wall clock)


class DeviceStore:
    """A directory holding one device's fleet state."""

    def __init__(self, root: Path, sealing: SealingKey | None = None) -> None:
        self.root = Path(root)
        self._sealing = sealing  # the memory cache is sealed at rest when given
        self.policy_path = self.root / "policy.json"
        self.memory_path = self.root / "memory.json"
        self.session_path = self.root / "session.json"
        self._generation = 0
        self._generation_ceiling: int | None = None  # read on first use

    # -- policy ---------------------------------------------------------------------

    def save_policy(self, signed: SignedPolicy) -> None:
        record = {"state_version": STATE_VERSION, "envelope": signed.envelope.decode()}
        atomic_write(self.policy_path, json.dumps(record).encode())

    def load_policy(
        self, trusted: TrustedKeys, device_id: str, groups: frozenset[str]
    ) -> tuple[SignedPolicy | None, str | None]:
        """(the applied policy, None) or (None, why it was refused); (None, None) if none."""
        record = read_json(self.policy_path)
        if record is None:
            if self.policy_path.exists():
                return None, f"{self.policy_path} is unreadable; starting from defaults"
            return None, None
        if not isinstance(record, dict) or record.get("state_version") != STATE_VERSION \
                or not isinstance(record.get("envelope"), str):
            return None, f"{self.policy_path} has an unknown format; starting from defaults"
        try:
            envelope = record["envelope"].encode()
            return open_envelope(envelope, trusted, device_id, groups), None
        except PolicyRejected as exc:
            return None, f"stored policy refused ({exc}); starting from defaults"

    # -- presence generation (Sparkplug bdSeq) ---------------------------------------

    def next_generation(self) -> int:
        """A session number that grows across restarts.

        At least the wall clock in milliseconds, so a device whose storage was wiped
        still starts above its old sessions (unless its clock is also behind). The
        file holds a ceiling reserved ahead of use, so a flapping link does not write
        flash on every attempt and a power cut restarts above every number handed
        out; a clean stop gives the unused reserve back (`release_generations`).
        """
        if self._generation_ceiling is None:
            record = read_json(self.session_path)
            stored = record.get("generation", 0) if isinstance(record, dict) else 0
            if isinstance(stored, bool) or not isinstance(stored, int) or stored < 0:
                stored = 0  # damaged: the wall clock alone keeps sessions growing
            self._generation = self._generation_ceiling = stored
        generation = max(self._generation + 1, wall_ms())
        if generation >= self._generation_ceiling:
            self._generation_ceiling = generation + GENERATION_RESERVE
            self._write_generation(self._generation_ceiling)
        self._generation = generation
        return generation

    def release_generations(self) -> None:
        """A clean stop: record the last session number used instead of the reserve."""
        if self._generation_ceiling is not None and self._generation:
            self._write_generation(self._generation)
            self._generation_ceiling = None

    def _write_generation(self, generation: int) -> None:
        atomic_write(self.session_path, json.dumps({"generation": generation}).encode())

    # -- memory cache ----------------------------------------------------------------

    def save_memory(self, snapshots: dict[str, Any]) -> None:
        data = json.dumps({"state_version": STATE_VERSION, "users": snapshots}).encode()
        if self._sealing is not None:
            data = self._sealing.seal(data, MEMORY)
        atomic_write(self.memory_path, data)

    def load_memory(self) -> dict[str, Any]:
        """The cached memories; empty when missing, unreadable or sealed by another key
        (the broker's retained snapshots fill the cache again). A cache written before
        sealing was on is read, and sealed on its next write."""
        try:
            data = self.memory_path.read_bytes()
            if is_sealed(data):
                data = self._sealing.open(data, MEMORY) if self._sealing else b""
            record = jsontext.loads(data)
        except (FileNotFoundError, SealedFileError, ValueError):
            return {}
        if isinstance(record, dict) and record.get("state_version") == STATE_VERSION:
            users = record.get("users")
            if isinstance(users, dict):  # a damaged user's entry is dropped, not trusted
                return {user: snapshot for user, snapshot in users.items()
                        if _readable(snapshot) and snapshot["user"] == user}
        return {}


def _readable(snapshot: object) -> bool:
    try:
        check_snapshot(snapshot)
    except MemoryRejected:
        return False
    return True

