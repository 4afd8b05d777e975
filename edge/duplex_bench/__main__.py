"""`python -m edge.duplex_bench [options]` = `tandem bench duplex [options]`."""

import sys

from edge.duplex_bench.cli import main

sys.exit(main())
