"""The fleet's certificate authority and the operator's signing keys (`tandem pki ...`).

One dedicated CA signs the broker's and the cloud's server certificates and a
client certificate per device (CN = device id) and per service identity. Any
CA in the broker's `cafile` can mint identities, so this CA signs nothing else.
Certificates use ECDSA P-256 (cheap TLS handshakes on small boards); policy
signatures use Ed25519 keys kept apart from the CA (contract.fleet.signing).

Layout of a fleet directory:

    pki/ca.crt ca.key server.crt server.key
    pki/crl.pem                          revoked device certificates (broker and cloud)
    pki/clients/<identity>.crt .key      devices and fleet.operator / fleet.cloud
    keys/operator-<key id>.key           policy signing keys (newest = in use)
    trusted-keys.json                    the public halves devices accept
    registry.json                        devices, their groups and user
"""

from __future__ import annotations

import datetime
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from contract.files import atomic_write
from contract.fleet.names import SERVICE_IDENTITIES, check_name
from contract.fleet.signing import SigningKey, TrustedKeys

CA_NAME = "Tandem fleet CA"
SERVER_NAME = "localhost"
DEFAULT_SERVER_NAMES = (SERVER_NAME, "127.0.0.1")
DAY = datetime.timedelta(days=1)


class PkiError(Exception):
    """A fleet directory problem; the message names the fix."""


@dataclass(frozen=True)
class FleetPaths:
    root: Path

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def ca_cert(self) -> Path:
        return self.pki / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.pki / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.pki / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.pki / "server.key"

    def client_cert(self, identity: str) -> Path:
        return self.pki / "clients" / f"{identity}.crt"

    def client_key(self, identity: str) -> Path:
        return self.pki / "clients" / f"{identity}.key"

    @property
    def crl(self) -> Path:
        return self.pki / "crl.pem"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def trusted_keys(self) -> Path:
        return self.root / "trusted-keys.json"

    @property
    def registry(self) -> Path:
        return self.root / "registry.json"

    def require(self) -> FleetPaths:
        if not self.ca_cert.exists():
            raise PkiError(f"no fleet CA in {self.root}; run `tandem pki init --fleet-dir "
                           f"{self.root}` first")
        return self


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    atomic_write(path, pem)
    path.chmod(0o600)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _load_ca(paths: FleetPaths) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    key = serialization.load_pem_private_key(paths.ca_key.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return cert, key


def _issue(
    paths: FleetPaths, cn: str, cert_path: Path, key_path: Path, *, server: bool, days: int,
    extra_names: Iterable[str] = (),
) -> None:
    ca_cert, ca_key = _load_ca(paths)
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + days * DAY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_encipherment=False, content_commitment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
    )
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [_general_name(n) for n in sorted({*DEFAULT_SERVER_NAMES, *extra_names})]),
            critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    _write_key(key_path, key)
    # The file is the whole chain (the certificate, then the fleet CA). Given a chain,
    # OpenSSL sends it as it is; given a lone certificate, it rebuilds the chain from the
    # trust store on every handshake, which cost the broker about 12 % of each one.
    atomic_write(cert_path, cert.public_bytes(serialization.Encoding.PEM)
                 + ca_cert.public_bytes(serialization.Encoding.PEM))


def init_fleet(root: Path, days: int = 3650) -> FleetPaths:
    """Create the CA, server and service certificates and the first signing key."""
    paths = FleetPaths(Path(root))
    if paths.ca_cert.exists():
        raise PkiError(f"{paths.root} already has a fleet CA; use another --fleet-dir")
    paths.pki.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name(CA_NAME))
        .issuer_name(_name(CA_NAME))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + days * DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, key_encipherment=False, content_commitment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(paths.ca_key, key)
    atomic_write(paths.ca_cert, ca.public_bytes(serialization.Encoding.PEM))
    _issue(paths, SERVER_NAME, paths.server_cert, paths.server_key, server=True, days=days)
    for identity in SERVICE_IDENTITIES:
        _issue(paths, identity, paths.client_cert(identity), paths.client_key(identity),
               server=False, days=days)
    write_crl(paths, set())
    add_signing_key(paths)
    atomic_write(paths.registry, json.dumps({"devices": {}}, indent=2).encode())
    return paths


def issue_device(paths: FleetPaths, device_id: str, days: int = 825) -> tuple[Path, Path]:
    """A key and certificate whose CN is `device_id` (the broker's username for it)."""
    paths.require()
    check_name("device", device_id)
    cert, key = paths.client_cert(device_id), paths.client_key(device_id)
    _issue(paths, device_id, cert, key, server=False, days=days)
    return cert, key


def revoke_device(paths: FleetPaths, device_id: str) -> int:
    """Put the device's certificate on the CRL (a stolen or retired device); its serial."""
    paths.require()
    try:
        cert = x509.load_pem_x509_certificate(paths.client_cert(device_id).read_bytes())
    except FileNotFoundError:
        raise PkiError(f"no certificate for {device_id} in {paths.pki / 'clients'}; "
                       "`tandem fleet status` lists the devices") from None
    write_crl(paths, revoked_serials(paths) | {cert.serial_number})
    return int(cert.serial_number)


def revoked_devices(paths: FleetPaths) -> set[str]:
    """The identities whose certificate in pki/clients is on the fleet CRL."""
    serials = revoked_serials(paths)
    if not serials:
        return set()
    return {cert_path.stem for cert_path in (paths.pki / "clients").glob("*.crt")
            if x509.load_pem_x509_certificate(cert_path.read_bytes()).serial_number in serials}


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def server_names(paths: FleetPaths) -> set[str]:
    """The DNS names and addresses the broker's (and cloud's) server certificate covers."""
    cert = x509.load_pem_x509_certificate(paths.server_cert.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {*san.get_values_for_type(x509.DNSName),
            *(str(ip) for ip in san.get_values_for_type(x509.IPAddress))}


def ensure_server_names(paths: FleetPaths, wanted: Iterable[str], days: int = 3650) -> bool:
    """Re-issue the server certificate (same CA, so devices need nothing new) when it does
    not cover every name in `wanted`, the names devices use to reach the broker. True when
    it did."""
    have = server_names(paths)
    names = {_canonical_name(n) for n in wanted}
    if names <= have:
        return False
    _issue(paths, SERVER_NAME, paths.server_cert, paths.server_key, server=True, days=days,
           extra_names=have | names)
    return True


def _canonical_name(name: str) -> str:
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name.lower()


def revoked_serials(paths: FleetPaths) -> set[int]:
    """The serials on the fleet CRL, which must be signed by the fleet CA."""
    if not paths.crl.exists():
        return set()
    crl = x509.load_pem_x509_crl(paths.crl.read_bytes())
    ca = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    if not crl.is_signature_valid(ca.public_key()):  # type: ignore[arg-type]
        raise PkiError(f"{paths.crl} is not signed by the fleet CA; rewrite it with "
                       "`tandem pki revoke`")
    return {entry.serial_number for entry in crl}


def write_crl(paths: FleetPaths, serials: set[int]) -> None:
    ca_cert, ca_key = _load_ca(paths)
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        # OpenSSL refuses every client once a CRL is past its next update: keep it valid
        # as long as the CA; `tandem pki revoke` rewrites it anyway.
        .next_update(ca_cert.not_valid_after_utc)
    )
    for serial in sorted(serials):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build())
    crl = builder.sign(ca_key, hashes.SHA256())
    atomic_write(paths.crl, crl.public_bytes(serialization.Encoding.PEM))


# -- policy signing keys -------------------------------------------------------------


def add_signing_key(paths: FleetPaths) -> SigningKey:
    """A new operator key, trusted by devices from their next provisioning / key update."""
    key = SigningKey.generate()
    paths.keys.mkdir(parents=True, exist_ok=True)
    key.save(paths.keys / f"operator-{key.key_id}.key")
    trusted = load_trusted(paths)
    pems = [*_pems(trusted), key.public_pem()]
    TrustedKeys.from_pems(pems).save(paths.trusted_keys)
    return key


def retire_signing_key(paths: FleetPaths, kid: str) -> None:
    trusted = load_trusted(paths)
    if kid not in trusted.keys:
        raise PkiError(f"no trusted key {kid}; `tandem pki keys` lists them")
    if len(trusted.keys) == 1:
        raise PkiError("refusing to retire the only trusted key; add a new one first")
    TrustedKeys({k: v for k, v in trusted.keys.items() if k != kid}).save(paths.trusted_keys)
    (paths.keys / f"operator-{kid}.key").unlink(missing_ok=True)


def load_trusted(paths: FleetPaths) -> TrustedKeys:
    if not paths.trusted_keys.exists():
        return TrustedKeys({})
    return TrustedKeys.load(paths.trusted_keys)


def current_signing_key(paths: FleetPaths) -> SigningKey:
    """The newest key that devices trust."""
    trusted = load_trusted(paths)
    candidates = sorted(paths.keys.glob("operator-*.key"), key=lambda p: p.stat().st_mtime)
    for path in reversed(candidates):
        key = SigningKey.load(path)
        if key.key_id in trusted.keys:
            return key
    raise PkiError(f"no trusted operator signing key in {paths.keys}; run `tandem pki "
                   "rotate-key`")


def _pems(trusted: TrustedKeys) -> list[str]:
    return [
        k.public_bytes(serialization.Encoding.PEM,
                       serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        for k in trusted.keys.values()
    ]
