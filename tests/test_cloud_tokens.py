"""Bearer tokens per device for a cloud not on mTLS: no token, no answer; a device speaks
only for itself; the edge's CloudLink presents its token. Real server, real gRPC."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from cloud.device_tokens import DeviceTokens, issue_token
from cloud.testing import connected_server, run_bounded
from edge.cloud_link import CloudLink, CloudLinkSettings
from tests.test_cloud_cli import cloud_serve, expect_one_line_error

pytest.importorskip("llama_cpp")


def test_tokens_are_kept_as_hashes_and_name_their_device(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = issue_token(path, "dev-a", "alice")
    other = issue_token(path, "dev-b")
    assert token not in path.read_text() and other not in path.read_text()
    tokens = DeviceTokens.load(path)
    holder = tokens.holder(f"Bearer {token}")
    assert holder is not None and (holder.device, holder.user) == ("dev-a", "alice")
    assert tokens.holder(f"Bearer {token}x") is None and tokens.holder(token) is None
    assert tokens.holder(None) is None
    renewed = issue_token(path, "dev-a", "alice")  # a new token replaces the old one
    assert DeviceTokens.load(path).holder(f"Bearer {token}") is None
    assert DeviceTokens.load(path).holder(f"Bearer {renewed}") is not None
    with pytest.raises(ValueError, match="must be"):
        issue_token(path, "no spaces please")


def test_calls_need_the_devices_own_token(tiny_gguf: Path, tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = issue_token(path, "dev-a", "alice")

    async def scenario() -> tuple[grpc.StatusCode, grpc.StatusCode, grpc.StatusCode, str]:
        async with connected_server(tiny_gguf, n_threads=1, device_tokens=path) as (server,
                                                                                   channel):
            stub = pb_grpc.ConversationStub(channel)
            codes = []
            for device, metadata in (("dev-a", None),
                                     ("dev-a", (("authorization", "Bearer wrong"),)),
                                     ("dev-b", (("authorization", f"Bearer {token}"),))):
                request = pb.ConverseRequest(device_id=device, transcript="hi", max_tokens=2)
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    await stub.Converse(request, timeout=10, metadata=metadata).read()
                codes.append(refused.value.code())
            # The edge's link with the right token is answered.
            link = CloudLink(CloudLinkSettings(target=server.target, device_id="dev-a",
                                               token=token, deadline_s=20.0))
            try:
                said = " ".join([t async for t in link.converse("hi", [], "s1", 1)])
            finally:
                await link.aclose()
            return codes[0], codes[1], codes[2], said

    none, wrong, other_device, said = run_bounded(scenario(), limit_s=60)
    assert none == wrong == grpc.StatusCode.UNAUTHENTICATED
    assert other_device == grpc.StatusCode.PERMISSION_DENIED
    assert said


def test_token_cli_and_a_missing_token_file(tiny_gguf: Path, tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    out = subprocess.run([sys.executable, "-m", "cloud.cli", "cloud", "token", "dev-a",
                          "--tokens", str(path), "--user", "alice"],
                         capture_output=True, text=True, check=True, timeout=60)
    token = out.stdout.strip()
    assert len(token) >= 40 and DeviceTokens.load(path).holder(f"Bearer {token}") is not None
    assert json.loads(path.read_text())["devices"]["dev-a"]["user"] == "alice"
    expect_one_line_error(
        cloud_serve("--model", str(tiny_gguf), "--device-tokens", str(tmp_path / "none.json")),
        "none.json not found", "cloud token")
