"""Encryption at rest for what the device keeps: kept audio, the memory cache, the audit log.

Each is sealed with AES-256-GCM under a key only this device derives: HKDF-SHA256 of the
device's secret, which is the private key of its fleet certificate (`device.key` in the
bundle from `tandem pki issue`) or, for a device outside a fleet, 32 random bytes created
once in its state directory (`at-rest.key`, mode 0600). Each use has its own label (the
GCM associated data), so a sealed audit entry cannot be passed off as a memory cache.

Recovery: the fleet operator keeps every device's bundle (FLEET/devices/ID), so
`tandem edge unseal FILE --fleet BUNDLE` opens anything that device sealed, and the
memory cache needs no recovery at all (the broker keeps each user's newest snapshot and
the device fetches it again). Outside a fleet, back up `at-rest.key`: without it the
sealed files cannot be read, which is the point.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from contract.errors import TandemError

MAGIC = b"TANDEM-SEALED/1\n"
NONCE_BYTES = 12
SECRET_FILE = "at-rest.key"
AUDIO, MEMORY, AUDIT = "audio", "memory", "audit"


class SealedFileError(TandemError):
    """A sealed file this device's key cannot open (another device's, or damaged)."""


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


@dataclass(frozen=True, repr=False)
class SealingKey:
    """The device's at-rest key (never printed: repr=False)."""

    key: bytes

    @classmethod
    def derive(cls, secret: bytes) -> SealingKey:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=b"tandem at-rest v1")
        return cls(hkdf.derive(secret))

    @classmethod
    def for_device(cls, device_key: Path | None, state_dir: Path,
                   create: bool = True) -> SealingKey:
        """From the fleet bundle's private key when there is one, else from the state
        directory's own secret (created on first use, unless `create` is False)."""
        if device_key is not None:
            return cls.derive(_private_key_bytes(device_key))
        secret = state_dir / SECRET_FILE
        if not create and not secret.is_file():
            raise TandemError(f"no {SECRET_FILE} in {state_dir}: name the state dir of the "
                              "device that sealed it (--state-dir), or its bundle (--fleet)")
        return cls.derive(_state_secret(secret))

    def seal(self, data: bytes, label: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return MAGIC + nonce + AESGCM(self.key).encrypt(nonce, data, label.encode())

    def open(self, blob: bytes, label: str, name: str = "the file") -> bytes:
        if not is_sealed(blob):
            raise SealedFileError(f"{name} is not a sealed Tandem file")
        body = blob[len(MAGIC):]
        nonce, ciphertext = body[:NONCE_BYTES], body[NONCE_BYTES:]
        try:
            return AESGCM(self.key).decrypt(nonce, ciphertext, label.encode())
        except (InvalidTag, ValueError):
            raise SealedFileError(
                f"{name} was sealed by another device's key or is damaged; open it with "
                "the device bundle that sealed it (`tandem edge unseal FILE --fleet BUNDLE`)"
            ) from None


def _private_key_bytes(path: Path) -> bytes:
    """The private key as canonical DER, so re-encoding the PEM does not change the key."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise TandemError(f"cannot read the device key {path} for encryption at rest: "
                          f"{exc}; reinstall the device bundle (`tandem pki issue`)") from None
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _state_secret(path: Path) -> bytes:
    """The state directory's secret, created whole or not at all (link() refuses to
    replace one another process made first)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(32))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    secret = path.read_bytes()
    if len(secret) != 32:
        raise TandemError(f"{path} is not a 32-byte at-rest secret; restore it from its "
                          "backup (without it the sealed files cannot be read)")
    return secret
