"""Parse models/manifest.toml into frozen entries."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

MANIFEST_PATH = Path(__file__).with_name("manifest.toml")

Source = Literal["installed", "download", "repo"]


@dataclass(frozen=True)
class ModelEntry:
    name: str
    role: str
    package: str
    version: str
    source: Source
    license: str
    # Path inside the package's wheel (relative to site-packages) -> sha256 hex digest.
    files: tuple[tuple[str, str], ...]

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


@cache
def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, ModelEntry]:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    entries = {}
    for name, body in raw.items():
        if body["source"] not in ("installed", "download", "repo"):
            raise ValueError(f"{path}: model {name!r} has unknown source {body['source']!r}")
        entries[name] = ModelEntry(
            name=name,
            role=body["role"],
            package=body["package"],
            version=body["version"],
            source=body["source"],
            license=body["license"],
            files=tuple(body["files"].items()),  # manifest order: callers unpack it
        )
    return entries
