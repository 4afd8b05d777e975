"""Identities and MQTT topics shared by devices, the operator and the broker ACL.

A device's MQTT username is the CN of its client certificate (Mosquitto
`use_identity_as_username`), so the CN *is* the identity the ACL confines.
Device ids cannot contain a dot; the service identities all do, so no device
certificate can ever name itself after the operator.
"""

from __future__ import annotations

import re

OPERATOR = "fleet.operator"  # pushes policy, reads every report
CLOUD = "fleet.cloud"  # publishes users' memory
SERVICE_IDENTITIES = (OPERATOR, CLOUD)

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")

ROOT = "tandem"


def check_name(kind: str, name: str) -> str:
    """Return `name` if it is a valid device/group/user id, else raise ValueError."""
    if not isinstance(name, str) or not _ID.fullmatch(name):
        raise ValueError(
            f"{kind} id {name!r} must be 1-63 characters of a-z, 0-9, '-' or '_', "
            "starting with a letter or digit"
        )
    return name


def device_policy(device: str) -> str:
    return f"{ROOT}/device/{device}/policy"


def group_policy(group: str) -> str:
    return f"{ROOT}/group/{group}/policy"


def device_report(device: str) -> str:
    return f"{ROOT}/device/{device}/report"


def device_presence(device: str) -> str:
    return f"{ROOT}/device/{device}/presence"


def user_memory(user: str) -> str:
    return f"{ROOT}/user/{user}/memory"


# Conversations handed to a person (cloud.handoff): the cloud writes, operators read.
HANDOFF = f"{ROOT}/operator/handoff"

ALL_REPORTS = f"{ROOT}/device/+/report"
ALL_PRESENCE = f"{ROOT}/device/+/presence"


def device_of(topic: str) -> str | None:
    """The device id in a tandem/device/<id>/... topic, else None."""
    parts = topic.split("/")
    if len(parts) >= 3 and parts[0] == ROOT and parts[1] == "device":
        return parts[2]
    return None
