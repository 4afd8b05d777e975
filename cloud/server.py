"""Build and run the cloud gRPC server: Conversation + grpc.health.v1, graceful drain.

Start order matters: the llama worker process is spawned before any gRPC
object exists (gRPC's threads and locks do not survive fork), then the server
starts with health NOT_SERVING, and flips to SERVING once the worker reports
the model loaded. SIGINT/SIGTERM set NOT_SERVING and stop the server with a
grace period so in-flight answers can finish. A worker that dies (or that the progress
watchdog killed) is replaced by a new one (`respawn`): NOT_SERVING until it has loaded
the model, then SERVING again; after MAX_RESTARTS within RESTART_WINDOW_S `cloud serve`
exits non-zero and leaves the restarting to its supervisor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio

from cloud.answer_cache import AnswerCache
from cloud.backends import Backend
from cloud.service import ConversationService, add_to_server
from cloud.settings import CloudSettings
from cloud.user_memory import UserMemory
from cloud.worker_client import ModelLoadError, WorkerClient
from cloud.worker_messages import ModelLoaded
from contract.tasks import cancel_and_wait

log = logging.getLogger(__name__)

# Health is reported for the whole server ("") and for the Conversation service.
HEALTH_SERVICES = ("", "tandem.v1.Conversation")
_GGUF_MAGIC = b"GGUF"

# Exit codes of `cloud serve`.
EXIT_OK = 0
EXIT_WORKER_DIED = 1
EXIT_CONFIG = 2

MAX_RESTARTS = 3
RESTART_WINDOW_S = 300.0


class ServeError(Exception):
    """A startup problem with a one-line explanation that names the fix."""


def check_model_file(path: Path) -> str | None:
    """Return a one-line problem description, or None if `path` looks like a GGUF model."""
    if not path.exists():
        return f"model file not found: {path} (pass --model with the path to a .gguf file)"
    if not path.is_file():
        return f"model path is not a file: {path} (pass --model with the path to a .gguf file)"
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(_GGUF_MAGIC))
    except OSError as exc:
        return f"cannot read model file {path}: {exc.strerror} (check its permissions)"
    if magic != _GGUF_MAGIC:
        return (
            f"not a GGUF model: {path} (llama.cpp needs a .gguf file; convert the model "
            "with llama.cpp's convert_hf_to_gguf.py or download a GGUF build)"
        )
    return None


class CloudServer:
    """A started gRPC server bound to one worker. Create with `start`."""

    def __init__(
        self,
        settings: CloudSettings,
        worker: Backend,
        server: grpc.aio.Server,
        health: health_aio.HealthServicer,
        service: ConversationService,
        port: int,
        respawn: Callable[[], Backend] | None = None,
    ) -> None:
        self.settings = settings
        self.worker = worker
        self.service = service
        self.port = port
        self.restarts = 0  # workers started to replace one that died
        self._respawn = respawn
        self._server = server
        self._health = health
        self._drain: asyncio.Task[None] | None = None
        self._worker_gone = asyncio.Event()  # for good: no replacement
        self._served = False  # SERVING at least once (a model that loads)
        self._watchdog = asyncio.create_task(self._watch_worker(), name="worker-watchdog")

    @classmethod
    async def start(
        cls,
        settings: CloudSettings,
        worker: Backend,
        tls: grpc.ServerCredentials | None = None,
        memory: UserMemory | None = None,
        handoff: Callable[[bytes], object] | None = None,
        cache: AnswerCache | None = None,
        respawn: Callable[[], Backend] | None = None,
    ) -> CloudServer:
        """Attach the (already spawned) worker, bind, and start serving health=NOT_SERVING.

        `tls`: serve with these credentials (mTLS with device certificates, see
        cloud.fleet.grpc_tls) instead of an insecure port. `respawn`: makes a new worker
        when this one dies (None: the server stops serving for good).
        """
        worker.attach()
        server = grpc.aio.server(options=settings.server_options())
        service = ConversationService(settings, worker, memory, handoff, cache)
        add_to_server(service, server)
        health = health_aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health, server)
        for name in HEALTH_SERVICES:
            await health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        try:
            port = (
                server.add_secure_port(settings.listen, tls)
                if tls is not None
                else server.add_insecure_port(settings.listen)
            )
        except RuntimeError as exc:  # grpcio raises RuntimeError("Failed to bind ...")
            raise ServeError(
                f"cannot listen on {settings.listen}: {exc} (is the port in use, or the "
                "address not on this machine? pass --listen HOST:PORT)"
            ) from None
        if port == 0:
            raise ServeError(f"cannot listen on {settings.listen} (pass --listen HOST:PORT)")
        await server.start()
        return cls(settings, worker, server, health, service, port, respawn)

    @property
    def target(self) -> str:
        """Address clients can dial (loopback if bound to a wildcard)."""
        host = self.settings.listen.rsplit(":", 1)[0]
        if host in ("", "0.0.0.0", "[::]"):
            host = "127.0.0.1"
        return f"{host}:{self.port}"

    async def serve_when_loaded(
        self, before_serving: Callable[[], Awaitable[None]] | None = None
    ) -> ModelLoaded:
        """Wait for the model, then report SERVING. Raises ModelLoadError.

        `before_serving` runs between "loaded" and SERVING (a test seam that
        makes the NOT_SERVING phase observable; None in production).
        """
        loaded = await self.worker.wait_loaded()
        if before_serving is not None:
            await before_serving()
        if not self.worker.ready:  # it died meanwhile; the watchdog said NOT_SERVING
            raise ModelLoadError("the worker exited after loading")
        await self._set_serving(True)
        return loaded

    async def drain(self, grace_s: float | None = None) -> None:
        """NOT_SERVING, let in-flight calls finish for `grace_s` seconds, stop the worker.

        Idempotent: later callers wait for the first drain. It runs as its own
        task so a caller being cancelled cannot leave the worker running.
        """
        if self._drain is None:
            grace_s = self.settings.grace_s if grace_s is None else grace_s
            self._drain = asyncio.create_task(self._do_drain(grace_s), name="drain")
        await asyncio.shield(self._drain)

    async def wait_worker_gone(self) -> None:
        """Return when the worker died and no replacement serves (`cloud serve` exits)."""
        await self._worker_gone.wait()

    async def _watch_worker(self) -> None:
        started: list[float] = []  # when replacements were started
        try:
            while True:
                await self.worker.wait_exited()
                # A dead worker cannot answer: stop advertising SERVING at once so load
                # balancers route elsewhere while a new one loads.
                await self._set_serving(False)
                now = time.monotonic()
                started = [t for t in started if now - t < RESTART_WINDOW_S]
                if self._respawn is None or self._drain is not None or not self._served:
                    return  # (one that never served has a model that does not load)
                if len(started) >= MAX_RESTARTS:
                    log.error("the llama worker died %d times in %.0f s: giving up",
                              len(started) + 1, RESTART_WINDOW_S)
                    return
                started.append(now)
                self.restarts += 1
                log.warning("the llama worker exited: starting a new one")
                worker = self._respawn()
                worker.attach()
                self.worker = self.service.worker = worker
                try:
                    loaded = await worker.wait_loaded()
                except ModelLoadError as exc:
                    log.error("the new llama worker cannot load the model: %s", exc.reason)
                    return
                if worker.ready and self._drain is None:
                    log.info("a new llama worker serves (model loaded in %.0f ms)",
                             loaded.load_ms)
                    await self._set_serving(True)
        finally:
            self._worker_gone.set()

    async def _set_serving(self, serving: bool) -> None:
        self._served = self._served or serving
        self.service.accepting = serving
        status = (health_pb2.HealthCheckResponse.SERVING if serving
                  else health_pb2.HealthCheckResponse.NOT_SERVING)
        for name in HEALTH_SERVICES:
            await self._health.set(name, status)

    async def _do_drain(self, grace_s: float) -> None:
        self.service.begin_drain(grace_s)
        await cancel_and_wait([self._watchdog], grace_s=2.0)
        try:
            await self._health.enter_graceful_shutdown()
            await self._server.stop(grace_s)
        finally:
            await self.worker.close()


def _fail(message: str) -> None:
    # One line, no traceback: this is read by a person fixing a command line.
    print(f"cloud serve: error: {message}", file=sys.stderr)


def serve(settings: CloudSettings) -> int:
    """Run `cloud serve` until SIGINT/SIGTERM; return the process exit code."""
    if not settings.upstreams:
        assert settings.model_path is not None  # (CloudSettings checks it)
        problem = check_model_file(settings.model_path)
        if problem is not None:
            _fail(problem)
            return EXIT_CONFIG
    if settings.device_tokens is not None:
        from cloud.device_tokens import DeviceTokens

        try:
            DeviceTokens.load(settings.device_tokens)
        except ValueError as exc:
            _fail(str(exc))
            return EXIT_CONFIG
    try:
        memory, link = _memory(settings)
    except ServeError as exc:
        _fail(str(exc))
        return EXIT_CONFIG
    handoff = None
    if link is not None:
        from contract.fleet import names

        def handoff(packet: bytes) -> object:
            return link.publish(names.HANDOFF, packet, retain=False, wait_s=5.0)

    cache = None
    if settings.answer_cache:
        from cloud.answer_cache import AnswerCache
        from cloud.embeddings import Embedder
        from models import ModelError

        try:
            cache = AnswerCache(Embedder())
        except ModelError as exc:
            _fail(f"the answer cache: {exc} (or serve without it: --no-answer-cache)")
            return EXIT_CONFIG
    worker: Backend
    if settings.upstreams:
        from cloud.backends import UpstreamBackend
        from cloud.upstream import UpstreamPool

        worker = UpstreamBackend(UpstreamPool.from_settings(settings.upstreams), settings.n_ctx)
    else:
        worker = WorkerClient.spawn(settings)  # before any gRPC object: see module docstring
    try:
        return asyncio.run(_serve(settings, worker, memory, handoff, cache))
    finally:
        worker.kill()
        if link is not None:
            link.stop()


def _serve_metrics(server: CloudServer, address: str) -> None:
    from cloud.metrics import CloudMetrics

    host, _, port = address.rpartition(":")
    metrics = CloudMetrics()
    metrics.follow(lambda: server.service.pending, lambda: server.service.accepting,
                   lambda: server.restarts)
    server.service.metrics = metrics
    try:
        metrics.serve(host or "127.0.0.1", int(port))
    except (OSError, ValueError, OverflowError) as exc:  # (a port over 65535: Overflow)
        raise ServeError(f"cannot serve metrics on {address}: {exc} (pass --metrics "
                         "HOST:PORT with a free port)") from None


def _memory(settings: CloudSettings) -> tuple[UserMemory | None, Any]:
    """The users' memory, and the MQTT link that publishes its changes (or None)."""
    if settings.fleet_dir is None:
        return None, None
    from cloud.fleet.pki import FleetPaths, PkiError, current_signing_key

    paths = FleetPaths(settings.fleet_dir)
    # (the TLS set-up names what is missing from its own fleet directory)
    if settings.fleet_dir != settings.tls_fleet_dir and not settings.fleet_dir.is_dir():
        raise ServeError(f"{settings.fleet_dir} is not a fleet directory; create it with "
                         "`tandem pki init`")
    if settings.broker is None:
        return UserMemory(settings.fleet_dir), None
    from cloud.fleet.operator import OperatorError, OperatorLink
    from contract.fleet import names

    host, _, port = settings.broker.rpartition(":")
    try:
        key = current_signing_key(paths)
        link = OperatorLink(paths, host, int(port), identity=names.CLOUD, watch=False).start()
    except (OperatorError, PkiError, ValueError) as exc:
        raise ServeError(f"memory sync: {exc}") from None
    return UserMemory(settings.fleet_dir, lambda t, p: link.publish(t, p, wait_s=5.0), key), link


def _tls(settings: CloudSettings) -> grpc.ServerCredentials | None:
    if settings.tls_fleet_dir is None:
        return None
    from cloud.fleet.grpc_tls import server_credentials
    from cloud.fleet.pki import FleetPaths

    paths = FleetPaths(settings.tls_fleet_dir)
    for needed in (paths.ca_cert, paths.server_cert, paths.server_key):
        if not needed.is_file():
            raise ServeError(f"{needed} is missing; create the fleet with `tandem pki init`")
    return server_credentials(paths)


async def _serve(settings: CloudSettings, worker: Backend,
                 memory: UserMemory | None = None,
                 handoff: Callable[[bytes], object] | None = None,
                 cache: AnswerCache | None = None) -> int:
    respawn = None if settings.upstreams else lambda: WorkerClient.spawn(settings)
    try:
        server = await CloudServer.start(settings, worker, tls=_tls(settings), memory=memory,
                                         handoff=handoff, cache=cache, respawn=respawn)
    except ServeError as exc:
        _fail(str(exc))
        return EXIT_CONFIG
    if settings.metrics is not None:
        try:
            _serve_metrics(server, settings.metrics)
        except ServeError as exc:
            _fail(str(exc))
            await server.drain(0.0)
            return EXIT_CONFIG
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    loading = asyncio.create_task(server.serve_when_loaded(), name="wait-model-loaded")
    stopping = asyncio.create_task(stop.wait(), name="wait-stop-signal")
    exited = asyncio.create_task(server.wait_worker_gone(), name="wait-worker-gone")
    code = EXIT_OK
    try:
        await asyncio.wait({loading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if loading.done():
            error = loading.exception()
            if isinstance(error, ModelLoadError):
                _fail(
                    f"cannot load model {settings.model_path}: {error.reason} (check that it "
                    "is a complete GGUF file supported by the installed llama-cpp-python)"
                )
                return EXIT_CONFIG
            if error is not None:
                raise error
            loaded = loading.result()
            log.info("serving on %s (model loaded in %.0f ms)", server.target, loaded.load_ms)
            await asyncio.wait({stopping, exited}, return_when=asyncio.FIRST_COMPLETED)
            if not stopping.done():
                log.error("no llama worker serves; shutting down")
                code = EXIT_WORKER_DIED
        log.info("draining (grace %.1fs)", settings.grace_s)
    finally:
        await cancel_and_wait([loading, stopping, exited], grace_s=2.0)
        # Signal handlers stay installed while draining: a second Ctrl-C must
        # not abort the drain with a KeyboardInterrupt traceback.
        await server.drain()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(signum)
    return code
