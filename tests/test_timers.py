"""Kitchen timers that survive a restart and ring until stopped, and the chime before them."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from contract.inventory import Inventory
from edge.audio.chime import PEAK_DBFS, TONES_HZ, chime
from edge.messages import Understanding
from edge.skills import default_skills
from edge.skills.timers import RING_FOR_S, RING_REPEAT_S, TimerSkill

DONE = "The timer for 10 minutes is done."


class Clock:
    """A wall clock the test moves by hand (nothing sleeps)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def say(timers: TimerSkill, intent: str, **slots: int) -> str:
    return str(timers.handle(Understanding(intent, dict(slots), 1.0)))


def test_timers_survive_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    db = tmp_path / "timers.db"
    before = TimerSkill(db, clock)
    assert say(before, "HassStartTimer", minutes=10) == "Timer set for 10 minutes."
    assert say(before, "HassStartTimer", minutes=5) == "Timer set for 5 minutes."
    assert say(before, "HassPauseTimer") == "Timer paused."  # the latest: 5 minutes
    clock.now += 120  # off for two minutes

    after = TimerSkill(db, clock)
    assert [t.seconds for t in after.timers] == [600, 300]  # in the order they were set
    assert say(after, "HassTimerStatus") == "5 minutes left (paused)."  # it did not run
    assert say(after, "HassUnpauseTimer") == "Timer resumed."
    assert say(after, "HassCancelTimer") == "Timer cancelled."
    assert say(after, "HassTimerStatus") == "8 minutes left."  # the wall clock ran on
    assert after.due() == []


def test_a_change_is_kept_and_a_cancelled_timer_stays_gone(tmp_path: Path) -> None:
    clock = Clock()
    db = tmp_path / "timers.db"
    timers = TimerSkill(db, clock)
    say(timers, "HassStartTimer", minutes=10)
    assert say(timers, "HassIncreaseTimer", minutes=5) == "15 minutes left."
    assert say(TimerSkill(db, clock), "HassTimerStatus") == "15 minutes left."
    say(timers, "HassCancelAllTimers")
    assert say(TimerSkill(db, clock), "HassTimerStatus") == "There is no timer running."


def test_a_timer_that_ran_out_while_off_rings_at_once(tmp_path: Path) -> None:
    clock = Clock()
    db = tmp_path / "timers.db"
    say(TimerSkill(db, clock), "HassStartTimer", minutes=10)
    clock.now += 3600  # the device was off for an hour
    after = TimerSkill(db, clock)
    assert after.due() == ["The timer for 10 minutes finished while I was off."]
    assert len(after.ringing) == 1
    assert after.silence() == 1
    assert TimerSkill(db, clock).due() == []  # silenced: gone from the file too


def test_default_skills_keep_timers_in_the_state_dir(tmp_path: Path) -> None:
    import asyncio

    from edge.actions.executor import TurnRef

    skills = default_skills(Inventory(), state_dir=tmp_path)
    said = asyncio.run(skills.act(Understanding("HassStartTimer", {"minutes": 10}, 1.0),
                                  TurnRef("dev-0", "s", 1)))
    assert said == "Timer set for 10 minutes."
    assert (tmp_path / "timers.db").exists()
    conn = sqlite3.connect(tmp_path / "timers.db")
    assert conn.execute("SELECT seconds FROM timers").fetchall() == [(600,)]
    conn.close()


def test_a_timer_rings_again_until_it_stops_by_itself() -> None:
    clock = Clock()
    timers = TimerSkill(clock=clock)
    say(timers, "HassStartTimer", minutes=10)
    clock.now += 599
    assert timers.due() == [] and not timers.ringing
    clock.now += 1
    assert timers.due() == [DONE]
    assert timers.ringing and timers.timers == []
    clock.now += RING_REPEAT_S / 2
    assert timers.due() == []  # not yet again
    clock.now += RING_REPEAT_S / 2
    assert timers.due() == [DONE]
    rings = 2
    while clock.now + RING_REPEAT_S < timers._ringing[0].since + RING_FOR_S:
        clock.now += RING_REPEAT_S
        assert timers.due() == [DONE]
        rings += 1
    assert rings == int(np.ceil(RING_FOR_S / RING_REPEAT_S))
    clock.now += RING_REPEAT_S  # RING_FOR_S has passed: it gives up
    assert timers.due() == []
    assert not timers.ringing
    clock.now += 10 * RING_REPEAT_S
    assert timers.due() == []


def test_silence_stops_the_ringing() -> None:
    clock = Clock()
    timers = TimerSkill(clock=clock)
    assert timers.silence() == 0
    say(timers, "HassStartTimer", minutes=10)
    say(timers, "HassStartTimer", minutes=20)
    clock.now += 600
    assert timers.due() == [DONE]
    assert timers.silence() == 1
    assert not timers.ringing
    clock.now += 60
    assert timers.due() == []
    assert say(timers, "HassTimerStatus") == "9 minutes left."  # the other one runs on


@pytest.mark.parametrize("intent", ["HassCancelTimer", "HassCancelAllTimers"])
def test_cancel_while_ringing_stops_the_ringing_not_another_timer(intent: str) -> None:
    clock = Clock()
    timers = TimerSkill(clock=clock)
    say(timers, "HassStartTimer", minutes=10)
    say(timers, "HassStartTimer", minutes=20)
    clock.now += 600
    assert timers.due() == [DONE]
    assert say(timers, intent) == "Timer stopped."
    assert not timers.ringing
    assert [t.seconds for t in timers.timers] == [1200]  # still running
    clock.now += RING_REPEAT_S
    assert timers.due() == []
    assert say(timers, intent) == "Timer cancelled."  # nothing rings: cancel as before


def test_never_mind_and_silence_ringing_through_the_skills() -> None:
    import asyncio

    from edge.actions.executor import TurnRef

    clock = Clock()
    skills = default_skills(Inventory())
    timers = next(s for s in skills._by_intent.values() if isinstance(s, TimerSkill))
    timers._clock = clock

    def act(intent: str, **slots: int) -> str:
        return asyncio.run(skills.act(Understanding(intent, dict(slots), 1.0),
                                      TurnRef("dev-0", "s", 1)))

    assert act("HassNevermind") == "Okay."
    act("HassStartTimer", minutes=10)
    clock.now += 600
    assert skills.due_announcements() == [DONE]
    assert act("HassNevermind") == "Timer stopped."
    assert not skills.silence_ringing()  # nothing rings any more

    act("HassStartTimer", minutes=10)
    clock.now += 600
    assert skills.due_announcements() == [DONE]
    assert skills.silence_ringing()
    clock.now += RING_REPEAT_S
    assert skills.due_announcements() == []


def test_a_corrupt_file_is_warned_about_kept_and_timers_still_work(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "timers.db"
    garbage = b"this is not a database" * 100
    db.write_bytes(garbage)
    clock = Clock()
    with caplog.at_level(logging.WARNING, logger="edge.skills.timers"):
        timers = TimerSkill(db, clock)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and str(db) in warnings[0].getMessage()
    assert say(timers, "HassStartTimer", minutes=10) == "Timer set for 10 minutes."
    clock.now += 600
    assert timers.due() == [DONE]
    assert db.read_bytes() == garbage  # left as it was, for a person to look at
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_a_file_of_another_version_is_refused(tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "timers.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    with caplog.at_level(logging.WARNING, logger="edge.skills.timers"):
        timers = TimerSkill(db, Clock())
    assert "version 99" in caplog.text
    assert say(timers, "HassStartTimer", minutes=1) == "Timer set for 1 minute."


def test_chime_is_two_soft_tones() -> None:
    rate = 16000
    tone = chime(rate)
    assert tone.dtype == np.int16 and tone.ndim == 1
    assert len(tone) == rate // 2
    peak_dbfs = 20 * np.log10(np.max(np.abs(tone.astype(np.float64))) / 32767)
    assert peak_dbfs == pytest.approx(PEAK_DBFS, abs=0.1)
    assert abs(int(tone[0])) < 50 and abs(int(tone[-1])) < 50  # faded: no click
    for half, hz in zip(np.split(tone.astype(np.float64), 2), TONES_HZ, strict=True):
        spectrum = np.abs(np.fft.rfft(half))
        assert np.fft.rfftfreq(len(half), 1 / rate)[np.argmax(spectrum)] == pytest.approx(
            hz, abs=rate / len(half))
    assert len(chime(48000)) == 24000
    with pytest.raises(ValueError):
        chime(2000)
