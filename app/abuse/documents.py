"""Policy and memory documents, and the device state they land in, in-process.

A device here is what the daemon builds: a PolicyAgent, a MemoryCache and a DeviceStore on
a folder, holding a signed baseline policy and memory. Every payload is offered as the MQTT
thread would offer it, and then:
  * nothing but a rejection may come out (the agent "never raises on bad input");
  * a refused document leaves the applied policy and the cached memory as they were, and
    a device booted from the folder afterwards finds the same state;
  * what the operator's `sign_policy` signs, a device accepts.
Damaged state files (a power cut, a bad flash) are fuzzed too: booting on them must fall
back to defaults with a reason, never fail.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from app.abuse import payloads
from app.abuse.core import Lost, Tally, fuzz, thread_crashes, timed
from app.abuse.payloads import DEVICE, GROUP, USER
from contract.fleet.policy import PolicyRejected, open_envelope, parse_policy, sign_policy
from contract.fleet.signing import SigningKey, TrustedKeys
from edge.fleet.agent import PolicyAgent
from edge.fleet.memory_cache import MemoryCache
from edge.fleet.store import DeviceStore

BASE_VERSION = 10
BASE_REV = 10
RESET_ABOVE = 5000  # versions only increase: start afresh before every document is stale
GROUPS = frozenset({GROUP})


def baseline(key: SigningKey) -> tuple[bytes, bytes]:
    """(a signed policy, a signed memory snapshot) every fuzzed device starts from."""
    document = {"version": BASE_VERSION, "target": {"group": GROUP},
                "routing": {"local_confidence": 0.6}, "intents": {"blocked": ["HassTurnOff"]}}
    snapshot = {"format": "tandem-memory/1", "user": USER, "rev": BASE_REV,
                "facts": {"coffee": {"value": "black", "version": 3}}, "tombstones": {}}
    return sign_policy(document, key), payloads.sign_memory(key, snapshot)


class FuzzedDevice:
    """A device's fleet state in a folder, as the daemon builds it."""

    def __init__(self, folder: Path, trusted: TrustedKeys) -> None:
        self.folder = folder
        self.trusted = trusted
        self.store = DeviceStore(folder)
        self.agent = PolicyAgent(DEVICE, GROUPS, trusted, self.store, lambda r: None)
        self.memory = MemoryCache(trusted, self.store)

    def state(self) -> tuple[str, int, dict[str, Any]]:
        """What must survive a refused document: the applied policy and the memory."""
        applied = self.agent.applied
        users = {user: (self.memory.rev(user), self.memory.facts(user, at=0.0))
                 for user in (USER, "bob")}
        return (applied.digest if applied else "", self.agent.applied_version, users)

    def rebooted(self) -> FuzzedDevice:
        return FuzzedDevice(self.folder, self.trusted)


def offer_policy(device: FuzzedDevice, payload: bytes, retained: bool = False) -> str | None:
    """Offer and apply as the daemon would; the digest the device should now hold if the
    document is one to take, else None."""
    try:
        expected: str | None = open_envelope(payload, device.trusted, DEVICE, GROUPS,
                                             device.agent.applied_version).digest
    except PolicyRejected:
        expected = None
    device.agent.offer(payload, retained)
    device.agent.apply_pending()
    return expected


class DocumentFuzzer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key = SigningKey.generate()
        self.trusted = TrustedKeys({self.key.key_id: self.key.private.public_key()})
        self.base_policy, self.base_memory = baseline(self.key)
        self.device = self.fresh()

    def fresh(self) -> FuzzedDevice:
        shutil.rmtree(self.folder / "device", ignore_errors=True)
        device = FuzzedDevice(self.folder / "device", self.trusted)
        device.agent.offer(self.base_policy)
        device.agent.apply_pending()
        device.memory.offer(self.base_memory, user=USER)
        return device

    def check_state(self, before: tuple[str, int, dict[str, Any]], expected: str | None,
                    memory_taken: bool) -> None:
        device = self.device
        after = device.state()
        if expected is None and after[:2] != before[:2]:
            raise Lost(f"applied policy v{before[1]} became v{after[1]} on a refused document")
        if expected is not None and after[0] != expected:
            raise Lost(f"a valid newer policy was not applied (still v{after[1]})")
        if not memory_taken and after[2] != before[2]:
            raise Lost("the memory cache changed on a refused snapshot")
        booted = device.rebooted()
        if booted.agent.boot_problem or booted.state() != after:
            raise Lost(f"after a reboot the device holds {booted.state()[:2]}, not {after[:2]} "
                       f"({booted.agent.boot_problem})")

    def check_policy(self, sent: tuple[bytes, bool]) -> None:
        payload, retained = sent
        before = self.device.state()
        expected = offer_policy(self.device, payload, retained)
        self.check_state(before, expected, memory_taken=False)
        if self.device.agent.applied_version > RESET_ABOVE:
            self.device = self.fresh()

    def check_memory(self, sent: tuple[bytes, str | None]) -> None:
        payload, topic_user = sent
        before = self.device.state()
        taken = self.device.memory.offer(payload, user=topic_user)
        self.check_state(before, None, memory_taken=taken)

    def check_operator(self, document: dict[str, Any]) -> None:
        """What `sign_policy` signs, a device in its target accepts (unless not newer)."""
        with contextlib.suppress(PolicyRejected):
            parse_policy(document)
        try:
            signed = sign_policy(document, self.key)
        except PolicyRejected:
            return
        try:
            opened = open_envelope(signed, self.trusted, DEVICE, GROUPS)
        except PolicyRejected as exc:
            if exc.kind != "wrong_target":
                raise AssertionError(f"the device refuses what the operator signed: {exc}") \
                    from None
        else:
            if opened.policy.version != document["version"]:
                raise AssertionError("the device read another version than was signed")

    def check_stored(self, files: dict[str, bytes]) -> None:
        """Boot on damaged state files: defaults and a reason, never an exception."""
        folder = self.folder / "damaged"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        device = FuzzedDevice(folder, self.trusted)
        device.state()
        device.store.next_generation()
        device.store.release_generations()
        device.agent.offer(self.base_policy)
        device.agent.apply_pending()
        if device.agent.applied_version != BASE_VERSION:
            raise Lost("a device booted on damaged state cannot take a good policy")
        if device.rebooted().state()[:2] != device.state()[:2]:
            raise Lost("the good policy did not persist over damaged state")


def stored_files(key: SigningKey, valid_policy: bytes) -> Any:
    """Contents for policy.json, memory.json and session.json: damaged or hostile."""
    anything = st.sampled_from(payloads.NASTY_JSON) | st.binary(max_size=64) | \
        payloads.json_values.map(lambda v: json.dumps(v).encode())
    record = st.fixed_dictionaries({"state_version": st.just(1) | payloads.json_values},
                                   optional={"envelope": payloads.json_values,
                                             "users": st.dictionaries(
                                                 st.sampled_from([USER, "bob"]),
                                                 payloads.memory_snapshots()
                                                 | payloads.json_values, max_size=2)
                                             | payloads.json_values,
                                             "generation": payloads.json_values})
    content = anything | record.map(lambda r: json.dumps(r).encode()) | st.just(
        json.dumps({"state_version": 1, "envelope": valid_policy.decode()[:-3]}).encode())
    return st.dictionaries(st.sampled_from(["policy.json", "memory.json", "session.json"]),
                           content, min_size=1, max_size=3)


def run(seconds: float, tally: Tally, hang_s: float) -> None:
    with tempfile.TemporaryDirectory(prefix="tandem-abuse-docs-") as tmp, \
            thread_crashes(tally), timed(tally):
        fuzzer = DocumentFuzzer(Path(tmp))
        policies = st.tuples(payloads.policy_payloads(fuzzer.key, fuzzer.base_policy),
                             st.booleans())
        memories = st.tuples(payloads.memory_payloads(fuzzer.key, fuzzer.base_memory),
                             st.sampled_from([USER, USER, "bob", None]))
        fuzz(policies, fuzzer.check_policy, seconds * 0.35, tally, hang_s)
        fuzz(memories, fuzzer.check_memory, seconds * 0.3, tally, hang_s)
        fuzz(payloads.policy_documents(), fuzzer.check_operator, seconds * 0.15, tally, hang_s)
        fuzz(stored_files(fuzzer.key, fuzzer.base_policy), fuzzer.check_stored,
             seconds * 0.2, tally, hang_s)
