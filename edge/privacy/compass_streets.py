"""US grid addresses said without a street type: "1100 South Congress", "eleven hundred
south congress", "922 W Addison, Chicago".

On a grid (Chicago, Salt Lake City, Austin) a house number of three or more digits, a
compass direction and the street's name are the whole address: the type is often left
unsaid. Only after a cue that a place follows ("to", "at", "is", "address") and with the
clause ending after one or two name words: "the 405 north is jammed" (a highway) and
"heading 270 west" (a bearing) are none.
"""

from __future__ import annotations

from edge.privacy.localities import NOT_STREET, town_without_comma
from edge.privacy.spans import Span
from edge.privacy.street_words import MEASURES
from edge.privacy.text import NUMBER_WORDS, Token, number_runs

_COMPASS = {"north", "south", "east", "west", "northeast", "northwest", "southeast",
            "southwest"}
_COMPASS_LETTERS = {"N", "S", "E", "W", "NE", "NW", "SE", "SW"}
_CUES = {"to", "at", "is", "address", "from", "'s", "number", "live", "lives"}
# Words after a direction that go on with the sentence or say it is a bearing or a road.
_NOT_NAME = {"please", "now", "then", "today", "tonight", "tomorrow", "instead", "again",
             "bound", "facing", "side", "direction", "latitude", "longitude", "wind",
             "winds", "coast", "exit", "highway", "freeway", "interstate", "lane", "lanes",
             "road", "thanks", "first", "only", "too", "also", "ok", "okay"}
_CLOSERS = {",", ".", "!", "?", ";"}


def compass_streets(toks: tuple[Token, ...]) -> list[Span]:
    found = []
    n = len(toks)
    for run in number_runs(toks):
        d = run.last + 1
        if len(run.digits) < 3 or len(run.digits) > 5 or run.first == 0 \
                or toks[run.first - 1].low not in _CUES or d + 1 >= n \
                or not (toks[d].low in _COMPASS or toks[d].text in _COMPASS_LETTERS):
            continue
        e = d
        while e + 1 < n and e - d < 2 and _name(toks[e + 1]):
            e += 1
        if e == d:
            continue
        closed = e + 1 >= n or toks[e + 1].text in _CLOSERS
        if closed or town_without_comma(toks, e) > e:
            found.append(Span(toks[run.first].start, toks[e].end, "address"))
    return found


def _name(t: Token) -> bool:
    return t.word and t.low.isalpha() and t.low not in NOT_STREET \
        and t.low not in NUMBER_WORDS and t.low not in MEASURES and t.low not in _NOT_NAME
