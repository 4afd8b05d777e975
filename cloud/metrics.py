"""The cloud service's Prometheus metrics (`tandem cloud serve --metrics HOST:PORT`).

    tandem_cloud_calls_total{outcome}     Converse calls by how they ended: a Final's reason
                                          ("stop", "length", "deadline", "cache", ...), an
                                          Error's code ("error:CODE_OVERLOADED") or a status
                                          ("status:RESOURCE_EXHAUSTED", refused before any answer)
    tandem_cloud_queue_seconds            arrival -> the model took the call
    tandem_cloud_first_token_seconds      arrival -> its first token
    tandem_cloud_pending                  calls admitted and not finished (the queue's depth)
    tandem_cloud_serving                  1 while health says SERVING
    tandem_cloud_worker_restarts          llama workers started to replace one that died
"""

from __future__ import annotations

from collections.abc import Callable

import grpc
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from tandem_proto import converse_pb2 as pb

BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)


class CloudMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.calls = Counter("tandem_cloud_calls", "Converse calls by how they ended",
                             ("outcome",), registry=r)
        self.queue = Histogram("tandem_cloud_queue_seconds", "Arrival to the model taking "
                               "the call", buckets=BUCKETS, registry=r)
        self.first_token = Histogram("tandem_cloud_first_token_seconds", "Arrival to the "
                                     "first token", buckets=BUCKETS, registry=r)
        self.pending = Gauge("tandem_cloud_pending", "Calls admitted and not finished",
                             registry=r)
        self.serving = Gauge("tandem_cloud_serving", "1 while health says SERVING",
                             registry=r)
        self.restarts = Gauge("tandem_cloud_worker_restarts", "Llama workers started to "
                              "replace one that died", registry=r)

    def follow(self, pending: Callable[[], int], serving: Callable[[], bool],
               restarts: Callable[[], int]) -> None:
        """Gauges read at each scrape."""
        self.pending.set_function(lambda: float(pending()))
        self.serving.set_function(lambda: float(serving()))
        self.restarts.set_function(lambda: float(restarts()))

    def observe_call(self, last: pb.ConverseResponse | None,
                     context: grpc.aio.ServicerContext) -> None:
        """One finished call: its last response (None: refused with a status)."""
        kind = last.WhichOneof("kind") if last is not None else None
        if kind == "final":
            assert last is not None
            self.calls.labels(last.final.finish_reason or "unknown").inc()
            timings = last.final.timings
            if last.final.finish_reason not in ("cache", "memory", "handoff"):
                self.queue.observe(timings.queue_ms / 1000)
            if timings.first_token_ms > 0:
                self.first_token.observe(timings.first_token_ms / 1000)
        elif kind == "error":
            assert last is not None
            self.calls.labels("error:" + pb.Error.Code.Name(last.error.code)).inc()
        else:  # aborted with a status, or a stream the caller left mid-answer
            code = context.code() if kind is None else None
            self.calls.labels(f"status:{code.name}" if isinstance(code, grpc.StatusCode)
                              else "cancelled").inc()

    def serve(self, host: str, port: int) -> None:
        """The /metrics endpoint, in a thread of its own."""
        start_http_server(port, addr=host, registry=self.registry)
