"""The `tandem` command: the edge daemon, the cloud service, the fleet, models, benches.

A board installs the edge side only and a server the cloud side only (pyproject's
`edge` and `cloud` groups). Each side's commands are listed either way; where a side's
dependencies are not installed, its commands say which group to install.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import sys
from collections.abc import Callable
from typing import Any

from contract.errors import TandemError

# The commands each side registers (tests/test_packages.py checks these lists against
# what the sides really register), so the root can name them when a side is missing.
SIDE_COMMANDS = {
    "edge": ("edge", "doctor", "board", "demo", "nlu", "redact"),
    "cloud": ("cloud", "pki", "fleet"),
}
# the benches that run both sides' services (registered only where both are installed)
BOTH_SIDES_BENCHES = ("fleet", "abuse")
SIDE_BENCHES = {
    "edge": ("turn", "nlu", "plan", "speech", "duplex", "actions", "native", "idle",
             "redact"),
    "cloud": ("cloud", "fleet", "abuse"),
}


def build_parser() -> argparse.ArgumentParser:
    return build_parsers()[0]


BOTH = frozenset({"edge", "cloud"})


def sides_for(argv: list[str]) -> frozenset[str]:
    """The sides whose commands `argv` names: only those are loaded, so the daemon does
    not carry the cloud's libraries (about 30 MB resident). Both for `--help`, `models`,
    the benches that run both sides, or a word no side knows (argparse lists every choice)."""
    words = [word for word in argv[:2] if not word.startswith("-")]
    if words[:1] == ["bench"]:
        command = words[1] if len(words) > 1 else None
        if command in BOTH_SIDES_BENCHES:
            return BOTH
        table = SIDE_BENCHES
    else:
        table, command = SIDE_COMMANDS, (words[0] if words else None)
    owners = frozenset(side for side, names in table.items() if command in names)
    return owners if len(owners) == 1 else BOTH


def build_parsers(sides: frozenset[str] = BOTH
                  ) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser | None]:
    """The `tandem` parser with the commands of `sides`, and its `edge run` subparser (a
    config file's keys are its options; None where the edge side is not loaded)."""
    parser = argparse.ArgumentParser(prog="tandem", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench", help="benchmarks").add_subparsers(
        dest="bench_command", required=True)
    from models.cli import add_subcommands as add_models

    run = None
    if "edge" in sides and not _unavailable("edge", sub, bench):
        from edge.cli import add_subcommands as add_edge

        run = add_edge(sub, bench)
    if "cloud" in sides and not _unavailable("cloud", sub, bench):
        from cloud.bench import add_bench_cloud
        from cloud.cli import add_subcommands as add_cloud
        from cloud.fleet.cli import add_subcommands as add_fleet

        add_cloud(sub)
        add_fleet(sub)
        add_bench_cloud(bench)
    if sides == BOTH and run is not None and not missing_dependencies("cloud"):
        from app.abuse.bench import add_bench_abuse  # fuzzes both sides' services
        from app.fleet_bench import add_bench_fleet  # runs devices and the fleet service

        add_bench_fleet(bench)
        add_bench_abuse(bench)
    add_models(sub)
    return parser, run


def missing_dependencies(group: str) -> list[str]:
    """The distributions of an install group (pyproject's optional dependencies) that are
    not installed here; none when Tandem runs from a checkout it was not installed from."""
    try:
        requirements = importlib.metadata.requires("tandem") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    missing = []
    for requirement in requirements:
        spec, _, marker = requirement.partition(";")
        if f'extra == "{group}"' not in marker:
            continue
        name = re.split(r"[=<>!~\[ ]", spec.strip())[0]
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    return missing


def _unavailable(group: str, sub: Any, bench: Any) -> bool:
    """Register a missing side's commands as ones that say what to install.

    (`Any` because argparse's subparsers action type is private.)"""
    missing = missing_dependencies(group)
    if not missing:
        return False
    explain = _needs(group, missing)
    help_text = f"(not installed here: needs tandem[{group}])"
    for names, where in ((SIDE_COMMANDS[group], sub), (SIDE_BENCHES[group], bench)):
        for name in names:
            if name in where.choices:  # (bench fleet is both sides')
                continue
            command = where.add_parser(name, help=help_text, add_help=False)
            command.add_argument("rest", nargs=argparse.REMAINDER)
            command.set_defaults(func=explain)
    return True


def _needs(group: str, missing: list[str]) -> Callable[[argparse.Namespace], int]:
    def explain(_args: argparse.Namespace) -> int:
        raise TandemError(
            f"this command needs Tandem's {group} side, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed here: "
            f"pip install 'tandem[{group}]' (./tandem setup installs everything)")
    return explain


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("ORT_LOG_LEVEL", "ERROR")
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, run = build_parsers(sides_for(argv))
    if argv[:2] == ["edge", "run"] and run is not None:
        from edge.config_file import with_config

        try:
            argv = argv[:2] + with_config(argv[2:], run)
        except TandemError as exc:
            print(f"tandem: error: {exc}", file=sys.stderr)
            return 2
    args = parser.parse_args(argv)
    from models import ModelError

    try:
        return int(args.func(args))
    except (TandemError, ModelError) as exc:
        print(f"tandem: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `tandem bench plan | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error
        return 0


if __name__ == "__main__":
    sys.exit(main())
