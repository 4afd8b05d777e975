"""Staged rollout of one signed policy to a group: canary, pace, abort, automatic roll back.

    claim version (compare-and-set) -> sign -> canary wave -> wait -> judge
      -> rest of the group at `pace_per_s` devices/s, judged as reports arrive
      -> success: publish on the group topic too (for devices added later), mark good
      -> abort (failed or timed out > abort_pct% of at least abort_min devices):
         stop, re-sign the last good document as a new version, push it to every
         device that got the bad one.

A device counts as done when its own report says so (applied version >= ours,
or rejected ours); a PUBACK only means the broker has the message. Devices
that were offline when the rollout started still get the retained document
(they apply it when they come back) but are not waited for. If the broker
restarts mid-rollout, everything sent and not yet confirmed is published again
(the broker may have lost retained messages it had not saved).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt

from cloud.fleet.history import History
from cloud.fleet.operator import OperatorLink
from contract.fleet import names
from contract.fleet.policy import parse_policy, sign_policy
from contract.fleet.report import APPLIED, REJECTED, Report
from contract.fleet.signing import SigningKey


@dataclass(frozen=True)
class RolloutPlan:
    canary_share: float = 0.05
    pace_per_s: float = 500.0  # devices per second after the canary
    device_timeout_s: float = 30.0
    abort_pct: float = 10.0
    abort_min: int = 10
    rollback: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.canary_share <= 1:
            raise ValueError("canary share must be in (0, 1]")
        if self.pace_per_s <= 0 or self.device_timeout_s <= 0:
            raise ValueError("pace and device timeout must be positive")
        if not 0 <= self.abort_pct <= 100 or self.abort_min < 1:
            raise ValueError("abort percentage must be 0-100 and the minimum at least 1")


@dataclass
class DeviceOutcome:
    sent_at: float
    done_at: float | None = None
    status: str = "pending"  # applied, rejected, timeout, pending
    reason: str = ""

    @property
    def latency_s(self) -> float | None:
        return None if self.done_at is None else self.done_at - self.sent_at


@dataclass
class RolloutResult:
    target: str
    version: int
    outcome: str  # succeeded, aborted
    devices: dict[str, DeviceOutcome] = field(default_factory=dict)
    offline: list[str] = field(default_factory=list)
    rollback_version: int | None = None
    abort_reason: str = ""

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for outcome in self.devices.values():
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        return counts

    def summary(self) -> dict[str, Any]:
        return {"counts": self.counts(), "offline": len(self.offline),
                "rollback_version": self.rollback_version, "abort_reason": self.abort_reason}


def _broker_took(info: mqtt.MQTTMessageInfo | None) -> bool:
    """Did a broker acknowledge this publish (so a crash may have lost it)? Publishes it
    did not acknowledge are still in paho's queue, which sends them again on reconnect."""
    if info is None or info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
        return True
    return info.rc == mqtt.MQTT_ERR_SUCCESS and info.is_published()


class Rollout:
    def __init__(self, operator: OperatorLink, history: History, key: SigningKey,
                 plan: RolloutPlan, log: Callable[[str], None] | None = None) -> None:
        self.operator = operator
        self.history = history
        self.key = key
        self.plan = plan
        self.log = log or (lambda line: None)
        self._lock = threading.Lock()
        self._changed = threading.Event()
        self._watch: dict[str, DeviceOutcome] = {}
        self._version = 0
        self._payloads: dict[str, bytes] = {}  # device -> last payload sent (for re-publish)
        self._deliveries: dict[str, mqtt.MQTTMessageInfo] = {}  # device -> its last publish
        self._unconfirmed: set[str] = set()
        # Running tallies of the watched devices, so judging a wave stays O(1) per report.
        self._done = 0
        self._failure_reasons: list[str] = []
        self._expired_at = 0.0
        operator.on_report = self._on_report
        operator.on_reconnect = self._republish

    # -- report intake (operator's network thread) ------------------------------------------

    def _on_report(self, report: Report, received: float) -> None:
        with self._lock:
            outcome = self._watch.get(report.device)
            if outcome is None or outcome.done_at is not None:
                return
            if report.applied_version >= self._version:
                self._finish(outcome, APPLIED, received)
            elif report.status == REJECTED and report.subject_version == self._version:
                self._finish(outcome, REJECTED, received, report.reason)
            else:
                return
            self._unconfirmed.discard(report.device)
        self._changed.set()

    def _finish(self, outcome: DeviceOutcome, status: str, at: float, reason: str = "") -> None:
        """Under the lock: one watched device is done."""
        outcome.status, outcome.done_at, outcome.reason = status, at, reason
        self._done += 1
        if status != APPLIED:
            self._failure_reasons.append(reason)

    def _republish(self) -> None:
        with self._lock:
            pending = [(d, self._payloads[d]) for d in self._unconfirmed
                       if _broker_took(self._deliveries.get(d))]
        self.log(f"broker reconnected: re-publishing {len(pending)} unconfirmed documents")
        for device, payload in pending:
            self.operator.publish(names.device_policy(device), payload)

    # -- the rollout ------------------------------------------------------------------------

    def push(self, document: dict[str, Any], devices: list[str], group: str | None,
             on_sent: Callable[[str, float], None] | None = None) -> RolloutResult:
        """Roll `document` out to `devices`; its version must be above every pushed one."""
        policy = parse_policy(document)
        target = f"group:{group}" if group else f"device:{policy.target.device}"
        self.history.claim(policy.version)
        payload = sign_policy(document, self.key)
        result = RolloutResult(target, policy.version, "succeeded")
        self.operator.sync()
        online = [d for d in devices if self.operator.online(d)]
        result.offline = [d for d in devices if not self.operator.online(d)]
        self.log(f"v{policy.version} -> {target}: {len(online)} online, "
                 f"{len(result.offline)} offline (they get it when they return)")
        for device in result.offline:
            self._send(device, payload, watch=False)
        self._begin(policy.version)
        canary = max(1, math.ceil(self.plan.canary_share * len(online)))
        waves = [online[:canary], online[canary:]]
        for index, wave in enumerate(waves):
            if not wave:
                continue
            interval = 0.0 if index == 0 else 1.0 / self.plan.pace_per_s
            next_send = time.monotonic()
            for device in wave:
                self._send(device, payload, watch=True, on_sent=on_sent)
                result.devices[device] = self._watch[device]
                next_send += interval
                if self._check_abort(result):
                    break
                delay = next_send - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            if result.outcome == "aborted" or self._wait_wave(result):
                break
            self.log(f"wave {index + 1} done: {result.counts()}")
        if result.outcome == "aborted":
            self.log(f"aborting v{policy.version}: {result.abort_reason}")
            if self.plan.rollback:
                result.rollback_version = self._roll_back(target, result, on_sent)
        else:
            if group is not None:
                self.operator.publish(names.group_policy(group), payload, wait_s=5.0)
        self.history.record(target, policy.version, document, result.outcome, {
            **result.summary(), "at": time.time()})
        return result

    def _begin(self, version: int) -> None:
        with self._lock:
            self._version = version
            self._watch = {}
            self._unconfirmed = set()
            self._done = 0
            self._failure_reasons = []

    def _send(self, device: str, payload: bytes, watch: bool,
              on_sent: Callable[[str, float], None] | None = None) -> None:
        sent = time.monotonic()
        with self._lock:
            self._payloads[device] = payload
            if watch:
                self._watch[device] = DeviceOutcome(sent_at=sent)
                self._unconfirmed.add(device)
                # The device may already have reported this version (a retry).
                report = self.operator.reports.get(device)
        if on_sent is not None:
            on_sent(device, sent)
        info = self.operator.publish(names.device_policy(device), payload)
        with self._lock:
            self._deliveries[device] = info
        if watch and report is not None:
            self._on_report(report, time.monotonic())

    def _expire(self) -> None:
        """Time out watched devices that never reported (checked a few times a second)."""
        now = time.monotonic()
        if now - self._expired_at < 0.2:
            return
        self._expired_at = now
        with self._lock:
            for device in self._unconfirmed:
                outcome = self._watch[device]
                if outcome.done_at is None and now - outcome.sent_at > self.plan.device_timeout_s:
                    self._finish(outcome, "timeout", now,
                                 f"no report within {self.plan.device_timeout_s:g} s")

    def _check_abort(self, result: RolloutResult) -> bool:
        self._expire()
        with self._lock:
            finished, failed = self._done, len(self._failure_reasons)
        if finished >= self.plan.abort_min and finished:
            pct = 100.0 * failed / finished
            if pct > self.plan.abort_pct:
                result.outcome = "aborted"
                with self._lock:
                    reasons = sorted(set(self._failure_reasons))[:3]
                result.abort_reason = (f"{failed} of {finished} devices failed or "
                                       f"timed out ({pct:.0f}% > {self.plan.abort_pct:g}%): "
                                       f"{'; '.join(reasons)}")
                return True
        return False

    def _wait_wave(self, result: RolloutResult) -> bool:
        """Wait until every device sent so far is done; True if the rollout aborted."""
        while True:
            if self._check_abort(result):
                return True
            with self._lock:
                if self._done >= len(result.devices):
                    return False
            self._changed.wait(0.05)
            self._changed.clear()

    def _roll_back(self, target: str, result: RolloutResult,
                   on_sent: Callable[[str, float], None] | None) -> int | None:
        good = self.history.good_documents(target)
        if not good:
            self.log("no earlier good version to roll back to; devices keep what they have")
            return None
        _, document = good[-1]
        version = self.history.next_version()
        document = {**document, "version": version}
        self.history.claim(version)
        payload = sign_policy(document, self.key)
        self._begin(version)
        for device in result.devices:
            self._send(device, payload, watch=True, on_sent=on_sent)
        deadline = time.monotonic() + self.plan.device_timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if not self._unconfirmed:
                    break
            self._changed.wait(0.05)
            self._changed.clear()
        self.history.record(target, version, document, "succeeded", {
            "rollback_of": result.version, "at": time.time()})
        self.log(f"rolled back to the content of the last good version as v{version}")
        return version
