"""Run the cloud service as a child process on loopback (demo and benchmarks)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from contract.errors import TandemError
from contract.ports import free_port


def last_line(log: IO[bytes] | None) -> str:
    """The last line a child wrote to its log file ('?' if none)."""
    if log is None:
        return "?"
    log.seek(0)
    lines = log.read().decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "?"


def wait_serving(
    target: str,
    timeout_s: float,
    proc: subprocess.Popen[bytes],
    credentials: grpc.ChannelCredentials | None = None,
    log: IO[bytes] | None = None,
) -> None:
    deadline = time.monotonic() + timeout_s
    channel = (
        grpc.secure_channel(target, credentials) if credentials else grpc.insecure_channel(target)
    )
    with channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise TandemError(f"the cloud service exited: {last_line(log)}")
            with contextlib.suppress(grpc.RpcError):
                reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=0.5)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            time.sleep(0.1)
    raise TandemError(f"the cloud service at {target} did not become ready in {timeout_s:.0f} s")


@contextlib.contextmanager
def local_cloud(
    model: Path, timeout_s: float = 60.0, fleet_dir: Path | None = None,
    device_bundle: Path | None = None, options: Sequence[str] = (),
) -> Iterator[str]:
    """Start `tandem cloud serve` on a free loopback port; yields HOST:PORT.

    With `fleet_dir` it serves mTLS, and readiness is checked with `device_bundle`'s
    certificate (the server accepts nothing else). `options`: more `cloud serve` options."""
    target = f"127.0.0.1:{free_port()}"
    tls = ["--tls-fleet-dir", str(fleet_dir)] if fleet_dir else []
    # Its log goes to a file: a pipe nobody reads fills at 64 KB, and the service's next
    # log line would then block its event loop (every call after that hangs).
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cloud.cli", "cloud", "serve", "--listen", target,
             "--model", str(model), *tls, *options],
            stdout=subprocess.DEVNULL, stderr=log,
        )
        credentials = None
        if device_bundle is not None:
            from edge.fleet.grpc_tls import bundle_credentials

            credentials = bundle_credentials(device_bundle)
        try:
            wait_serving(target, timeout_s, proc, credentials, log)
            yield target
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
