"""`tandem board bundle`: target platforms, pip's answers, the project's packages, the
models' checks, and the bundle's own install.sh refusing a damaged bundle (run for real on
small bundles made of fake wheels; the full emulated aarch64 install is
`python -m tools.arm64_root`, not part of the suite)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from edge import board_bundle as bb
from models.manifest import ModelEntry

MODEL_REL = "fakevoice/data/voice.onnx"
MODEL_BYTES = b"\x08\x07onnx model bytes" * 64
OTHER_ARCH = next(arch for arch in bb.ARCHES if arch != os.uname().machine)


def python3_version() -> tuple[int, int]:
    """The `python3` install.sh will find on PATH (its version check must pass here)."""
    out = subprocess.run(["python3", "-c", "import sys; print(*sys.version_info[:2])"],
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), int(out[1])


def make_wheel(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def fake_entry(digest: str | None = None) -> ModelEntry:
    return ModelEntry(name="fake_voice", role="text to speech", package="fakevoice",
                      version="1.0", source="installed", license="MIT",
                      files=((MODEL_REL, digest or hashlib.sha256(MODEL_BYTES).hexdigest()),))


def fake_contents(tmp: Path, arch: str | None = None) -> bb.Contents:
    wheels = tmp / "src"
    wheels.mkdir(exist_ok=True)
    voice = make_wheel(wheels / "fakevoice-1.0-py3-none-any.whl", {MODEL_REL: MODEL_BYTES})
    tandem = make_wheel(wheels / "tandem-0.1.0-py3-none-any.whl", {"edge/__init__.py": b""})
    return bb.Contents(
        target=bb.Target(arch or os.uname().machine, python=python3_version()),
        tandem_wheel=tandem, wheels=(voice, tandem), built_from_source=("PyAudio==0.2.14",),
        models=(fake_entry(),), carried=(), venv=Path("/opt/tandem/venv"), user="tandem",
        unit="[Service]\nExecStart=/opt/tandem/venv/bin/tandem edge run\n",
        config=bb.DEFAULT_EDGE_TOML)


def built_bundle(tmp: Path, contents: bb.Contents) -> Path:
    """The archive assembled and unpacked, as a board would see it."""
    archive = tmp / "bundle.tar.gz"
    bb.assemble(contents, archive)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp / "board", filter="data")
    (top,) = (tmp / "board").iterdir()
    return top


def install(top: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(top / "install.sh"), *args], capture_output=True,
                          text=True, check=False)


def rewrite_member(wheel: Path, member: str, data: bytes) -> None:
    members = {}
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            members[name] = data if name == member else zf.read(name)
    make_wheel(wheel, members)


# ---------------------------------------------------------------- the target platform


def test_an_unknown_architecture_is_one_line_naming_the_supported_ones() -> None:
    with pytest.raises(bb.BundleError, match=r"unknown architecture 'armv7l'.*aarch64, x86_64"):
        bb.target("armv7l")


def test_platform_tags_are_the_arch_s_up_to_the_board_s_glibc() -> None:
    tags = bb.target("aarch64").platforms()
    assert {"linux_aarch64", "manylinux2014_aarch64", "manylinux_2_17_aarch64",
            "manylinux_2_35_aarch64", "manylinux_2_36_aarch64"} <= set(tags)
    assert "manylinux_2_37_aarch64" not in tags  # newer than Debian 12's glibc
    assert all(tag.endswith("_aarch64") for tag in tags)


def test_pip_args_ask_for_cp311_wheels_only() -> None:
    args = bb.target("x86_64").pip_args()
    assert "--only-binary=:all:" in args
    assert args[args.index("--python-version") + 1] == "3.11"
    assert [args[i + 1] for i, a in enumerate(args) if a == "--abi"] == ["cp311", "abi3", "none"]


# ---------------------------------------------------------------- pip's answers and the pins

PLAIN = """ERROR: Could not find a version that satisfies the requirement PyAudio==0.2.14 (from versions: none)
ERROR: No matching distribution found for PyAudio==0.2.14
"""  # noqa: E501  (pip's own lines)
CONFLICT = """The conflict is caused by:
    tandem[edge] 0.1.0 depends on PyAudio==0.2.14; extra == "edge"
    The user requested (constraint) pyaudio==0.2.14

Additionally, some packages in these conflicts have no matching distributions available for your environment:
    pyaudio

To fix this you could try to:
"""  # noqa: E501


@pytest.mark.parametrize(("output", "name"), [(PLAIN, "PyAudio"), (CONFLICT, "pyaudio"),
                                               ("ERROR: network unreachable\n", None)])
def test_the_distribution_without_a_wheel_is_read_from_pip_s_output(
        output: str, name: str | None) -> None:
    assert bb.missing_distribution(output) == name


def test_lock_pins_are_keyed_by_canonical_name(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("# pinned\nPyAudio==0.2.14\nruamel.yaml==0.18.6  # comment\nnumpy>=2\n")
    assert bb.lock_pins(lock) == {"pyaudio": "0.2.14", "ruamel-yaml": "0.18.6"}


def test_every_package_pyproject_lists_is_in_a_folder_of_the_checkout() -> None:
    import tomllib

    pyproject = tomllib.loads((bb.REPO / "pyproject.toml").read_text())
    folders = bb.project_dirs(pyproject)
    assert "edge" in folders and "proto" in folders  # tandem_proto lives in proto/
    assert all((bb.REPO / folder).is_dir() for folder in folders)


def test_the_staged_project_follows_pyproject_and_leaves_build_outputs(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "pkg" / "sub" / "__pycache__").mkdir(parents=True)
    (repo / "pkg" / "sub" / "x.py").write_text("X = 1\n")
    (repo / "pkg" / "_k.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    (repo / "pkg" / "sub" / "__pycache__" / "x.pyc").write_bytes(b"")
    (repo / "gen" / "stubs").mkdir(parents=True)
    (repo / "gen" / "stubs" / "api.py").write_text("")
    (repo / "notes").mkdir()
    (repo / "pyproject.toml").write_text(
        '[tool.setuptools]\npackages = ["pkg", "pkg.sub", "stubs"]\n'
        '[tool.setuptools.package-dir]\nstubs = "gen/stubs"\n')
    staged = bb.stage_project(repo, tmp_path / "stage")
    files = sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file())
    assert files == ["gen/stubs/api.py", "pkg/sub/x.py", "pyproject.toml"]


def test_a_package_folder_that_is_gone_is_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.setuptools]\npackages = ["moved"]\n')
    with pytest.raises(bb.BundleError, match="packages in moved/"):
        bb.stage_project(tmp_path, tmp_path / "stage")


# ---------------------------------------------------------------- models


def test_models_are_found_inside_their_wheel_and_checked(tmp_path: Path) -> None:
    contents = fake_contents(tmp_path)
    (located,) = bb.locate_models(contents.models, contents.wheels, ())
    assert located.container == "wheels/fakevoice-1.0-py3-none-any.whl"
    assert located.sha256 == hashlib.sha256(MODEL_BYTES).hexdigest()


def test_a_wheel_whose_model_differs_from_the_manifest_is_refused(tmp_path: Path) -> None:
    contents = fake_contents(tmp_path)
    with pytest.raises(bb.BundleError, match=f"{MODEL_REL} in wheels/fakevoice.*sha256"):
        bb.locate_models((fake_entry("0" * 64),), contents.wheels, ())


def test_a_model_no_wheel_holds_is_named(tmp_path: Path) -> None:
    contents = fake_contents(tmp_path)
    with pytest.raises(bb.BundleError, match=f"no bundled wheel holds {MODEL_REL}"):
        bb.locate_models(contents.models, contents.wheels[1:], ())


def test_an_unknown_model_name_lists_the_manifest() -> None:
    with pytest.raises(bb.BundleError, match="unknown model.*no_such_model.*hey_jarvis"):
        bb.model_entries(["hey_jarvis", "no_such_model"])


# ---------------------------------------------------------------- config, builders


def test_the_default_config_is_a_valid_edge_run_config() -> None:
    assert bb.checked_config(bb.DEFAULT_EDGE_TOML) == bb.DEFAULT_EDGE_TOML


def test_a_config_with_a_bad_key_is_refused_at_build_time() -> None:
    with pytest.raises(bb.BundleError, match="wake_treshold"):
        bb.checked_config(bb.DEFAULT_EDGE_TOML + "wake_treshold = 0.6\n")


def test_another_architecture_without_a_build_root_says_how_to_get_one(tmp_path: Path) -> None:
    assert bb.default_builder(OTHER_ARCH, None) is None
    settings = bb.BundleSettings(bb.target(OTHER_ARCH), tmp_path / "b.tar.gz", work=tmp_path)
    with pytest.raises(bb.BundleError, match=f"no {OTHER_ARCH} wheels of: tandem.*--build-root"):
        bb.build_tandem_wheel(settings, None)


def test_a_build_root_that_is_not_a_root_is_refused(tmp_path: Path) -> None:
    with pytest.raises(bb.BundleError, match="not a root file system.*tools.arm64_root"):
        bb.default_builder("aarch64", tmp_path)


@pytest.mark.parametrize(("argv", "message"), [
    (["--arch", "armv7l", "--out", "b.tar.gz"], "unknown architecture 'armv7l'"),
    (["--arch", "x86_64", "--out", "b.zip"], "the bundle is a .tar.gz"),
    (["--arch", os.uname().machine, "--out", "b.tar.gz", "--models", "hey_jarvis,nope"],
     "unknown model(s) nope"),
])
def test_bad_input_is_one_line_and_a_non_zero_exit(
        argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bb.main([*argv, "--work", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "b.tar.gz").exists()


# ---------------------------------------------------------------- the archive and install.sh


def test_the_archive_has_one_top_folder_and_the_documented_files(tmp_path: Path) -> None:
    top = built_bundle(tmp_path, fake_contents(tmp_path))
    assert top.name == "tandem-board-" + os.uname().machine + "-0.1.0"
    files = {p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file()}
    assert files == {"SHA256SUMS", "bundle.json", "install.sh", "verify.py",
                     "config/edge.toml", "units/tandem-edge.service",
                     "wheels/fakevoice-1.0-py3-none-any.whl",
                     "wheels/tandem-0.1.0-py3-none-any.whl"}
    sums = (top / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == len(files) - 1  # everything but itself, `sha256sum -c` format
    assert os.access(top / "install.sh", os.X_OK)
    assert "@" not in "".join(line for line in (top / "install.sh").read_text().splitlines()
                             if not line.startswith("#"))  # every placeholder filled


def test_install_sh_passes_an_intact_bundle(tmp_path: Path) -> None:
    result = install(built_bundle(tmp_path, fake_contents(tmp_path)), "--verify-only")
    assert result.returncode == 0, result.stderr
    assert "bundle intact: 7 files, 1 model files checked" in result.stdout


def test_install_sh_refuses_a_corrupted_model_naming_it_before_installing(
        tmp_path: Path) -> None:
    top = built_bundle(tmp_path, fake_contents(tmp_path))
    rewrite_member(top / "wheels" / "fakevoice-1.0-py3-none-any.whl", MODEL_REL,
                   MODEL_BYTES[:-1] + b"!")
    venv = tmp_path / "venv"
    result = install(top, "--no-system", "--venv", str(venv))
    assert result.returncode == 1
    assert (f"model file {MODEL_REL} (model fake_voice, in "
            "wheels/fakevoice-1.0-py3-none-any.whl) fails its sha256 check") in result.stderr
    assert not venv.exists()  # refused before anything was installed


def test_install_sh_refuses_any_other_damaged_file_naming_it(tmp_path: Path) -> None:
    top = built_bundle(tmp_path, fake_contents(tmp_path))
    with (top / "config" / "edge.toml").open("a") as fh:
        fh.write("wake_threshold = 0.1\n")
    result = install(top, "--verify-only")
    assert result.returncode == 1
    assert "config/edge.toml fails its sha256 check" in result.stderr


def test_install_sh_refuses_a_missing_wheel(tmp_path: Path) -> None:
    top = built_bundle(tmp_path, fake_contents(tmp_path))
    (top / "wheels" / "tandem-0.1.0-py3-none-any.whl").unlink()
    result = install(top, "--verify-only")
    assert result.returncode == 1
    assert "wheels/tandem-0.1.0-py3-none-any.whl is missing" in result.stderr


def test_install_sh_refuses_a_bundle_for_another_architecture(tmp_path: Path) -> None:
    top = built_bundle(tmp_path, fake_contents(tmp_path, arch=OTHER_ARCH))
    result = install(top, "--verify-only")
    assert result.returncode == 1
    assert f"this bundle is for {OTHER_ARCH}" in result.stderr
    assert f"--arch {os.uname().machine}" in result.stderr


def test_verify_py_runs_on_the_standard_library_alone(tmp_path: Path) -> None:
    top = built_bundle(tmp_path, fake_contents(tmp_path))
    result = subprocess.run([sys.executable, "-I", "-S", str(top / "verify.py"), str(top)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_a_wheel_built_before_is_reused_without_a_builder(tmp_path: Path) -> None:
    settings = bb.BundleSettings(bb.target(OTHER_ARCH), tmp_path / "b.tar.gz", work=tmp_path)
    cache = tmp_path / "built"
    cache.mkdir()
    wheel = make_wheel(cache / f"pyaudio-0.2.14-cp311-cp311-linux_{OTHER_ARCH}.whl", {})
    make_wheel(cache / f"pyaudio-0.2.13-cp311-cp311-linux_{OTHER_ARCH}.whl", {})
    assert bb.source_wheel(settings, "PyAudio==0.2.14", None, cache) == wheel
    with pytest.raises(bb.BundleError, match=f"no {OTHER_ARCH} wheels of: PyAudio==0.2.15"):
        bb.source_wheel(settings, "PyAudio==0.2.15", None, cache)
