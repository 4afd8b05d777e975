"""Run the cloud service as a child process on loopback (demo and benchmarks)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from contract.errors import TandemError
from contract.ports import free_port


def wait_serving(
    target: str,
    timeout_s: float,
    proc: subprocess.Popen[bytes],
    credentials: grpc.ChannelCredentials | None = None,
) -> None:
    deadline = time.monotonic() + timeout_s
    channel = (
        grpc.secure_channel(target, credentials) if credentials else grpc.insecure_channel(target)
    )
    with channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
                raise TandemError(f"the cloud service exited: {err.splitlines()[-1:] or '?'}")
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
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloud.cli", "cloud", "serve", "--listen", target,
         "--model", str(model), *tls, *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    credentials = None
    if device_bundle is not None:
        from edge.fleet.grpc_tls import bundle_credentials

        credentials = bundle_credentials(device_bundle)
    try:
        wait_serving(target, timeout_s, proc, credentials)
        yield target
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
