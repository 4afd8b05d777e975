"""Secrets said as a sequence of moves rather than as characters.

- A dial's turns: a direction with a number, twice or more ("left twenty four right
  seventeen left eight", "R 24, L 17, R 8", "36 left, 12 right, 4 left", "clockwise to 30,
  anticlockwise to 12", "turn right to 5, then left to 40").
- A controller's buttons: three or more of the arrows, the face buttons and the shoulder
  buttons, with at least one arrow or shape among them ("up, up, left, right, A, B",
  "triangle, square, L1, R2").

Only where a cue has already said that a secret starts there (secret_values.value_end and a
lock "is ..."): directions alone ("turn left then right", "go left 2 blocks") are never one.
"""

from __future__ import annotations

from edge.privacy.text import NumberRun, Token

_DIRECTIONS = {"left", "right", "l", "r", "clockwise", "anticlockwise", "counterclockwise",
               "cw", "ccw", "acw"}
_TURN_VERBS = {"turn", "spin", "go", "rotate", "twist"}
_TO = {"to", "on", "at"}
_JOINERS = {",", "then", "and", "-", ";"}
_MOST_DIGITS = 3  # one stop on a dial: "left 24", never "left 24000"

_ARROWS = {"up", "down", "left", "right"}
_SHAPES = {"triangle", "square", "circle", "cross"}
_BUTTONS = _ARROWS | _SHAPES | {
    "a", "b", "x", "y", "l", "r", "z", "zl", "zr", "l1", "l2", "l3", "r1", "r2", "r3", "lb",
    "rb", "lt", "rt", "start", "select", "home", "options", "share"}
_MIN_BUTTONS = 3


def sequence_end(text: str, toks: tuple[Token, ...], j: int,
                 runs: dict[int, NumberRun]) -> int | None:
    """End offset of a dial's turns or a controller's buttons starting at token j."""
    if j >= len(toks):
        return None
    end = _turns_end(toks, j, runs)
    return end if end is not None else _buttons_end(text, toks[j].start)


def _direction(toks: tuple[Token, ...], k: int) -> int | None:
    """Index after a direction at k ("anti-clockwise", "counter clockwise" are one)."""
    if k >= len(toks):
        return None
    low = toks[k].low
    if low in {"anti", "counter"}:
        m = k + 1 + (k + 1 < len(toks) and toks[k + 1].text == "-")
        return m + 1 if m < len(toks) and toks[m].low == "clockwise" else None
    return k + 1 if low in _DIRECTIONS else None


def _number(toks: tuple[Token, ...], k: int, runs: dict[int, NumberRun]) -> int | None:
    """Index of the last token of a dial number at k, or None."""
    run = runs.get(k)
    if run is None or len(run.digits) > _MOST_DIGITS:
        return None
    return run.last


def _move(toks: tuple[Token, ...], k: int, runs: dict[int, NumberRun]) -> int | None:
    """Last token index of one turn from k: "[turn] left [to] 24" or "24 left"."""
    if k < len(toks) and toks[k].low in _TURN_VERBS:
        k += 1
    after = _direction(toks, k)
    if after is not None:
        if after < len(toks) and toks[after].low in _TO:
            after += 1
        return _number(toks, after, runs)
    last = _number(toks, k, runs)
    if last is None:
        return None
    after = _direction(toks, last + 1)
    return None if after is None else after - 1


def _turns_end(toks: tuple[Token, ...], j: int, runs: dict[int, NumberRun]) -> int | None:
    moves, last, k = 0, -1, j
    while True:
        m = _move(toks, k, runs)
        if m is None:
            break
        moves, last, k = moves + 1, m, m + 1
        while k < len(toks) and toks[k].low in _JOINERS:
            k += 1
    return toks[last].end if moves >= 2 else None


def _buttons_end(text: str, start: int) -> int | None:
    """Whitespace chunks from `start` that are buttons, "then" and "and" between them."""
    at = end = start
    count, named = 0, False
    while at < len(text):
        stop = text.find(" ", at)
        stop = len(text) if stop < 0 else stop
        bare = text[at:stop].rstrip(".,;!?").lower()
        if bare in _BUTTONS:
            count += 1
            named = named or bare in _ARROWS or bare in _SHAPES
            end = at + len(text[at:stop].rstrip(".,;!?"))
        elif bare not in {"then", "and"} or not count:
            break
        if text[at:stop].endswith((".", "!", "?", ";")):
            break
        at = stop + 1
    return end if count >= _MIN_BUTTONS and named else None


def sequence_before(text: str, toks: tuple[Token, ...], last: int,
                    runs: dict[int, NumberRun]) -> int | None:
    """First token of the longest sequence of moves that ends with token `last` ("left to
    10, right to 22, left to 3, that's the locker combination")."""
    first = None
    for s in range(last, max(-1, last - 16), -1):
        if sequence_end(text, toks, s, runs) == toks[last].end:
            first = s
    return first
