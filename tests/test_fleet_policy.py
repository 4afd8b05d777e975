"""Fleet policy, signatures, device agent, stores and memory: no broker needed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from cloud.fleet.broker import render_acl
from cloud.fleet.history import History, VersionConflict
from cloud.fleet.memory import MemoryStore
from cloud.fleet.registry import Registry
from contract.fleet import policy as P
from contract.fleet.report import REJECTED, Presence, Report
from contract.fleet.signing import SigningKey, TrustedKeys
from edge.fleet import store as device_store
from edge.fleet.agent import PolicyAgent
from edge.fleet.memory_cache import MemoryCache
from edge.fleet.store import DeviceStore
from edge.privacy import Redactor

KEY = SigningKey.generate()
TRUSTED = TrustedKeys.from_pems([KEY.public_pem()])
GROUPS = frozenset({"kitchen"})


def doc(version: int = 1, **extra: Any) -> dict[str, Any]:
    return {"version": version, "target": {"group": "kitchen"}, **extra}


FULL = doc(
    3,
    routing={"local_confidence": 0.8, "when_cloud_unreachable": "local_only"},
    intents={"allowed": [], "blocked": ["unlock_door"], "confirm": ["buy"]},
    latency={"cloud_deadline_s": 4.0, "filler_after_s": 1.5},
    wake={"word": "hey_jarvis", "threshold": 0.6},
    privacy={"redact_personal_data": True, "keep_audio": False},
    inventory={"areas": ["kitchen"], "devices": [{"name": "lamp", "domain": "light",
                                                  "area": "kitchen"}], "contacts": ["Anna"]},
)


def open_(payload: bytes, applied: int = 0, device: str = "dev-a") -> P.SignedPolicy:
    return P.open_envelope(payload, TRUSTED, device, GROUPS, applied)


def test_signed_full_document_round_trips() -> None:
    signed = open_(P.sign_policy(FULL, KEY))
    policy = signed.policy
    assert policy.version == 3 and policy.routing.local_confidence == 0.8
    assert policy.routing.when_cloud_unreachable == "local_only"
    assert policy.intents.blocked == ("unlock_door",) and not policy.intent_allowed("unlock_door")
    assert policy.latency.filler_after_s == 1.5 and policy.wake.threshold == 0.6
    assert policy.inventory.devices[0].name == "lamp"
    assert len(signed.digest) == 64


def _tamper(payload: bytes, **changes: Any) -> bytes:
    envelope = json.loads(payload)
    envelope.update(changes)
    return json.dumps(envelope).encode()


def _resigned_envelope(document_text: str) -> bytes:
    return json.dumps({"format": P.FORMAT, "key_id": KEY.key_id,
                       "signature": KEY.sign(document_text.encode()),
                       "document": document_text}).encode()


GOOD = P.sign_policy(doc(5), KEY)
OTHER_KEY = SigningKey.generate()


@pytest.mark.parametrize(("payload", "kind"), [
    (b"{not json", P.MALFORMED),
    (b"\xff\xfe", P.MALFORMED),
    (b"[]", P.MALFORMED),
    (b"x" * (P.MAX_PAYLOAD_BYTES + 1), P.TOO_LARGE),
    (_tamper(GOOD, signature=""), P.UNSIGNED),
    (_tamper(GOOD, key_id=None), P.UNSIGNED),
    (_tamper(GOOD, document=json.dumps(doc(6))), P.BAD_SIGNATURE),
    (_tamper(GOOD, signature="!!notbase64"), P.BAD_SIGNATURE),
    (P.sign_policy(doc(5), OTHER_KEY), P.UNKNOWN_KEY),
    (_tamper(GOOD, extra=1), P.UNKNOWN_FIELD),
    (_resigned_envelope(json.dumps(doc(5, colour="red"))), P.UNKNOWN_FIELD),
    (_resigned_envelope(json.dumps(doc(5, routing={"local_confidenc": 1}))), P.UNKNOWN_FIELD),
    (_resigned_envelope(json.dumps(doc(5, routing={"local_confidence": "high"}))), P.SCHEMA),
    (_resigned_envelope(json.dumps(doc(5, routing={"local_confidence": 2}))), P.SCHEMA),
    (_resigned_envelope(json.dumps(doc(True))), P.SCHEMA),
    (_resigned_envelope(json.dumps({"version": 5, "target": {"group": "k", "device": "d"}})),
     P.SCHEMA),
    (_resigned_envelope(json.dumps(doc(5, privacy={"keep_audio": "no"}))), P.SCHEMA),
    (_resigned_envelope("not json at all"), P.MALFORMED),
    (P.sign_policy({"version": 5, "target": {"device": "dev-b"}}, KEY), P.WRONG_TARGET),
    (P.sign_policy({"version": 5, "target": {"group": "car"}}, KEY), P.WRONG_TARGET),
    (P.sign_policy(doc(2), KEY), P.STALE),
    (GOOD, P.STALE),  # a replay of the applied version
])
def test_every_bad_input_is_rejected_with_its_kind(payload: bytes, kind: str) -> None:
    with pytest.raises(P.PolicyRejected) as exc:
        open_(payload, applied=5 if kind == P.STALE else 0)
    assert exc.value.kind == kind
    assert exc.value.reason


def test_schema_errors_name_the_field() -> None:
    with pytest.raises(P.PolicyRejected, match=r"latency.filler_after_s: must be below"):
        P.parse_policy(doc(latency={"cloud_deadline_s": 1.0, "filler_after_s": 2.0}))
    with pytest.raises(P.PolicyRejected, match=r"inventory.devices\[0\].domain"):
        P.parse_policy(doc(inventory={"devices": [{"name": "x"}]}))
    with pytest.raises(P.PolicyRejected, match=r"unknown field\(s\) \['colour'\]"):
        P.parse_policy(doc(colour=1))
    with pytest.raises(P.PolicyRejected, match=r"wake.word: must be one of \[.*'hey_jarvis'"):
        P.parse_policy(doc(wake={"word": "hey_toaster"}))
    assert P.parse_policy(doc(wake={"word": "alexa"})).wake.word == "alexa"


def test_key_rotation_accepts_every_trusted_key() -> None:
    new = SigningKey.generate()
    both = TrustedKeys.from_pems([KEY.public_pem(), new.public_pem()])
    for key in (KEY, new):
        assert P.open_envelope(P.sign_policy(doc(7), key), both, "dev-a", GROUPS).policy.version
    only_new = TrustedKeys.from_pems([new.public_pem()])
    with pytest.raises(P.PolicyRejected) as exc:
        P.open_envelope(P.sign_policy(doc(8), KEY), only_new, "dev-a", GROUPS)
    assert exc.value.kind == P.UNKNOWN_KEY


def make_agent(tmp_path: Path | None = None) -> tuple[PolicyAgent, list[Report]]:
    reports: list[Report] = []
    store = DeviceStore(tmp_path) if tmp_path else None
    return PolicyAgent("dev-a", GROUPS, TRUSTED, store, reports.append), reports


def test_agent_rejects_with_reason_and_keeps_previous(tmp_path: Path) -> None:
    agent, reports = make_agent(tmp_path)
    agent.offer(P.sign_policy(doc(4), KEY))
    assert agent.applied_version == 0  # staged, not applied until idle
    agent.apply_pending()
    assert agent.applied_version == 4 and reports[-1].status == "applied"
    for bad in (b"{", _tamper(P.sign_policy(doc(9), KEY), signature=""),
                P.sign_policy(doc(3), KEY)):
        agent.offer(bad)
        assert reports[-1].status == REJECTED and reports[-1].applied_version == 4
    assert reports[-1].subject_version == 3 and "not newer" in reports[-1].reason
    assert agent.apply_pending() is None and agent.applied_version == 4


def test_retained_old_copies_are_ignored_silently() -> None:
    agent, reports = make_agent()
    agent.offer(P.sign_policy(doc(4), KEY))
    agent.apply_pending()
    count = len(reports)
    agent.offer(P.sign_policy(doc(2), KEY), retained=True)  # group doc older than device doc
    agent.offer(P.sign_policy(doc(4), KEY))  # the same version again (operator retry)
    assert len(reports) == count and agent.stats.ignored_stale == 2


def test_a_copy_of_the_held_policy_skips_the_signature_check(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # After a broker restart every device gets its document again (retained and
    # re-published); verifying those copies was a third of the simulator's CPU.
    agent, reports = make_agent()
    payload = P.sign_policy(doc(4), KEY)
    agent.offer(payload)
    verified: list[str] = []
    real_verify = TrustedKeys.verify

    def counted(keys: TrustedKeys, kid: str, *args: Any) -> bool:
        verified.append(kid)
        return real_verify(keys, kid, *args)

    monkeypatch.setattr(TrustedKeys, "verify", counted)
    agent.offer(payload, retained=True)  # pending: the same bytes again
    agent.apply_pending()
    agent.offer(payload)  # applied: the same bytes again
    assert verified == [] and agent.stats.ignored_stale == 2 and agent.applied_version == 4
    forged = json.loads(payload)["document"].replace('"version":4', '"version":5')
    agent.offer(_tamper(payload, document=forged))  # other bytes are checked in full
    assert verified == [KEY.key_id] and reports[-1].status == REJECTED
    assert agent.applied_version == 4


def test_newest_pending_wins(tmp_path: Path) -> None:
    agent, reports = make_agent(tmp_path)
    agent.offer(P.sign_policy(doc(2), KEY))
    agent.offer(P.sign_policy(doc(3), KEY))
    agent.apply_pending()
    assert agent.applied_version == 3 and [r.subject_version for r in reports] == [3]


def test_applied_policy_survives_restart_and_a_crash_mid_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent, _ = make_agent(tmp_path)
    agent.offer(P.sign_policy(doc(4), KEY))
    agent.apply_pending()
    assert make_agent(tmp_path)[0].applied_version == 4

    def power_cut(src: str, dst: str) -> None:
        raise OSError("power cut")

    agent.offer(P.sign_policy(doc(5), KEY))
    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(OSError):
        agent.apply_pending()
    monkeypatch.undo()
    assert agent.applied_version == 4  # not applied in memory either
    restarted, _ = make_agent(tmp_path)
    assert restarted.applied_version == 4
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_session_generations_grow_across_reboots_without_a_write_per_attempt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = DeviceStore(tmp_path)
    first = [store.next_generation() for _ in range(50)]
    on_disk = store.session_path.read_bytes()
    more = [store.next_generation() for _ in range(50)]
    numbers = first + more
    assert numbers == sorted(set(numbers))  # strictly increasing
    assert store.session_path.read_bytes() == on_disk  # one write reserved them all
    # A power cut, then a boot with the clock far behind (no RTC): still above them all.
    monkeypatch.setattr(device_store, "wall_ms", lambda: 1000)
    rebooted = DeviceStore(tmp_path)
    after_power_cut = rebooted.next_generation()
    assert after_power_cut > numbers[-1]
    # A clean stop records the last number used, so the next boot goes on from there.
    rebooted.release_generations()
    monkeypatch.setattr(device_store, "wall_ms", lambda: after_power_cut - 5)
    assert DeviceStore(tmp_path).next_generation() == after_power_cut + 1


def test_tampered_store_is_refused_at_boot(tmp_path: Path) -> None:
    agent, _ = make_agent(tmp_path)
    agent.offer(P.sign_policy(doc(4), KEY))
    agent.apply_pending()
    path = tmp_path / "policy.json"
    record = json.loads(path.read_text())
    record["envelope"] = record["envelope"].replace('\\"version\\":4', '\\"version\\":99')
    assert "99" in record["envelope"]
    path.write_text(json.dumps(record))
    restarted, reports = make_agent(tmp_path)
    assert restarted.applied_version == 0
    assert "bad_signature" in (restarted.boot_problem or "")
    path.write_text("{half a fi")
    assert make_agent(tmp_path)[0].applied_version == 0


def test_presence_generations_stale_will_never_wins() -> None:
    birth2 = Presence("d", True, 2)
    assert Presence("d", True, 2).supersedes(Presence("d", False, 1))
    assert not Presence("d", False, 1).supersedes(birth2)  # stale will of session 1
    assert Presence("d", False, 2).supersedes(birth2)  # this session's own will


def test_redaction() -> None:
    redact = Redactor(["Anna Smith", "Bob"])
    text = ("email anna@example.com or call +44 20 7946 0958, card 4111 1111 1111 1111, "
            "I live at 12 Baker Street; tell Anna Smith and bob")
    out = redact(text)
    for secret in ("anna@", "7946", "4111", "Baker", "Anna Smith", "bob"):
        assert secret not in out
    assert "[email]" in out and "[phone]" in out and "[card]" in out
    assert "[address]" in out and "[name]" in out
    assert redact("set a timer for 10 minutes") == "set a timer for 10 minutes"


def test_memory_store_forget_and_ttl_reach_the_cache(tmp_path: Path) -> None:
    clock = [1000.0]
    published: list[bytes] = []
    store = MemoryStore(tmp_path / "m.json", lambda t, p: published.append(p), key=KEY,
                        clock=lambda: clock[0])
    cache = MemoryCache(TRUSTED, DeviceStore(tmp_path / "dev"))
    store.remember("alice", "coffee", "black")
    store.remember("alice", "parking", "level 3", ttl_s=60)
    assert cache.offer(published[-1])
    assert set(cache.facts("alice", at=clock[0])) == {"coffee", "parking"}
    assert set(cache.facts("alice", at=clock[0] + 61)) == {"coffee"}  # expired offline
    store.forget("alice", "coffee")
    snapshot = json.loads(json.loads(published[-1])["snapshot"])
    assert "coffee" in snapshot["tombstones"] and "coffee" not in snapshot["facts"]
    assert not cache.offer(published[0])  # an old snapshot never resurrects anything
    assert cache.offer(published[-1])
    assert "coffee" not in cache.facts("alice", at=clock[0])
    assert MemoryCache(TRUSTED, DeviceStore(tmp_path / "dev")).rev("alice") == snapshot["rev"]
    assert not cache.offer(b"{garbage") and cache.rejected
    reopened = MemoryStore(tmp_path / "m.json", clock=lambda: clock[0])
    assert reopened.facts("alice") == {"parking": "level 3"}


def test_memory_must_be_signed_by_a_trusted_key_for_this_user(tmp_path: Path) -> None:
    published: list[bytes] = []
    store = MemoryStore(publish=lambda t, p: published.append(p), key=KEY)
    store.remember("alice", "coffee", "black")
    good = published[-1]
    envelope = json.loads(good)
    inner = envelope["snapshot"]
    planted = inner.replace("black", "with poison")
    forged = {
        "unsigned": inner.encode(),  # the bare snapshot, as a broker could plant it
        "tampered": json.dumps({**envelope, "snapshot": planted}).encode(),
        "untrusted key": MemoryStore(publish=lambda t, p: None, key=OTHER_KEY)
        .signed_snapshot("alice"),
        # A policy signature over the same bytes: the domain separation refuses it.
        "policy signature": json.dumps({**envelope, "signature": KEY.sign(inner.encode())})
        .encode(),
    }
    cache = MemoryCache(TRUSTED, DeviceStore(tmp_path / "dev"))
    for name, payload in forged.items():
        assert not cache.offer(payload, user="alice"), name
    assert cache.facts("alice") == {} and len(cache.rejected) == len(forged)
    assert not cache.offer(good, user="bob")  # alice's memory on bob's topic
    assert "alice's memory on bob's topic" in cache.rejected[-1]
    assert cache.offer(good, user="alice") and cache.facts("alice")["coffee"].value == "black"


def test_full_memory_refuses_the_change_and_keeps_the_rest(tmp_path: Path) -> None:
    published: list[bytes] = []
    store = MemoryStore(tmp_path / "m.json", lambda t, p: published.append(p), key=KEY)
    store.remember("alice", "coffee", "black")
    with pytest.raises(ValueError, match="alice's memory is full"):
        store.remember("alice", "novel", "x" * 300_000)
    assert store.facts("alice") == {"coffee": "black"} and len(published) == 1
    assert MemoryStore(tmp_path / "m.json").facts("alice") == {"coffee": "black"}
    assert store.remember("alice", "tea", "green") == 2  # the revision did not move
    with pytest.raises(ValueError, match="memory is full"):  # the limit holds unsigned too
        MemoryStore(tmp_path / "unsigned.json").remember("bob", "novel", "x" * 300_000)


def test_published_memory_needs_a_key() -> None:
    with pytest.raises(ValueError, match="signing key"):
        MemoryStore(publish=lambda t, p: None)


def test_version_compare_and_set(tmp_path: Path) -> None:
    history = History(tmp_path / "h.json")
    history.claim(3)
    with pytest.raises(VersionConflict, match="use 4 or higher"):
        history.claim(3)
    with pytest.raises(VersionConflict, match="moved to version 3"):
        history.claim(9, expected_max=2)
    history.claim(4, expected_max=3)
    assert history.next_version() == 5


def test_acl_confines_devices() -> None:
    registry = Registry()
    registry.add("dev-a", ["kitchen"], "alice")
    acl = render_acl(registry)
    assert "pattern read tandem/device/%u/policy" in acl
    assert "user dev-a\ntopic read tandem/group/kitchen/policy\n" \
           "topic read tandem/user/alice/memory" in acl
    with pytest.raises(ValueError):
        registry.add("fleet.operator", [], None)  # no device can claim a service identity


def test_after_a_broker_restart_only_acknowledged_publishes_are_sent_again() -> None:
    import paho.mqtt.client as mqtt

    from cloud.fleet.rollout import _broker_took

    def info(rc: mqtt.MQTTErrorCode, acked: bool) -> mqtt.MQTTMessageInfo:
        message = mqtt.MQTTMessageInfo(1)
        message.rc = rc
        if acked:
            message._set_as_published()
        return message

    assert _broker_took(None)  # nothing known: send it
    assert _broker_took(info(mqtt.MQTT_ERR_SUCCESS, acked=True))  # the crash may have lost it
    assert not _broker_took(info(mqtt.MQTT_ERR_SUCCESS, acked=False))  # paho re-sends it
    assert not _broker_took(info(mqtt.MQTT_ERR_NO_CONN, acked=False))  # queued while down
    assert _broker_took(info(mqtt.MQTT_ERR_QUEUE_SIZE, acked=False))  # paho dropped it
