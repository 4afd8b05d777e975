"""Pronunciations for words the decoder's dictionary lacks, from espeak-ng (via piper).

espeak-ng's letter-to-sound rules give IPA; this maps it onto the CMU dictionary's ARPAbet
phone set, the alphabet of pocketsphinx's en-US model. Good enough for names ("Priya",
"Okafor"); a word it cannot map gets no pronunciation (the grammar warns and leaves the
name out).
"""

from __future__ import annotations

from functools import lru_cache

# Longest first: diphthongs and affricates before their parts.
_IPA = {
    "tʃ": "CH", "dʒ": "JH", "eɪ": "EY", "aɪ": "AY", "aʊ": "AW", "ɔɪ": "OY", "oʊ": "OW",
    "əʊ": "OW", "ɪə": "IH R", "eə": "EH R", "ʊə": "UH R", "iə": "IY AH",
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "g": "G", "ɡ": "G", "f": "F", "v": "V",
    "θ": "TH", "ð": "DH", "s": "S", "z": "Z", "ʃ": "SH", "ʒ": "ZH", "h": "HH", "m": "M",
    "n": "N", "ŋ": "NG", "l": "L", "ɹ": "R", "r": "R", "j": "Y", "w": "W", "x": "K",
    "ɾ": "D", "i": "IY", "ɪ": "IH", "e": "EY", "ɛ": "EH", "æ": "AE", "a": "AA", "ɑ": "AA",
    "ɒ": "AA", "ɔ": "AO", "o": "OW", "ʊ": "UH", "u": "UW", "ʌ": "AH", "ə": "AH", "ɚ": "ER",
    "ɜ": "ER", "ɐ": "AH", "ᵻ": "IH", "ɘ": "AH", "ɵ": "OW",
}
_SKIP = set("ˈˌː̃ʔ.-'")


def ipa_to_arpabet(ipa: str) -> str | None:
    text = "".join(c for c in ipa if c not in _SKIP and not c.isspace())
    phones: list[str] = []
    i = 0
    while i < len(text):
        for size in (2, 1):
            piece = text[i : i + size]
            if len(piece) == size and piece in _IPA:
                phones.append(_IPA[piece])
                i += size
                break
        else:
            return None  # a sound we cannot map
    return " ".join(phones) or None


class EspeakSpeller:
    """word -> ARPAbet phones, or None; loads espeak-ng (piper's bundled copy) on first use."""

    def __init__(self) -> None:
        self._phonemizer: object | None = None
        self.failed = False

    @lru_cache(maxsize=4096)  # noqa: B019  (one speller per process; words repeat)
    def __call__(self, word: str) -> str | None:
        if self.failed:
            return None
        try:
            if self._phonemizer is None:
                from piper.phonemize_espeak import EspeakPhonemizer

                self._phonemizer = EspeakPhonemizer()
            sentences = self._phonemizer.phonemize("en-us", word)  # type: ignore[attr-defined]
        except (ImportError, OSError, RuntimeError):
            self.failed = True
            return None
        return ipa_to_arpabet("".join("".join(s) for s in sentences))
