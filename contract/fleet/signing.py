"""Ed25519 signatures over policy documents and memory snapshots, with a list of trusted keys.

A device trusts every key in its list, so an operator rotates by adding the new
key to devices first, signing with it, then dropping the old one (Mender's
ArtifactVerifyKeys). A key id is the first 16 hex digits of SHA-256 over the
raw public key; it only picks the key, the signature decides.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# Domain separation: a signature over a policy can never pass as one over a memory
# snapshot, or anything else, and the other way round.
POLICY = b"tandem-policy-v1\n"
MEMORY = b"tandem-memory-v1\n"


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey

    @property
    def key_id(self) -> str:
        return key_id(self.private.public_key())

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: Path) -> SigningKey:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return cls(key)

    def save(self, path: Path) -> None:
        pem = self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.write_bytes(pem)
        path.chmod(0o600)

    def public_pem(self) -> str:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def sign(self, document: bytes, context: bytes = POLICY) -> str:
        return base64.b64encode(self.private.sign(context + document)).decode()


@dataclass(frozen=True)
class TrustedKeys:
    """The operator keys a device accepts, by key id."""

    keys: dict[str, Ed25519PublicKey]

    @classmethod
    def from_pems(cls, pems: list[str]) -> TrustedKeys:
        keys: dict[str, Ed25519PublicKey] = {}
        for pem in pems:
            public = serialization.load_pem_public_key(pem.encode())
            if not isinstance(public, Ed25519PublicKey):
                raise ValueError("trusted keys must be Ed25519 public keys")
            keys[key_id(public)] = public
        return cls(keys)

    @classmethod
    def load(cls, path: Path) -> TrustedKeys:
        """A JSON file: {"keys": ["-----BEGIN PUBLIC KEY-----...", ...]}."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or not isinstance(raw.get("keys"), list):
            raise ValueError(f"{path}: expected {{\"keys\": [PEM, ...]}}")
        return cls.from_pems([str(k) for k in raw["keys"]])

    def save(self, path: Path) -> None:
        pems = [
            k.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode()
            for k in self.keys.values()
        ]
        path.write_text(json.dumps({"keys": pems}, indent=2) + "\n", encoding="utf-8")

    def verify(self, kid: str, document: bytes, signature_b64: str,
               context: bytes = POLICY) -> bool:
        public = self.keys.get(kid)
        if public is None:
            return False
        try:
            signature = base64.b64decode(signature_b64, validate=True)
            public.verify(signature, context + document)
        except (InvalidSignature, ValueError):
            return False
        return True
