"""Errors the user can fix. The CLI prints their message as one line and exits non-zero."""


class TandemError(Exception):
    """Base for user-facing failures; the message names the fix."""


class AudioInputError(TandemError):
    pass


class InventoryError(TandemError):
    pass
