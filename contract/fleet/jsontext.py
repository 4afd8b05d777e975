"""JSON from the network or from flash, where every way it can fail is one ValueError.

`json.loads` raises more than JSONDecodeError on hostile input: a number of thousands of
digits is a plain ValueError (Python's int size guard) and deep nesting a RecursionError,
which a reader catching JSONDecodeError lets through (onto the MQTT thread, which dies).
"""

from __future__ import annotations

import json
from typing import Any


def loads(data: bytes | str) -> Any:
    """Decoded JSON, or ValueError (not JSON, not UTF-8, too deep, a number too long)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("nested too deeply") from None
