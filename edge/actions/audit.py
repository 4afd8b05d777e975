"""The device's local audit log: append-only, hash-chained, in SQLite.

Each entry links one step of a request (utterance, understanding, confirmation, action,
result) to its device, session and turn. Its hash covers its own fields and the previous
entry's hash, so editing, inserting or deleting an entry breaks the chain from there on, and
`verify` names the first broken entry. With a key (the device's own secret), the hash is an
HMAC, so someone who can write the file cannot recompute the chain either.

With the device's at-rest key (edge/at_rest.py) each entry's body, which holds what was
said and done, is sealed; the chain covers the sealed text, so `verify` needs no key.

Retention (`prune`) removes the oldest entries and records the hash they ended with as the
new anchor, so the remaining chain still verifies and the cut is visible.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from edge.at_rest import AUDIT, SealedFileError, SealingKey
from edge.privacy import default_redactor, redact_texts

Kind = Literal["utterance", "understanding", "confirmation", "action", "result"]
GENESIS = "0" * 64
SEALED_PREFIX = "sealed:"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    device_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    turn_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    action_key TEXT,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_key ON entries(action_key) WHERE action_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS anchor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER,
                                   hash TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS entries_append_only BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: float
    device_id: str
    session_id: str
    turn_id: int
    kind: str
    action_key: str | None
    body: dict[str, object]


class AuditLog:
    """Thread-safe: the executor appends from worker threads."""

    def __init__(self, path: Path | str, key: bytes | None = None,
                 sealing: SealingKey | None = None) -> None:
        self._key = key
        self._sealing = sealing
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def _digest(self, prev: str, fields: tuple[object, ...]) -> str:
        data = json.dumps([prev, *fields], separators=(",", ":"), sort_keys=True).encode()
        if self._key is not None:
            return hmac.new(self._key, data, hashlib.sha256).hexdigest()
        return hashlib.sha256(data).hexdigest()

    def append(self, device_id: str, session_id: str, turn_id: int, kind: Kind,
               body: dict[str, object], action_key: str | None = None) -> int:
        text = json.dumps(body, separators=(",", ":"), sort_keys=True, default=str)
        if self._sealing is not None:
            text = SEALED_PREFIX + base64.b64encode(self._sealing.seal(text.encode(),
                                                                        AUDIT)).decode()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
                if row is None:
                    anchor = self._db.execute("SELECT seq, hash FROM anchor").fetchone()
                    row = anchor if anchor is not None else (0, GENESIS)
                seq, prev = row[0] + 1, row[1]
                at = time.time()
                fields = (seq, at, device_id, session_id, turn_id, kind, action_key, text)
                self._db.execute(
                    "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*fields, prev, self._digest(prev, fields)),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return seq

    def result_of(self, action_key: str) -> dict[str, object] | None:
        """The recorded result of an action key, if it was executed (idempotency)."""
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM entries WHERE action_key = ? AND kind = 'result' "
                "ORDER BY seq DESC LIMIT 1", (action_key,)).fetchone()
        return None if row is None else self._body(row[0])

    def entries(self, turn_id: int | None = None) -> list[AuditEntry]:
        query, args = "SELECT * FROM entries", ()  # type: tuple[str, tuple[int, ...]]
        if turn_id is not None:
            query, args = query + " WHERE turn_id = ?", (turn_id,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY seq", args).fetchall()
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], self._body(r[7]))
                for r in rows]

    def _body(self, stored: str) -> dict[str, object]:
        if stored.startswith(SEALED_PREFIX):
            if self._sealing is None:
                raise SealedFileError("the audit log is sealed: open it with the device's "
                                      "at-rest key (its fleet bundle or state directory)")
            blob = base64.b64decode(stored[len(SEALED_PREFIX):])
            stored = self._sealing.open(blob, AUDIT, "an audit entry").decode()
        return dict(json.loads(stored))

    def export(self, redact: Callable[[str], str] | None = None, raw: bool = False
               ) -> Iterator[str]:
        """The log as JSON Lines, for whoever it is handed to: every text in the entries'
        bodies redacted (edge.privacy; `redact`: one that knows the contacts) unless `raw`.
        The file itself keeps what was said, sealed at rest (`tandem edge unseal` gives
        it back raw, to whoever holds the device's key)."""
        clean = None if raw else (redact or default_redactor())

        def texts(value: object) -> object:
            return value if clean is None else redact_texts(value, clean)

        for e in self.entries():
            yield json.dumps({"seq": e.seq, "at": e.at, "device_id": e.device_id,
                              "session_id": e.session_id, "turn_id": e.turn_id,
                              "kind": e.kind, "action_key": e.action_key,
                              "body": texts(e.body)}, ensure_ascii=False, sort_keys=True)

    def verify(self) -> int | None:
        """None when the whole chain holds; else the seq of the first entry that does not."""
        with self._lock:
            anchor = self._db.execute("SELECT seq, hash FROM anchor").fetchone()
            rows = self._db.execute("SELECT * FROM entries ORDER BY seq").fetchall()
        expected_seq, prev = (anchor[0] + 1, anchor[1]) if anchor else (1, GENESIS)
        for row in rows:
            fields = tuple(row[:8])
            if row[0] != expected_seq or row[8] != prev or row[9] != self._digest(prev, fields):
                return int(row[0])
            expected_seq, prev = row[0] + 1, row[9]
        return None

    def prune(self, keep_s: float, now: float | None = None) -> int:
        """Delete entries older than `keep_s` (the policy's retention); returns how many."""
        cutoff = (time.time() if now is None else now) - keep_s
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                last = self._db.execute(
                    "SELECT seq, hash FROM entries WHERE at < ? ORDER BY seq DESC LIMIT 1",
                    (cutoff,)).fetchone()
                if last is None:
                    self._db.execute("COMMIT")
                    return 0
                gone = self._db.execute("DELETE FROM entries WHERE seq <= ?", (last[0],))
                self._db.execute("INSERT OR REPLACE INTO anchor VALUES (1, ?, ?)", last)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return int(gone.rowcount)

    def close(self) -> None:
        with self._lock:
            self._db.close()
