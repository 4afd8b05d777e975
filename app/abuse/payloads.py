"""Generators for hostile policy and memory documents, as the device receives them.

Four kinds, from the outside in: bytes that are not JSON (or are JSON a parser may choke
on: deep nesting, numbers of thousands of digits, NaN); JSON that is not an envelope;
a real signed envelope with one field changed; and documents signed with a key the
device trusts but written by a hostile or broken operator (wrong types, unknown fields,
out-of-range values), which only the schema can refuse.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from contract.fleet import memory, policy
from contract.fleet.signing import MEMORY, POLICY, SigningKey

GROUP, DEVICE, USER = "kitchen", "fuzz-dev", "alice"

# JSON that parses into something awkward, or makes a parser give up in an unusual way.
NASTY_JSON = [
    b"[" * 100_000, b'{"a":' * 50_000, b"9" * 5000, b"-" + b"1" * 4301, b"1e999", b"NaN",
    b"-Infinity", b'"\\ud800"', b'"\\u0000"', b"\xef\xbb\xbf{}", b"\xff\xfe{", b"", b"null",
    b'{"format": "tandem-policy/1", "document": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"format": "tandem-memory-envelope/1", "key_id": ' + b"7" * 5000 + b"}",
]

_scalars = (st.none() | st.booleans() | st.integers() | st.integers(-(10**30), 10**30)
            | st.floats() | st.text(max_size=40) | st.sampled_from(
                [2**53, 2**63, -1, 0, 10**400, 1e308, float("nan"), "", " ",
                 "\u0000", "kitchen", "fuzz-dev", "alice", "hey_jarvis", "light"]))
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=4),
    max_leaves=12,
)


def _section(keys: tuple[str, ...], plausible: Any) -> Any:
    """A mapping of (mostly) the section's own keys to plausible or hostile values."""
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=8),
                           plausible | json_values, max_size=len(keys) + 1) | json_values


_names = st.lists(st.sampled_from(["HassTurnOn", "HassTurnOff", "timer", "Timer", ""])
                  | st.text(max_size=8), max_size=4)
_device = st.dictionaries(
    st.sampled_from(["name", "domain", "area", "command_topic", "state_topic"])
    | st.text(max_size=6),
    st.sampled_from(["lamp", "light", "kitchen", "a/b", ""]) | json_values, max_size=5)


def policy_documents(version: Any = None) -> Any:
    """Dicts shaped like a policy (its sections and keys), with values good and bad."""
    number = st.floats(-1, 100) | st.integers(-5, 100)
    version = version if version is not None else (
        st.integers(1, 60) | st.sampled_from([0, -1, 2**53, 2**53 - 1]) | json_values)
    return st.fixed_dictionaries(
        {"version": version,
         "target": st.fixed_dictionaries({"group": st.just(GROUP)})
         | st.fixed_dictionaries({"device": st.just(DEVICE)}) | _section(
             ("group", "device"), st.sampled_from([GROUP, DEVICE, "other", "Bad Name"]))},
        optional={
            "routing": _section(policy._SECTIONS["routing"],
                                number | st.sampled_from(policy.UNREACHABLE_MODES)),
            "intents": _section(policy._SECTIONS["intents"], _names),
            "latency": _section(policy._SECTIONS["latency"], number),
            "wake": _section(policy._SECTIONS["wake"], number | st.sampled_from(
                ["hey_jarvis", "alexa", "nobody"])),
            "privacy": _section(policy._SECTIONS["privacy"], st.booleans()),
            "inventory": _section(policy._SECTIONS["inventory"],
                                  _names | st.lists(_device, max_size=3) | st.integers()),
            "extra": json_values,
        })


def _mostly(plausible: Any) -> Any:
    """Three times in four the plausible value, else anything: deep enough to get past
    the first check, wide enough to break the later ones."""
    return st.one_of(plausible, plausible, plausible, json_values)


def memory_snapshots(user: Any = None, rev: Any = None) -> Any:
    """Dicts shaped like a memory snapshot, with values good and bad."""
    fact = st.fixed_dictionaries(
        {"value": _mostly(st.text(max_size=20)), "version": _mostly(st.integers(0, 50))},
        optional={"expires_at": _mostly(st.none() | st.floats() | st.integers())})
    return st.fixed_dictionaries(
        {"format": _mostly(st.just(memory.FORMAT)),
         "user": user if user is not None else _mostly(st.sampled_from([USER, "bob"])),
         "rev": rev if rev is not None else _mostly(st.integers(-2, 10_000)),
         "facts": _mostly(st.dictionaries(st.text(max_size=10), _mostly(fact), max_size=4)),
         "tombstones": _mostly(st.dictionaries(st.text(max_size=10), json_values,
                                               max_size=3))},
        optional={"extra": json_values})


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _envelope(fmt: str, kid: str, signature: str, body_key: str, text: str) -> bytes:
    return json.dumps({"format": fmt, "key_id": kid, "signature": signature,
                       body_key: text}).encode()


def _texts(documents: Any) -> Any:
    """The signed text: a generated document as JSON, or text that is barely JSON."""
    return documents.map(_dumps) | st.sampled_from(NASTY_JSON).map(
        lambda b: b.decode(errors="replace"))


def _mutated(valid: bytes) -> Any:
    """A real envelope with one field replaced, removed or added, or a byte changed."""
    envelope = json.loads(valid)
    field = st.sampled_from([*envelope, "extra"])

    def replace(pair: tuple[str, Any]) -> bytes:
        key, value = pair
        return json.dumps({**envelope, key: value}).encode()

    def drop(key: str) -> bytes:
        return json.dumps({k: v for k, v in envelope.items() if k != key}).encode()

    def flip(pair: tuple[int, int]) -> bytes:
        at, byte = pair
        out = bytearray(valid)
        out[at % len(out)] = byte
        return bytes(out)

    return (st.tuples(field, json_values).map(replace) | field.map(drop)
            | st.tuples(st.integers(0, len(valid)), st.integers(0, 255)).map(flip))


def policy_payloads(key: SigningKey, valid: bytes) -> Any:
    """Bytes for a device's policy topic; `valid` is one real signed envelope."""
    return _payloads(key, valid, policy_documents(), [POLICY, MEMORY], policy.FORMAT,
                     "document")


def memory_payloads(key: SigningKey, valid: bytes) -> Any:
    """Bytes for a user's memory topic; `valid` is one real signed envelope."""
    return _payloads(key, valid, memory_snapshots(), [MEMORY, MEMORY, POLICY],
                     memory.ENVELOPE, "snapshot")


def _payloads(key: SigningKey, valid: bytes, documents: Any, contexts: list[bytes],
              envelope_format: str, field: str) -> Any:
    """Garbage, nasty JSON, any JSON, `valid` mutated, and documents really signed by a
    trusted key (in the right signing context or the other one)."""
    signed = st.tuples(_texts(documents), st.sampled_from(contexts)).map(
        lambda pair: _envelope(envelope_format, key.key_id,
                               key.sign(pair[0].encode(), pair[1]), field, pair[0]))
    return st.one_of(
        st.binary(max_size=200), st.sampled_from(NASTY_JSON), json_values.map(
            lambda v: _dumps(v).encode()),
        _mutated(valid), signed, signed, signed)


def sign_memory(key: SigningKey, snapshot: dict[str, Any]) -> bytes:
    text = json.dumps(snapshot, separators=(",", ":"))
    return _envelope(memory.ENVELOPE, key.key_id, key.sign(text.encode(), MEMORY), "snapshot",
                     text)
