"""`tandem cloud serve` as a real subprocess: startup errors, health, signals."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import grpc
import pytest
import tandem_proto
from grpc_health.v1 import health_pb2, health_pb2_grpc

import cloud
from cloud.cli import add_subcommands, settings_from_args
from cloud.testing import write_tiny_gguf

# The subprocess must import the same checkout as this test run.
ROOTS = [str(Path(module.__file__ or "").resolve().parents[1]) for module in (cloud, tandem_proto)]


def cloud_serve(*args: str, stderr: int | IO[bytes] = subprocess.PIPE) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(ROOTS)}
    return subprocess.Popen(
        [sys.executable, "-m", "cloud.cli", "cloud", "serve", *args],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        env=env,
    )


def expect_one_line_error(proc: subprocess.Popen[bytes], *needles: str) -> str:
    _, err = proc.communicate(timeout=30)
    text = err.decode()
    assert proc.returncode == 2, text
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_missing_model_is_one_clear_line(tmp_path: Path) -> None:
    line = expect_one_line_error(
        cloud_serve("--model", str(tmp_path / "nope.gguf")), "model file not found", "--model"
    )
    assert line.startswith("cloud serve: error:")


def test_a_file_that_is_not_gguf_is_one_clear_line(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_text("definitely not a model\n")
    expect_one_line_error(cloud_serve("--model", str(bogus)), "not a GGUF model", ".gguf")


def test_a_truncated_gguf_fails_in_the_worker_with_one_clear_line(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    whole = write_tiny_gguf(tmp_path / "whole.gguf").read_bytes()
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(whole[:4096])
    expect_one_line_error(
        cloud_serve("--listen", "127.0.0.1:0", "--model", str(broken)), "cannot load model"
    )


def test_tls_without_a_fleet_is_one_clear_line(tmp_path: Path) -> None:
    model = write_tiny_gguf(tmp_path / "tiny.gguf")
    expect_one_line_error(
        cloud_serve("--listen", "127.0.0.1:0", "--model", str(model),
                    "--tls-fleet-dir", str(tmp_path / "nofleet")),
        "ca.crt is missing", "tandem pki init",
    )


def test_invalid_settings_are_one_clear_line(tmp_path: Path) -> None:
    expect_one_line_error(
        cloud_serve("--model", str(tmp_path / "m.gguf"), "--max-pending", "0"), "max_pending"
    )


def test_subcommand_registration_parses_into_settings() -> None:
    parser = argparse.ArgumentParser(prog="tandem")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    argv = "cloud serve --listen 0.0.0.0:6000 --model m.gguf --threads 3 --max-pending 7"
    args = parser.parse_args([*argv.split(), "--max-tokens", "64"])
    settings = settings_from_args(args)
    assert callable(args.func)
    assert (settings.listen, settings.model_path, settings.n_threads) == (
        "0.0.0.0:6000",
        Path("m.gguf"),
        3,
    )
    assert (settings.max_pending, settings.max_tokens, settings.n_ctx) == (7, 64, 2048)


def _wait_for_target(log: Path, proc: subprocess.Popen[bytes], within_s: float = 20.0) -> str:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        found = re.search(r"serving on (\S+)", log.read_text())
        if found:
            return found.group(1)
        assert proc.poll() is None, log.read_text()
        time.sleep(0.02)
    raise AssertionError(f"server did not start: {log.read_text()}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serves_until_signalled_then_drains_and_exits_zero(tmp_path: Path, signum: int) -> None:
    pytest.importorskip("llama_cpp")
    model = write_tiny_gguf(tmp_path / "tiny.gguf")
    log = tmp_path / "stderr.log"
    with log.open("wb") as sink:
        proc = cloud_serve("--listen", "127.0.0.1:0", "--model", str(model), stderr=sink)
        try:
            target = _wait_for_target(log, proc)
            with grpc.insecure_channel(target) as channel:
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service="tandem.v1.Conversation"), timeout=5
                )
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            proc.send_signal(signum)
            assert proc.wait(timeout=10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    text = log.read_text()
    assert "draining" in text and "Traceback" not in text
