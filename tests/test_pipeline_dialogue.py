"""Follow-up turns and fillers on the real edge loop (wake word, Whisper, piper)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from pathlib import Path

import numpy as np
import pytest

from contract.fleet.policy import parse_policy
from contract.inventory import load_inventory
from edge.actions.executor import TurnRef
from edge.actions.testing import acting_skills
from edge.audio.keeper import AudioKeeper
from edge.audio.sinks import WavSink
from edge.audio.sources import recording_source
from edge.audio.wavfile import read_wav
from edge.fleet.device import apply_policy
from edge.messages import Understanding
from edge.pipeline import FILLER_REPLY, FOLLOW_UP, EdgePipeline, Engines
from edge.settings import DEFAULT_INVENTORY, Deadlines, EdgeSettings
from edge.skills.confirm import DECLINED, NOT_CONFIRMED, QUESTION
from edge.stages.nlu import load_nlu
from edge.trace import TurnRecord

pytestmark = pytest.mark.slow


class SlowCloud:
    """Answers after `delay_s` (a real cloud is tested in test_pipeline_integration)."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s

    async def converse(self, transcript: str, context: Sequence[tuple[str, str]],
                       session_id: str, turn_id: int, tools_json: str = "", trace_id: str = ""
                       ) -> AsyncGenerator[str, None]:
        await asyncio.sleep(self.delay_s)
        yield "Because of Rayleigh scattering."

    async def aclose(self) -> None:
        pass


def run(pipeline: EdgePipeline, audio: np.ndarray) -> list[TurnRecord]:
    records: list[TurnRecord] = []
    asyncio.run(pipeline.run(recording_source(audio, realtime=False), records.append))
    return records


def test_the_wake_word_of_a_turn_does_not_wake_the_device_again(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path
) -> None:
    # openWakeWord keeps the wake word in its feature window across a turn; without a
    # flush it fired again on the first frame after the reply and listened to the room.
    inventory = load_inventory(DEFAULT_INVENTORY)
    pipeline = EdgePipeline(EdgeSettings(), engines, load_nlu(inventory),
                            acting_skills(inventory), WavSink(tmp_path / "out.wav"), None)
    silence = np.zeros(5 * 16_000, dtype=np.int16)  # longer than the no-speech timeout
    records = run(pipeline, np.concatenate([speech["lights"], silence, speech["timer"]]))
    assert [r.intent for r in records] == ["HassTurnOn", "HassStartTimer"]
    assert all(r.error is None for r in records)


def test_confirm_first_intent_asks_and_acts_only_on_yes(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path
) -> None:
    inventory = load_inventory(DEFAULT_INVENTORY)
    pipeline = EdgePipeline(EdgeSettings(), engines, load_nlu(inventory),
                            acting_skills(inventory), WavSink(tmp_path / "out.wav"), None)
    policy = parse_policy({"version": 1, "target": {"device": "dev-0"},
                           "intents": {"confirm": ["HassTurnOn"]}})
    apply_policy(pipeline, policy, None, make_nlu=load_nlu)
    silence = np.zeros(4 * 16_000, dtype=np.int16)  # longer than the no-speech timeout
    # Each reply takes stream time (the question about 2.5 s): the user answers after it.
    pause = np.zeros(3 * 16_000, dtype=np.int16)
    clips = [speech["lights"], speech["yes"], speech["lights"], speech["no"], speech["lights"]]
    audio = np.concatenate([x for clip in clips for x in (clip, pause)] + [silence])
    records = run(pipeline, audio)
    asked, yes, asked2, no, asked3, silent = records
    for question in (asked, asked2, asked3):
        assert (question.wake_word, question.intent) == ("hey_jarvis", "HassTurnOn")
        assert question.reply_text == QUESTION
    assert [r.wake_word for r in (yes, no, silent)] == [FOLLOW_UP] * 3  # no wake word needed
    assert (yes.route, yes.reply_text) == ("answer", "Turned on the kitchen lights.")
    assert (no.route, no.reply_text) == ("answer", DECLINED)
    assert (silent.route, silent.transcript, silent.reply_text) == ("answer", "", NOT_CONFIRMED)
    assert [r.turn_id for r in records] == [1, 2, 3, 4, 5, 6]
    assert not pipeline.skills.awaiting_answer


@pytest.mark.parametrize(("filler_s", "expected"), [
    (0.1, f"{FILLER_REPLY} Because of Rayleigh scattering."),
    (None, "Because of Rayleigh scattering."),
    (5.0, "Because of Rayleigh scattering."),  # the cloud answered first
])
def test_a_slow_cloud_gets_a_filler_not_silence(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path, filler_s: float | None,
    expected: str,
) -> None:
    inventory = load_inventory(DEFAULT_INVENTORY)
    settings = EdgeSettings(deadlines=Deadlines(filler_s=filler_s))
    pipeline = EdgePipeline(settings, engines, load_nlu(inventory), acting_skills(inventory),
                            WavSink(tmp_path / "out.wav"), SlowCloud(0.6))
    (record,) = run(pipeline, speech["sky"])
    assert record.route == "cloud" and record.error is None
    assert record.reply_text == expected
    assert ("filler" in record.timings_ms) is (filler_s == 0.1)
    if filler_s == 0.1:  # counted from the end of speech, transcription included
        assert record.timings_ms["filler"] >= max(100, record.timings_ms["stt"])
    # The filler is ours, not the answer: the cloud's context never sees it.
    assert not pipeline.context()[-1][1].startswith("One moment")


def test_understanding_is_not_asked_for_an_answer() -> None:
    # The base skills never ask questions: every turn needs the wake word.
    skills = acting_skills(load_inventory(DEFAULT_INVENTORY))
    assert not skills.awaiting_answer
    assert asyncio.run(skills.act(Understanding("HassStartTimer", {"minutes": 1}, 1.0),
                                  TurnRef("dev-0", "s", 1)))
    assert not skills.awaiting_answer


def test_audio_is_kept_only_while_the_policy_allows_and_purged_after(
    engines: Engines, speech: dict[str, np.ndarray], tmp_path: Path
) -> None:
    inventory = load_inventory(DEFAULT_INVENTORY)
    pipeline = EdgePipeline(EdgeSettings(), engines, load_nlu(inventory),
                            acting_skills(inventory), WavSink(tmp_path / "out.wav"), None)
    audio_dir = tmp_path / "state" / "audio"
    keep = parse_policy({"version": 1, "target": {"device": "dev-0"},
                         "privacy": {"keep_audio": True}})
    apply_policy(pipeline, keep, None, make_nlu=load_nlu, keeper=AudioKeeper(audio_dir))
    (record,) = run(pipeline, speech["lights"])
    (kept,) = audio_dir.glob("*.wav")
    heard = read_wav(kept)
    assert 1.0 < len(heard) / 16_000 < record.endpoint_at_s  # the request, not the whole input
    assert "kitchen" in engines.stt.transcribe(heard).lower()
    forget = parse_policy({"version": 2, "target": {"device": "dev-0"}})  # keep_audio: false
    apply_policy(pipeline, forget, None, make_nlu=load_nlu, keeper=AudioKeeper(audio_dir))
    assert list(audio_dir.glob("*.wav")) == []
    run(pipeline, speech["lights"])
    assert list(audio_dir.glob("*.wav")) == []


def test_audio_keeper_keeps_only_the_newest(tmp_path: Path) -> None:
    keeper = AudioKeeper(tmp_path / "audio", max_files=3)
    for turn in range(5):
        keeper.keep("s", turn, np.full(160, turn, dtype=np.int16))
    assert [p.name for p in keeper.kept()] == [f"s-turn-{t:05d}.wav" for t in (2, 3, 4)]
    assert keeper.purge() == 3 and keeper.kept() == []


def test_stock_replies_are_rendered_once_not_each_time(
    engines: Engines, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edge.speaker import spoken_pieces
    from edge.turn import STOCK_REPLIES, UNREACHABLE_REPLY

    tts = engines.tts
    expected = list(tts.sentences(UNREACHABLE_REPLY, deterministic=True))
    for text in STOCK_REPLIES:
        assert all(piece in tts.stock for piece in spoken_pieces(text)), text

    def no_synthesis(text: str, deterministic: bool = False) -> object:
        raise AssertionError(f"synthesised {text!r} again")

    monkeypatch.setattr(tts, "sentences", no_synthesis)
    audio = tts.synthesize_all(UNREACHABLE_REPLY)
    assert len(audio) == len(expected)
    assert all(np.array_equal(a, b) for a, b in zip(audio, expected, strict=True))
    with pytest.raises(AssertionError, match="again"):
        tts.synthesize_all("Something nobody said before.")
