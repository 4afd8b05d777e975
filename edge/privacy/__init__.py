"""Personal data out of everything that leaves the device (issue 16).

`Redactor` finds names, phone and card numbers, dates of birth, addresses, e-mail, secrets
and health conditions in a transcript and replaces each with a placeholder naming its kind
("[name]"). See redact.py; `tandem redact` and `tandem bench redact` expose it.
"""

from edge.privacy.redact import Redactor, default_redactor, redact_texts, redactor_for
from edge.privacy.spans import KINDS, Kind, Redaction, Span

__all__ = ["KINDS", "Kind", "Redaction", "Redactor", "Span", "default_redactor",
           "redact_texts", "redactor_for"]
