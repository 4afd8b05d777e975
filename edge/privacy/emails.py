"""E-mail addresses, written ("anna@example.com") or spoken ("bob at gmail dot com",
"grandma.rose at hotmail dot com", "sam underscore lee at proton dot me").

A spoken one is a local part read back from "at" (a word or two, or more joined by "dot",
"underscore", "dash"), then a domain of labels joined by "dot" whose last is a known
top-level domain (TLDS): that last check is what keeps "meet me at the park" from being
an address.
"""

from __future__ import annotations

import re

from edge.privacy.spans import Span
from edge.privacy.text import NUMBER_WORDS, Token

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
TLDS = {"com", "org", "net", "edu", "gov", "io", "co", "uk", "me", "fm", "de", "fr", "ai",
        "app", "dev", "info", "biz", "us", "ca", "au", "nz", "ie", "in", "eu", "nl", "es",
        "it", "mail", "email", "ch", "at", "be", "se", "no", "dk", "fi", "pl", "pt", "br",
        "mx", "jp", "cn", "kr", "za", "sg", "hk", "tv", "xyz", "online", "tech", "store",
        "site", "club", "ly", "gg", "cc", "ac", "name", "pro", "cloud", "live", "net's",
        "com's", "org's", "ru", "gr", "cz", "ro", "hu", "il", "ar", "cl", "tr", "ua", "vn",
        "ph", "my", "id", "pk", "ng", "ke", "is",
        # generic top-level domains people have addresses at
        "school", "academy", "college", "university", "family", "life", "world", "today",
        "space", "studio", "design", "art", "blog", "news", "network", "systems",
        "solutions", "company", "agency", "health", "care", "church", "law", "consulting",
        "services", "london", "nyc", "berlin", "paris", "scot", "wales", "irish", "photo",
        "photography", "works", "team", "digital", "media", "group", "global"}
_LOCAL_JOINERS = {"dot", "underscore", "dash", "hyphen", "period", "point"}
_WRITTEN_JOINERS = {".", "_", "-"}  # "grandma.rose at hotmail dot com"
# Words that end a spoken e-mail's local part when read backwards from "at".
_NOT_LOCAL = {"is", "to", "email", "e", "mail", "address", "me", "my", "the", "send", "it",
              "it's", "its", "at", "on", "and", "or", "contact", "reply", "write", "cc",
              "use", "for", "a", "line", "drop", "from", "was", "his", "her", "their",
              "our", "your", "forward", "message", "invite", "add", "share", "with",
              "as", "via", "by", "id", "account", "login", "username", "new", "old", "work",
              "us", "them", "him", "you", "website", "site", "page", "web", "online", "look",
              "go", "visit", "find", "found", "here", "there", "stay", "staying", "arrive",
              "arriving", "located", "based", "works", "working", "shop", "order", "ordered",
              "buy", "bought", "sold", "available", "listed", "be", "reach", "reached",
              "emails", "mails", "address's", "email's", "that's", "here's", "called",
              "named", "sign", "signed", "like", "up", "in", "of", "an", "now", "this", "that",
              "personal", "school", "business", "backup", "primary", "main", "gmail",
              "contacted", "writing", "am", "i'm", "i", "we", "they", "he", "she"}
# Words that end a local part even after "dot": "my email is dot ..." never goes on.
_LOCAL_ENDS = {"is", "to", "at", "my", "me", "the", "email", "e", "mail", "address", "and",
               "or", "it's", "its", "was", "send", "reply", "write", "contact", "use", "for",
               "a", "from", "via", "by", "as", "on", "in", "of"}
# Words that end a local part but are one before a joiner: "the dot hendersons at ...",
# "my dot name at ..." (an address never starts with a dot).
_JOINED_WORDS = {"the", "my", "me", "a", "mail", "email", "e", "address", "our"}
# Words that may name an organisation in a domain said as words: "st marys primary dot org".
_NOT_DOMAIN = _NOT_LOCAL - {"school", "primary", "personal", "business", "main", "work",
                            "new", "old", "shop", "online", "web", "site"}
# "bob at sign gmail dot com": what may stand between "at" and the domain.
_AT_FILLERS = {"sign", "symbol"}


def find_emails(text: str, toks: tuple[Token, ...]) -> list[Span]:
    found = [Span(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    for i, t in enumerate(toks):
        if (t.low != "at" and t.text != "@") or i == 0:
            continue
        if t.text == "@" and toks[i - 1].end == t.start and any(
                f.start < t.start < f.end for f in found):
            continue  # written: "jo@mail.de" is the pattern's, not "save jo@mail.de"
        j = i + 1
        if j < len(toks) and toks[j].low in _AT_FILLERS:
            j += 1
        elif j + 1 < len(toks) and toks[j].low == "the" and toks[j + 1].low == "rate":
            j += 2  # "aditi at the rate gmail dot com": Indian English for "@"
        end = _spoken_domain(toks, j)
        start = _spoken_local(toks, i - 1)
        if start is not None:
            start = _said_after_copula(toks, start)
        if end is not None and start is not None:
            found.append(Span(toks[start].start, toks[end].end, "email"))
    return found


def _letter(t: Token) -> bool:
    return len(t.text) == 1 and t.word


def _label(t: Token) -> bool:
    return t.word or t.text.isdecimal()


def _dot(toks: tuple[Token, ...], i: int) -> bool:
    """Token i separates a domain's labels: "dot", or a written "." between them."""
    t = toks[i]
    return t.low in {"dot", "period"} or (t.text == "." and toks[i - 1].end == t.start
                              and i + 1 < len(toks) and toks[i + 1].start == t.end)


def _spoken_domain(toks: tuple[Token, ...], i: int) -> int | None:
    """Index of the last token of "gmail dot com" / "gmail.com" starting at i, or None."""
    last, dots = None, 0
    n = len(toks)
    while i + 1 < n and _letter(toks[i]) and toks[i + 1].word:
        i += 1  # "g mail dot com", "a o l dot com": a label spelled or said in parts
    for k in (2, 3, 4):  # "oisin lynch dot ie", "st marys primary dot org", "harlow and
        # sons dot co dot uk": an organisation's name said as words
        if i + k < n and _dot(toks, i + k) and all(
                t.word and (t.low not in _NOT_DOMAIN or (t.low == "and" and i < m < i + k - 1))
                for m, t in enumerate(toks[i:i + k], i)):
            i += k - 1
            break
    while i < n and _label(toks[i]):
        if i + 1 < n and _label(toks[i + 1]) and toks[i + 1].start == toks[i].end:
            i += 1  # "o2 dot pl": letters and digits in one label
        # "acme dash logistics dot com": a label may be joined by "dash" / "-"
        while i + 2 < n and (toks[i + 1].low in {"dash", "hyphen"} or (
                toks[i + 1].text == "-" and toks[i + 1].start == toks[i].end)) \
                and _label(toks[i + 2]):
            i += 2
        if i + 2 < n and _dot(toks, i + 1) and _label(toks[i + 2]):
            dots += 1
            last = i + 2
            i += 2
            continue
        break
    if last is None or not dots or toks[last].low.removesuffix("'s") not in TLDS:
        return None
    return last


def _spoken_local(toks: tuple[Token, ...], i: int) -> int | None:
    """Index of the first token of the local part that ends at token i, or None."""
    t = toks[i]
    spelled = _letter(t) and i > 0 and _letter(toks[i - 1])  # "d o l a at gmail dot com"
    joined = i > 1 and (toks[i - 1].low in _LOCAL_JOINERS or (
        toks[i - 1].text in _WRITTEN_JOINERS and toks[i - 1].end == t.start)) \
        and _label(toks[i - 2]) and toks[i - 2].low not in _NOT_LOCAL  # "jlee dot personal"
    if not _label(t) or (t.low in _NOT_LOCAL and not spelled and not joined) \
            or t.low.endswith(("'s", "’s")):
        return None
    first, words = i, 1
    while first > 0:
        prev = toks[first - 1]
        written = prev.text in _WRITTEN_JOINERS and prev.end == toks[first].start \
            and first >= 2 and toks[first - 2].end == prev.start
        if (written or prev.low in _LOCAL_JOINERS) and first >= 2 and _label(toks[first - 2]) \
                and (toks[first - 2].low not in _LOCAL_ENDS or len(toks[first - 2].low) == 1
                     or toks[first - 2].low in _JOINED_WORDS):
            first -= 2  # "a dot nguyen": an initial before a joiner is one; "backup dot
            # sarah": a joiner says the word before it is the address's
        elif prev.low in NUMBER_WORDS and (toks[first].low in NUMBER_WORDS or (
                toks[first].low == "and" and prev.low in {"hundred", "thousand"})):
            first -= 1  # "smith ninety nine": spoken digits are one word of the name
        elif prev.low == "and" and first >= 2 and toks[first].low in NUMBER_WORDS \
                and toks[first - 2].low in {"hundred", "thousand"}:
            first -= 1  # "emma two thousand and nine"
        elif _letter(prev) and first >= 2 and _letter(toks[first - 2]) and (
                toks[first].low in NUMBER_WORDS or toks[first].text.isdecimal()):
            first -= 1  # "c h a r l i e one two three": digits after a spelled name
        elif _letter(prev) and _letter(toks[first]) and (
                prev.low not in {"a", "i", "e"} or (first >= 2 and _letter(toks[first - 2]))):
            first -= 1  # "k r i s": a name spelled letter by letter
        elif words < 2 and _label(prev) and prev.low not in _NOT_LOCAL \
                and not prev.low.endswith(("'s", "’s")):
            first -= 1
            words += 1
        elif first >= 2 and _label(prev) and prev.low not in _LOCAL_ENDS \
                and toks[first - 2].low in _LOCAL_JOINERS:
            first -= 1  # "cooking dot with dina": a word after a joiner is the address's
        else:
            break
    return first


_ADDRESS_NOUNS = {"email", "mail", "address", "id", "login", "username", "account",
                  "handle", "e-mail", "emails"}
_COPULAS = {"is", "'s", ":", "it's", "its", "was"}


def _said_after_copula(toks: tuple[Token, ...], first: int) -> int:
    """"my Apple ID is seo yeon park at icloud dot com": after "<email noun> is", every
    word up to "at" is the local part (up to four), not only the last two."""
    k = first - 1
    while k >= 0 and first - k <= 3 and _label(toks[k]) and toks[k].low not in _NOT_LOCAL \
            and not toks[k].low.endswith(("'s", "’s")):
        k -= 1
    if k == first - 1 or k < 1 or toks[k].low not in _COPULAS or not any(
            t.low in _ADDRESS_NOUNS for t in toks[max(0, k - 3):k]):
        return first
    return k + 1
