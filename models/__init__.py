"""The model manifest: what every model is, where its bytes come from, and their checksums.

`resolve(name)` is what runtime code calls; it returns verified local paths or raises
`ModelError` with one line that names the fix.
"""

from models.manifest import ModelEntry, load_manifest
from models.store import ModelError, fetch, resolve, verify

__all__ = ["ModelEntry", "ModelError", "fetch", "load_manifest", "resolve", "verify"]
