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


@pytest.mark.parametrize("name", ["pii_independent.jsonl", "pii_heldout.jsonl"])
def test_the_independent_sets_hold(name: str) -> None:
    """The sets written by other authors (pii_heldout.jsonl was held out once): tuned on
    since, so regression guards now, not measurements."""
    examples = load_set(PII_SET.parent / name, "all")
    result = run(examples, Redactor(CONTACTS), repeat=1)
    for kind in KINDS:
        assert result.recall(kind) >= 0.95, (kind, result.misses)
    assert result.false_redactions <= 0.02 * result.clean, result.misses


def test_the_second_heldout_set_does_not_regress() -> None:
    """pii_heldout2.jsonl (held out once, tuned on since): false redactions at target,
    every kind at 90 % at least; name, address and secret at 95 %."""
    examples = load_set(PII_SET.parent / "pii_heldout2.jsonl", "all")
    result = run(examples, Redactor(CONTACTS), repeat=1)
    for kind in KINDS:
        assert result.recall(kind) >= 0.9, (kind, result.misses)
    assert result.recall("name") >= 0.95 and result.recall("address") >= 0.95, result.misses
    assert result.recall("secret") >= 0.95, result.misses
    assert result.false_redactions <= 0.02 * result.clean, result.misses


def test_a_bad_set_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "set.jsonl"
    bad.write_text('{"text": "x"}\n')
    done = bench("--set", str(bad))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "set.jsonl:1" in done.stderr


def test_the_third_heldout_set_does_not_regress() -> None:
    """pii_heldout3.jsonl (held out once, tuned on since): addresses, secrets and false
    redactions at target; health at 95 %; the other kinds at 80 % at least (dob, email
    and name are still under 95 %)."""
    examples = load_set(PII_SET.parent / "pii_heldout3.jsonl", "all")
    result = run(examples, Redactor(CONTACTS), repeat=1)
    for kind in KINDS:
        assert result.recall(kind) >= 0.8, (kind, result.misses)
    assert result.recall("address") >= 0.95 and result.recall("name") >= 0.9, result.misses
    assert result.recall("health") >= 0.95 and result.recall("secret") >= 0.95, result.misses
    assert result.false_redactions <= 0.02 * result.clean, result.misses


def test_the_fourth_heldout_set_does_not_regress() -> None:
    """pii_heldout4.jsonl (held out once, tuned on since): health and false redactions at
    target; every kind at 95 % at least."""
    examples = load_set(PII_SET.parent / "pii_heldout4.jsonl", "all")
    result = run(examples, Redactor(CONTACTS), repeat=1)
    for kind in KINDS:
        assert result.recall(kind) >= 0.95, (kind, result.misses)
    assert result.false_redactions <= 0.02 * result.clean, result.misses


def test_the_fifth_heldout_set_does_not_regress() -> None:
    """pii_heldout5.jsonl (held out once, tuned on since): secret and health at target
    (they were under it when held out); every kind at 95 % at least and false
    redactions at target."""
    examples = load_set(PII_SET.parent / "pii_heldout5.jsonl", "all")
    result = run(examples, Redactor(CONTACTS), repeat=1)
    for kind in KINDS:
        assert result.recall(kind) >= 0.95, (kind, result.misses)
    assert result.recall("secret") == 1.0, result.misses
    assert result.false_redactions <= 0.02 * result.clean, result.misses


def test_the_sixth_heldout_set_does_not_regress() -> None:
    """pii_heldout6.jsonl (held out once, tuned on since): address at target; name at
    94 %; every kind at 95 % at least besides, and false redactions at target."""
    examples = load_set(PII_SET.parent / "pii_heldout6.jsonl", "all")
    result = run(examples, Redactor(CONTACTS), repeat=1)
    for kind in set(KINDS) - {"name"}:
        assert result.recall(kind) >= 0.95, (kind, result.misses)
    assert result.recall("name") >= 0.94 and result.recall("address") >= 0.98, result.misses
    assert result.false_redactions <= 0.02 * result.clean, result.misses


def test_the_seventh_heldout_set_does_not_regress() -> None:
    """pii_heldout7.jsonl (held out once, tuned on since): every kind at 97 % at least
    (one miss of a kind's 47 to 92 spans), false redactions at 1 % at most."""
    examples = load_set(PII_SET.parent / "pii_heldout7.jsonl", "all")
    result = run(examples, Redactor(CONTACTS), repeat=1)
    for kind in KINDS:
        assert result.recall(kind) >= 0.97, (kind, result.misses)
    assert result.false_redactions <= 0.01 * result.clean, result.misses


def test_the_eighth_heldout_set_does_not_regress() -> None:
    """pii_heldout8.jsonl (held out once, tuned on since): every kind but name at target
    (address 100 %, dob 98.2 %, secret 98.3 %, health 95.2 %), name where it is since
    the ninth set's round (99.3 %), each a point or so under; false redactions at 1 % at
    most."""
    examples = load_set(PII_SET.parent / "pii_heldout8.jsonl", "all")
    result = run(examples, Redactor(CONTACTS), repeat=1)
    floors = {"name": 0.98, "dob": 0.97, "health": 0.94, "secret": 0.97, "address": 0.98}
    for kind in KINDS:
        assert result.recall(kind) >= floors.get(kind, 0.99), (kind, result.misses)
    assert result.false_redactions <= 0.01 * result.clean, result.misses


def test_the_ninth_heldout_set_does_not_regress() -> None:
    """pii_heldout9.jsonl (held out once, tuned on since): name, card, address, e-mail and
    secret at 100 %, phone and dob at 98.2 %, health at 97.3 %, each a point or so under
    (one miss of a kind's 55 to 150 spans); false redactions at 1 % at most."""
    examples = load_set(PII_SET.parent / "pii_heldout9.jsonl", "all")
    result = run(examples, Redactor(CONTACTS), repeat=1)
    floors = {"phone": 0.97, "dob": 0.97, "health": 0.96, "email": 0.98, "secret": 0.98}
    for kind in KINDS:
        assert result.recall(kind) >= floors.get(kind, 0.99), (kind, result.misses)
    assert result.false_redactions <= 0.01 * result.clean, result.misses


def test_the_tenth_heldout_set_does_not_regress() -> None:
    """pii_heldout10.jsonl (held out once, tuned on since): name, card, dob, e-mail,
    secret and health at 100 %, address at 98.7 %, phone at 98.4 %, each a point or so
    under (one miss of a kind's 58 to 108 spans); false redactions at 1 % at most."""
    examples = load_set(PII_SET.parent / "pii_heldout10.jsonl", "all")
    result = run(examples, Redactor(CONTACTS), repeat=1)
    floors = {"phone": 0.97, "address": 0.97}
    for kind in KINDS:
        assert result.recall(kind) >= floors.get(kind, 0.98), (kind, result.misses)
    assert result.false_redactions <= 0.01 * result.clean, result.misses


def test_the_eleventh_heldout_set_does_not_regress() -> None:
    """pii_heldout11.jsonl (held out once, tuned on since): every kind at 100 % but dob
    (98.4 %: a date on a form, no birth said), each a point or so under (one miss of a
    kind's 56 to 104 spans); false redactions at 1 % at most (none now)."""
    examples = load_set(PII_SET.parent / "pii_heldout11.jsonl", "all")
    result = run(examples, Redactor(CONTACTS), repeat=1)
    floors = {"dob": 0.97}
    for kind in KINDS:
        assert result.recall(kind) >= floors.get(kind, 0.98), (kind, result.misses)
    assert result.false_redactions <= 0.01 * result.clean, result.misses


def test_the_twelfth_heldout_set_does_not_regress() -> None:
    """pii_heldout12.jsonl (held out once, tuned on since): every kind at 100 % but e-mail
    (98.0 %: "the smiths four at gmail dot com") and health (98.3 %: a condition on a form,
    no one said), each a point or so under; false redactions at 1 % at most (2 of 292 now:
    a pet, a film's title)."""
    examples = load_set(PII_SET.parent / "pii_heldout12.jsonl", "all")
    result = run(examples, Redactor(CONTACTS), repeat=1)
    floors = {"email": 0.97, "health": 0.97}
    for kind in KINDS:
        assert result.recall(kind) >= floors.get(kind, 0.98), (kind, result.misses)
    assert result.false_redactions <= 0.01 * result.clean, result.misses
