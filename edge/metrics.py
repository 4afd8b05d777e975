"""The edge daemon's Prometheus metrics (`tandem edge run --metrics HOST:PORT`).

Everything is read off the turn records the daemon already writes (edge.trace), once per
turn, so the loop pays nothing per frame:

    tandem_edge_turns_total{route, layer}        requests by where they went, who heard them
    tandem_edge_silence_seconds{route}           end of speech -> first reply sample
    tandem_edge_stage_seconds{stage}             stt, nlu, rescore, tts_first_audio, ...
    tandem_edge_wakes_total{word}                wake words (follow-ups and announcements not)
    tandem_edge_barge_ins_total{by}              replies cut short, by what
    tandem_edge_fallbacks_total{reason}          spoken fallbacks, by why
    tandem_edge_policy_version                   the fleet policy applied (0: none)
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from edge.trace import TurnRecord

# Seconds: a voice turn lives between tens of milliseconds and a few seconds.
BUCKETS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
STAGES = ("fast_finish", "stt", "rescore", "nlu", "cloud_first_chunk", "tts_first_audio",
          "response")
_NOT_WOKEN = ("(answer)", "(announcement)")


class EdgeMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.turns = Counter("tandem_edge_turns", "Requests by route and the layer that "
                             "heard them", ("route", "layer"), registry=r)
        self.silence = Histogram("tandem_edge_silence_seconds", "End of the user's speech "
                                 "to the first reply sample", ("route",), buckets=BUCKETS,
                                 registry=r)
        self.stage = Histogram("tandem_edge_stage_seconds", "Time of each stage of a turn",
                               ("stage",), buckets=BUCKETS, registry=r)
        self.wakes = Counter("tandem_edge_wakes", "Wake words heard", ("word",), registry=r)
        self.barge_ins = Counter("tandem_edge_barge_ins", "Replies cut short", ("by",),
                                 registry=r)
        self.fallbacks = Counter("tandem_edge_fallbacks", "Spoken fallbacks", ("reason",),
                                 registry=r)
        self.policy_version = Gauge("tandem_edge_policy_version", "The fleet policy "
                                    "version applied (0: none)", registry=r)

    def observe(self, record: TurnRecord) -> None:
        route = record.route or "none"
        if record.wake_word not in _NOT_WOKEN:
            self.wakes.labels(record.wake_word).inc()
        if route != "announcement":
            self.turns.labels(route, record.stt_layer or "none").inc()
        for stage in STAGES:
            if stage in record.timings_ms:
                self.stage.labels(stage).observe(record.timings_ms[stage] / 1000)
        if "silence" in record.timings_ms:
            self.silence.labels(route).observe(record.timings_ms["silence"] / 1000)
        if record.interrupted_by:
            self.barge_ins.labels(record.interrupted_by).inc()
        if record.error:
            self.fallbacks.labels(fallback_reason(record.error)).inc()

    def follow_policy(self, version: Callable[[], int]) -> None:
        """Report the applied policy version as it is at each scrape."""
        self.policy_version.set_function(lambda: float(version()))

    def serve(self, host: str, port: int) -> None:
        """The /metrics endpoint, in a thread of its own."""
        start_http_server(port, addr=host, registry=self.registry)


def fallback_reason(error: str) -> str:
    """A bounded label from a record's error ("stt missed its 5.0 s deadline" ->
    "stt_deadline", "audio overrun: ..." -> "audio_overrun", "unreachable")."""
    if " missed its " in error:
        return error.split(" ", 1)[0] + "_deadline"
    return error.split(":", 1)[0].strip().replace(" ", "_")[:32] or "unknown"
