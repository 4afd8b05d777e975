"""`tandem bench cloud`: Tandem's cloud service against llama_cpp.server, same GGUF model.

For each concurrency level N, N conversations run at once, each a closed loop (the next
question as soon as the answer ends), ~--requests questions in all, against (a) `cloud
serve` over real gRPC Converse calls, each request its own device (per-device fairness is
what is exercised), and (b) llama-cpp-python's own OpenAI-compatible server, streamed
/v1/chat/completions. Both servers are started here on free loopback ports with the same
model, n_ctx and threads, stay up for the whole bench, get the same questions, system
prompt, max_tokens and sampling, and take turns (tandem, llama_cpp.server, tandem, ...)
so background load hits both alike. Each answers one question before the first run.

The servers (`cloud.bench_servers`), the clients (`cloud.bench_clients`) and the numbers
(`cloud.bench_report`) live beside this module.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import math
import signal
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType

import grpc
import httpx2

from cloud.bench_cache import cache_phase, format_cache
from cloud.bench_clients import (
    SYSTEM_LLAMA,
    SYSTEM_TANDEM,
    Ask,
    Client,
    LlamaServerClient,
    RequestResult,
    TandemClient,
)
from cloud.bench_report import BenchReport, Run, format_report, summarise, to_json
from cloud.bench_servers import ServerOptions, llama_server, llama_server_problem, tandem_server
from cloud.server import check_model_file
from cloud.settings import CloudSettings
from contract.errors import TandemError

__all__ = ["PROMPTS", "BenchConfig", "add_bench_cloud", "run_bench"]

DEFAULT_MODEL = "smollm2_135m"
CACHE_MAX_TOKENS = 256
SYSTEMS = (SYSTEM_TANDEM, SYSTEM_LLAMA)

PROMPTS = (
    "why is the sky blue",
    "how do airplanes fly",
    "what makes a rainbow",
    "why do cats purr",
    "how does a refrigerator keep food cold",
    "what is the tallest mountain in the world",
    "why do leaves change colour in autumn",
    "how do bees make honey",
    "what causes thunder",
    "how far away is the moon",
    "why is the ocean salty",
    "how do vaccines work",
    "what is the difference between weather and climate",
    "why do we dream",
    "how does a compass work",
    "what is a black hole",
)


@dataclass(frozen=True)
class BenchConfig:
    model: Path
    concurrency: tuple[int, ...] = (1, 2, 4, 8)
    requests: int = 16  # per run (one system, one level, one round), about
    rounds: int = 2
    max_tokens: int = 64
    n_ctx: int = 2048
    threads: int = 2
    request_timeout_s: float = 120.0
    systems: tuple[str, ...] = SYSTEMS

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", Path(self.model))
        if not self.concurrency or min(self.concurrency) < 1:
            raise ValueError("--concurrency needs levels of at least 1, e.g. 1,2,4,8")
        for name in ("requests", "rounds", "max_tokens", "threads"):
            if getattr(self, name) < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be at least 1")
        if self.max_tokens >= self.n_ctx:
            raise ValueError(f"--max-tokens must be below the context size ({self.n_ctx})")
        if unknown := set(self.systems) - set(SYSTEMS):
            raise ValueError(f"unknown systems {sorted(unknown)}; known: {', '.join(SYSTEMS)}")

    def server_options(self) -> ServerOptions:
        return ServerOptions(self.model, self.n_ctx, self.threads)

    def tandem_settings(self) -> CloudSettings:
        """What `cloud serve` runs with here (its defaults, these n_ctx and threads)."""
        return CloudSettings(model_path=self.model, n_ctx=self.n_ctx, n_threads=self.threads)

    @property
    def temperature(self) -> float:
        """Tandem's (`cloud serve` has no option for it); llama_cpp.server is sent it."""
        return self.tandem_settings().temperature


def plan(concurrency: int, requests: int, round_: int) -> list[list[Ask]]:
    """The conversations of one run: `concurrency` lists of questions, at least `requests`
    in all; the same questions in the same places for both systems."""
    per_conversation = math.ceil(requests / concurrency)
    return [[Ask(conv, turn + 1, PROMPTS[(conv * per_conversation + turn) % len(PROMPTS)],
                 device_id=f"bench-r{round_}-n{concurrency}-c{conv}-t{turn}")
             for turn in range(per_conversation)]
            for conv in range(concurrency)]


async def closed_loop(client: Client, conversations: list[list[Ask]]
                      ) -> tuple[float, tuple[RequestResult, ...]]:
    """All conversations at once, each asking its next question when an answer ends."""

    async def conversation(asks: list[Ask]) -> list[RequestResult]:
        return [await client.ask(ask) for ask in asks]

    start = time.perf_counter()
    answers = await asyncio.gather(*(conversation(asks) for asks in conversations))
    return time.perf_counter() - start, tuple(r for answer in answers for r in answer)


async def run_bench(config: BenchConfig) -> BenchReport:
    """Start the servers, warm each up with one question, run the alternated rounds."""
    problem = check_model_file(config.model)
    if problem is not None:
        raise TandemError(problem)
    if SYSTEM_LLAMA in config.systems and (problem := llama_server_problem()) is not None:
        raise TandemError(problem)
    async with _clients(config) as clients:
        for client in clients.values():
            await client.ask(Ask(0, 1, PROMPTS[0], "bench-warmup"))
        runs: list[Run] = []
        for round_ in range(config.rounds):
            for level in config.concurrency:
                for system in config.systems:
                    wall_s, results = await closed_loop(
                        clients[system], plan(level, config.requests, round_))
                    runs.append(Run(len(runs), round_, level, system, wall_s, results))
    return summarise(config, _llama_cpp_version(), runs)


@contextlib.asynccontextmanager
async def _clients(config: BenchConfig) -> AsyncIterator[dict[str, Client]]:
    """Both servers (started side by side) and a client for each; all stopped on exit."""
    options = config.server_options()
    clients: dict[str, Client] = {}
    async with contextlib.AsyncExitStack() as stack:
        starting: dict[str, Awaitable[str]] = {}
        if SYSTEM_TANDEM in config.systems:
            starting[SYSTEM_TANDEM] = stack.enter_async_context(tandem_server(options))
        if SYSTEM_LLAMA in config.systems:
            starting[SYSTEM_LLAMA] = stack.enter_async_context(llama_server(options))
        # gather lets a failed start cancel the other; the stack stops what did start.
        addresses = dict(zip(starting, await _gather_or_cancel(*starting.values()),
                             strict=True))
        if SYSTEM_TANDEM in addresses:
            channel = await stack.enter_async_context(
                grpc.aio.insecure_channel(addresses[SYSTEM_TANDEM]))
            clients[SYSTEM_TANDEM] = TandemClient(channel, config.max_tokens,
                                                  config.request_timeout_s)
        if SYSTEM_LLAMA in addresses:
            http = await stack.enter_async_context(httpx2.AsyncClient(
                base_url=addresses[SYSTEM_LLAMA], timeout=config.request_timeout_s,
                limits=httpx2.Limits(max_connections=max(config.concurrency) + 4)))
            clients[SYSTEM_LLAMA] = LlamaServerClient(
                http, config.max_tokens, config.temperature, config.request_timeout_s,
                config.tandem_settings().first_clause_words)
        yield {system: clients[system] for system in config.systems}


async def _gather_or_cancel(*starts: Awaitable[str]) -> list[str]:
    tasks = [asyncio.ensure_future(start) for start in starts]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _llama_cpp_version() -> str:
    try:
        return importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        return "?"


def add_bench_cloud(bench: argparse._SubParsersAction) -> None:
    p = bench.add_parser(
        "cloud", help="Tandem's cloud service vs llama_cpp.server on the same model: first "
                      "token and first sentence under 1..N concurrent conversations")
    d = BenchConfig(model=Path("model.gguf"))
    p.add_argument("--concurrency", type=_levels, default=d.concurrency, metavar="N,N,...",
                   help="concurrent conversations per run (default 1,2,4,8)")
    p.add_argument("--requests", type=int, default=d.requests,
                   help="questions per run, spread over the conversations (default %(default)s)")
    p.add_argument("--rounds", type=int, default=d.rounds,
                   help="times each (system, level) runs, alternating systems "
                        "(default %(default)s)")
    p.add_argument("--model", type=Path, metavar="PATH",
                   help=f"GGUF model for both servers (default: {DEFAULT_MODEL} from the "
                        "model manifest)")
    p.add_argument("--max-tokens", type=int, default=d.max_tokens,
                   help="answer length cap, the same for both (default %(default)s)")
    p.add_argument("--no-cache-phase", dest="cache_phase", action="store_false",
                   help="skip the answer cache's part (held-out question pairs, cache on)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--out", type=Path, metavar="FILE", help="also save the JSON report here")
    p.set_defaults(func=_cmd_bench_cloud)


def _levels(text: str) -> tuple[int, ...]:
    try:
        levels = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected levels like 1,2,4,8, not {text!r}") from None
    if not levels or levels[0] < 1:
        raise argparse.ArgumentTypeError(f"levels must be at least 1, not {text!r}")
    return tuple(levels)


def _cmd_bench_cloud(args: argparse.Namespace) -> int:
    if args.model is None:
        import models

        model = models.resolve(DEFAULT_MODEL)[0]
    else:
        model = args.model
    try:
        config = BenchConfig(model=model, concurrency=args.concurrency, requests=args.requests,
                             rounds=args.rounds, max_tokens=args.max_tokens)
    except ValueError as exc:
        raise TandemError(str(exc)) from None
    previous = signal.signal(signal.SIGTERM, _interrupted)  # stop the servers on kill too
    cache = None
    try:
        report = asyncio.run(run_bench(config))
        if args.cache_phase and SYSTEM_TANDEM in config.systems:
            # Only whole answers are stored: room for them, whatever --max-tokens is.
            cache = asyncio.run(cache_phase(config.server_options(), CACHE_MAX_TOKENS,
                                            config.request_timeout_s))
    finally:
        signal.signal(signal.SIGTERM, previous)
    document = to_json(report)
    if cache is not None:
        document["answer_cache"] = {**asdict(cache), "hit_rate": round(cache.hit_rate, 3)}
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(document, indent=1) + "\n")
    if args.json:
        print(json.dumps(document, indent=1))
    else:
        print(format_report(report))
        if cache is not None:
            print(format_cache(cache))
    return 0


def _interrupted(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt
