"""`tandem board bundle`: one archive that installs the edge daemon on a board without internet.

    tandem board bundle --arch aarch64 --out tandem-board-aarch64.tar.gz --build-root ROOT
    # on the board (Debian 12 / Raspberry Pi OS bookworm, Python 3.11):
    tar xzf tandem-board-aarch64.tar.gz && sudo tandem-board-aarch64/install.sh

The archive (one top folder, `tandem-board-ARCH-VERSION/`) holds

* `wheels/`: `tandem[edge]` resolved for the board (Python 3.11, glibc 2.36) against
  requirements.lock: PyPI's wheels for that architecture, plus wheels built here for what
  PyPI has none of (`bundle.json: built_from_source`; PyAudio, and Tandem itself with its
  Cython kernels). Built for another architecture, they are compiled in a root of that
  architecture (`--build-root`, e.g. the emulated one of `python -m tools.arm64_root build`);
* `models/`: the edge's models that no wheel carries (a manifest entry with
  source = "download"; the rest ship inside their pinned packages and Tandem's own wheel);
* `bundle.json`: every model file with its sha256 from models/manifest.toml and where it
  is (`container`: a wheel, read without extracting it, or a file under models/);
* `SHA256SUMS` (`sha256sum -c` format): every other file of the bundle;
* `units/tandem-edge.service` (edge/systemd.py) and `config/edge.toml`, the default
  /etc/tandem/edge.toml, checked against `edge run`'s options when the bundle is built;
* `install.sh` and `verify.py`: the checks first (architecture, Python, every model file
  and every file's sha256: a mismatch refuses the install and names the file), then the
  virtual environment (`pip install --no-index --find-links wheels/`), the models' own
  check (`tandem models verify`), the service user, the config and the unit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from contract.errors import TandemError
from edge.doctor import EDGE_MODELS  # the daemon's models, as the doctor checks them
from models.manifest import ModelEntry, load_manifest
from models.store import sha256_of

REPO = Path(__file__).resolve().parent.parent
ARCHES = ("aarch64", "x86_64")
DEFAULT_VENV = Path("/opt/tandem/venv")
DEFAULT_WORK = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tandem-bundle"
# What a root needs to build wheels without build isolation (requirements-build.lock pins).
BUILD_TOOLS = ("setuptools", "wheel", "Cython", "numpy")
BUILD_DIR_IN_ROOT = "/var/tmp/tandem-build"
BUILD_VENV_IN_ROOT = "/opt/tandem-build/venv"
# pip's two ways of saying it found no wheel: plainly, or (with constraints) as a conflict
MISSING = re.compile(r"No matching distribution found for ([A-Za-z0-9][A-Za-z0-9._-]*)")
UNAVAILABLE = re.compile(r"no matching distributions available for your environment:\n"
                         r"\s+([A-Za-z0-9][A-Za-z0-9._-]*)")


class BundleError(TandemError):
    """The bundle cannot be built; one line that names the fix."""


@dataclass(frozen=True)
class Target:
    """The board's platform: what its pip would accept."""

    arch: str
    python: tuple[int, int] = (3, 11)
    glibc: tuple[int, int] = (2, 36)  # Debian 12, Raspberry Pi OS bookworm

    @property
    def abi(self) -> str:
        return f"cp{self.python[0]}{self.python[1]}"

    def platforms(self) -> tuple[str, ...]:
        manylinux = tuple(f"manylinux_2_{minor}_{self.arch}"
                          for minor in range(17, self.glibc[1] + 1))
        return (f"linux_{self.arch}", f"manylinux2014_{self.arch}", *manylinux)

    def pip_args(self) -> list[str]:
        """`pip download` options that pick this platform's wheels and nothing else."""
        args = ["--only-binary=:all:", "--implementation", "cp",
                "--python-version", f"{self.python[0]}.{self.python[1]}"]
        for abi in (self.abi, "abi3", "none"):
            args += ["--abi", abi]
        for platform in self.platforms():
            args += ["--platform", platform]
        return args


def target(arch: str) -> Target:
    if arch not in ARCHES:
        raise BundleError(f"unknown architecture {arch!r}; a bundle is for one of: "
                          f"{', '.join(ARCHES)} (`uname -m` on the board)")
    return Target(arch)


class WheelBuilder(Protocol):
    """Builds wheels for the bundle's architecture from source trees or sdists."""

    def build(self, sources: Sequence[Path], out: Path) -> list[Path]: ...


@dataclass(frozen=True)
class BundleSettings:
    target: Target
    out: Path
    repo: Path = REPO
    extra: str = "edge"
    models: tuple[str, ...] = EDGE_MODELS
    venv: Path = DEFAULT_VENV
    user: str = "tandem"
    work: Path = DEFAULT_WORK

    @property
    def lock(self) -> Path:
        return self.repo / "requirements.lock"


@dataclass(frozen=True)
class ModelFile:
    model: str
    path: str  # the manifest's path (inside the package; site-packages-relative)
    sha256: str
    container: str  # bundle-relative: "wheels/X.whl" (a member of it) or "models/NAME/PATH"


@dataclass(frozen=True)
class Contents:
    """Everything that goes into a bundle, gathered and checked."""

    target: Target
    tandem_wheel: Path
    wheels: tuple[Path, ...]  # tandem's included
    built_from_source: tuple[str, ...]  # "name==version" of what PyPI has no wheel of
    models: tuple[ModelEntry, ...]
    carried: tuple[tuple[str, Path], ...]  # (bundle path under models/, local file)
    venv: Path
    user: str
    unit: str
    config: str


@dataclass(frozen=True)
class BundleResult:
    archive: Path
    arch: str
    wheels: int
    built_from_source: tuple[str, ...]
    model_files: int
    size_bytes: int
    seconds: float


# ---------------------------------------------------------------- running commands


def _run(cmd: Sequence[str | Path], what: str, fix: str, **kwargs: Any) -> str:
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                            check=False, **kwargs)
    if result.returncode != 0:
        tail = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()
        raise BundleError(f"{what} failed ({tail[-1]}); {fix}")
    return result.stdout + result.stderr


def sha256_member(wheel: Path, member: str) -> str:
    digest = hashlib.sha256()
    with zipfile.ZipFile(wheel) as zf, zf.open(member) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- the project and its pins


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins(lock: Path) -> dict[str, str]:
    """requirements.lock's `name==version` lines, by canonical name."""
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        spec = line.split("#", 1)[0].strip()
        if "==" in spec:
            name, version = spec.split("==", 1)
            pins[canonical(name)] = version.strip()
    return pins


def project_dirs(pyproject: dict[str, Any]) -> list[str]:
    """The top folders holding the packages `[tool.setuptools] packages` lists (read at
    build time: the list changes as modules move)."""
    tool = pyproject.get("tool", {}).get("setuptools", {})
    package_dir: dict[str, str] = tool.get("package-dir", {})
    dirs = []
    for package in tool.get("packages", []):
        top = package.split(".")[0]
        folder = Path(package_dir.get(top, top)).parts[0]
        if folder not in dirs:
            dirs.append(folder)
    return dirs


def stage_project(repo: Path, dest: Path) -> Path:
    """A copy of what Tandem's wheel is built from, without build outputs or caches
    (mtimes kept, so Cython's generated C that is newer than its .pyx is reused)."""
    pyproject = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.so", "cache", "build",
                                    "*.egg-info")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        if (repo / name).is_file():
            shutil.copy2(repo / name, dest / name)
    for folder in project_dirs(pyproject):
        if not (repo / folder).is_dir():
            raise BundleError(f"pyproject.toml lists packages in {folder}/, which is not in "
                              f"{repo}; fix the [tool.setuptools] packages list")
        shutil.copytree(repo / folder, dest / folder, ignore=ignore)
    return dest


# ---------------------------------------------------------------- builders


@dataclass(frozen=True)
class HostBuilder:
    """Builds with this machine's Python (the bundle is for this machine's architecture)."""

    python: Path = Path(sys.executable)

    def build(self, sources: Sequence[Path], out: Path) -> list[Path]:
        out.mkdir(parents=True, exist_ok=True)
        before = set(out.glob("*.whl"))
        _run([self.python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
              "--wheel-dir", out, *sources], f"building {', '.join(s.name for s in sources)}",
             "install the build tools (requirements-build.lock) and Debian's "
             "portaudio19-dev, or run ./tandem setup")
        return sorted(set(out.glob("*.whl")) - before) or _newest(out, sources)


def _newest(out: Path, sources: Sequence[Path]) -> list[Path]:
    """The wheels of `sources` already in `out` (a rebuild that changed nothing)."""
    names = {canonical(s.name.split("-")[0]).replace("-", "_") for s in sources}
    return sorted(w for w in out.glob("*.whl")
                  if canonical(w.name.split("-")[0]).replace("-", "_") in names)


@contextmanager
def entered(root: Path) -> Iterator[None]:
    """/proc, /dev and /dev/pts mounted in `root` while inside (what pip and gcc need);
    only what this mounted is unmounted after. Not /sys: under emulation it describes this
    machine's CPUs, and with it mounted the emulated daemon crashed at start (SIGSEGV)."""
    if os.geteuid() != 0:
        raise BundleError(f"entering {root} needs root (chroot, mount); run this as root")
    mounted = []
    for fstype, source, target_dir in (("proc", "proc", "proc"), ("bind", "/dev", "dev"),
                                       ("bind", "/dev/pts", "dev/pts")):
        point = root / target_dir
        if subprocess.run(["mountpoint", "-q", str(point)], check=False).returncode == 0:
            continue
        point.mkdir(parents=True, exist_ok=True)
        option = ["--bind", source] if fstype == "bind" else ["-t", fstype, source]
        _run(["mount", *option, point], f"mounting {point}", "run as root, outside a "
             "container that forbids mount")
        mounted.append(point)
    try:
        yield
    finally:
        for point in reversed(mounted):
            subprocess.run(["umount", "-l", str(point)], check=False)


def root_env(extra: dict[str, str] | None = None) -> list[str]:
    """`env -i` and a clean environment for a command inside a root (nothing of this
    machine's pip configuration leaks in)."""
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": "/root", "LANG": "C.UTF-8", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           **(extra or {})}
    return ["env", "-i", *(f"{key}={value}" for key, value in env.items())]


@dataclass(frozen=True)
class RootBuilder:
    """Builds inside a root of the bundle's architecture (chroot; an emulated root runs
    through qemu-user-static), with the pinned build tools and no build isolation."""

    root: Path
    build_lock: Path = REPO / "requirements-build.lock"

    def _in_root(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    def _pip_env(self) -> dict[str, str]:
        """This network may intercept TLS: pip in the root trusts what this machine does."""
        bundle = Path(os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
                      or "/etc/ssl/certs/ca-certificates.crt")
        if not bundle.is_file():
            return {}
        shutil.copyfile(bundle, self._in_root("/etc/ssl/host-ca-bundle.crt"))
        return {"PIP_CERT": "/etc/ssl/host-ca-bundle.crt"}

    def ensure_tools(self) -> None:
        pins = lock_pins(self.build_lock)
        wanted = [f"{name}=={pins[canonical(name)]}" for name in BUILD_TOOLS]
        stamp = self._in_root("/opt/tandem-build/tools.txt")
        if stamp.is_file() and stamp.read_text() == "\n".join(wanted):
            return
        if not self._in_root("/usr/bin/python3").exists():
            raise BundleError(f"{self.root} has no /usr/bin/python3; build the root first "
                              "(python -m tools.arm64_root build)")
        env = root_env(self._pip_env())
        fix = "check that the root reaches PyPI (resolv.conf) and has python3-venv"
        _run(["chroot", self.root, *env, "python3", "-m", "venv", BUILD_VENV_IN_ROOT],
             "creating the build environment in the root", fix)
        _run(["chroot", self.root, *env, f"{BUILD_VENV_IN_ROOT}/bin/pip", "install",
              "--only-binary=:all:", *wanted], "installing the build tools in the root", fix)
        stamp.write_text("\n".join(wanted))

    def build(self, sources: Sequence[Path], out: Path) -> list[Path]:
        with entered(self.root):
            self.ensure_tools()
            work = self._in_root(BUILD_DIR_IN_ROOT)
            shutil.rmtree(work, ignore_errors=True)
            (work / "out").mkdir(parents=True)
            inside = []
            for source in sources:
                copy = work / "src" / source.name
                copy.parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir():
                    shutil.copytree(source, copy)
                else:
                    shutil.copy2(source, copy)
                inside.append(f"{BUILD_DIR_IN_ROOT}/src/{source.name}")
            _run(["chroot", self.root, *root_env(), f"{BUILD_VENV_IN_ROOT}/bin/pip", "wheel",
                  "--no-deps", "--no-build-isolation", "--wheel-dir",
                  f"{BUILD_DIR_IN_ROOT}/out", *inside],
                 f"building {', '.join(s.name for s in sources)} in {self.root}",
                 "install the headers it needs in the root (e.g. portaudio19-dev)")
        out.mkdir(parents=True, exist_ok=True)
        built = []
        for wheel in sorted((work / "out").glob("*.whl")):
            shutil.copy2(wheel, out / wheel.name)
            built.append(out / wheel.name)
        return built


def default_builder(arch: str, build_root: Path | None) -> WheelBuilder | None:
    if build_root is not None:
        if not (build_root / "usr" / "bin").is_dir():
            raise BundleError(f"--build-root {build_root} is not a root file system; "
                              "make one with `python -m tools.arm64_root build`")
        return RootBuilder(build_root)
    return HostBuilder() if os.uname().machine == arch else None


# ---------------------------------------------------------------- wheels


def missing_distribution(pip_output: str) -> str | None:
    """The distribution pip found no wheel of, from its error output."""
    found = MISSING.findall(pip_output) or UNAVAILABLE.findall(pip_output)
    return found[-1] if found else None


def download_wheels(target: Target, requirements: Sequence[str], lock: Path, dest: Path,
                    links: Sequence[Path] = ()) -> subprocess.CompletedProcess[str]:
    """`pip download` of `requirements` and their dependencies, wheels for `target` only."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--dest", str(dest), "--constraint",
           str(lock), *target.pip_args()]
    for link in links:
        cmd += ["--find-links", str(link)]
    return subprocess.run([*cmd, *requirements], capture_output=True, text=True, check=False)


def download_sdist(requirement: str, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    before = set(dest.iterdir())
    output = _run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary=:all:",
                   "--dest", dest, requirement], f"downloading the source of {requirement}",
                  "check that PyPI is reachable")
    new = sorted(set(dest.iterdir()) - before)
    if new:
        return new[0]
    name = canonical(requirement.split("==")[0])
    for path in dest.iterdir():  # already there from an earlier run
        if canonical(path.name.rsplit("-", 1)[0]) == name:
            return path
    raise BundleError(f"pip saved no source of {requirement}: {output.strip()[-200:]}")


def resolve_wheels(settings: BundleSettings, tandem_wheel: Path, builder: WheelBuilder | None,
                   dest: Path) -> tuple[str, ...]:
    """Every wheel of `tandem[extra]` for the target into `dest`. What PyPI has no wheel
    of (asked afresh each time) comes from its pinned sdist, built once and cached; the
    `name==version` of each is returned."""
    pins = lock_pins(settings.lock)
    arch_dir = settings.work / settings.target.arch
    links = arch_dir / "from-source"  # this bundle's own builds, nothing stale
    shutil.rmtree(links, ignore_errors=True)
    links.mkdir(parents=True)
    built: list[str] = []
    requirement = f"{tandem_wheel}[{settings.extra}]"
    while True:
        result = download_wheels(settings.target, [requirement], settings.lock, dest,
                                 [links, tandem_wheel.parent])
        if result.returncode == 0:
            return tuple(built)
        name = missing_distribution(result.stdout + result.stderr)
        if name is None or canonical(name) == "tandem":
            tail = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise BundleError(f"resolving tandem[{settings.extra}] for "
                              f"{settings.target.arch} failed: {tail}")
        pin = pins.get(canonical(name))
        if pin is None:
            raise BundleError(f"{name} has no {settings.target.arch} wheel and no pin in "
                              f"{settings.lock.name}; pin it there")
        pinned = f"{name}=={pin}"
        if pinned in built:
            raise BundleError(f"built {pinned} for {settings.target.arch}, but pip still "
                              "finds no wheel of it; is the build root of that architecture?")
        wheel = source_wheel(settings, pinned, builder, arch_dir / "built")
        shutil.copy2(wheel, links / wheel.name)
        built.append(pinned)


def cached_wheel(cache: Path, pinned: str) -> Path | None:
    name, version = pinned.split("==")
    for wheel in sorted(cache.glob("*.whl")) if cache.is_dir() else ():
        parts = wheel.name.split("-")
        if canonical(parts[0]) == canonical(name) and parts[1] == version:
            return wheel
    return None


def source_wheel(settings: BundleSettings, pinned: str, builder: WheelBuilder | None,
                 cache: Path) -> Path:
    """The target's wheel of `pinned`, built from its sdist unless built before."""
    wheel = cached_wheel(cache, pinned)
    if wheel is not None:
        return wheel
    if builder is None:
        raise BundleError(no_builder_message(settings.target.arch, [pinned]))
    builder.build([download_sdist(pinned, settings.work / "sdists")], cache)
    wheel = cached_wheel(cache, pinned)
    if wheel is None:
        raise BundleError(f"building {pinned} left no wheel of it in {cache}")
    return wheel


def no_builder_message(arch: str, needs: Sequence[str]) -> str:
    return (f"PyPI has no {arch} wheels of: {', '.join(needs)}; build them in a root of "
            f"that architecture: --build-root DIR (python -m tools.arm64_root build makes an "
            f"emulated one), or build the bundle on a {arch} machine")


def build_tandem_wheel(settings: BundleSettings, builder: WheelBuilder | None) -> Path:
    """Tandem's own wheel (with its compiled Cython kernels) for the target."""
    if builder is None:
        raise BundleError(no_builder_message(settings.target.arch,
                                             ["tandem itself (its Cython kernels)"]))
    out = settings.work / settings.target.arch / "tandem"
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="tandem-stage-") as tmp:
        source = stage_project(settings.repo, Path(tmp) / "tandem")
        wheels = [w for w in builder.build([source], out) if w.name.startswith("tandem-")]
    if len(wheels) != 1:
        raise BundleError(f"building Tandem's wheel produced {len(wheels)} wheels in {out}")
    wheel = wheels[0]
    if settings.target.arch not in wheel.name:
        raise BundleError(f"Tandem's wheel {wheel.name} is not for {settings.target.arch}: "
                          "the builder is of another architecture")
    return wheel


# ---------------------------------------------------------------- models


def model_entries(names: Sequence[str]) -> tuple[ModelEntry, ...]:
    manifest = load_manifest()
    unknown = [name for name in names if name not in manifest]
    if unknown:
        raise BundleError(f"unknown model(s) {', '.join(unknown)}; the manifest knows: "
                          f"{', '.join(sorted(manifest))}")
    return tuple(manifest[name] for name in names)


def carried_models(entries: Sequence[ModelEntry]) -> tuple[tuple[str, Path], ...]:
    """The local, verified files of models no wheel carries ('download' entries)."""
    from models.store import ModelError, resolve

    carried = []
    for entry in entries:
        if entry.source != "download":
            continue
        try:
            paths = resolve(entry.name)
        except ModelError as exc:
            raise BundleError(f"{exc} (the bundle carries it)") from None
        for (rel, _), path in zip(entry.files, paths, strict=True):
            carried.append((f"models/{entry.name}/{rel}", path))
    return tuple(carried)


def locate_models(entries: Sequence[ModelEntry], wheels: Sequence[Path],
                  carried: Sequence[tuple[str, Path]]) -> list[ModelFile]:
    """Where each model file is in the bundle, its bytes checked against the manifest."""
    members = {wheel: set(zipfile.ZipFile(wheel).namelist()) for wheel in wheels}
    carried_paths = dict(carried)
    located = []
    for entry in entries:
        for rel, expected in entry.files:
            container = f"models/{entry.name}/{rel}"
            if container in carried_paths:
                actual = sha256_of(carried_paths[container])
            else:
                wheel = next((w for w in wheels if rel in members[w]), None)
                if wheel is None:
                    raise BundleError(f"model {entry.name!r}: no bundled wheel holds {rel} "
                                      f"(expected in {entry.requirement})")
                container, actual = f"wheels/{wheel.name}", sha256_member(wheel, rel)
            if actual != expected:
                raise BundleError(f"model {entry.name!r}: {rel} in {container} does not "
                                  f"match the manifest's sha256; fix the manifest or the pin")
            located.append(ModelFile(entry.name, rel, expected, container))
    return located


# ---------------------------------------------------------------- unit and config

DEFAULT_EDGE_TOML = """\
# /etc/tandem/edge.toml: the edge daemon's options (installed by the board bundle).
# Each key is a `tandem edge run` option without its dashes; see README "Command line".
input = "mic"
output = "speaker"
# No cloud set up: what the device cannot answer gets a spoken fallback. To use one,
# replace `offline = true` with: cloud = "cloud.example.net:50051"
offline = true
trace = "/var/lib/tandem/trace.jsonl"
state_dir = "/var/lib/tandem"
"""


def checked_config(text: str) -> str:
    """The default config, validated as `edge run` would read it."""
    from edge.cli import edge_run_parser
    from edge.config_file import ConfigError, config_argv

    run = edge_run_parser()
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as fh:
        fh.write(text)
    try:
        config_argv(Path(fh.name), run)
    except ConfigError as exc:
        raise BundleError(f"the bundle's default edge.toml is invalid: {exc}") from None
    finally:
        os.unlink(fh.name)
    return text


def edge_unit(venv: Path, user: str) -> str:
    from edge.systemd import unit_files

    return unit_files(venv, user)["tandem-edge.service"]


# ---------------------------------------------------------------- the archive


def bundle_name(arch: str, version: str) -> str:
    return f"tandem-board-{arch}-{version}"


def wheel_version(wheel: Path) -> str:
    return wheel.name.split("-")[1]


def write_tree(contents: Contents, models: Sequence[ModelFile], top: Path) -> None:
    """The bundle's files under `top`, SHA256SUMS last."""
    (top / "wheels").mkdir(parents=True)
    for wheel in contents.wheels:
        shutil.copy2(wheel, top / "wheels" / wheel.name)
    for rel, path in contents.carried:
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, top / rel)
    (top / "units").mkdir()
    (top / "units" / "tandem-edge.service").write_text(contents.unit)
    (top / "config").mkdir()
    (top / "config" / "edge.toml").write_text(contents.config)
    install = top / "install.sh"
    install.write_text(install_script(contents))
    install.chmod(0o755)
    (top / "verify.py").write_text(VERIFY_PY)
    (top / "bundle.json").write_text(json.dumps(manifest(contents, models), indent=1) + "\n")
    write_sums(top)


def manifest(contents: Contents, models: Sequence[ModelFile]) -> dict[str, Any]:
    return {
        "arch": contents.target.arch,
        "python": ".".join(map(str, contents.target.python)),
        "glibc": ".".join(map(str, contents.target.glibc)),
        "tandem": wheel_version(contents.tandem_wheel),
        "tandem_wheel": f"wheels/{contents.tandem_wheel.name}",
        "venv": str(contents.venv),
        "user": contents.user,
        "built_from_source": list(contents.built_from_source),
        "wheels": sorted(w.name for w in contents.wheels),
        "models": [asdict(m) for m in models],
    }


def write_sums(top: Path) -> None:
    lines = [f"{sha256_of(path)}  {path.relative_to(top).as_posix()}"
             for path in sorted(top.rglob("*")) if path.is_file() and path.name != "SHA256SUMS"]
    (top / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def write_archive(top: Path, out: Path) -> None:
    """`out` as a gzip tar of `top` (one top folder, root-owned), written atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
        tar.add(top, arcname=top.name, filter=owned_by_root)
    partial.replace(out)


def assemble(contents: Contents, out: Path) -> list[ModelFile]:
    """Check the models against the manifest, then write the archive."""
    models = locate_models(contents.models, contents.wheels, contents.carried)
    with tempfile.TemporaryDirectory(prefix="tandem-bundle-") as tmp:
        top = Path(tmp) / bundle_name(contents.target.arch,
                                      wheel_version(contents.tandem_wheel))
        write_tree(contents, models, top)
        write_archive(top, out)
    return models


def gather(settings: BundleSettings, builder: WheelBuilder | None) -> Contents:
    """Wheels, models, unit and config for the bundle (downloads; builds what must be)."""
    entries = model_entries(settings.models)
    carried = carried_models(entries)
    config = checked_config(DEFAULT_EDGE_TOML)
    tandem_wheel = build_tandem_wheel(settings, builder)
    dest = settings.work / settings.target.arch / "wheels"
    shutil.rmtree(dest, ignore_errors=True)
    built = resolve_wheels(settings, tandem_wheel, builder, dest)
    wheels = tuple(sorted(dest.glob("*.whl")))
    if not any(w.name == tandem_wheel.name for w in wheels):
        wheels = (*wheels, tandem_wheel)
    return Contents(settings.target, tandem_wheel, wheels, built, entries, carried,
                    settings.venv, settings.user, edge_unit(settings.venv, settings.user),
                    config)


def build_bundle(arch: str, out_path: Path, build_root: Path | None = None,
                 models: Sequence[str] = EDGE_MODELS, venv: Path = DEFAULT_VENV,
                 user: str = "tandem", work: Path = DEFAULT_WORK,
                 repo: Path = REPO) -> BundleResult:
    """Build the board bundle for `arch` into `out_path` (see the module's docstring)."""
    started = time.monotonic()
    settings = BundleSettings(target(arch), out_path, repo=repo, models=tuple(models),
                              venv=venv, user=user, work=work)
    if not str(out_path).endswith((".tar.gz", ".tgz")):
        raise BundleError(f"--out {out_path}: the bundle is a .tar.gz")
    builder = default_builder(arch, build_root)
    contents = gather(settings, builder)
    located = assemble(contents, out_path)
    return BundleResult(out_path, arch, len(contents.wheels), contents.built_from_source,
                        len(located), out_path.stat().st_size, time.monotonic() - started)


# ---------------------------------------------------------------- the command


def add_bundle_parser(board: Any) -> argparse.ArgumentParser:
    """`tandem board bundle` on the `board` group's subparsers.

    (`Any` because argparse's subparsers action type is private.)"""
    parser = board.add_parser(
        "bundle", help="one archive that installs the edge daemon on a board without "
                       "internet: wheels, models, config, systemd unit, install.sh")
    parser.add_argument("--arch", required=True, metavar="aarch64|x86_64",
                        help="the board's `uname -m`")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.tar.gz")
    parser.add_argument("--build-root", type=Path, metavar="DIR",
                        help="a root file system of --arch to compile what PyPI has no wheel "
                             "of (PyAudio, Tandem's kernels); `python -m tools.arm64_root "
                             "build` makes an emulated aarch64 one (default: this machine, "
                             "for its own architecture)")
    parser.add_argument("--models", default=",".join(EDGE_MODELS),
                        help="comma-separated manifest names (default: the edge's)")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV,
                        help="where install.sh puts Tandem on the board")
    parser.add_argument("--user", default="tandem", help="the service's user on the board")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK,
                        help="downloads and builds, reused by the next bundle")
    parser.set_defaults(func=run_bundle_command)
    return parser


def run_bundle_command(args: argparse.Namespace) -> int:
    names = [name.strip() for name in args.models.split(",") if name.strip()]
    result = build_bundle(args.arch, args.out, args.build_root, names, args.venv, args.user,
                          args.work)
    print(f"{result.archive}: {result.arch}, {result.wheels} wheels, "
          f"{result.model_files} model files, {result.size_bytes / 2**20:.0f} MiB, "
          f"{result.seconds:.0f} s")
    built = ", ".join(result.built_from_source) or "none"
    print(f"built here (PyPI has no {result.arch} wheel): tandem, {built}")
    return 0


# ---------------------------------------------------------------- the board side

INSTALL_SH = r"""#!/bin/sh
# Installs Tandem's edge daemon from this bundle, offline (@ARCH@, Python @PYTHON@).
#
#   sudo ./install.sh [--venv DIR] [--no-system] [--verify-only]
#
# Checks first, before anything changes: the architecture, Python, every model file and
# every file of the bundle against its sha256 (a mismatch refuses, naming the file). Then:
# the virtual environment (default @VENV@) from wheels/ with no index, the installed
# models' own check, and (unless --no-system) the service user @USER@, /etc/tandem/edge.toml
# (an existing one is kept; the bundle's goes beside it as edge.toml.bundle) and the unit.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
BAKED_VENV=@VENV@
VENV=$BAKED_VENV
SERVICE_USER=@USER@
SYSTEM=1
VERIFY_ONLY=0
fail() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --venv) [ $# -ge 2 ] || fail "--venv needs a directory"; VENV=$2; shift 2 ;;
    --no-system) SYSTEM=0; shift ;;
    --verify-only) VERIFY_ONLY=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) fail "unknown option $1 (see --help)" ;;
  esac
done

machine=$(uname -m)
[ "$machine" = @ARCH@ ] || fail "this bundle is for @ARCH@ and this machine is $machine; \
build one for it: tandem board bundle --arch $machine"
command -v python3 >/dev/null || fail "python3 is missing; fix: apt-get install python3"
python3 -c 'import sys; sys.exit(sys.version_info[:2] != (@PYMAJOR@, @PYMINOR@))' || fail \
  "the wheels are for Python @PYTHON@ and python3 here is $(python3 -V 2>&1 | cut -d' ' -f2); \
use Debian 12 / Raspberry Pi OS bookworm, or build the bundle for this Python"
python3 "$HERE/verify.py" "$HERE" || exit 1
[ "$VERIFY_ONLY" = 0 ] || exit 0
python3 -c 'import ensurepip, venv' 2>/dev/null || \
  fail "python3-venv is missing; fix: apt-get install python3-venv"
if [ "$SYSTEM" = 1 ] && [ "$(id -u)" != 0 ]; then
  fail "run as root (it creates the service user, /etc/tandem and the unit), or pass --no-system"
fi

say "virtual environment $VENV"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --no-index --no-cache-dir --find-links "$HERE/wheels" \
  "$HERE/@TANDEM_WHEEL@[edge]" || fail "pip could not install from wheels/ (above)"
if [ -d "$HERE/models" ]; then
  cache=$("$VENV/bin/python" -c 'from models.store import CACHE_DIR; print(CACHE_DIR)')
  mkdir -p "$cache" && cp -R "$HERE/models/." "$cache/"
fi
"$VENV/bin/tandem" models verify @MODELS@ >/dev/null || fail "the installed models failed \
their check (above); the wheels do not hold what the manifest says"
say "models verified: @MODELS@"
[ "$SYSTEM" = 1 ] || { say "done (--no-system: no user, config or unit)"; exit 0; }

if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
  useradd --system --user-group --home-dir /var/lib/tandem --shell /usr/sbin/nologin \
    "$SERVICE_USER"
fi
getent group audio >/dev/null && usermod -a -G audio "$SERVICE_USER"
install -d -m 0755 /etc/tandem
if [ -e /etc/tandem/edge.toml ]; then
  install -m 0644 "$HERE/config/edge.toml" /etc/tandem/edge.toml.bundle
  say "kept /etc/tandem/edge.toml; the bundle's default is /etc/tandem/edge.toml.bundle"
else
  install -m 0644 "$HERE/config/edge.toml" /etc/tandem/edge.toml
fi
install -d -m 0755 /etc/systemd/system
sed "s#$BAKED_VENV/#$VENV/#g" "$HERE/units/tandem-edge.service" \
  > /etc/systemd/system/tandem-edge.service
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  say "done; start it: systemctl enable --now tandem-edge"
else
  say "done; systemd is not running here: the unit starts once enabled on the board \
(systemctl enable tandem-edge)"
fi
"""


def install_script(contents: Contents) -> str:
    python = contents.target.python
    values = {"@ARCH@": contents.target.arch, "@PYTHON@": f"{python[0]}.{python[1]}",
              "@PYMAJOR@": str(python[0]), "@PYMINOR@": str(python[1]),
              "@VENV@": str(contents.venv), "@USER@": contents.user,
              "@TANDEM_WHEEL@": f"wheels/{contents.tandem_wheel.name}",
              "@MODELS@": " ".join(entry.name for entry in contents.models)}
    text = INSTALL_SH
    for key, value in values.items():
        text = text.replace(key, value)
    return text


VERIFY_PY = r'''"""Checks a Tandem board bundle before anything is installed (stdlib only).

bundle.json first (against SHA256SUMS), then every model file against the manifest's
sha256 (inside its wheel, without extracting it), then every other file against
SHA256SUMS. Exit 0 when intact; otherwise one line naming the bad file, exit 1.
"""
import hashlib
import json
import sys
import zipfile
from pathlib import Path

DAMAGED = "the bundle is damaged: copy it again, or rebuild it (tandem board bundle)"


def digest(stream):
    sha = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        sha.update(block)
    return sha.hexdigest()


def file_digest(path):
    with path.open("rb") as fh:
        return digest(fh)


def model_digest(here, model):
    container = here / model["container"]
    if container.suffix == ".whl":
        with zipfile.ZipFile(container) as zf, zf.open(model["path"]) as fh:
            return digest(fh)
    return file_digest(container)


def fail(message):
    print("install.sh: " + message, file=sys.stderr)
    return 1


def main(here):
    sums = {}
    for line in (here / "SHA256SUMS").read_text().splitlines():
        expected, name = line.split("  ", 1)
        sums[name] = expected
    if file_digest(here / "bundle.json") != sums.get("bundle.json"):
        return fail("bundle.json fails its sha256 check; " + DAMAGED)
    bundle = json.loads((here / "bundle.json").read_text())
    for model in bundle["models"]:
        where = "model file %s (model %s, in %s)" % (model["path"], model["model"],
                                                    model["container"])
        try:
            actual = model_digest(here, model)
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            return fail("%s cannot be read (%s); %s" % (where, exc, DAMAGED))
        if actual != model["sha256"]:
            return fail("%s fails its sha256 check (expected %s, got %s); %s"
                        % (where, model["sha256"], actual, DAMAGED))
    for name, expected in sorted(sums.items()):
        path = here / name
        if not path.is_file():
            return fail("%s is missing; %s" % (name, DAMAGED))
        if file_digest(path) != expected:
            return fail("%s fails its sha256 check; %s" % (name, DAMAGED))
    print("install.sh: bundle intact: %d files, %d model files checked"
          % (len(sums), len(bundle["models"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)))
'''


def main(argv: list[str] | None = None) -> int:
    """`python -m edge.board_bundle --arch ... --out ...` until `tandem board bundle` is
    wired into the CLI."""
    parser = argparse.ArgumentParser(prog="python -m edge.board_bundle")
    add_bundle_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["bundle", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.func(args))
    except TandemError as exc:
        print(f"tandem: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
