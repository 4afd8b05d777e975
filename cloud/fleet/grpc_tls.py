"""mTLS for the cloud gRPC service with the fleet's device certificates.

The same certificate that identifies a device to the broker identifies it to
the cloud: the server requires a client certificate signed by the fleet CA,
and `peer_identity` reads its CN (the device id) from the call's auth context.
"""

from __future__ import annotations

import grpc

from cloud.fleet.pki import FleetPaths


def server_credentials(paths: FleetPaths) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials(
        [(paths.server_key.read_bytes(), paths.server_cert.read_bytes())],
        root_certificates=paths.ca_cert.read_bytes(),
        require_client_auth=True,
    )


def peer_identity(context: grpc.aio.ServicerContext) -> str | None:
    """The CN of the caller's verified client certificate (the device id), if any."""
    auth = context.auth_context()
    names = auth.get("x509_common_name") or []
    return names[0].decode() if names else None
