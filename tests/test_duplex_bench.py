"""`tandem bench duplex`'s own plumbing: the lockstep driver against tiny fake daemons, the
simulated user's script, the reaction-time and false-event computations on synthetic tapes,
the statistics. One slow smoke test runs the real bench (real daemon, real models) briefly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from edge.duplex_bench import analysis
from edge.duplex_bench.loop import BLOCK, RATE, LockstepLoop
from edge.duplex_bench.script import Said, Session, SessionPlan, Voice

# A daemon in lockstep: one 10 ms block out for each block in; block j holds the value j + 1.
FAKE_DAEMON = """
import sys
inp, out = sys.stdin.buffer, sys.stdout.buffer
j = 0
stop_after = int(sys.argv[1]) if len(sys.argv) > 1 else -1
while j != stop_after:
    data = inp.read(320)
    if len(data) < 320:
        break
    out.write(((j + 1) & 0x7FFF).to_bytes(2, "little") * 160)
    out.flush()
    j += 1
"""


class TapeRoom:
    """Records the playback block it is given for each mic block; the mic is the user."""

    def __init__(self) -> None:
        self.played: list[np.ndarray] = []

    def process(self, playback: np.ndarray, user: np.ndarray) -> np.ndarray:
        self.played.append(np.array(playback))
        return user


class CountingTalker:
    def __init__(self, blocks: int) -> None:
        self.blocks = blocks
        self.seen: list[int] = []

    def next_block(self, k: int, played: np.ndarray) -> np.ndarray | None:
        self.seen.append(len(played))
        return None if k >= self.blocks else np.full(BLOCK, 7, np.int16)


@pytest.fixture
def fake_daemon(tmp_path: Path) -> Path:
    path = tmp_path / "fake_daemon.py"
    path.write_text(FAKE_DAEMON)
    return path


@pytest.mark.parametrize("lag", [1, 2, 3])
def test_the_driver_keeps_lockstep_and_feeds_the_room_the_block_lag_slots_back(
    fake_daemon: Path, lag: int
) -> None:
    room, talker = TapeRoom(), CountingTalker(50)
    result = LockstepLoop([sys.executable, str(fake_daemon)], room, talker, lag_blocks=lag,
                          paced=False).run()
    assert result.returncode == 0 and not result.notes
    assert len(result.out) == len(result.mic) == len(result.user) == 50 * BLOCK
    blocks = result.out.reshape(50, BLOCK)
    assert (blocks == np.arange(1, 51)[:, None]).all()  # every output block, in order
    for k, played in enumerate(room.played):  # the room heard block k - lag in slot k
        assert (played == (k - lag + 1 if k >= lag else 0)).all()
    assert (result.mic == 7).all() and (result.user == 7).all()
    # the talker only ever sees what has been read: never the blocks still in flight
    assert all(seen <= max(0, k - lag + 1) * BLOCK for k, seen in enumerate(talker.seen))


def test_a_daemon_that_dies_mid_stream_ends_the_run_with_a_note(fake_daemon: Path) -> None:
    result = LockstepLoop([sys.executable, str(fake_daemon), "10"], TapeRoom(),
                          CountingTalker(1000), lag_blocks=2, paced=False).run()
    assert result.returncode == 0
    assert any("output ended" in n or "closed its input" in n for n in result.notes)
    assert len(result.out) < 1000 * BLOCK


def test_stop_time_finds_the_first_long_silence() -> None:
    out = np.zeros(RATE, np.int16)
    out[:1000] = 5
    out[1100:3000] = 5  # a 100-sample pause: not a stop
    out[8000:9000] = 5  # the next reply, after the stop
    gap = RATE // 10
    assert analysis.stop_time(out, 0, gap) == 3000
    assert analysis.stop_time(out, 500, gap) == 3000  # the short pause is not the stop
    assert analysis.stop_time(out, 3500, gap) == 3000  # already silent there: since when
    assert analysis.stop_time(out, 8500, gap) == 9000  # silent from the end of the sound
    assert analysis.stop_time(out[:9100], 8500, gap) is None  # too close to the end to tell
    assert analysis.stop_time(out, 8000, gap) == 9000  # sound resumes right there: not it


def test_said_survives_its_json() -> None:
    s = Said("barge_wake", "Hey Jarvis.", 1000, 9000, 5000, 3, 2.5)
    assert Said.from_dict(json.loads(json.dumps(s.to_dict()))) == s


def _said(kind: str, start_s: float, end_s: float, trigger_end_s: float | None = None) -> Said:
    te = end_s if trigger_end_s is None else trigger_end_s
    return Said(kind, kind, round(start_s * RATE), round(end_s * RATE), round(te * RATE), 0)


def test_reaction_runs_from_the_end_of_the_trigger_to_the_last_reply_sample() -> None:
    out = np.zeros(20 * RATE, np.int16)
    out[2 * RATE : round(6.35 * RATE)] = 100  # the reply, cut at 6.35 s
    out[8 * RATE : 9 * RATE] = 100  # the answer to the follow-up
    said = [_said("request", 0.5, 1.5),
            _said("barge_wake", 5.0, 6.5, trigger_end_s=6.1)]
    records = [{"turn_id": 1, "wake_word": "hey_jarvis", "wake_at_s": 0.8,
                "interrupted_by": "wake_word", "interrupted_at_s": 6.32}]
    (row,) = analysis.barge_in_trials(said, records, out)
    assert row["detected"] and row["over_playback"]
    assert row["reaction_ms"] == pytest.approx(250.0)
    assert row["recognised_ms"] == pytest.approx(220.0)
    # the wrong kind of interruption is not a detection of this trigger
    records[0]["interrupted_by"] = "stop_phrase"
    (row,) = analysis.barge_in_trials(said, records, out)
    assert not row["detected"] and row["by"] == "stop_phrase"
    # nothing recognised: no reaction
    (row,) = analysis.barge_in_trials(said, [], out)
    assert not row["detected"] and "reaction_ms" not in row
    # a reply paused on suspected speech before the trigger ended: a negative reaction
    out[round(5.9 * RATE) :] = 0
    out[8 * RATE : 9 * RATE] = 100
    records[0]["interrupted_by"] = "wake_word"
    (row,) = analysis.barge_in_trials(said, records, out)
    assert row["reaction_ms"] == pytest.approx(-200.0) and row["recognised_ms"] > 0


def test_silences_inside_the_devices_speech_are_counted_when_nobody_talks() -> None:
    out = np.full(20 * RATE, 100, np.int16)
    user = np.zeros(20 * RATE, np.int16)
    out[2 * RATE : round(2.5 * RATE)] = 0  # a pause with nobody talking
    out[10 * RATE : 11 * RATE] = 0  # a pause while the user talks: not counted
    user[round(9.5 * RATE) : round(10.2 * RATE)] = 5
    out[15 * RATE : 15 * RATE + 100] = 0  # too short to hear
    gaps = analysis.speech_gaps(out, user)
    assert gaps["count"] == 1 and gaps["at_s"] == [2.0] and gaps["longest_ms"] == 500


def test_false_events_are_those_with_no_user_speech_before_them() -> None:
    said = [_said("request", 1.0, 2.0), _said("barge_stop", 10.0, 10.5)]
    records = [
        {"turn_id": 1, "wake_word": "hey_jarvis", "wake_at_s": 1.5, "wake_score": 0.9,
         "interrupted_by": "stop_phrase", "interrupted_at_s": 11.2},
        {"turn_id": 2, "wake_word": "hey_jarvis", "wake_at_s": 30.0, "wake_score": 0.7,
         "interrupted_by": "wake_word", "interrupted_at_s": 40.0},
    ]
    false = analysis.false_events(said, records)
    assert [e["turn"] for e in false["false_wakes"]] == [2]
    assert [e["turn"] for e in false["false_barge_ins"]] == [2]


def test_exposure_counts_device_speech_while_the_user_is_silent() -> None:
    out = np.zeros(10 * RATE, np.int16)
    user = np.zeros(10 * RATE, np.int16)
    out[RATE : 5 * RATE] = 1
    user[4 * RATE : 6 * RATE] = 1
    assert analysis.exposure_s(out, user) == pytest.approx(3.0)


def test_statistics() -> None:
    assert analysis.percentile([], 50) is None
    s = analysis.summarize([100.0, 200.0, 300.0, 400.0, 500.0])
    assert (s["n"], s["p50"], s["p95"], s["min"], s["max"]) == (5, 300.0, 480.0, 100.0, 500.0)


class FakeDevice:
    """Plays 6 s of 'speech' after each user utterance ends, unless a barge trigger cuts it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.tape = np.zeros(0, np.int16)
        self.until = 0
        self.heard = 0

    def step(self, k: int) -> None:
        said = self.session.said
        if len(said) > self.heard and said[-1].end <= k * BLOCK:
            last = said[-1]
            self.heard = len(said)
            cut = last.kind in ("barge_wake", "barge_stop")
            self.until = k * BLOCK + (RATE // 10 if cut else 6 * RATE)
        block = np.full(BLOCK, 100 if k * BLOCK < self.until else 0, np.int16)
        self.tape = np.concatenate([self.tape, block])


def test_the_session_runs_its_phases_against_a_device_that_answers() -> None:
    plan = SessionPlan(silence_trials=1, wake_trials=2, stop_trials=2, own_speech_s=10.0,
                       talk_before_trigger_s=(1.0, 2.0))
    session = Session(plan, Voice(lambda text, scale: np.full(int(0.3 * RATE), 1000, np.int16)))
    device = FakeDevice(session)
    for k in range(100_000):
        block = session.next_block(k, device.tape)
        if block is None:
            break
        assert len(block) == BLOCK
        device.step(k)
    else:
        pytest.fail("the session never ended")
    kinds = [s.kind for s in session.said]
    assert kinds[0] == "silence_wake"
    assert kinds.count("barge_wake") == 2 and kinds.count("barge_stop") == 2
    assert not session.void
    assert session.own_speech_samples >= 10 * RATE
    for s in session.said:  # each trigger was spoken over the device talking
        if s.kind.startswith("barge"):
            assert s.device_talked_s >= 1.0 and device.tape[s.start - 1] != 0


@pytest.mark.slow
def test_the_real_bench_runs_briefly(tmp_path: Path) -> None:
    from edge.duplex_bench.bench import format_report, run_bench
    from edge.duplex_bench.config import BenchConfig

    cfg = BenchConfig(minutes=0.0, wake_trials=0, stop_trials=0, silence_trials=1,
                      llm="offline", cpu_seconds=0.0, out=tmp_path)
    report = run_bench(cfg)
    assert report["run"]["returncode"] == 0, report
    assert report["wake"]["silence"] == {"trials": 1, "detected": 1, "rate": 1.0}
    assert report["own_speech"]["false_wakes"] == 0
    text = format_report(report)
    assert "ERLE" in text and "wake rate in silence" in text
    json.dumps(report)  # --json works
    assert (tmp_path / "out.wav").exists() and (tmp_path / "trace.jsonl").exists()


def test_erle_replays_the_echo_canceller_aligned_with_the_loop() -> None:
    from edge.audio.room import Room, RoomConfig
    from edge.audio.signals import speech_like

    lag = 2
    out = speech_like(12.0, seed=3)
    room = Room(RoomConfig(delay_ms=30.0, drive=0.0, noise_dbfs=-70.0))
    shifted = np.concatenate([np.zeros(lag * BLOCK, np.int16), out[: len(out) - lag * BLOCK]])
    mic = np.concatenate([room.process(shifted[i : i + BLOCK], np.zeros(BLOCK, np.int16))
                          for i in range(0, len(out), BLOCK)])
    res = analysis.erle_on_loop(out, mic, np.zeros_like(out), settle_s=4.0)
    assert res["seconds"] > 4.0
    assert res["erle_db"] > 15.0  # misaligned, it would be about 0 dB
    assert len(res["clean"]) == len(mic)


def test_an_interruption_counts_from_when_the_device_first_acted_on_it() -> None:
    # "Stop." ends at 10.5 s; the keyword model paused the reply there, Whisper confirmed
    # 1.5 s later: a true barge-in. The same late decision with no pause first is false.
    said = [_said("barge_stop", 10.0, 10.5)]
    paused = {"turn_id": 1, "wake_word": "hey_jarvis", "wake_at_s": 1.0, "wake_score": 0.9,
              "interrupted_by": "stop_phrase", "interrupted_at_s": 12.0,
              "stop_checks": [{"at_s": 10.56, "text": "stop", "by": "stop_word"}]}
    unpaused = {**paused, "turn_id": 2, "stop_checks": []}
    assert analysis.false_events(said, [paused])["false_barge_ins"] == []
    assert [e["turn"] for e in analysis.false_events(said, [unpaused])["false_barge_ins"]] \
        == [2]


def test_a_silence_waiting_for_a_late_cloud_answer_after_the_filler_is_not_counted() -> None:
    out = np.full(20 * RATE, 100, np.int16)
    user = np.zeros(20 * RATE, np.int16)
    out[round(6.8 * RATE) : 7 * RATE] = 0  # after "One moment.", before the answer
    out[15 * RATE : round(15.3 * RATE)] = 0  # no turn explains this one
    record = {"turn_id": 1, "endpoint_at_s": 5.0,
              "timings_ms": {"stt": 400.0, "filler": 1000.0, "cloud_first_chunk": 1500.0}}
    gaps = analysis.speech_gaps(out, user, records=[record])
    assert gaps["count"] == 1 and gaps["at_s"] == [15.0]
    assert gaps["waiting_for_cloud"] == 1 and gaps["waiting_at_s"] == [6.8]
