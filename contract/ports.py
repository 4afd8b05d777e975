"""Addresses: HOST:PORT as given on a command line, and a free port on loopback."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def host_port(target: str, what: str) -> tuple[str, int]:
    """ "HOST:PORT" -> (host, port); a clear ValueError naming `what` otherwise."""
    host, sep, port = target.rpartition(":")
    if not sep or not host or not port.isdecimal() or not 0 < int(port) < 65536:
        raise ValueError(f"{what} {target!r} is not HOST:PORT (e.g. 192.168.1.5:1883)")
    return host, int(port)
