"""The device's gRPC credentials: its fleet certificate and the fleet CA (mTLS)."""

from __future__ import annotations

from pathlib import Path

import grpc


def channel_credentials(ca: Path, cert: Path, key: Path) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=ca.read_bytes(),
        private_key=key.read_bytes(),
        certificate_chain=cert.read_bytes(),
    )
