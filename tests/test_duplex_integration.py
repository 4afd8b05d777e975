"""Barge-in on the real parts: openWakeWord, Silero, Whisper, piper and the real cloud service
(gRPC + llama.cpp worker, tiny model). Cutting in cancels the cloud stream end to end: the
worker stops generating. The recording holds no echo, so it runs as if cancelled (NoEcho)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from cloud.testing import run_bounded, running_server
from cloud.worker_messages import JobDone
from contract.inventory import load_inventory
from edge.actions.testing import acting_skills
from edge.audio.duplex import DuplexBlocks, NoEcho
from edge.audio.playback import PlaybackQueue
from edge.audio.sinks import WavSink
from edge.audio.sources import CHUNK, RingSource, recording_source
from edge.cloud_link import CloudLink, CloudLinkSettings
from edge.pipeline import EdgePipeline, Engines
from edge.settings import DEFAULT_INVENTORY, Deadlines, DuplexSettings, EdgeSettings
from edge.stages.nlu import load_nlu
from edge.trace import TurnRecord
from edge.utterances import synthesize
from tests.test_cloud_link import LONG, job_for_turn

pytestmark = pytest.mark.slow

RATE = 16_000


def barge_in_on_the_cloud(
    engines: Engines, audio: np.ndarray, tiny_gguf: Path, out: Path,
    duplex: DuplexSettings | None = None,
) -> tuple[list[TurnRecord], JobDone, EdgePipeline]:
    async def scenario() -> tuple[list[TurnRecord], JobDone, EdgePipeline]:
        async with running_server(tiny_gguf, **LONG) as server:
            link = CloudLink(CloudLinkSettings(target=server.target, deadline_s=60.0,
                                               connect_timeout_s=10.0))
            inventory = load_inventory(DEFAULT_INVENTORY)
            settings = EdgeSettings(deadlines=Deadlines(cloud_s=60.0, cloud_connect_s=10.0,
                                                        filler_s=None),
                                    duplex=duplex or DuplexSettings())
            pipeline = EdgePipeline(settings, engines, load_nlu(inventory),
                                    acting_skills(inventory), WavSink(out), link)
            source = recording_source(audio, realtime=False)
            source.echo = NoEcho()
            records: list[TurnRecord] = []
            try:
                await pipeline.run(source, records.append)
                job = await job_for_turn(server, 1)
            finally:
                await link.aclose()
            return records, job, pipeline

    return run_bounded(scenario(), limit_s=120)


def test_wake_word_over_a_cloud_reply_cancels_the_generation_and_starts_a_new_turn(
    engines: Engines, speech: dict[str, np.ndarray], tiny_gguf: Path, tmp_path: Path
) -> None:
    pause = np.zeros(16_000, dtype=np.int16)
    audio = np.concatenate([speech["sky"], pause, speech["lights"]])
    records, job, pipeline = barge_in_on_the_cloud(engines, audio, tiny_gguf,
                                                   tmp_path / "reply.wav")
    first, second = records
    assert first.route == "cloud" and first.interrupted_by == "wake_word"
    assert first.interrupted_at_s is not None
    assert first.endpoint_at_s < first.interrupted_at_s < len(audio) / 16_000
    assert job.finish_reason == "cancelled"  # the worker stopped generating
    assert (second.wake_word, second.intent) == ("hey_jarvis", "HassTurnOn")
    assert second.reply_text == "Turned on the kitchen lights."
    # The context holds what the user heard of the cut reply, and the next turn.
    context = pipeline.context()
    assert context[1] == ("assistant", first.reply_text) and first.reply_text
    assert context[2:] == [("user", second.transcript), ("assistant", second.reply_text)]


@pytest.mark.parametrize("stop_word", [True, False])
def test_saying_stop_over_a_cloud_reply_ends_it(
    engines: Engines, speech: dict[str, np.ndarray], tiny_gguf: Path, tmp_path: Path,
    stop_word: bool,
) -> None:
    # With the keyword model the reply pauses as the word ends; Whisper confirms either way.
    stop = synthesize(engines.tts, "Stop.", lead_s=1.0, tail_s=3.0)
    audio = np.concatenate([speech["sky"], stop])
    duplex = DuplexSettings(stop_word_threshold=0.5 if stop_word else None)
    records, job, pipeline = barge_in_on_the_cloud(engines, audio, tiny_gguf,
                                                   tmp_path / "reply.wav", duplex)
    (record,) = records
    assert record.interrupted_by == "stop_phrase"
    assert job.finish_reason == "cancelled"
    assert pipeline.interruptions[-1].text == "stop"
    assert pipeline.conversation.state.value == "idle"
    by_keyword = [c for c in record.stop_checks if c.get("by") == "stop_word"]
    assert pipeline.barge is not None and pipeline.barge.checks >= 1  # Whisper confirmed
    if stop_word:  # the reply paused as the word ended, long before Whisper decided
        word_at = len(speech["sky"]) / RATE + 1.0  # where "stop" starts (~0.4 s long)
        paused_at = float(by_keyword[0]["at_s"])  # type: ignore[arg-type]
        assert word_at < paused_at < word_at + 0.8
        assert record.interrupted_at_s is not None and paused_at < record.interrupted_at_s
    else:
        assert not by_keyword


def test_short_speech_the_stop_word_model_mistakes_for_stop_does_not_stop(
    engines: Engines, speech: dict[str, np.ndarray]
) -> None:
    # The keyword model alone fires on "Yes, go ahead." (0.8 in this voice): the reply
    # only pauses, and Whisper's transcript lets it go on.
    from edge.barge_in import BargeInDetector
    from edge.stages.wake import MicroWakeWordModel, frames_of

    model = MicroWakeWordModel("stop")
    engines.vad.reset()

    async def over(audio: np.ndarray) -> tuple[list[bool], object, int]:
        model.reset()
        det = BargeInDetector(DuplexSettings(), 0.5, engines.stt,
                              lambda a, b: audio[int(a * RATE) : int(b * RATE)])
        paused, trigger = [], None
        for frame in frames_of(audio):
            trigger = det.observe(frame, engines.vad.speech_probability(frame.samples), None,
                                  model.probability(frame.samples))
            paused.append(det.likely_stop)
            if trigger is not None:
                break
            for _ in range(500):  # the device would keep listening; here we wait for it
                if not det.checking:
                    break
                await asyncio.sleep(0.02)
        return paused, trigger, det.checks

    tail = np.zeros(2 * RATE, np.int16)
    paused, trigger, checks = asyncio.run(over(np.concatenate([speech["yes"], tail])))
    assert any(paused) and checks == 1 and trigger is None and not paused[-1]
    stop = synthesize(engines.tts, "Stop.", lead_s=0.5, tail_s=2.0)
    paused, trigger, checks = asyncio.run(over(stop))
    assert any(paused) and trigger is not None and trigger.text == "stop"  # type: ignore[attr-defined]


def closed_room(user: np.ndarray, echo_gain: float, delay_s: float) -> RingSource:
    """A room that closes the loop: the microphone hears the user plus the device's own
    output (delayed, attenuated), block by block on one clock, at real-time pace."""

    def produce(blocks: DuplexBlocks, stop: threading.Event) -> None:
        delay = int(delay_s * RATE)
        played = np.zeros(len(user) + delay + CHUNK, np.float64)
        t0 = time.monotonic()
        for i in range(0, len(user) - CHUNK + 1, CHUNK):
            if stop.is_set():
                return
            ahead = t0 + i / RATE - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
            mic = user[i : i + CHUNK] + echo_gain * played[i : i + CHUNK]
            out = blocks.step(np.clip(np.rint(mic), -32768, 32767).astype(np.int16))
            played[i + delay : i + delay + len(out)] = out

    return RingSource(producer=produce)


@pytest.mark.parametrize("cancelled", [False, True])
def test_the_devices_own_voice_wakes_nothing_when_the_gate_is_on(
    engines: Engines, cancelled: bool
) -> None:
    # The device announces "Hey Jarvis, turn on the kitchen lights." into a room that
    # echoes it straight back. With no canceller the playback gate keeps it from waking the
    # device. The control case claims the echo is cancelled when it is not (NoEcho): then the
    # device wakes itself, which is exactly what the gate is for. (Its pause on speech is off
    # there: with it, the device would pause at its own voice and stutter instead.)
    inventory = load_inventory(DEFAULT_INVENTORY)
    settings = EdgeSettings(duplex=DuplexSettings(pause_on_speech=not cancelled))
    pipeline = EdgePipeline(settings, engines, load_nlu(inventory),
                            acting_skills(inventory), None, None,
                            playback=PlaybackQueue(RATE))
    pipeline.announce("Hey Jarvis, turn on the kitchen lights.", "fleet")
    source = closed_room(np.zeros(9 * RATE, np.int16), echo_gain=0.8, delay_s=0.04)
    source.echo = NoEcho() if cancelled else None
    records: list[TurnRecord] = []
    asyncio.run(pipeline.run(source, records.append))
    announcement = records[0]
    assert announcement.route == "announcement"
    if not cancelled:
        assert len(records) == 1 and announcement.interrupted_by is None
        assert announcement.reply_text == "Hey Jarvis, turn on the kitchen lights."
    else:  # the wake word in its own voice cut the announcement: a false barge-in
        assert announcement.interrupted_by == "wake_word"
        assert any(r.wake_word == "hey_jarvis" for r in records[1:])


def test_over_its_own_voice_the_device_wakes_on_agreement_or_a_sure_score(
    speech: dict[str, np.ndarray],
) -> None:
    from edge.settings import WakeSettings
    from edge.stages.wake import WakeWordDetector, frames_of

    detector = WakeWordDetector(WakeSettings())

    def woken(audio: np.ndarray, playing: bool) -> bool:
        detector.reset(new_stream=True)
        return any(detector.process(frame, playing) is not None for frame in frames_of(audio))

    # A real "Hey Jarvis": both models hear it, playing or not.
    assert woken(speech["lights"], playing=False) and woken(speech["lights"], playing=True)
    # openWakeWord alone at 0.8 with microWakeWord low (0.01), as on the canceller's
    # residual: enough in a quiet room, not over the device's own voice; 0.95 is enough
    # for both. microWakeWord at exactly 0 confirms nothing, even in a quiet room.
    silence = np.zeros(RATE, np.int16)
    assert detector._micro is not None
    for score, micro, quiet, playing in ((0.8, 0.01, True, False), (0.95, 0.01, True, True),
                                         (0.95, 0.0, False, False)):
        detector._model.predict = lambda samples, s=score: {detector._label: s}  # type: ignore[method-assign]
        detector._micro.probability = lambda samples, m=micro: m  # type: ignore[method-assign]
        assert woken(silence, playing=False) is quiet
        assert woken(silence, playing=True) is playing
    # Without the confirmation, openWakeWord alone wakes a quiet room again.
    detector.configure(WakeSettings(micro_confirm=None))
    detector._model.predict = lambda samples: {detector._label: 0.8}  # type: ignore[method-assign]
    assert detector._micro is not None
    detector._micro.probability = lambda samples: 0.0  # type: ignore[method-assign]
    assert woken(silence, playing=False)
