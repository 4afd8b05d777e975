"""The device's gRPC credentials: its fleet certificate and the fleet CA (mTLS)."""

from __future__ import annotations

from pathlib import Path

import grpc


def bundle_credentials(bundle: Path) -> grpc.ChannelCredentials:
    """Credentials from a device bundle as `tandem pki issue` writes it."""
    return channel_credentials(bundle / "ca.crt", bundle / "device.crt", bundle / "device.key")


def channel_credentials(ca: Path, cert: Path, key: Path) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=ca.read_bytes(),
        private_key=key.read_bytes(),
        certificate_chain=cert.read_bytes(),
    )
