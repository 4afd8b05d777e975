"""`tandem doctor`: is this board ready to run the edge daemon? One line per check, the fix
for each problem, exit status 1 when anything fails (for scripts and installers).

    audio        the input and output devices; a short recording and a short sound
    models       every model the edge loads, present and matching its checksum
    kernels      the compiled audio kernels in use (not the slow twins), the CPU's features
    clock        the system time is plausible (TLS and signed policies need it)
    certificate  the fleet bundle's device certificate, valid now (with --fleet)
    broker       the fleet's MQTT broker answers (with --broker)
    cloud        the cloud service says SERVING (with --cloud)

The targets come from the options, or from the config file `tandem edge run` reads
(`--config`, else /etc/tandem/edge.toml when it exists).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import socket
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edge.config_file import DEFAULT_CONFIG, load_config

OK, WARN, FAIL = "ok", "warn", "FAIL"
EDGE_MODELS = ("hey_jarvis", "micro_hey_jarvis", "micro_stop", "wake_features", "silero_vad",
               "whisper_tiny_en", "piper_joe", "tandem_nlu")
EARLIEST_PLAUSIBLE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # before this, the clock is unset
CONNECT_S = 2.0


@dataclass(frozen=True)
class Finding:
    check: str
    status: str  # OK, WARN or FAIL
    detail: str
    fix: str = ""

    def line(self) -> str:
        fix = f" -> fix: {self.fix}" if self.fix and self.status != OK else ""
        return f"{self.status:4}  {self.check:11}  {self.detail}{fix}"


@dataclass(frozen=True)
class Targets:
    cloud: str | None = None
    broker: str | None = None
    fleet: Path | None = None


def targets_from(config: Path | None, cloud: str | None, broker: str | None,
                 fleet: Path | None) -> Targets:
    """The options, else the config file's keys of the same names."""
    path = config or (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
    values: dict[str, Any] = {}
    if path is not None:
        values = {k.replace("-", "_"): v for k, v in load_config(path).items()}
    fleet_value = fleet or values.get("fleet")
    return Targets(cloud or values.get("cloud"),
                   broker or (values.get("broker") if fleet_value else None),
                   Path(fleet_value) if fleet_value else None)


# -- the checks --------------------------------------------------------------------------


def check_audio(record_s: float = 0.3) -> list[Finding]:
    try:
        import pyaudio
    except ImportError as exc:
        return [Finding("audio", FAIL, f"pyaudio does not load ({exc})",
                        "install Debian's portaudio19-dev, then `./tandem setup`")]
    pa = pyaudio.PyAudio()
    try:
        devices = [pa.get_device_info_by_index(i) for i in range(pa.get_device_count())]
        inputs = [str(d["name"]) for d in devices if int(d["maxInputChannels"]) > 0]
        outputs = [str(d["name"]) for d in devices if int(d["maxOutputChannels"]) > 0]
        found = [Finding("audio", OK if inputs and outputs else FAIL,
                         f"{len(inputs)} input(s) {inputs[:3]}, {len(outputs)} output(s) "
                         f"{outputs[:3]}",
                         "no sound card: connect a microphone and a speaker (`arecord -l`, "
                         "`aplay -l`), or run with --input -/--output -")]
        if inputs:
            found.append(_record(pa, record_s))
        if outputs:
            found.append(_play(pa))
        return found
    finally:
        pa.terminate()


def _record(pa: Any, seconds: float) -> Finding:
    import pyaudio

    try:
        stream = pa.open(format=pyaudio.paInt16, channels=1, rate=16_000, input=True,
                         frames_per_buffer=1600)
        data = stream.read(int(16_000 * seconds), exception_on_overflow=False)
        stream.close()
    except (OSError, ValueError) as exc:
        return Finding("record", FAIL, f"the default input does not record at 16 kHz ({exc})",
                       "check the ALSA default device and that this user is in the audio "
                       "group (`arecord -D default -r 16000 -f S16_LE x.wav`)")
    samples = np.frombuffer(data, dtype=np.int16)
    level = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0
    if level == 0.0:
        return Finding("record", WARN, f"{seconds:g} s recorded, all digital silence",
                       "the microphone may be muted: `alsamixer`, capture level")
    db = 20 * np.log10(level / 32768)
    return Finding("record", OK, f"{seconds:g} s recorded, level {db:.0f} dBFS")


def _play(pa: Any) -> Finding:
    import pyaudio

    from edge.audio.chime import chime

    try:
        stream = pa.open(format=pyaudio.paInt16, channels=1, rate=22_050, output=True)
        stream.write((chime(22_050) // 8).astype(np.int16).tobytes())  # quiet
        stream.close()
    except (OSError, ValueError) as exc:
        return Finding("play", FAIL, f"the default output does not play ({exc})",
                       "check the ALSA default device (`aplay -D default x.wav`)")
    return Finding("play", OK, "a short, quiet chime played on the default output")


def check_models(names: tuple[str, ...] = EDGE_MODELS) -> list[Finding]:
    import models

    problems = []
    for name in names:
        try:
            models.resolve(name)
        except models.ModelError as exc:
            problems.append(Finding("models", FAIL, f"{name}: {exc}",
                                    "`./tandem setup` (or `tandem models fetch`)"))
    return problems or [Finding("models", OK, f"{len(names)} models present, checksums match")]


def check_kernels() -> list[Finding]:
    import native

    flags = _cpu_flags()
    wanted = [f for f in ("sse4_2", "avx", "avx2", "fma", "asimd") if f in flags]
    cpu = f"{platform.machine()}, {', '.join(wanted) or 'no SIMD flags found'}"
    if native.IMPLEMENTATION != "cython":
        return [Finding("kernels", WARN, f"the Python twins run the audio kernels ({cpu})",
                        "build the compiled kernels: `./tandem setup` (or unset "
                        "TANDEM_NATIVE=python)")]
    return [Finding("kernels", OK, f"compiled audio kernels in use ({cpu})")]


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return set()
    flags: set[str] = set()
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            flags.update(line.split(":", 1)[1].split())
    return flags


def check_clock(now: dt.datetime | None = None) -> list[Finding]:
    now = now or dt.datetime.now(dt.UTC)
    if now < EARLIEST_PLAUSIBLE:
        return [Finding("clock", FAIL, f"the system time is {now:%Y-%m-%d %H:%M} UTC",
                        "set the clock (enable systemd-timesyncd or an RTC): certificates "
                        "and signed policies are checked against it")]
    return [Finding("clock", OK, f"{now:%Y-%m-%d %H:%M} UTC")]


def check_certificate(bundle: Path, now: dt.datetime | None = None) -> list[Finding]:
    from cryptography import x509

    now = now or dt.datetime.now(dt.UTC)
    cert_path = bundle / "device.crt"
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError) as exc:
        return [Finding("certificate", FAIL, f"{cert_path}: {exc}",
                        "issue the device a bundle: `tandem pki issue DEVICE_ID`")]
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    name = cert.subject.rfc4514_string()
    if now < start:
        return [Finding("certificate", FAIL, f"{name} is valid only from {start:%Y-%m-%d}",
                        "the clock is behind: set it (see clock)")]
    if now > end:
        return [Finding("certificate", FAIL, f"{name} expired on {end:%Y-%m-%d}",
                        "issue a new bundle: `tandem pki issue DEVICE_ID`")]
    days = (end - now).days
    return [Finding("certificate", WARN if days < 30 else OK,
                    f"{name}, valid until {end:%Y-%m-%d} ({days} days)",
                    "renew it soon: `tandem pki issue DEVICE_ID`")]


def check_broker(address: str) -> list[Finding]:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_S):
            pass
    except (OSError, ValueError) as exc:
        return [Finding("broker", FAIL, f"{address} does not answer ({exc})",
                        "check --broker HOST:PORT, the network, and that the broker runs "
                        "(`tandem fleet broker`)")]
    return [Finding("broker", OK, f"{address} accepts connections")]


def check_cloud(address: str, bundle: Path | None) -> list[Finding]:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    credentials = None
    if bundle is not None:
        from edge.fleet.grpc_tls import bundle_credentials

        credentials = bundle_credentials(bundle)
    channel = (grpc.secure_channel(address, credentials) if credentials
               else grpc.insecure_channel(address))
    try:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=CONNECT_S)
    except grpc.RpcError as exc:
        return [Finding("cloud", FAIL, f"{address}: {exc.code().name} ({exc.details()})",
                        "check --cloud HOST:PORT and the network; the device answers "
                        "offline meanwhile")]
    finally:
        channel.close()
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    return [Finding("cloud", OK if status == "SERVING" else WARN, f"{address} is {status}",
                    "the service is loading or draining: wait, or check its log")]


def run_checks(targets: Targets, audio: bool = True) -> list[Finding]:
    steps: list[Callable[[], list[Finding]]] = []
    if audio:
        steps.append(check_audio)
    steps += [check_models, check_kernels, check_clock]
    fleet, broker, cloud = targets.fleet, targets.broker, targets.cloud
    if fleet is not None:
        steps.append(lambda: check_certificate(fleet))
    if broker is not None:
        steps.append(lambda: check_broker(broker))
    if cloud is not None:
        steps.append(lambda: check_cloud(cloud, fleet))
    return [finding for step in steps for finding in step()]


def report(findings: list[Finding], as_json: bool = False) -> tuple[str, int]:
    """The text (or JSON) to print, and the exit status: 1 if anything failed."""
    failed = any(f.status == FAIL for f in findings)
    if as_json:
        return json.dumps({"ok": not failed, "checks": [asdict(f) for f in findings]},
                          indent=1), int(failed)
    lines = [f.line() for f in findings]
    lines.append("tandem doctor: " + ("problems found (see FAIL above)" if failed
                                      else "ready"))
    return "\n".join(lines), int(failed)
