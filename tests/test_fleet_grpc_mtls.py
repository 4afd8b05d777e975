"""The device certificate authenticates the device to the cloud gRPC service (mTLS)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from cloud.fleet.grpc_tls import server_credentials
from cloud.fleet.pki import FleetPaths, init_fleet, issue_device, revoke_device
from cloud.server import CloudServer
from cloud.settings import CloudSettings
from cloud.testing import write_tiny_gguf
from cloud.worker_client import WorkerClient
from edge.cloud_link import CloudLink, CloudLinkSettings, CloudUnavailable
from edge.fleet.grpc_tls import channel_credentials


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> FleetPaths:
    paths = init_fleet(tmp_path_factory.mktemp("fleet"))
    issue_device(paths, "dev-a")
    return paths


async def _server(model: Path, fleet: FleetPaths) -> AsyncIterator[CloudServer]:
    settings = CloudSettings(model_path=model, listen="127.0.0.1:0", tls_fleet_dir=fleet.root)
    worker = WorkerClient.spawn(settings)
    try:
        server = await CloudServer.start(settings, worker, tls=server_credentials(fleet))
        await asyncio.wait_for(server.serve_when_loaded(), 30)
        yield server
        await server.drain(1.0)
    finally:
        worker.kill()


async def _ask(target: str, credentials: grpc.ChannelCredentials | None,
               connect_s: float = 1.0, device_id: str = "dev-a") -> str:
    link = CloudLink(CloudLinkSettings(target=target, deadline_s=20, connect_timeout_s=connect_s,
                                       credentials=credentials, device_id=device_id))
    try:
        return " ".join([text async for text in link.converse("why is the sky blue", [],
                                                              "s", 1)])
    finally:
        await link.aclose()


def test_device_certificate_connects_others_are_refused(
    fleet: FleetPaths, tmp_path: Path
) -> None:
    pytest.importorskip("llama_cpp")
    model = write_tiny_gguf(tmp_path / "tiny.gguf")
    rogue = init_fleet(tmp_path / "rogue")
    issue_device(rogue, "dev-a")

    async def scenario() -> None:
        async for server in _server(model, fleet):
            good = channel_credentials(fleet.ca_cert, fleet.client_cert("dev-a"),
                                       fleet.client_key("dev-a"))
            assert await _ask(server.target, good, 5.0)  # answered over mTLS
            # dev-a's certificate cannot speak for dev-b
            with pytest.raises(CloudUnavailable, match="certificate is for 'dev-a'"):
                await _ask(server.target, good, 5.0, device_id="dev-b")
            no_cert = grpc.ssl_channel_credentials(root_certificates=fleet.ca_cert.read_bytes())
            with pytest.raises(CloudUnavailable):
                await _ask(server.target, no_cert)
            other_ca = channel_credentials(fleet.ca_cert, rogue.client_cert("dev-a"),
                                           rogue.client_key("dev-a"))
            with pytest.raises(CloudUnavailable):
                await _ask(server.target, other_ca)
            with pytest.raises(CloudUnavailable):
                await _ask(server.target, None)  # plaintext
            # A revoked certificate is refused at once, without restarting the service.
            issue_device(fleet, "dev-c")
            stolen = channel_credentials(fleet.ca_cert, fleet.client_cert("dev-c"),
                                         fleet.client_key("dev-c"))
            assert await _ask(server.target, stolen, 5.0, device_id="dev-c")
            revoke_device(fleet, "dev-c")
            with pytest.raises(CloudUnavailable, match="'dev-c' is revoked"):
                await _ask(server.target, stolen, 5.0, device_id="dev-c")
            assert await _ask(server.target, good, 5.0)  # others are unaffected

    asyncio.run(asyncio.wait_for(scenario(), 90))
