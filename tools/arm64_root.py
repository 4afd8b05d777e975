"""The edge side on aarch64, proven by emulation on this machine.

    .venv/bin/python -m tools.arm64_root [build|bundle|install|run|all] [--root DIR]

* `build`: a Debian bookworm arm64 root (debootstrap; its second stage and everything
  after run through qemu-user-static, registered with binfmt_misc). Done once: a complete
  root (every package below installed) is kept, an incomplete one is made again with the
  downloaded packages cached.
* `bundle`: `tandem board bundle --arch aarch64` with the root as its build root: PyPI's
  aarch64 wheels, and what has none (PyAudio; Tandem itself, its Cython kernels) compiled
  in the root. An existing bundle is reused unless --fresh-bundle.
* `install`: the bundle's own install.sh in the root, with no network (`unshare -n`), into
  a new /opt/tandem/venv: timed.
* `run`: `tandem edge run` on recorded requests (synthesised here once with the piper
  voice), in the root and on this machine, and the transcripts and intents compared.

Everything lives under /work/arm64 (--work); the report is WORK/report.json and printed.
Needs root (debootstrap, chroot, mount, unshare) and `apt-get install -y debootstrap
qemu-user-static binfmt-support`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from contract.errors import TandemError
from edge import board_bundle

REPO = Path(__file__).resolve().parent.parent
DEFAULT_WORK = Path("/work/arm64")
BINFMT = Path("/proc/sys/fs/binfmt_misc")
QEMU_FIX = "apt-get install -y qemu-user-static binfmt-support"
# The board's packages, plus what the root needs to build wheels for it (the bundle's
# install.sh itself needs only python3, python3-venv and libportaudio2).
ROOT_PACKAGES = ("python3", "python3-venv", "python3-dev", "build-essential", "pkg-config",
                 "portaudio19-dev", "libportaudio2", "libspeexdsp1", "ca-certificates")
REQUESTS = (
    "Hey Jarvis, turn on the kitchen lights.",
    "Hey Jarvis, set a timer for ten minutes.",
    "Hey Jarvis, turn off the living room lamp.",
    "Hey Jarvis, why is the sky blue?",
)
GAP_S = 6.0  # silence after each request: the reply ends before the next wake word
# The stages' deadlines (edge/settings.py: Deadlines) are wall-clock, and emulated aarch64
# runs 10-30x slower: Whisper on one request took over its 5 s. Both runs, here and in the
# root, get every deadline times this (nothing else differs from `tandem edge run`).
DEADLINE_SCALE = 30.0
LAUNCHER = (
    "import dataclasses, sys\n"
    "import edge.settings as s\n"
    "scale = float(sys.argv.pop(1))\n"
    "s.Deadlines.__init__.__defaults__ = tuple(\n"
    "    None if f.default is None else f.default * scale\n"
    "    for f in dataclasses.fields(s.Deadlines))\n"
    "from app.cli import main\n"
    "sys.exit(main())\n")
RUN_DIR_IN_ROOT = "/var/tmp/tandem-run"


class RootError(TandemError):
    """A step cannot go on; one line that names the fix."""


@dataclass(frozen=True)
class Settings:
    root: Path
    work: Path
    suite: str = "bookworm"
    mirror: str = "http://deb.debian.org/debian"
    packages: tuple[str, ...] = ROOT_PACKAGES
    venv: str = str(board_bundle.DEFAULT_VENV)
    requests: tuple[str, ...] = REQUESTS
    fresh_bundle: bool = False

    @property
    def bundle(self) -> Path:
        return self.work / "bundles" / "tandem-board-aarch64.tar.gz"

    @property
    def steps_file(self) -> Path:
        return self.work / "steps.json"

    @property
    def recording(self) -> Path:
        return self.work / "recordings" / "requests.wav"


@dataclass(frozen=True)
class Turn:
    transcript: str
    intent: str
    route: str
    stt_layer: str
    slots: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Turn:
        return cls(record.get("transcript", ""), record.get("intent", ""),
                   record.get("route", ""), record.get("stt_layer", ""),
                   record.get("slots", {}))


# ---------------------------------------------------------------- small helpers


def log(message: str) -> None:
    print(f"[arm64] {message}", file=sys.stderr, flush=True)


def run(cmd: Sequence[str | Path], what: str, fix: str, log_file: Path | None = None,
        **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                            check=False, **kwargs)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        lines = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()
        where = f" (log: {log_file})" if log_file else ""
        raise RootError(f"{what} failed: {lines[-1]}{where}; {fix}")
    return result


def record_step(settings: Settings, step: str, values: dict[str, Any]) -> None:
    """Each step's figures, kept across invocations for the report."""
    steps = load_steps(settings)
    steps[step] = {**values, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    settings.steps_file.parent.mkdir(parents=True, exist_ok=True)
    settings.steps_file.write_text(json.dumps(steps, indent=1) + "\n")


def load_steps(settings: Settings) -> dict[str, Any]:
    if settings.steps_file.is_file():
        return dict(json.loads(settings.steps_file.read_text()))
    return {}


def in_root(settings: Settings, *cmd: str, network: bool = True) -> list[str]:
    """A command line that runs `cmd` inside the root with a clean environment
    (`unshare -n`: with no network at all)."""
    prefix = [] if network else ["unshare", "--net"]
    return [*prefix, "chroot", str(settings.root), *board_bundle.root_env(), *cmd]


# ---------------------------------------------------------------- the host


def check_host() -> None:
    """Root, debootstrap, and qemu registered for aarch64 ELF binaries."""
    if os.geteuid() != 0:
        raise RootError("run as root: debootstrap, chroot, mount and unshare need it")
    if shutil.which("debootstrap") is None:
        raise RootError("debootstrap is missing; fix: apt-get install -y debootstrap")
    if not Path("/usr/libexec/qemu-binfmt/aarch64-binfmt-P").exists() and \
            shutil.which("qemu-aarch64-static") is None:
        raise RootError(f"qemu-user-static is missing; fix: {QEMU_FIX}")
    ensure_binfmt()


def ensure_binfmt() -> None:
    if not (BINFMT / "register").exists():
        result = subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RootError(f"binfmt_misc cannot be mounted here ({result.stderr.strip()}): "
                            "aarch64 programs cannot run; use a machine or VM whose kernel "
                            "allows it (this tool does not drive proot)")
    entry = BINFMT / "qemu-aarch64"
    if not entry.exists() or "enabled" not in entry.read_text():
        run(["update-binfmts", "--enable", "qemu-aarch64"], "registering qemu-aarch64",
            f"reinstall the emulator: {QEMU_FIX}")
    text = entry.read_text()
    if "flags: " not in text or "F" not in text.split("flags: ", 1)[1].split()[0]:
        raise RootError("qemu-aarch64 is registered without the F flag, so it cannot run "
                        f"inside a chroot; fix: {QEMU_FIX} (Debian's registers it with F)")


# ---------------------------------------------------------------- build


def missing_packages(settings: Settings) -> list[str]:
    status = settings.root / "var" / "lib" / "dpkg" / "status"
    if not status.is_file():
        return list(settings.packages)
    installed = set()
    for block in status.read_text(errors="replace").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if fields.get("Status") == "install ok installed":
            installed.add(fields.get("Package", ""))
    return [pkg for pkg in settings.packages if pkg not in installed]


def build(settings: Settings) -> dict[str, Any]:
    check_host()
    if settings.root.is_dir() and not missing_packages(settings):
        log(f"root {settings.root}: complete, kept")
        prepare_root(settings)
        return load_steps(settings).get("build", {"reused": True})
    if settings.root.exists():
        log(f"root {settings.root}: incomplete ({', '.join(missing_packages(settings))} "
            "missing), made again")
        shutil.rmtree(settings.root)
    cache = settings.work / "debs"
    cache.mkdir(parents=True, exist_ok=True)
    log(f"debootstrap {settings.suite} arm64 into {settings.root} (a few minutes)")
    started = time.monotonic()
    run(["debootstrap", "--arch=arm64", "--variant=minbase", f"--cache-dir={cache}",
         f"--include={','.join(settings.packages)}", settings.suite, settings.root,
         settings.mirror], "debootstrap", f"check that {settings.mirror} is reachable",
        log_file=settings.work / "logs" / "debootstrap.log")
    seconds = round(time.monotonic() - started, 1)
    prepare_root(settings)
    if missing_packages(settings):
        raise RootError(f"the root lacks {', '.join(missing_packages(settings))} after "
                        f"debootstrap (log: {settings.work / 'logs' / 'debootstrap.log'})")
    figures = {"debootstrap_s": seconds, "suite": settings.suite,
               "packages": list(settings.packages)}
    record_step(settings, "build", figures)
    return figures


def prepare_root(settings: Settings) -> None:
    """No services start inside the root; names resolve as here."""
    policy = settings.root / "usr" / "sbin" / "policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    shutil.copyfile("/etc/resolv.conf", settings.root / "etc" / "resolv.conf")
    machine = run(["chroot", settings.root, "/usr/bin/uname", "-m"], "running aarch64 code "
                  "in the root", f"check the emulator: {QEMU_FIX}").stdout.strip()
    if machine != "aarch64":
        raise RootError(f"the root reports {machine!r}, not aarch64; remove {settings.root}")


# ---------------------------------------------------------------- bundle


def bundle(settings: Settings) -> dict[str, Any]:
    if settings.bundle.is_file() and not settings.fresh_bundle:
        log(f"bundle {settings.bundle}: kept (--fresh-bundle builds it again)")
        return load_steps(settings).get("bundle", {"reused": True})
    check_host()
    log("building the aarch64 bundle (PyPI's wheels; PyAudio and Tandem compiled in the "
        "root: several minutes under emulation)")
    result = board_bundle.build_bundle("aarch64", settings.bundle, build_root=settings.root,
                                       work=settings.work / "bundle-work")
    figures = {"seconds": round(result.seconds, 1), "wheels": result.wheels,
               "size_mib": round(result.size_bytes / 2**20, 1),
               "built_from_source": ["tandem (its Cython kernels)",
                                     *result.built_from_source],
               "model_files": result.model_files}
    record_step(settings, "bundle", figures)
    return figures


def bundle_manifest(settings: Settings) -> dict[str, Any]:
    with tarfile.open(settings.bundle) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/bundle.json"))
        handle = tar.extractfile(member)
        if handle is None:
            raise RootError(f"{settings.bundle} has no bundle.json; build it again")
        return dict(json.load(handle))


# ---------------------------------------------------------------- install


def install(settings: Settings) -> dict[str, Any]:
    check_host()
    if not settings.bundle.is_file():
        raise RootError(f"no bundle at {settings.bundle}; run the `bundle` step first")
    board = settings.root / "var" / "tmp" / "board"
    shutil.rmtree(board, ignore_errors=True)
    shutil.rmtree(settings.root / settings.venv.lstrip("/"), ignore_errors=True)
    board.mkdir(parents=True)
    shutil.copy2(settings.bundle, board / settings.bundle.name)
    started = time.monotonic()
    with board_bundle.entered(settings.root):
        run(in_root(settings, "tar", "-xzf", f"/var/tmp/board/{settings.bundle.name}", "-C",
                    "/var/tmp/board"), "unpacking the bundle in the root", "build it again")
        unpacked = round(time.monotonic() - started, 1)
        top = next(p.name for p in board.iterdir() if p.is_dir())
        log("install.sh in the root, no network (a few minutes under emulation)")
        started = time.monotonic()
        result = run(in_root(settings, "sh", f"/var/tmp/board/{top}/install.sh",
                             network=False), "the bundle's install.sh",
                     "read its last line above", log_file=settings.work / "logs" / "install.log")
        seconds = round(time.monotonic() - started, 1)
        implementation = run(in_root(settings, f"{settings.venv}/bin/python", "-c",
                                     "import native; print(native.IMPLEMENTATION)"),
                             "importing the kernels", "see the install log").stdout.strip()
    figures = {"install_s": seconds, "unpack_s": unpacked, "network": "none (unshare -n)",
               "native_kernels": implementation,
               "output": [line for line in result.stdout.splitlines() if line]}
    record_step(settings, "install", figures)
    return figures


# ---------------------------------------------------------------- run


def make_recording(settings: Settings) -> Path:
    """The requests, synthesised once with the piper voice, one after another."""
    path = settings.recording
    texts = path.with_suffix(".json")
    if path.is_file() and texts.is_file() and \
            json.loads(texts.read_text()) == list(settings.requests):
        return path
    import numpy as np

    from edge.audio.wavfile import write_wav
    from edge.messages import SAMPLE_RATE
    from edge.stages.tts import PiperTts
    from edge.utterances import synthesize

    tts = PiperTts()
    speech = [synthesize(tts, text, lead_s=1.0, tail_s=GAP_S) for text in settings.requests]
    write_wav(path, np.concatenate(speech), SAMPLE_RATE)
    texts.write_text(json.dumps(list(settings.requests), indent=1) + "\n")
    return path


def edge_args(wav: str, out_dir: str) -> list[str]:
    return ["edge", "run", "--input", wav, "--output", f"{out_dir}/replies.wav",
            "--trace", f"{out_dir}/trace.jsonl", "--offline", "--state-dir", f"{out_dir}/state"]


def read_trace(path: Path) -> list[Turn]:
    return [Turn.from_record(json.loads(line))
            for line in path.read_text().splitlines() if line.strip()]


def run_x86(settings: Settings, wav: Path) -> tuple[list[Turn], float]:
    out = settings.work / "x86_64"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "TANDEM_HOME_BROKER"}
    env["PYTHONPATH"] = str(REPO)
    started = time.monotonic()
    run([sys.executable, "-c", LAUNCHER, str(DEADLINE_SCALE), *edge_args(str(wav), str(out))],
        "tandem edge run on this machine", "run ./tandem setup",
        log_file=out / "edge.log", env=env, cwd=REPO)
    return read_trace(out / "trace.jsonl"), round(time.monotonic() - started, 1)


def run_arm64(settings: Settings, wav: Path) -> tuple[list[Turn], float]:
    out = settings.root / RUN_DIR_IN_ROOT.lstrip("/")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shutil.copy2(wav, out / wav.name)
    tandem = f"{settings.venv}/bin/tandem"
    if not (settings.root / tandem.lstrip("/")).exists():
        raise RootError(f"no {tandem} in the root; run the `install` step first")
    started = time.monotonic()
    with board_bundle.entered(settings.root):
        run(in_root(settings, f"{settings.venv}/bin/python", "-c", LAUNCHER,
                    str(DEADLINE_SCALE), *edge_args(f"{RUN_DIR_IN_ROOT}/{wav.name}",
                                                    RUN_DIR_IN_ROOT), network=False),
            "tandem edge run in the root", "see the log",
            log_file=settings.work / "logs" / "edge-run-arm64.log")
    return read_trace(out / "trace.jsonl"), round(time.monotonic() - started, 1)


def compare(requests: Sequence[str], x86: list[Turn], arm64: list[Turn]) -> list[dict[str, Any]]:
    rows = []
    for index in range(max(len(x86), len(arm64), len(requests))):
        here = x86[index] if index < len(x86) else None
        there = arm64[index] if index < len(arm64) else None
        rows.append({
            "request": requests[index] if index < len(requests) else None,
            "x86_64": asdict(here) if here else None,
            "aarch64": asdict(there) if there else None,
            "match": here is not None and there is not None
            and (here.transcript, here.intent) == (there.transcript, there.intent),
        })
    return rows


def run_both(settings: Settings) -> dict[str, Any]:
    check_host()
    wav = make_recording(settings)
    log(f"tandem edge run on {len(settings.requests)} requests: this machine")
    x86, x86_s = run_x86(settings, wav)
    log("tandem edge run on the same recording: the emulated aarch64 root (minutes)")
    arm64, arm64_s = run_arm64(settings, wav)
    rows = compare(settings.requests, x86, arm64)
    figures = {"recording": str(wav), "deadline_scale": DEADLINE_SCALE,
               "x86_64_s": x86_s, "aarch64_s": arm64_s,
               "turns": rows, "all_match": all(row["match"] for row in rows)}
    record_step(settings, "run", figures)
    return figures


# ---------------------------------------------------------------- report


def report(settings: Settings) -> dict[str, Any]:
    steps = load_steps(settings)
    manifest = bundle_manifest(settings) if settings.bundle.is_file() else {}
    document = {
        "root": str(settings.root),
        "bundle_path": str(settings.bundle),
        "no_aarch64_wheel_built_from_source": [
            "tandem (Cython kernels)", *manifest["built_from_source"]] if manifest else [],
        "wheels": len(manifest.get("wheels", [])),
        **{step: steps.get(step) for step in ("build", "bundle", "install", "run")},
    }
    path = settings.work / "report.json"
    path.write_text(json.dumps(document, indent=1) + "\n")
    return document


def summary(document: dict[str, Any]) -> str:
    built = document["no_aarch64_wheel_built_from_source"]
    lines = [f"no aarch64 wheel on PyPI, built in the root: {', '.join(built)}"] if built else []
    if document.get("install"):
        lines.append(f"install.sh in the emulated root, offline: "
                     f"{document['install']['install_s']} s "
                     f"(kernels: {document['install']['native_kernels']})")
    for row in (document.get("run") or {}).get("turns", []):
        here, there = row["x86_64"] or {}, row["aarch64"] or {}
        lines.append(f"{'same' if row['match'] else 'DIFF'}  {row['request']!r}: x86_64 "
                     f"{here.get('transcript')!r} {here.get('intent')} | aarch64 "
                     f"{there.get('transcript')!r} {there.get('intent')}")
    return "\n".join(lines)


STEPS = {"build": build, "bundle": bundle, "install": install, "run": run_both}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.arm64_root", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", nargs="?", default="all", choices=[*STEPS, "all", "report"])
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--root", type=Path, help="the arm64 root (default: WORK/root)")
    parser.add_argument("--fresh-bundle", action="store_true",
                        help="build the bundle again even if one exists")
    args = parser.parse_args(argv)
    settings = Settings(root=args.root or args.work / "root", work=args.work,
                        fresh_bundle=args.fresh_bundle)
    steps = list(STEPS) if args.step == "all" else [] if args.step == "report" else [args.step]
    try:
        for step in steps:
            STEPS[step](settings)
        document = report(settings)
    except (TandemError, OSError) as exc:
        print(f"arm64_root: error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(document, indent=1))
    print(summary(document), file=sys.stderr)
    run_figures = document.get("run") or {}
    return 0 if run_figures.get("all_match", True) else 1


if __name__ == "__main__":
    sys.exit(main())
