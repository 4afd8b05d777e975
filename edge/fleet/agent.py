"""The device's policy logic, free of any transport: offer, stage, apply when idle, report.

    payload --offer()--> verified and newer? --> pending --apply_pending() at IDLE--> applied
                      `-> rejected: report why; the applied policy stays in force

`offer` runs on the MQTT thread; `apply_pending` runs wherever the device is
between conversations (the pipeline's IDLE hook, or at once for a simulated
device). Both are safe to call from different threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from contract.fleet.policy import STALE, PolicyRejected, SignedPolicy, open_envelope, peek_version
from contract.fleet.report import APPLIED, BOOTED, REJECTED, Report, now
from contract.fleet.signing import TrustedKeys
from edge.fleet.store import DeviceStore


@dataclass
class AgentStats:
    applied: int = 0
    rejected: int = 0
    ignored_stale: int = 0  # retained copies at or below the applied version (expected)


class PolicyAgent:
    def __init__(
        self,
        device_id: str,
        groups: frozenset[str],
        trusted: TrustedKeys,
        store: DeviceStore | None,
        publish_report: Callable[[Report], None],
    ) -> None:
        self.device_id = device_id
        self.groups = groups
        self.trusted = trusted
        self.store = store
        self.publish_report = publish_report
        self.generation = 0
        self.stats = AgentStats()
        self.boot_problem: str | None = None
        self._lock = threading.Lock()
        self._pending: SignedPolicy | None = None
        self._applied: SignedPolicy | None = None
        if store is not None:
            self._applied, self.boot_problem = store.load_policy(trusted, device_id, groups)
        self.last_report = self._report(BOOTED, self.boot_problem or "")

    @property
    def applied(self) -> SignedPolicy | None:
        return self._applied

    @property
    def applied_version(self) -> int:
        return self._applied.policy.version if self._applied else 0

    @property
    def has_pending(self) -> bool:
        return self._pending is not None

    def offer(self, payload: bytes, retained: bool = False) -> None:
        """Check a policy payload; stage it or report why not. Never raises on bad input.

        `retained`: the broker sent its stored copy because we (re)subscribed. An
        old version there is the reconnect contract at work (ignore silently); an
        old version sent live is a replay and is reported.
        """
        with self._lock:
            if self._holds(payload):
                # The very bytes we verified last (a retained re-delivery, the operator's
                # re-publish after a broker restart): no need to check the signature again.
                self.stats.ignored_stale += 1
                return
            floor = max(self.applied_version, self._pending.policy.version if self._pending else 0)
            try:
                signed = open_envelope(payload, self.trusted, self.device_id, self.groups, floor)
            except PolicyRejected as exc:
                if exc.kind == STALE and (retained or exc.version == floor):
                    self.stats.ignored_stale += 1
                    return
                self.stats.rejected += 1
                version = exc.version if exc.version is not None else peek_version(payload)
                report = self._report(REJECTED, str(exc), version)
            else:
                self._pending = signed
                return
        self._send(report)

    def _holds(self, payload: bytes) -> bool:
        newest = self._pending or self._applied
        return newest is not None and newest.envelope == payload

    def apply_pending(self) -> SignedPolicy | None:
        """Between conversations: persist and apply the staged policy; report it applied."""
        with self._lock:
            signed, self._pending = self._pending, None
            if signed is None or signed.policy.version <= self.applied_version:
                return None
            if self.store is not None:
                self.store.save_policy(signed)  # atomic: power cut = old or new, never half
            self._applied = signed
            self.stats.applied += 1
            report = self._report(APPLIED, "", signed.policy.version)
        self._send(report)
        return signed

    def announce(self, generation: int) -> None:
        """On every (re)connect: re-send the current state (the broker may have lost it)."""
        self.generation = generation
        with self._lock:
            last = self.last_report
            report = Report(**{**last.__dict__, "generation": generation, "at": now()})
        self._send(report)

    def _report(self, status: str, reason: str = "", subject: int | None = None) -> Report:
        return Report(
            device=self.device_id,
            applied_version=self.applied_version,
            applied_digest=self._applied.digest if self._applied else "",
            status=status,
            reason=reason,
            subject_version=subject,
            generation=self.generation,
            at=now(),
        )

    def _send(self, report: Report) -> None:
        self.last_report = report
        self.publish_report(report)
