"""The set-up behind `./tandem` (tools/bootstrap.py): resumable steps, failures that say
which step failed and how to fix it, and build requirements that are all pinned."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

from tools import bootstrap
from tools.bootstrap import Step, StepFailed, report_failure, run_steps, suggested_fix

REPO = Path(__file__).resolve().parent.parent


def _sh(script: str) -> list[str]:
    return ["sh", "-c", script]


def _counting_step(name: str, tmp: Path, script: str = "true", **kw: object) -> Step:
    """A step that appends its name to runs.txt each time it runs, then runs `script`."""
    return Step(name, f"doing {name}", commands=[_sh(f"echo {name} >> runs.txt; {script}")],
                fix=f"fix {name}", **kw)  # type: ignore[arg-type]


def _runs(tmp: Path) -> list[str]:
    path = tmp / "runs.txt"
    return path.read_text().split() if path.exists() else []


def test_a_second_run_resumes_at_the_failed_step(tmp_path: Path) -> None:
    state = tmp_path / "state"
    steps = [
        _counting_step("first", tmp_path),
        _counting_step("flaky", tmp_path, "test -f fixed"),
        _counting_step("last", tmp_path),
    ]
    with pytest.raises(StepFailed) as failed:
        run_steps(steps, tmp_path, state)
    assert failed.value.step.name == "flaky"
    assert _runs(tmp_path) == ["first", "flaky"]

    (tmp_path / "fixed").touch()  # the user applies the fix
    assert run_steps(steps, tmp_path, state) == 2
    assert _runs(tmp_path) == ["first", "flaky", "flaky", "last"]  # "first" not redone

    assert run_steps(steps, tmp_path, state) == 0  # everything done: nothing runs
    assert _runs(tmp_path) == ["first", "flaky", "flaky", "last"]


def test_a_changed_input_runs_its_step_again(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (tmp_path / "pins.lock").write_text("a==1\n")
    steps = [_counting_step("install", tmp_path, inputs=["pins.lock"])]
    run_steps(steps, tmp_path, state)
    run_steps(steps, tmp_path, state)
    assert _runs(tmp_path) == ["install"]
    (tmp_path / "pins.lock").write_text("a==2\n")
    run_steps(steps, tmp_path, state)
    assert _runs(tmp_path) == ["install", "install"]


def test_a_failed_step_leaves_no_stamp_even_if_it_had_one(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (tmp_path / "pins.lock").write_text("a==1\n")
    steps = [_counting_step("install", tmp_path, "test ! -f broken", inputs=["pins.lock"])]
    run_steps(steps, tmp_path, state)
    (tmp_path / "pins.lock").write_text("a==2\n")
    (tmp_path / "broken").touch()
    with pytest.raises(StepFailed):
        run_steps(steps, tmp_path, state)
    (tmp_path / "pins.lock").write_text("a==1\n")  # back to the old inputs: still not done
    with pytest.raises(StepFailed):
        run_steps(steps, tmp_path, state)


def test_a_step_whose_result_was_deleted_runs_again(tmp_path: Path) -> None:
    step = Step("fetch", "x", commands=[_sh("echo fetch >> runs.txt; touch model.bin")],
                fix="f", present=lambda: (tmp_path / "model.bin").is_file())
    run_steps([step], tmp_path, tmp_path / "state")
    run_steps([step], tmp_path, tmp_path / "state")
    assert _runs(tmp_path) == ["fetch"]
    (tmp_path / "model.bin").unlink()
    run_steps([step], tmp_path, tmp_path / "state")
    assert _runs(tmp_path) == ["fetch", "fetch"]


def test_failure_report_names_the_step_shows_the_log_tail_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    noisy = "; ".join(f"echo line{i}" for i in range(100))
    steps = [
        _counting_step("ok", tmp_path),
        Step("pyaudio", "building PyAudio", fix="generic fix", commands=[_sh(
            f"{noisy}; echo 'src/pyaudio/device_api.c:9:10: fatal error: portaudio.h:"
            " No such file or directory' >&2; exit 1")]),
    ]
    with pytest.raises(StepFailed) as failed:
        run_steps(steps, tmp_path, tmp_path / "state")
    report_failure(failed.value, 2, len(steps))
    err = capsys.readouterr().err
    assert "step 2/2 failed: pyaudio (building PyAudio)" in err
    assert "portaudio.h: No such file" in err  # the tail of the log, stderr included
    assert "line99" in err and "line50" not in err  # only the tail
    assert "fix: install Debian's portaudio19-dev" in err
    assert str(failed.value.log) in err and "resume" in err


def test_known_failures_override_the_steps_generic_fix() -> None:
    step = Step("llama-cpp-python", "x", commands=[], fix="generic")
    backend = "pip._vendor.pyproject_hooks._impl.BackendUnavailable: Cannot import " \
              "'scikit_build_core.build'"
    assert "requirements-build.lock" in suggested_fix(step, backend)
    assert "TANDEM_BUILD_JOBS=1" in suggested_fix(step, "c++: internal compiler error: Killed")
    assert suggested_fix(step, "something nobody has seen") == "generic"


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_every_build_requirement_is_pinned_before_the_builds() -> None:
    build = _pins(REPO / "requirements-build.lock")
    assert all(build.values()), "every build tool is pinned with =="
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"]
    for requirement in project:  # our own build (the Cython kernels)
        name, _, version = requirement.partition("==")
        assert version and build.get(name.lower()) == version, requirement
    runtime = _pins(REPO / "requirements.lock")
    for package, needs in bootstrap.SOURCE_BUILDS.items():
        assert package in runtime, f"{package} is built from source but not pinned"
        for tool in needs:
            assert tool in build, f"{package} builds with {tool}, not in requirements-build.lock"
    for shared in set(build) & set(runtime):  # one version of each package in .venv
        assert build[shared] == runtime[shared], shared


def test_the_python_steps_build_nothing_from_source_but_the_named_builds() -> None:
    steps = {step.name: step for step in bootstrap.python_steps()}
    install = " ".join(steps["python-packages"].commands[0])
    assert "--only-binary :all:" in install and "--no-build-isolation" in install
    assert "--no-binary llama-cpp-python,pyaudio" in install
    llama = steps["llama-cpp-python"]
    assert "-DGGML_NATIVE=OFF" in llama.env["CMAKE_ARGS"]
    assert "--no-cache-dir" in llama.commands[0]  # never a wheel cached with other flags
    assert sys.executable in steps["virtualenv"].commands[0]
