"""`tandem fleet status`: devices per applied version, failures with reasons, who is offline."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cloud.fleet.operator import OperatorLink
from contract.fleet.report import REJECTED


@dataclass
class FleetStatus:
    by_version: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)  # device -> "vN: reason"
    offline: list[str] = field(default_factory=list)
    never_reported: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = ["applied version   devices"]
        for version, count in sorted(self.by_version.items()):
            label = f"v{version}" if version else "none (defaults)"
            lines.append(f"{label:<17} {count}")
        lines.append(f"offline: {len(self.offline)}" + (
            f" ({', '.join(self.offline[:20])}{' ...' if len(self.offline) > 20 else ''})"
            if self.offline else ""))
        if self.never_reported:
            lines.append(f"never reported: {len(self.never_reported)} "
                         f"({', '.join(self.never_reported[:20])})")
        lines.append(f"failures: {len(self.failures)}")
        lines += [f"  {device}: {why}" for device, why in sorted(self.failures.items())]
        return "\n".join(lines)


def fleet_status(operator: OperatorLink, devices: list[str]) -> FleetStatus:
    operator.sync()
    status = FleetStatus()
    for device in devices:
        report = operator.reports.get(device)
        if report is None:
            status.never_reported.append(device)
        else:
            status.by_version[report.applied_version] += 1
            if report.status == REJECTED:
                status.failures[device] = f"v{report.subject_version}: {report.reason}"
        if not operator.online(device):
            status.offline.append(device)
    return status
