"""Installs what Tandem needs on a Debian machine, one resumable step at a time.

`./tandem` runs this (with the system's python3, standard library only) before every
command. Each step that finishes leaves a stamp in `.venv/.setup/` holding the fingerprint
of its inputs, so a later run skips it; a run after a failure starts again at the step that
failed. A failing step prints its name, the tail of its log and the fix.

Build isolation is off for every build: the build requirements of everything compiled here
(our Cython kernels, llama-cpp-python, PyAudio) are pinned in `requirements-build.lock` and
installed first, and only the packages in `SOURCE_BUILDS` may come as source at all, so a
new sdist among the pins fails loudly instead of quietly needing an unpinned build backend.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STATE_DIR = VENV / ".setup"
LOG_TAIL_LINES = 30

DEBIAN_PACKAGES = (
    "build-essential",  # C/C++ compiler for llama.cpp, PyAudio and the Cython kernels
    "python3-dev",
    "python3-venv",
    "pkg-config",
    "portaudio19-dev",  # PyAudio
    "libspeexdsp1",  # acoustic echo cancellation (edge/audio/echo.py, ctypes)
    "mosquitto",  # the fleet broker (and the home broker in tests)
    "mpd",  # the music player media actions drive (tests start a private one)
    "espeak-ng",  # test and benchmark speech in other voices than the piper one
    "sox",  # noise, reverb and gain conditions for the speech benchmark
    "flite",  # more test and benchmark voices
)
# The only pins without a wheel for this platform (everything else must be a wheel), with
# what their builds import; each of those is pinned in requirements-build.lock.
SOURCE_BUILDS: dict[str, tuple[str, ...]] = {
    "llama-cpp-python": ("scikit-build-core", "pathspec", "packaging", "cmake", "ninja"),
    "pyaudio": ("setuptools", "wheel"),
}

# The default llama.cpp build uses every instruction the build machine has (AMX on some
# servers) and faults on quantized models elsewhere: build for a portable baseline.
LLAMA_CMAKE_ARGS = "-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF"
if platform.machine() == "x86_64":
    LLAMA_CMAKE_ARGS += " -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"

# Patterns of known failures in a step's log, and what fixes them (first match wins).
KNOWN_FAILURES: tuple[tuple[str, str], ...] = (
    (r"No space left on device", "free disk space (the build needs about 3 GB), then rerun"),
    (r"Cannot import build backend|BackendUnavailable",
     "a build backend is missing from .venv: add it, pinned, to requirements-build.lock"),
    (r"portaudio\.h", "install Debian's portaudio19-dev (apt-get install portaudio19-dev)"),
    (r"CERTIFICATE_VERIFY_FAILED",
     "pip does not trust this network's TLS certificate: set PIP_CERT to the CA bundle"),
    (r"Temporary failure in name resolution|Failed to establish a new connection|"
     r"Network is unreachable|Could not resolve host",
     "the network is unreachable: check DNS, a proxy (HTTPS_PROXY) or the firewall"),
    (r"No matching distribution found|Could not find a version that satisfies",
     "pip cannot get a pinned package: check that PyPI is reachable (proxy, PIP_CERT); "
     "if only a source release exists, add it to SOURCE_BUILDS with its build requirements"),
    (r"internal compiler error: Killed|Killed signal terminated|out of memory allocating",
     "the compiler ran out of memory: rerun with TANDEM_BUILD_JOBS=1"),
    (r"ensurepip is not\s+available|No module named venv",
     "install Debian's python3-venv (apt-get install python3-venv)"),
    (r"Could not get lock", "another apt or dpkg is running: wait for it, then rerun"),
    (r"Unable to locate package|has no installation candidate",
     "apt does not know a package: run apt-get update, and check /etc/apt/sources.list"),
)


class StepFailed(Exception):
    """A step exited non-zero; its log is at `log`."""

    def __init__(self, step: Step, log: Path) -> None:
        super().__init__(step.name)
        self.step, self.log = step, log


@dataclass(frozen=True)
class Step:
    """One unit of set-up: a command, the inputs that decide when it runs again, a fix."""

    name: str
    what: str  # shown while it runs
    commands: Sequence[Sequence[str]]
    fix: str  # shown when it fails and no known pattern in its log says more
    inputs: Sequence[str] = ()  # files (relative to ROOT) whose content the stamp covers
    extra: str = ""  # anything else the result depends on (build flags, versions)
    env: dict[str, str] = field(default_factory=dict)
    # Whether what the step made is still in place (files outside .venv can be deleted).
    present: Callable[[], bool] | None = None

    def fingerprint(self, root: Path) -> str:
        digest = hashlib.sha256(self.extra.encode())
        for pattern in self.inputs:
            for path in sorted(root.glob(pattern)):
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
        for command in self.commands:
            digest.update("\0".join(command).encode())
        return digest.hexdigest()


def log(message: str) -> None:
    print(f"\033[1m[tandem setup]\033[0m {message}", file=sys.stderr, flush=True)


def suggested_fix(step: Step, log_text: str) -> str:
    for pattern, fix in KNOWN_FAILURES:
        if re.search(pattern, log_text):
            return fix
    return step.fix


def run_steps(steps: Sequence[Step], root: Path, state_dir: Path) -> int:
    """Runs every step not already done; returns how many ran. Raises StepFailed."""
    state_dir.mkdir(parents=True, exist_ok=True)
    ran = 0
    for step in steps:
        stamp = state_dir / f"{step.name}.done"
        want = step.fingerprint(root)
        stamped = stamp.is_file() and stamp.read_text() == want
        if stamped and (step.present is None or step.present()):
            continue
        stamp.unlink(missing_ok=True)
        log_path = state_dir / f"{step.name}.log"
        log(f"{step.name}: {step.what} (log: {log_path.relative_to(root)})")
        with log_path.open("w") as out:
            for command in step.commands:
                out.write(f"$ {' '.join(command)}\n")
                out.flush()
                code = subprocess.call(
                    list(command), cwd=root, stdout=out, stderr=subprocess.STDOUT,
                    env={**os.environ, **step.env},
                )
                if code != 0:
                    out.write(f"exit status {code}\n")
                    raise StepFailed(step, log_path)
        stamp.write_text(want)
        ran += 1
    return ran


def report_failure(failure: StepFailed, position: int, total: int) -> None:
    text = failure.log.read_text(errors="replace")
    tail = text.splitlines()[-LOG_TAIL_LINES:]
    log(f"step {position}/{total} failed: {failure.step.name} ({failure.step.what})")
    for line in tail:
        print(f"    {line}", file=sys.stderr)
    log(f"fix: {suggested_fix(failure.step, text)}")
    log(f"full log: {failure.log}; run the same command again to resume at this step")


# -- the steps ------------------------------------------------------------------------------


def _missing_debian_packages() -> list[str]:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${db:Status-Abbrev}\n", *DEBIAN_PACKAGES],
        capture_output=True, text=True,
    )
    installed = {
        line.split()[0] for line in result.stdout.splitlines() if line.split()[1:2] == ["ii"]
    }
    return [pkg for pkg in DEBIAN_PACKAGES if pkg not in installed]


def _debian_step() -> Step | None:
    """The packages still missing (dpkg is the state, so this step has no stamp to trust)."""
    if shutil.which("dpkg-query") is None:
        log("not a Debian system: install the equivalents of " + " ".join(DEBIAN_PACKAGES))
        return None
    missing = _missing_debian_packages()
    if not missing:
        return None
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    return Step(
        "debian-packages", f"installing Debian packages: {' '.join(missing)}",
        commands=[
            [*sudo, "apt-get", "update"],
            [*sudo, "apt-get", "install", "-y", "--no-install-recommends", *missing],
        ],
        fix="run as root (or a user with sudo) on a machine whose apt reaches a Debian mirror",
        env={"DEBIAN_FRONTEND": "noninteractive"},
        extra=" ".join(missing),
        present=lambda: not _missing_debian_packages(),
    )


def _downloaded_models_present() -> bool:
    """Models fetched into models/cache (not part of .venv) may have been deleted since."""
    cache = Path(os.environ.get("TANDEM_MODEL_CACHE", ROOT / "models" / "cache"))
    manifest = tomllib.loads((ROOT / "models" / "manifest.toml").read_text())
    return all(
        (cache / name / rel).is_file()
        for name, entry in manifest.items()
        if entry.get("source") == "download"
        for rel in entry.get("files", {})
    )


def _locked_version(package: str) -> str:
    wanted = re.sub(r"[-_.]+", "-", package).lower()
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        name, _, version = line.partition("==")
        if re.sub(r"[-_.]+", "-", name).lower() == wanted:
            return version.strip()
    raise SystemExit(f"[tandem setup] requirements.lock does not pin {package}")


def python_steps() -> list[Step]:
    python = str(VENV / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--progress-bar", "off"]
    jobs = os.environ.get("TANDEM_BUILD_JOBS", str(os.cpu_count() or 1))
    wheels_only = ["--only-binary", ":all:", "--no-binary", ",".join(SOURCE_BUILDS)]
    llama = _locked_version("llama-cpp-python")
    return [
        Step(
            "virtualenv", "creating .venv",
            commands=[[sys.executable, "-m", "venv", str(VENV)]],
            fix="install Debian's python3-venv, or use a Python 3.11+ with the venv module",
            extra=sys.version,
        ),
        Step(
            "build-tools", "installing the pinned build tools (requirements-build.lock)",
            commands=[[*pip, "-r", "requirements-build.lock"]],
            fix="pip could not reach PyPI: check the network, a proxy or PIP_CERT",
            inputs=["requirements-build.lock"],
        ),
        Step(
            "llama-cpp-python",
            f"compiling llama-cpp-python {llama} for a portable CPU baseline (~5 min)",
            # No cache: a wheel cached from another build with other flags would be reused.
            commands=[[*pip, "--no-build-isolation", "--no-deps", "--no-cache-dir",
                       "--force-reinstall", "--no-binary", "llama-cpp-python",
                       f"llama-cpp-python=={llama}"]],
            fix="the llama.cpp build failed: it needs a C/C++ compiler (Debian build-essential)"
                " and ~2 GB of memory per build job (TANDEM_BUILD_JOBS=1 uses one)",
            inputs=["requirements-build.lock"],
            extra=f"{llama} {LLAMA_CMAKE_ARGS}",
            env={"CMAKE_ARGS": LLAMA_CMAKE_ARGS, "CMAKE_BUILD_PARALLEL_LEVEL": jobs},
        ),
        Step(
            "python-packages", "installing the pinned Python dependencies (requirements.lock)",
            commands=[[*pip, "-c", "requirements.lock", "--no-build-isolation", *wheels_only,
                       "-e", ".[edge,cloud,dev]"]],
            fix="see the log: a pin that pip cannot install, or a missing system library",
            inputs=["pyproject.toml", "setup.py", "requirements.lock", "requirements-build.lock"],
        ),
        Step(
            "native-kernels", "compiling the Cython kernels (native/)",
            commands=[[python, "setup.py", "build_ext", "--inplace"]],
            fix="the Cython kernels did not compile: see the log (TANDEM_NATIVE=python runs"
                " the pure-Python twins meanwhile)",
            inputs=["setup.py", "native/*.pyx", "native/*.pxi", "requirements-build.lock"],
        ),
        Step(
            "models", "fetching the models and checking their sha256",
            commands=[[str(VENV / "bin" / "tandem"), "models", "fetch"]],
            fix="a model could not be fetched or failed its checksum: see the log",
            inputs=["models/manifest.toml", "requirements.lock"],
            present=_downloaded_models_present,
        ),
    ]


@contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """One set-up at a time: a second `./tandem` waits for the first to finish."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def main() -> int:
    with exclusive(STATE_DIR / "lock"):
        debian = _debian_step()
        steps = ([debian] if debian else []) + python_steps()
        try:
            run_steps(steps, ROOT, STATE_DIR)
        except StepFailed as failure:
            report_failure(failure, steps.index(failure.step) + 1, len(steps))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
