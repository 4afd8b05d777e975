"""Bearer tokens per device, for clouds not on mTLS (behind a TLS-terminating proxy, or a
trusted network): each device presents `authorization: Bearer <token>`; the token says
which device (and whose) it is, so a device speaks only for itself and its user comes from
the token, never from the request. Only a hash of each token is stored; the token itself is
shown once, when issued (`tandem cloud token DEVICE --tokens FILE [--user U]`)."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from contract.files import atomic_write
from contract.fleet.names import check_name


@dataclass(frozen=True)
class TokenHolder:
    device: str
    user: str | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DeviceTokens:
    def __init__(self, holders: dict[str, TokenHolder]) -> None:
        self._by_digest = holders  # sha256(token) -> holder

    @classmethod
    def load(cls, path: Path) -> DeviceTokens:
        """ValueError naming the file when it is missing or malformed."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            holders = {entry["sha256"]: TokenHolder(device, entry.get("user"))
                       for device, entry in raw["devices"].items()}
        except FileNotFoundError:
            raise ValueError(f"device tokens {path} not found; issue one with "
                             "`tandem cloud token DEVICE --tokens FILE`") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"device tokens {path} are malformed ({exc})") from None
        return cls(holders)

    def holder(self, authorization: str | None) -> TokenHolder | None:
        """Whose token `authorization` ("Bearer <token>") carries; None if none or unknown."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        # A dict lookup by hash: no timing difference reveals how much of a guess matched.
        return self._by_digest.get(_digest(authorization.removeprefix("Bearer ").strip()))


def issue_token(path: Path, device: str, user: str | None = None) -> str:
    """A new token for `device` (replacing its old one); returns it: it is not stored."""
    check_name("device", device)
    if user is not None:
        check_name("user", user)
    raw = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"devices": {}}
    token = secrets.token_urlsafe(32)
    raw["devices"][device] = {"sha256": _digest(token), "user": user}
    atomic_write(path, (json.dumps(raw, indent=2, sort_keys=True) + "\n").encode())
    return token
