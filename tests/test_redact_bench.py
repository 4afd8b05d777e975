"""`tandem bench redact`: its report, and the set's figures as a regression guard (never
its timings: speed is the bench's to show, not a test's to assert)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from edge.privacy import KINDS
from edge.privacy.bench import CONTACTS, PII_SET, load_set, run
from edge.privacy.redact import Redactor

ROOT = Path(__file__).resolve().parents[1]


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", "bench", "redact", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_the_report_names_every_kind_and_the_targets() -> None:
    done = bench("--repeat", "1")
    assert done.returncode == 0, done.stderr
    assert "split=test" in done.stdout
    for kind in KINDS:
        assert f"\n{kind} " in done.stdout
    assert "false redactions:" in done.stdout and "p95" in done.stdout
    assert "targets (" in done.stdout


def test_json_report() -> None:
    done = bench("--split", "dev", "--repeat", "1", "--json")
    report = json.loads(done.stdout)
    assert set(report["recall"]) == set(KINDS)
    assert set(report["latency_ms"]) == {"p50", "p95", "max"}
    assert report["split"] == "dev" and report["sentences"] > 150


@pytest.mark.parametrize(("split", "floor"), [("dev", 0.95), ("test", 0.9)])
def test_recall_and_false_redactions_hold(split: str, floor: float) -> None:
    result = run(load_set(PII_SET, split), Redactor(CONTACTS), repeat=1)
    for kind in KINDS:
        assert result.recall(kind) >= floor, (kind, result.misses)
    assert result.false_redactions <= 0.02 * result.clean, result.misses


# The sets written by other authors, each held out once and tuned on since: regression
# guards now, not measurements (what counts is the set nobody tuned on, README). Per set:
# the floor of every kind's recall, the kinds whose floor differs (each about a point under
# what the set reached when it was last tuned on, or where a kind still stood under target
# then), and the most false redactions, as a share of its sentences without personal data.
GUARDS: dict[str, tuple[float, dict[str, float], float]] = {
    "pii_independent.jsonl": (0.95, {}, 0.02),
    "pii_heldout.jsonl": (0.95, {}, 0.02),
    "pii_heldout2.jsonl": (0.9, {"name": 0.95, "address": 0.95, "secret": 0.95}, 0.02),
    # dob, email and name were under target when it was tuned on
    "pii_heldout3.jsonl": (0.8, {"address": 0.95, "name": 0.9, "health": 0.95,
                                 "secret": 0.95}, 0.02),
    "pii_heldout4.jsonl": (0.95, {}, 0.02),
    "pii_heldout5.jsonl": (0.95, {"secret": 1.0}, 0.02),
    "pii_heldout6.jsonl": (0.95, {"name": 0.94, "address": 0.98}, 0.02),
    "pii_heldout7.jsonl": (0.97, {}, 0.01),
    "pii_heldout8.jsonl": (0.99, {"name": 0.98, "dob": 0.97, "health": 0.94, "secret": 0.97,
                                  "address": 0.98}, 0.01),
    "pii_heldout9.jsonl": (0.99, {"phone": 0.97, "dob": 0.97, "health": 0.96, "email": 0.98,
                                  "secret": 0.98}, 0.01),
    "pii_heldout10.jsonl": (0.98, {"phone": 0.97, "address": 0.97}, 0.01),
    # dob: a date on a form, no birth said
    "pii_heldout11.jsonl": (0.98, {"dob": 0.97}, 0.01),
    # e-mail: "the smiths four at gmail dot com"; health: a condition on a form, no one said
    "pii_heldout12.jsonl": (0.98, {"email": 0.97, "health": 0.97}, 0.01),
    # e-mail: spelled letter by letter; health: "atrial septal defect"
    "pii_heldout13.jsonl": (0.98, {"email": 0.97, "health": 0.97}, 0.01),
    "pii_heldout14.jsonl": (0.98, {}, 0.01),
    # its author alone labelled public figures' names as not personal: 8 of the 295
    "pii_heldout15.jsonl": (0.98, {}, 0.03),
    # tracking numbers: this author labelled them not personal, two others as personal
    "pii_heldout16.jsonl": (0.98, {"name": 0.95, "secret": 0.95, "health": 0.94}, 0.02),
}


@pytest.mark.parametrize("name", sorted(GUARDS))
def test_the_sets_of_other_authors_do_not_regress(name: str) -> None:
    floor, floors, most_false = GUARDS[name]
    result = run(load_set(PII_SET.parent / name, "all"), Redactor(CONTACTS), repeat=1)
    for kind in KINDS:
        assert result.recall(kind) >= floors.get(kind, floor), (kind, result.misses)
    assert result.false_redactions <= most_false * result.clean, result.misses


def test_a_bad_set_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "set.jsonl"
    bad.write_text('{"text": "x"}\n')
    done = bench("--set", str(bad))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "set.jsonl:1" in done.stderr
