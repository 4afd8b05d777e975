"""`tandem cloud serve`: argparse wiring for the cloud service.

The root `tandem` CLI (app/cli.py) calls `add_subcommands(sub)` with its own
`add_subparsers()` result; `main(argv)` builds a stand-alone root with the same
shape for running the service without the edge package.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cloud.server import EXIT_CONFIG, serve
from cloud.settings import CloudSettings


def add_subcommands(subparsers: Any) -> None:
    """Register `cloud serve` on a root parser's `add_subparsers()` result.

    (`Any` because argparse's subparsers action type is private.)
    """
    cloud = subparsers.add_parser("cloud", help="the cloud LLM service")
    commands = cloud.add_subparsers(dest="cloud_command", metavar="COMMAND", required=True)
    serve_parser = commands.add_parser(
        "serve", help="serve tandem.v1.Conversation with a local GGUF model"
    )
    defaults = CloudSettings(model_path=Path("model.gguf"))  # (the defaults only)
    serve_parser.add_argument(
        "--listen", default=defaults.listen, help="HOST:PORT to bind (default %(default)s)"
    )
    serve_parser.add_argument(
        "--model", type=Path, metavar="PATH",
        help="GGUF model file for the embedded llama.cpp worker"
    )
    serve_parser.add_argument(
        "--upstream", action="append", default=[], metavar="URL[,model=M][,concurrency=N]"
        "[,key_env=VAR]",
        help="an OpenAI-compatible chat-completions server to answer instead (vLLM, "
             "llama.cpp's server, Ollama, a hosted API); repeat for failover, first "
             "preferred; the API key is read from the environment variable key_env")
    serve_parser.add_argument(
        "--threads",
        type=int,
        default=defaults.n_threads,
        help="llama threads (default %(default)s)",
    )
    serve_parser.add_argument(
        "--ctx", type=int, default=defaults.n_ctx, help="context size (default %(default)s)"
    )
    serve_parser.add_argument(
        "--parallel", type=int, default=defaults.n_parallel,
        help="answers the embedded worker generates at once, batched in one llama.cpp "
             "context (default %(default)s)")
    serve_parser.add_argument(
        "--max-pending",
        type=int,
        default=defaults.max_pending,
        help="calls waiting or running before RESOURCE_EXHAUSTED (default %(default)s)",
    )
    serve_parser.add_argument(
        "--max-tokens",
        type=int,
        default=defaults.max_tokens,
        help="tokens per answer when the request leaves it to us (default %(default)s)",
    )
    serve_parser.add_argument(
        "--grace",
        type=float,
        default=defaults.grace_s,
        help="seconds in-flight calls get on SIGINT/SIGTERM (default %(default)s)",
    )
    serve_parser.add_argument(
        "--tls-fleet-dir",
        type=Path,
        metavar="DIR",
        help="serve mTLS with this fleet's server certificate; devices present theirs",
    )
    serve_parser.add_argument(
        "--fleet-dir", type=Path, metavar="DIR",
        help="use this fleet's user memory and registry in the conversations "
             "(default: the --tls-fleet-dir)")
    serve_parser.add_argument(
        "--broker", metavar="HOST:PORT",
        help="the fleet's MQTT broker: what users ask to remember or forget reaches "
             "their devices")
    serve_parser.add_argument(
        "--device-tokens", type=Path, metavar="FILE",
        help="require a bearer token per device (made with `cloud token`); for a cloud "
             "not on mTLS, behind a TLS-terminating proxy")
    serve_parser.add_argument(
        "--no-answer-cache", dest="answer_cache", action="store_false",
        help="always ask the model, even for a general question asked before")
    serve_parser.add_argument(
        "--tools", choices=("auto", "native", "prompt", "off"), default="auto",
        help="how the functions a device offers reach the model: native (the upstream "
             "API's tools), prompt (in the system prompt), off; auto: native for "
             "--upstream, off for the embedded model (default)")
    serve_parser.add_argument(
        "--metrics", metavar="HOST:PORT",
        help="serve Prometheus metrics here (calls by outcome, queue depth and time, first "
             "token, worker restarts)")
    serve_parser.add_argument(
        "--handoff-on", action="append", default=[], metavar="REGEX",
        help="requests matching this go to a person (repeatable; needs --broker for the "
             "operators' queue)")
    serve_parser.set_defaults(func=run_serve)
    token = commands.add_parser(
        "token", help="issue a device's bearer token for `cloud serve --device-tokens`")
    token.add_argument("device")
    token.add_argument("--tokens", type=Path, required=True, metavar="FILE")
    token.add_argument("--user", help="whose device it is (their memory and context)")
    token.set_defaults(func=run_token)


def settings_from_args(args: argparse.Namespace) -> CloudSettings:
    """Parse the `cloud serve` namespace once into validated settings (ValueError if bad)."""
    from cloud.upstream import parse_upstream

    return CloudSettings(
        model_path=args.model,
        upstreams=tuple(parse_upstream(text) for text in args.upstream),
        listen=args.listen,
        n_threads=args.threads,
        n_ctx=args.ctx,
        max_pending=args.max_pending,
        n_parallel=args.parallel,
        max_tokens=args.max_tokens,
        grace_s=args.grace,
        tls_fleet_dir=args.tls_fleet_dir,
        fleet_dir=args.fleet_dir or args.tls_fleet_dir,
        broker=args.broker,
        handoff_patterns=tuple(args.handoff_on),
        device_tokens=args.device_tokens,
        answer_cache=args.answer_cache,
        tools=args.tools,
        metrics=args.metrics,
    )


def run_token(args: argparse.Namespace) -> int:
    """`func` of `cloud token`: prints the new token (shown once; only its hash is kept)."""
    from cloud.device_tokens import issue_token

    try:
        print(issue_token(args.tokens, args.device, args.user))
    except (ValueError, OSError) as exc:
        print(f"cloud token: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """`func` of `cloud serve`: returns the process exit code."""
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        print(f"cloud serve: error: {exc} (see `cloud serve --help`)", file=sys.stderr)
        return EXIT_CONFIG
    # No-op when the root CLI already configured logging.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return serve(settings)


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point: `python -m cloud.cli cloud serve --model PATH`."""
    parser = argparse.ArgumentParser(prog="tandem")
    add_subcommands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
