"""`tandem edge run` configured by a TOML file: the file's options, the command line's over
them, and one clear line for every kind of mistake in the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.cli import build_parsers, main
from edge.audio.wavfile import write_wav
from edge.config_file import ConfigError, with_config
from tests.test_cli import assert_clear_error, tandem


def args_from(config: str, tmp_path: Path, *cli: str, default: Path | None = None):  # noqa: ANN201
    path = tmp_path / "edge.toml"
    path.write_text(config)
    parser, run = build_parsers()
    argv = ["--config", str(path), *cli] if default is None else list(cli)
    rest = with_config(argv, run, default=default or tmp_path / "absent.toml")
    return parser.parse_args(["edge", "run", *rest])


def test_the_files_options_and_the_command_lines_over_them(tmp_path: Path) -> None:
    args = args_from('input = "mic"\noutput = "speaker"\ncloud = "10.0.0.2:50051"\n'
                     'wake_threshold = 0.6\nrealtime = true\npause-on-speech = false\n'
                     'aec = "off"\n', tmp_path, "--wake-threshold", "0.7")
    assert (args.input, args.output, args.cloud) == ("mic", "speaker", "10.0.0.2:50051")
    assert args.wake_threshold == 0.7  # the command line wins
    assert args.realtime is True and args.pause_on_speech is False and args.aec == "off"


def test_the_default_file_is_read_when_it_exists(tmp_path: Path) -> None:
    service = tmp_path / "etc-edge.toml"
    service.write_text('input = "mic"\nmax_turns = 3\n')
    parser, run = build_parsers()
    args = parser.parse_args(["edge", "run", *with_config([], run, default=service)])
    assert (args.input, args.max_turns) == ("mic", 3)
    missing = tmp_path / "none.toml"
    assert with_config(["--input", "x.wav"], run, default=missing) == ["--input", "x.wav"]


@pytest.mark.parametrize(("config", "needles"), [
    ('wake_treshold = 0.6\n', ("unknown key 'wake_treshold'", "did you mean wake_threshold?")),
    ('favourite_song = "x"\n', ("unknown key 'favourite_song'",
                                     "the keys are `tandem edge run` options")),
    ('wake_threshold = "high"\n', ("wake_threshold = 'high'",)),
    ('realtime = "yes"\n', ("realtime = 'yes'", "true or false")),
    ('aec = "maybe"\n', ("aec = 'maybe'", "one of auto, on, off")),
    ('cloud = ["a", "b"]\n', ("cloud = ['a', 'b']", "a string or a number")),
    ('input = "mic\n', ("is not valid TOML",)),
    ('config = "other.toml"\n', ("unknown key 'config'",)),
])
def test_a_mistake_in_the_file_is_one_line_naming_the_key(
        tmp_path: Path, config: str, needles: tuple[str, ...],
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "edge.toml"
    path.write_text(config)
    with pytest.raises(ConfigError) as error:
        args_from(config, tmp_path)
    for needle in needles:
        assert needle in str(error.value), str(error.value)
    assert str(path) in str(error.value)
    assert main(["edge", "run", "--config", str(path)]) == 2  # before any model loads
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tandem: error: "), lines


@pytest.mark.slow
def test_edge_run_takes_its_options_from_the_file(tmp_path: Path) -> None:
    recording = tmp_path / "quiet.wav"
    write_wav(recording, np.zeros(16_000, np.int16), 16_000)
    trace = tmp_path / "trace.jsonl"
    config = tmp_path / "edge.toml"
    config.write_text(f'input = "{recording}"\noutput = "{tmp_path / "out.wav"}"\n'
                      f'trace = "{trace}"\noffline = true\nstate_dir = "{tmp_path}"\n')
    result = tandem("edge", "run", f"--config={config}")
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert trace.exists() and (tmp_path / "out.wav").exists()
    missing = tandem("edge", "run", "--config", str(tmp_path / "nope.toml"))
    assert_clear_error(missing, "cannot read the config file", "nope.toml")


def test_the_background_gate_is_set_from_the_file_or_turned_off(tmp_path: Path) -> None:
    from edge.cli import edge_settings

    default = edge_settings(args_from('input = "mic"\n', tmp_path))
    assert default.endpoint.background_margin_db == 6.0
    assert edge_settings(args_from('input = "mic"\nbackground-margin = 9\n', tmp_path)
                         ).endpoint.background_margin_db == 9.0
    assert edge_settings(args_from('input = "mic"\n', tmp_path, "--background-margin", "off")
                         ).endpoint.background_margin_db is None


def test_whispers_confirmation_of_the_fast_layer_is_set_or_turned_off(tmp_path: Path) -> None:
    from edge.cli import edge_settings
    from edge.settings import ConfirmSettings

    default = edge_settings(args_from('input = "mic"\n', tmp_path))
    assert default.confirm == ConfirmSettings()
    stricter = edge_settings(args_from('input = "mic"\nfast-confirm = -1.5\n', tmp_path))
    assert stricter.confirm is not None and stricter.confirm.min_per_token == -1.5
    assert edge_settings(args_from('input = "mic"\n', tmp_path, "--fast-confirm", "off")
                         ).confirm is None


def test_bench_turn_times_the_confirmed_and_the_whisper_paths_on_request(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import edge.bench
    from edge.settings import ConfirmSettings

    calls: list[tuple[object, ...]] = []
    monkeypatch.setattr(edge.bench, "bench_turn", lambda *a: calls.append(a) or 0)
    parser, _ = build_parsers()
    for argv in (["bench", "turn"], ["bench", "turn", "--fast-unsure"],
                 ["bench", "turn", "--fast-unsure", "--fast-confirm", "off"]):
        args = parser.parse_args(argv)
        assert args.func(args) == 0
    assert [(unsure, confirm) for _, _, unsure, confirm in calls] == [
        (False, ConfirmSettings()), (True, ConfirmSettings()), (True, None)]
