"""What the edge and the cloud both import, and nothing either side runs alone.

The fleet's wire contract (fleet/: topic names, the signed policy and its schema,
signing keys, device reports, the memory snapshot format), the inventory's schema,
Tandem's error type, bounded task cancellation and power-cut-safe files. `edge`
never imports `cloud` and `cloud` never imports `edge` (tests/test_packages.py);
the gRPC contract is in proto/.
"""
