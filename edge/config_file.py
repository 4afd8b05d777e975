"""`tandem edge run`'s options from a TOML file, for a service instead of a long command line.

    # /etc/tandem/edge.toml (read when present), or `tandem edge run --config FILE`
    input = "mic"
    output = "speaker"
    cloud = "cloud.example.net:50051"
    wake_threshold = 0.6
    realtime = true

Each key is an `edge run` option without its dashes (`wake_threshold` or `wake-threshold`);
a flag takes true or false. The file's values come first and the command line's after them,
so an option given on both wins from the command line. Every key and value is checked
before anything loads: an unknown key, a value of the wrong type or outside the option's
choices is one line naming the file, the key and the fix.
"""

from __future__ import annotations

import argparse
import difflib
import tomllib
from pathlib import Path

from contract.errors import TandemError

DEFAULT_CONFIG = Path("/etc/tandem/edge.toml")
CONFIG_OPTION = "--config"


class ConfigError(TandemError):
    """A config file that cannot be used, said in one line."""


def load_config(path: Path) -> dict[str, object]:
    """The file's keys and values, as written (ConfigError if it cannot be read)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def config_argv(path: Path, parser: argparse.ArgumentParser) -> list[str]:
    """The file's settings as command-line arguments of `parser` (ConfigError if bad)."""
    document = load_config(path)
    options = {option: action for action in parser._actions  # (argparse has no public map)
               for option in action.option_strings if option.startswith("--")}
    settable = sorted(o[2:].replace("-", "_") for o in options
                      if o not in ("--help", CONFIG_OPTION))
    argv: list[str] = []
    for key, value in document.items():
        option = "--" + key.replace("_", "-")
        action = options.get(option)
        if action is None or option == CONFIG_OPTION:
            close = difflib.get_close_matches(key.replace("-", "_"), settable, n=1)
            hint = f"did you mean {close[0]}?" if close else \
                f"the keys are `tandem edge run` options: {', '.join(settable)}"
            raise ConfigError(f"{path}: unknown key {key!r} ({hint})")
        argv += _arguments(path, key, value, option, action)
    return argv


def _arguments(path: Path, key: str, value: object, option: str,
               action: argparse.Action) -> list[str]:
    if action.nargs == 0:  # a flag
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: {key} = {value!r}: a flag takes true or false")
        return [option] if value else []
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ConfigError(f"{path}: {key} = {value!r}: write a string or a number")
    text = str(value)
    if callable(action.type):
        try:
            action.type(text)
        except (argparse.ArgumentTypeError, ValueError, TypeError) as exc:
            raise ConfigError(f"{path}: {key} = {value!r}: {exc or 'not a valid value'}"
                              ) from None
    if action.choices is not None and text not in action.choices:
        raise ConfigError(f"{path}: {key} = {value!r}: one of "
                          f"{', '.join(map(str, action.choices))}")
    return [option, text]


def with_config(argv: list[str], parser: argparse.ArgumentParser,
                default: Path = DEFAULT_CONFIG) -> list[str]:
    """`edge run` arguments with the config file's first: the file `--config` names, or
    `default` when it exists (the service's)."""
    path = default if default.is_file() else None
    rest = list(argv)
    for at, arg in enumerate(rest):
        if arg.startswith(CONFIG_OPTION + "="):  # --config=FILE
            rest[at : at + 1] = [CONFIG_OPTION, arg.split("=", 1)[1]]
            break
    if CONFIG_OPTION in rest:
        at = rest.index(CONFIG_OPTION)
        if at + 1 >= len(rest):
            raise ConfigError(f"{CONFIG_OPTION} needs a file (e.g. {DEFAULT_CONFIG})")
        path = Path(rest[at + 1])
        del rest[at : at + 2]
    return rest if path is None else config_argv(path, parser) + rest
