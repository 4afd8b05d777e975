"""Attach a running daemon to the fleet: `tandem edge run --fleet BUNDLE --broker HOST:PORT`."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from contract.errors import TandemError
from edge.fleet.device import FleetDevice
from edge.stages.nlu import load_nlu

CONNECT_WAIT_S = 3.0


def bundle_device_id(bundle: Path) -> str:
    meta = bundle / "device.json"
    if not meta.is_file():
        raise TandemError(f"{bundle} is not a device bundle; create one with `tandem pki issue`")
    return str(json.loads(meta.read_text())["device_id"])


@contextlib.contextmanager
def fleet_device(bundle: Path, broker: str, state_dir: Path | None) -> Iterator[FleetDevice]:
    """Start the device's MQTT session; the policy persisted on the device applies from the
    first idle frame even if the broker cannot be reached (the device works offline)."""
    bundle_device_id(bundle)
    if ":" not in broker:
        raise TandemError(f"--broker must be HOST:PORT, got {broker!r}")
    from edge.doctor import OK, check_certificate

    for finding in check_certificate(bundle):  # as `tandem doctor` would say it
        if finding.status != OK:
            print(f"warning: the device certificate: {finding.detail}; fix: {finding.fix}",
                  file=sys.stderr)
    device = FleetDevice.from_bundle(bundle, broker, state_dir or bundle / "state", load_nlu)
    device.start()
    try:
        if not device.link.subscribed.wait(CONNECT_WAIT_S):
            print(f"warning: fleet broker {broker} not reachable yet; using the stored policy",
                  file=sys.stderr)
        yield device
    finally:
        device.stop()
