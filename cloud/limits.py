"""What a Converse request may hold, checked before the call is admitted, and the text
clean-up that keeps a user's words from acting as chat-template control tokens.

Every limit here is a guard against abuse or a broken client, far above what a device
sends (it sends a few recent turns of a spoken conversation); the token budget that
really bounds the prompt is applied later, once, by the backend (`fit_to_budget`).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from tandem_proto import converse_pb2 as pb


@dataclass(frozen=True)
class RequestLimits:
    # The request as a whole: larger ones are refused with INVALID_ARGUMENT before any
    # work. The gRPC transport refuses anything over `transport_bytes` itself.
    max_request_bytes: int = 256 * 1024
    transport_bytes: int = 8 * 1024 * 1024
    max_context_turns: int = 64
    max_turn_chars: int = 4000  # one context turn, and the transcript
    max_id_chars: int = 128  # device_id, session_id

    def __post_init__(self) -> None:
        for name in ("max_request_bytes", "max_context_turns", "max_turn_chars",
                     "max_id_chars"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.transport_bytes < self.max_request_bytes:
            raise ValueError("transport_bytes must be at least max_request_bytes")


_ID = re.compile(r"[A-Za-z0-9._:@/+-]+")


def request_problem(request: pb.ConverseRequest, limits: RequestLimits) -> str | None:
    """One line naming what is wrong with `request` (and the limit), or None."""
    size = request.ByteSize()
    if size > limits.max_request_bytes:
        return (f"the request is {size} bytes, over the limit of {limits.max_request_bytes}: "
                "send fewer or shorter context turns")
    for name in ("device_id", "session_id", "user_id"):
        value = getattr(request, name)
        if len(value) > limits.max_id_chars:
            return f"{name} is longer than {limits.max_id_chars} characters"
        if value and not _ID.fullmatch(value):
            return f"{name} {for_log(value)} has characters outside [A-Za-z0-9._:@/+-]"
    if not request.device_id:
        return "device_id is empty"
    if not request.transcript.strip():
        return "the transcript is empty"
    if len(request.transcript) > limits.max_turn_chars:
        return f"the transcript is longer than {limits.max_turn_chars} characters"
    if len(request.context) > limits.max_context_turns:
        return (f"{len(request.context)} context turns, over the limit of "
                f"{limits.max_context_turns}: send only the recent ones")
    for i, turn in enumerate(request.context):
        if len(turn.text) > limits.max_turn_chars:
            return f"context turn {i} is longer than {limits.max_turn_chars} characters"
    return None


def for_log(value: str, keep: int = 40) -> str:
    """A client-supplied string fit for a log line: quoted, escaped, and clipped."""
    clipped = value if len(value) <= keep else value[:keep] + f"...(+{len(value) - keep})"
    return repr(clipped)


# Chat-template control markers of the common model families: ChatML and Llama 3
# (<|im_start|>, <|eot_id|>, ...), Llama 2 / Mistral ([INST], <<SYS>>, <s>), Gemma
# (<start_of_turn>). In user text they are only characters; left alone the template
# renders them verbatim and the tokenizer reads them as control tokens (a user could
# open a system turn).
_MARKERS = re.compile(
    r"<\|[^<>|\s]{1,40}\|>|\[/?INST\]|<</?SYS>>|</?s>|<(?:start|end)_of_turn>",
    re.IGNORECASE,
)


def neutralise_markers(text: str) -> str:
    """`text` with every control marker broken by a zero-width space after its first
    character: the words stay readable to the model, the tokens are no longer special."""
    return _MARKERS.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1:], text)


@dataclass(frozen=True)
class RateSettings:
    per_minute: float = 60.0  # sustained requests per device (a voice: a few a minute)
    burst: int = 20  # requests a device may make at once after a quiet spell
    max_devices: int = 10_000  # buckets kept; the least recently seen go first

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst < 1 or self.max_devices < 1:
            raise ValueError("per_minute must be > 0, burst and max_devices >= 1")


class DeviceRateLimiter:
    """A token bucket per device: `burst` requests at once, `per_minute` sustained. The
    buckets are bounded (`max_devices`), so a flood of made-up device ids costs memory
    only up to that bound."""

    def __init__(self, settings: RateSettings,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._now = now
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    def admit(self, device_id: str) -> float | None:
        """None: admitted (one token spent); else the seconds until a token is free."""
        s, now = self.settings, self._now()
        tokens, at = self._buckets.pop(device_id, (float(s.burst), now))
        tokens = min(float(s.burst), tokens + (now - at) * s.per_minute / 60.0)
        wait = None
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) * 60.0 / s.per_minute
        self._buckets[device_id] = (tokens, now)
        while len(self._buckets) > s.max_devices:
            self._buckets.popitem(last=False)
        return wait
