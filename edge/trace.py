"""One record per conversational turn: what was heard, where it went, what was said, how fast."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import IO

from edge.privacy import default_redactor, redact_texts


@dataclass
class TurnRecord:
    turn_id: int
    wake_word: str
    wake_score: float
    wake_at_s: float
    endpoint_at_s: float = 0.0
    endpoint_reason: str = ""
    transcript: str = ""
    # Which layer heard the request: "fast" (the closed-vocabulary grammar, sure of a
    # command), "confirmed" (the grammar's command, confirmed by Whisper's decoder),
    # "rescored" (Whisper found a grammar sentence as likely as its own text) or "whisper";
    # the fast layer's confidence whenever it decoded the request.
    stt_layer: str = ""
    fast_confidence: float | None = None
    intent: str = ""
    slots: dict[str, str | int] = field(default_factory=dict)
    confidence: float = 0.0
    # Every action the request asked for, in spoken order (edge.nlu.plan): [] when nothing
    # is to be done (a negated command); intent and slots are the first one's.
    actions: list[dict[str, object]] = field(default_factory=list)
    route: str = ""  # "local", "cloud", or "local+cloud" (the device acts, the cloud talks)
    # Why a request that would have gone to the cloud was answered on the device
    # ("cloud unreachable": its circuit is open), if it was.
    kept_local: str | None = None
    reply_text: str = ""
    error: str | None = None  # why the reply is a fallback, if it is one
    # Barge-in: what cut the reply short ("wake_word", "stop_phrase", "speech", "cancel")
    # and when (stream time); reply_text then holds only what was actually spoken.
    interrupted_by: str | None = None
    interrupted_at_s: float | None = None
    # What the fast layer made of each would-be stop phrase heard during the turn:
    # {"at_s", "text", "confidence", "accepted"} (accepted: it stopped the reply).
    stop_checks: list[dict[str, object]] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    # (fields added later come last: records built by position keep their meaning)
    device_id: str = ""
    session_id: str = ""
    # Random per turn; it goes to the cloud in the call's metadata and into its log line.
    trace_id: str = ""
    speech_end_s: float | None = None  # the last speech the VAD heard before the endpoint
    stt_early: bool = False  # Whisper started during the endpoint's hangover
    # Whisper's own text's score minus the best grammar sentence's (the rescoring; a
    # sentence at most RescoreSettings.max_gap below answers: stt_layer "rescored").
    rescore_gap: float | None = None
    # Functions the cloud's model asked the device to call: {"name", "arguments",
    # "accepted"} (accepted: valid for this inventory; the skills' rules still applied).
    cloud_calls: list[dict[str, object]] = field(default_factory=list)
    # The fast layer's command Whisper was told in its hint ("" when none; EdgeSettings.
    # stt_fast_lead): where Whisper copied a wrong one, the trace shows it.
    stt_told: str = ""
    # Whisper's decoder confirmed the fast layer's command below its own threshold (stt_layer
    # "confirmed", edge.stages.fast_confirm): the sentence's log-probability per token.
    fast_confirmed: float | None = None

    def to_json(self) -> str:
        record = asdict(self)
        record["wake_score"] = round(self.wake_score, 4)
        record["wake_at_s"] = round(self.wake_at_s, 3)
        record["endpoint_at_s"] = round(self.endpoint_at_s, 3)
        if self.interrupted_at_s is not None:
            record["interrupted_at_s"] = round(self.interrupted_at_s, 3)
        record["timings_ms"] = {k: round(v, 1) for k, v in self.timings_ms.items()}
        return json.dumps(record, ensure_ascii=False)

    def redacted(self, redact: Callable[[str], str]) -> TurnRecord:
        """This record with personal data out of every text in it (what was heard and said,
        slot values, stop checks, the cloud's function arguments): what a trace file or a
        log line shows. The record itself keeps the raw text for the turn's own use."""

        def texts(value: object) -> object:
            return redact_texts(value, redact)

        def rows(items: list[dict[str, object]], *keys: str) -> list[dict[str, object]]:
            return [{k: texts(v) if k in keys else v for k, v in item.items()}
                    for item in items]

        return replace(
            self, transcript=redact(self.transcript), reply_text=redact(self.reply_text),
            slots={k: texts(v) for k, v in self.slots.items()},  # type: ignore[misc]
            actions=rows(self.actions, "slots", "said"),
            stop_checks=rows(self.stop_checks, "text"),
            cloud_calls=rows(self.cloud_calls, "arguments"),
        )

    def summary(self) -> str:
        t = self.timings_ms
        stages = " ".join(f"{k}={t[k]:.{1 if t[k] < 10 else 0}f}ms" for k in t)
        fallback = f" [fallback: {self.error}]" if self.error else ""
        if self.interrupted_by:
            fallback += f" [interrupted by {self.interrupted_by} at {self.interrupted_at_s:.2f} s]"
        if self.route == "announcement":
            return f'announced ({self.intent}) "{self.reply_text}"{fallback}'
        return (
            f'heard "{self.transcript}" -> {self.route} ({self.intent}) -> '
            f'"{self.reply_text}"{fallback} | {stages}'
        )


class TraceWriter:
    """JSON Lines, one object per turn, flushed as each turn ends. Personal data is
    redacted (edge.privacy; `redact`: one that knows the contacts) unless `raw`, which only
    tests and benches that never leave the machine pass."""

    def __init__(self, stream: IO[str], redact: Callable[[str], str] | None = None,
                 raw: bool = False) -> None:
        self._stream = stream
        self._redact = None if raw else (redact or default_redactor())

    def write(self, record: TurnRecord) -> None:
        if self._redact is not None:
            record = record.redacted(self._redact)
        self._stream.write(record.to_json() + "\n")
        self._stream.flush()
