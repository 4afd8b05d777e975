"""The committed gRPC stubs are exactly what the committed .proto generates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROTO_ROOT = Path(__file__).resolve().parents[1] / "proto"
GENERATED = ("converse_pb2.py", "converse_pb2.pyi", "converse_pb2_grpc.py")


def test_regenerated_stubs_are_byte_identical(tmp_path: Path) -> None:
    pytest.importorskip("grpc_tools")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{PROTO_ROOT}",
            f"--python_out={tmp_path}",
            f"--pyi_out={tmp_path}",
            f"--grpc_python_out={tmp_path}",
            "tandem_proto/converse.proto",
        ],
        check=True,
        cwd=PROTO_ROOT,
    )
    for name in GENERATED:
        committed = (PROTO_ROOT / "tandem_proto" / name).read_bytes()
        regenerated = (tmp_path / "tandem_proto" / name).read_bytes()
        assert regenerated == committed, (
            f"{name} is stale: regenerate with `cd proto && python -m grpc_tools.protoc -I. "
            "--python_out=. --pyi_out=. --grpc_python_out=. tandem_proto/converse.proto`"
        )
