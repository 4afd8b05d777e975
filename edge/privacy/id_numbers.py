"""National ID numbers written with letters and fewer than seven digits, so that the phone
rule (7+ digits) misses them: a UK driving licence ("MORGA753116SM9IJ": five letters of
the surname, six digits of the birth date, initials, a check digit and two letters) and
a UK National Insurance number ("QQ 12 34 56 C"). They are ID numbers, redacted as
"phone" like the others (the labelling rule puts account and ID numbers there).
"""

from __future__ import annotations

import re

from edge.privacy.spans import Span

_IDS = re.compile(
    r"\b[A-Z9]{5} ?\d{6} ?[A-Z9]{2}\d[A-Z]{2}(?: ?\d{2})?\b"  # UK driving licence
    r"|\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2}"
    r" ?[A-D]\b")  # UK National Insurance number


def id_numbers(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "phone") for m in _IDS.finditer(text)]
