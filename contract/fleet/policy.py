"""The fleet policy document: schema, signed envelope, and every way to reject one.

A policy is a full desired document (never a patch) with a version that only
increases. Operators write it as YAML or JSON; `sign_policy` validates it and
wraps its canonical JSON in a signed envelope:

    {"format": "tandem-policy/1", "key_id": "...", "signature": "<base64>",
     "document": "<the policy as JSON text>"}

The signature covers the document text exactly as sent, so nothing needs
canonicalising on the device. `open_envelope` is the device's whole check, in
this order: size, JSON, envelope shape, signature, schema, target, version.
Each failure is a `PolicyRejected` with a stable `kind` and a one-line reason.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contract.fleet import jsontext
from contract.fleet.names import check_name
from contract.fleet.signing import SigningKey, TrustedKeys
from contract.inventory import TOPIC_KEYS, Device, Inventory
from models.manifest import load_manifest

FORMAT = "tandem-policy/1"
MAX_PAYLOAD_BYTES = 64 * 1024

# PolicyRejected.kind values (stable: reports and dashboards branch on them).
TOO_LARGE = "too_large"
MALFORMED = "malformed"
UNSIGNED = "unsigned"
UNKNOWN_KEY = "unknown_key"
BAD_SIGNATURE = "bad_signature"
UNKNOWN_FIELD = "unknown_field"
SCHEMA = "schema"
WRONG_TARGET = "wrong_target"
STALE = "stale"

UNREACHABLE_MODES = ("speak_fallback", "local_only")


class PolicyRejected(Exception):
    """A policy the device will not apply; the previous one stays in force."""

    def __init__(self, kind: str, reason: str, version: int | None = None) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason
        self.version = version


@dataclass(frozen=True)
class Target:
    group: str | None = None
    device: str | None = None

    def matches(self, device_id: str, groups: frozenset[str]) -> bool:
        return self.device == device_id if self.device else self.group in groups

    def describe(self) -> str:
        return f"device {self.device}" if self.device else f"group {self.group}"


@dataclass(frozen=True)
class Routing:
    local_confidence: float = 0.7  # below this a request goes to the cloud
    when_cloud_unreachable: str = "speak_fallback"  # or "local_only": never try the cloud


@dataclass(frozen=True)
class Intents:
    allowed: tuple[str, ...] = ()  # empty: every intent the device knows
    blocked: tuple[str, ...] = ()
    confirm: tuple[str, ...] = ()  # need a spoken "yes" before running


@dataclass(frozen=True)
class Latency:
    cloud_deadline_s: float = 6.0
    filler_after_s: float = 1.0  # speak a filler if the cloud has said nothing by then


@dataclass(frozen=True)
class Wake:
    word: str = "hey_jarvis"
    threshold: float = 0.5


@dataclass(frozen=True)
class Privacy:
    redact_personal_data: bool = True  # before a transcript leaves the device
    keep_audio: bool = False


@dataclass(frozen=True)
class Policy:
    version: int
    target: Target
    routing: Routing = field(default_factory=Routing)
    intents: Intents = field(default_factory=Intents)
    latency: Latency = field(default_factory=Latency)
    wake: Wake = field(default_factory=Wake)
    privacy: Privacy = field(default_factory=Privacy)
    inventory: Inventory = field(default_factory=Inventory)

    def intent_allowed(self, intent: str) -> bool:
        if intent in self.intents.blocked:
            return False
        return not self.intents.allowed or intent in self.intents.allowed


@dataclass(frozen=True)
class SignedPolicy:
    """A verified policy plus the exact signed text (persisted and re-verified at boot)."""

    policy: Policy
    envelope: bytes
    digest: str  # sha256 of the document text, reported so the operator can match it


# -- schema -------------------------------------------------------------------------

_SECTIONS: dict[str, tuple[str, ...]] = {
    "target": ("group", "device"),
    "routing": ("local_confidence", "when_cloud_unreachable"),
    "intents": ("allowed", "blocked", "confirm"),
    "latency": ("cloud_deadline_s", "filler_after_s"),
    "wake": ("word", "threshold"),
    "privacy": ("redact_personal_data", "keep_audio"),
    "inventory": ("areas", "devices", "contacts", "places", "lists"),
}
_TOP = ("version", *_SECTIONS)


def _fail(where: str, problem: str) -> PolicyRejected:
    return PolicyRejected(SCHEMA, f"{where}: {problem}")


def _mapping(raw: object, where: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(where, f"must be a mapping, got {type(raw).__name__}")
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise PolicyRejected(
            UNKNOWN_FIELD, f"{where}: unknown field(s) {unknown}; allowed: {list(allowed)}"
        )
    return raw


def _number(raw: Mapping[str, Any], key: str, where: str, lo: float, hi: float,
            default: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(f"{where}.{key}", f"must be a number, got {value!r}")
    if not lo <= value <= hi:
        raise _fail(f"{where}.{key}", f"must be between {lo:g} and {hi:g}, got {value!r}")
    return float(value)


def _flag(raw: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise _fail(f"{where}.{key}", f"must be true or false, got {value!r}")
    return value


def _names(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
        raise _fail(f"{where}.{key}", "must be a list of non-empty strings")
    if len({x.casefold() for x in value}) != len(value):
        raise _fail(f"{where}.{key}", "lists a name twice")
    return tuple(value)


def _target(raw: object) -> Target:
    section = _mapping(raw, "target", _SECTIONS["target"])
    group, device = section.get("group"), section.get("device")
    if (group is None) == (device is None):
        raise _fail("target", "needs exactly one of 'group' or 'device'")
    try:
        if group is not None:
            return Target(group=check_name("group", group))
        return Target(device=check_name("device", str(device)))
    except ValueError as exc:
        raise _fail("target", str(exc)) from None


def _inventory(raw: object) -> Inventory:
    section = _mapping(raw, "inventory", _SECTIONS["inventory"])
    devices = []
    for i, item in enumerate(section.get("devices") or []):
        where = f"inventory.devices[{i}]"
        item = _mapping(item, where, ("name", "domain", "area", *TOPIC_KEYS))
        for key in ("name", "domain"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise _fail(f"{where}.{key}", "is required and must be a non-empty string")
        area = item.get("area")
        if area is not None and not isinstance(area, str):
            raise _fail(f"{where}.area", "must be a string")
        for key in TOPIC_KEYS:
            if key in item and not isinstance(item[key], str):
                raise _fail(f"{where}.{key}", "must be a string (an MQTT topic)")
        topics = tuple((key, item[key]) for key in TOPIC_KEYS if key in item)
        devices.append(Device(item["name"], item["domain"], area, topics))
    if len({d.name.casefold() for d in devices}) != len(devices):
        raise _fail("inventory.devices", "lists a device name twice")
    return Inventory(
        areas=_names(section, "areas", "inventory"),
        devices=tuple(devices),
        contacts=_names(section, "contacts", "inventory"),
        places=_names(section, "places", "inventory"),
        lists=_names(section, "lists", "inventory"),
    )


def parse_policy(raw: object) -> Policy:
    """Validate a decoded document (dict) into a Policy, or raise PolicyRejected."""
    top = _mapping(raw, "policy", _TOP)
    if not top:
        raise _fail("policy", "is empty")
    version = top.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**53:
        raise _fail("version", f"must be a positive integer, got {version!r}")
    routing = _mapping(top.get("routing"), "routing", _SECTIONS["routing"])
    mode = routing.get("when_cloud_unreachable", Routing.when_cloud_unreachable)
    if mode not in UNREACHABLE_MODES:
        raise _fail("routing.when_cloud_unreachable", f"must be one of {list(UNREACHABLE_MODES)}, "
                    f"got {mode!r}")
    intents = _mapping(top.get("intents"), "intents", _SECTIONS["intents"])
    latency = _mapping(top.get("latency"), "latency", _SECTIONS["latency"])
    wake = _mapping(top.get("wake"), "wake", _SECTIONS["wake"])
    word = wake.get("word", Wake.word)
    if not isinstance(word, str) or not word.strip():
        raise _fail("wake.word", "must be a non-empty string")
    known_words = sorted(n for n, e in load_manifest().items() if e.role == "wake word")
    if word not in known_words:  # a device cannot apply a word it has no model for
        raise _fail("wake.word", f"must be one of {known_words}, got {word!r}")
    privacy = _mapping(top.get("privacy"), "privacy", _SECTIONS["privacy"])
    parsed_intents = Intents(
        allowed=_names(intents, "allowed", "intents"),
        blocked=_names(intents, "blocked", "intents"),
        confirm=_names(intents, "confirm", "intents"),
    )
    both = set(parsed_intents.allowed) & set(parsed_intents.blocked)
    if both:
        raise _fail("intents", f"{sorted(both)} both allowed and blocked")
    cloud_deadline = _number(latency, "cloud_deadline_s", "latency", 0.5, 60.0,
                             Latency.cloud_deadline_s)
    filler = _number(latency, "filler_after_s", "latency", 0.0, 60.0, Latency.filler_after_s)
    if filler >= cloud_deadline:
        raise _fail("latency.filler_after_s", "must be below latency.cloud_deadline_s")
    return Policy(
        version=version,
        target=_target(top.get("target")),
        routing=Routing(
            local_confidence=_number(routing, "local_confidence", "routing", 0.0, 1.0,
                                     Routing.local_confidence),
            when_cloud_unreachable=mode,
        ),
        intents=parsed_intents,
        latency=Latency(cloud_deadline_s=cloud_deadline, filler_after_s=filler),
        wake=Wake(word=word, threshold=_number(wake, "threshold", "wake", 0.01, 0.99,
                                               Wake.threshold)),
        privacy=Privacy(
            redact_personal_data=_flag(privacy, "redact_personal_data", "privacy",
                                       Privacy.redact_personal_data),
            keep_audio=_flag(privacy, "keep_audio", "privacy", Privacy.keep_audio),
        ),
        inventory=_inventory(top.get("inventory")),
    )


# -- envelope -----------------------------------------------------------------------


def canonical_json(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_policy(document: Mapping[str, Any], key: SigningKey) -> bytes:
    """Validate `document` (raises PolicyRejected) and return the signed envelope bytes."""
    parse_policy(dict(document))
    text = canonical_json(document)
    envelope = {
        "format": FORMAT,
        "key_id": key.key_id,
        "signature": key.sign(text),
        "document": text.decode(),
    }
    payload = json.dumps(envelope, separators=(",", ":")).encode()
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PolicyRejected(TOO_LARGE, f"signed policy is {len(payload)} bytes; the limit is "
                             f"{MAX_PAYLOAD_BYTES}")
    return payload


def peek_version(payload: bytes) -> int | None:
    """The claimed version of an envelope, without trusting it (for reports only)."""
    try:
        document = json.loads(json.loads(payload)["document"])
        version = document.get("version")
        return version if isinstance(version, int) and not isinstance(version, bool) else None
    except Exception:  # noqa: BLE001 - best effort on untrusted bytes
        return None


def open_envelope(
    payload: bytes,
    trusted: TrustedKeys,
    device_id: str,
    groups: frozenset[str],
    applied_version: int = 0,
) -> SignedPolicy:
    """Every check a device makes before it may apply a policy. Raises PolicyRejected."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PolicyRejected(TOO_LARGE, f"{len(payload)} bytes; the limit is {MAX_PAYLOAD_BYTES}")
    try:
        envelope = jsontext.loads(payload)
    except ValueError as exc:
        raise PolicyRejected(MALFORMED, f"not JSON ({exc})") from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise PolicyRejected(MALFORMED, f"not a {FORMAT} envelope")
    extra = sorted(set(envelope) - {"format", "key_id", "signature", "document"})
    if extra:
        raise PolicyRejected(UNKNOWN_FIELD, f"envelope: unknown field(s) {extra}")
    text = envelope.get("document")
    if not isinstance(text, str):
        raise PolicyRejected(MALFORMED, "envelope has no 'document' text")
    kid, signature = envelope.get("key_id"), envelope.get("signature")
    if not isinstance(kid, str) or not isinstance(signature, str) or not signature:
        raise PolicyRejected(UNSIGNED, "no signature; the operator must sign every policy")
    if kid not in trusted.keys:
        raise PolicyRejected(UNKNOWN_KEY, f"signed with key {kid}, which this device does "
                             "not trust (rotate keys onto devices before signing with them)")
    document = text.encode()
    if not trusted.verify(kid, document, signature):
        raise PolicyRejected(BAD_SIGNATURE, f"signature does not match key {kid}")
    try:
        raw = jsontext.loads(document)
    except ValueError as exc:
        raise PolicyRejected(MALFORMED, f"signed document is not JSON ({exc})") from None
    policy = parse_policy(raw)
    if not policy.target.matches(device_id, groups):
        raise PolicyRejected(WRONG_TARGET, f"policy is for {policy.target.describe()}, not "
                             f"this device ({device_id})", policy.version)
    if policy.version <= applied_version:
        raise PolicyRejected(STALE, f"version {policy.version} is not newer than the applied "
                             f"version {applied_version}", policy.version)
    return SignedPolicy(policy, payload, hashlib.sha256(document).hexdigest())
