"""mTLS for the cloud gRPC service with the fleet's device certificates.

The same certificate that identifies a device to the broker identifies it to
the cloud: the server requires a client certificate signed by the fleet CA,
and `peer_identity` reads its CN (the device id) from the call's auth context.
gRPC's Python credentials take no CRL, so `Revocations` checks the caller's
certificate serial against the fleet's CRL (`tandem pki revoke`), re-read when
the file changes, so a revoked device is refused without a restart.
"""

from __future__ import annotations

import grpc
from cryptography import x509

from cloud.fleet.pki import FleetPaths, revoked_serials


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


def peer_serial(context: grpc.aio.ServicerContext) -> int | None:
    pems = context.auth_context().get("x509_pem_cert") or []
    return int(x509.load_pem_x509_certificate(pems[0]).serial_number) if pems else None


class Revocations:
    """The serial numbers on the fleet CRL, re-read when the file changes."""

    def __init__(self, paths: FleetPaths) -> None:
        self.paths = paths
        self._stamp: tuple[int, int] | None = None
        self._serials: frozenset[int] = frozenset()

    def __contains__(self, serial: int) -> bool:
        self._reload()
        return serial in self._serials

    def _reload(self) -> None:
        try:
            stat = self.paths.crl.stat()
        except FileNotFoundError:
            self._stamp, self._serials = None, frozenset()
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._stamp, self._serials = stamp, frozenset(revoked_serials(self.paths))
