"""`tandem bench duplex`: the real daemon over its lockstep stdio, the loop closed through a
simulated room (`loop`: the driver; `script`: the simulated user; `analysis`: the figures;
`bench`: one run and its report; `cli`: the command)."""

from edge.duplex_bench.cli import add_bench_duplex

__all__ = ["add_bench_duplex"]
