"""Errors the user can fix. The CLI prints their message as one line and exits non-zero."""


class TandemError(Exception):
    """Base for user-facing failures; the message names the fix."""


class AudioInputError(TandemError):
    pass


class InventoryError(TandemError):
    pass


class EchoCancellerUnavailable(AudioInputError, OSError):
    """The echo canceller's shared library (libspeexdsp) cannot be loaded. An OSError too,
    as a failed ``ctypes.CDLL`` is, so code that falls back to no AEC catches it either way."""
