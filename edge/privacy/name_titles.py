"""A person's name that is a work's title by where it is put: on a screen or a service.

"put Forrest Gump on the big TV", "cast Amélie to the telly", "is Amélie on Netflix",
"is Ted Lasso on any of my streaming services": a film or a show is put on a screen and
is on a service; a person is neither (a person is "on the call" or "on the way"). What is
played is name_things.py's ("play Jolene"); this is the frame around the title, with the
screen or the service after it.
"""

from __future__ import annotations

from edge.privacy.text import Token

# What a film, a show or a song is put on, cast to or streamed on.
SCREENS = {"tv", "telly", "television", "screen", "projector", "chromecast", "firestick",
           "roku", "appletv", "soundbar", "sonos", "echo", "stereo",
           "radio", "ipad", "tablet", "laptop", "monitor", "box"}
# Services and channels a title is on ("is Amélie on Netflix", "on iPlayer").
SERVICES = {"netflix", "hulu", "prime", "amazon", "disney", "disney+", "iplayer", "itvx",
            "youtube", "spotify", "tidal", "deezer", "hbo", "max", "peacock", "paramount",
            "crunchyroll", "mubi", "britbox", "now", "sky", "channel", "streaming", "demand",
            "plex", "kodi", "apple", "audible", "kindle", "services", "service", "apps",
            "bbc", "itv", "cbs", "nbc", "abc", "showtime", "starz", "tubi", "pluto"}
_SHOW_VERBS = {"put", "stick", "throw", "cast", "stream", "show", "mirror", "send", "play",
               "get", "queue", "load"}
_ONTO = {"on", "onto", "to", "in"}
# Between "on"/"to" and the screen: "the big TV", "the living room telly", "any of my".
_SCREEN_WORDS = {"the", "my", "our", "a", "big", "small", "main", "other", "new", "old",
                 "living", "room", "kitchen", "bedroom", "lounge", "front", "kids",
                 "kids'", "upstairs", "downstairs", "any", "of", "one", "smart", "tv", "apple",
                 "amazon", "disney", "bbc"}


def _a_screen_after(toks: tuple[Token, ...], k: int, names: set[str]) -> bool:
    """Token k is "on"/"to" and a screen or a service (in `names`) follows it within a few
    words that only describe it ("on the big TV", "on any of my streaming services")."""
    for m in range(k + 1, min(len(toks), k + 6)):
        low = toks[m].low
        if low in names:
            return True
        if low not in _SCREEN_WORDS:
            return False
    return False


def on_a_screen(toks: tuple[Token, ...], i: int, last: int, p: int) -> bool:
    """The name at tokens i..last is a title put on a screen ("put Forrest Gump on the big
    TV", "cast Bluey to the telly") or asked after on a service ("is Amélie on Netflix",
    "is Ted Lasso streaming anywhere")."""
    k = last + 1
    if k >= len(toks) or toks[i].low.endswith(("'s", "’s")):
        return False
    nxt = toks[k].low
    if p >= 0 and toks[p].low in _SHOW_VERBS and nxt in _ONTO:
        return _a_screen_after(toks, k, SCREENS | SERVICES)
    if p >= 0 and toks[p].low in {"is", "are", "was"} and (p == 0 or not toks[p - 1].word
                                                            or toks[p - 1].low in {
                                                                "when", "where", "still",
                                                                "now"}):
        return (nxt == "on" and _a_screen_after(toks, k, SERVICES)) or nxt == "streaming"
    return False
