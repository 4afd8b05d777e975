"""The native front end wired into the edge: capture chain, zero-copy frames and utterances,
gated VAD, reply rate conversion and ducking. No models are loaded here."""

from __future__ import annotations

import asyncio
import io
import math
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from contract.errors import AudioInputError
from edge.audio.convert import resample
from edge.audio.sinks import DuckingSink, RateSink
from edge.audio.sources import CaptureChain, RingSource, recording_source, stdin_source
from edge.messages import AudioFrame
from edge.settings import EndpointSettings
from edge.stages.endpoint import Endpointer, SpeechDetector
from native import Resampler, RingBuffer

ROOT = Path(__file__).resolve().parents[1]


def tone(freq: float, rate: int, seconds: float, amplitude: float = 8000.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return np.rint(amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64) * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))


class ListSink:
    def __init__(self) -> None:
        self.chunks: list[tuple[np.ndarray, int]] = []
        self.turns = 0

    def play(self, samples: np.ndarray, sample_rate: int) -> None:
        self.chunks.append((np.array(samples), sample_rate))

    def end_turn(self) -> None:
        self.turns += 1

    def close(self) -> None:
        pass

    def audio(self) -> np.ndarray:
        return np.concatenate([c for c, _ in self.chunks])


# -- capture ----------------------------------------------------------------------------------


def test_capture_chain_48k_stereo_in_odd_chunks_is_seamless() -> None:
    left = tone(1000.0, 48_000, 0.5)
    pcm = np.stack([left, left], axis=1).astype("<i2").tobytes()
    whole, pieces = RingBuffer(16_000), RingBuffer(16_000)
    CaptureChain(48_000, 2).push_bytes(pcm, whole)
    chain = CaptureChain(48_000, 2)
    cuts = [0, 1, 7, 1000, 1001, 5003, 20_000, len(pcm)]  # odd byte counts, split frames
    for a, b in zip(cuts, cuts[1:], strict=False):
        chain.push_bytes(pcm[a:b], pieces)
    a, b = whole.read(whole.available), pieces.read(pieces.available)
    assert a is not None and b is not None
    np.testing.assert_array_equal(a, b)  # chunking changes nothing, bit for bit
    assert len(a) == 8000  # all outputs whose newest input arrived (the delay stays inside)
    assert peak_hz(a[1000:], 16_000) == pytest.approx(1000.0, abs=5.0)


def test_capture_chain_refuses_rates_nobody_supports() -> None:
    with pytest.raises(AudioInputError, match="12345 Hz is not supported"):
        CaptureChain(12_345)
    with pytest.raises(AudioInputError, match="channel count 0"):
        CaptureChain(16_000, 0)


def test_stdin_source_at_48k(monkeypatch: pytest.MonkeyPatch) -> None:
    audio = tone(440.0, 48_000, 1.0)
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(
        audio.astype("<i2").tobytes() + b"\x01")))  # a stray odd byte at the end is dropped
    source = stdin_source(48_000)

    async def collect() -> list[AudioFrame]:
        return [np.array(f.samples) async for f in source.frames(1280)]  # type: ignore[misc]

    frames = asyncio.run(collect())
    assert len(frames) == 12  # 16000 - filter delay samples -> 12 whole 80 ms frames
    assert peak_hz(np.concatenate(frames), 16_000) == pytest.approx(440.0, abs=5.0)


# -- zero-copy frames and utterances ----------------------------------------------------------


def test_frames_and_utterance_are_views_of_the_ring() -> None:
    samples = np.arange(16_000, dtype=np.int16)
    source = recording_source(samples, realtime=False)
    ep = Endpointer(EndpointSettings(min_speech_s=0.16, hangover_s=0.16), audio=source.span)

    async def run() -> tuple[list[bool], np.ndarray, bool]:
        views, utterance = [], None
        ep.begin(0.16, [])
        async for frame in source.frames(1280):
            views.append(not frame.samples.flags.writeable and frame.samples.base is not None)
            if frame.start_s < 0.16:
                continue
            u = ep.push(frame, 1.0 if frame.start_s < 0.5 else 0.0)
            if u is not None:
                utterance = u.samples
                break
        assert utterance is not None
        return views, utterance, source.intact(0.16)

    views, utterance, intact = asyncio.run(run())
    assert all(views)  # every frame was a read-only view, not a copy
    assert utterance.base is not None and not utterance.flags.writeable
    np.testing.assert_array_equal(utterance, samples[2560 : 2560 + len(utterance)])
    assert len(utterance) == 1280 * 7  # 0.16 .. 0.72 s: speech to 0.56, 0.16 s hangover
    assert intact


def test_endpointer_without_a_ring_still_copies_frames() -> None:
    ep = Endpointer(EndpointSettings(min_speech_s=0.08, hangover_s=0.08))
    ep.begin(0.0, [np.zeros(10, np.int16)])
    first = AudioFrame(np.ones(1280, np.int16), 0.0)
    assert ep.push(first, 1.0) is None
    u = ep.push(AudioFrame(np.ones(1280, np.int16), 0.08), 0.0)
    assert u is not None and u.reason == "silence" and len(u.samples) == 10 + 2 * 1280


class CountingSilero:
    def __init__(self) -> None:
        self.calls = 0

    def speech_probability(self, samples: np.ndarray) -> float:
        self.calls += 1
        return 0.9

    def reset(self) -> None:
        pass


def test_gated_vad_asks_silero_only_when_energy_hears_something() -> None:
    silero = CountingSilero()
    detector = SpeechDetector(silero, "gated")  # type: ignore[arg-type]
    rng = np.random.default_rng(0)
    quiet = np.rint(rng.standard_normal(1280 * 20) * 30).astype(np.int16)  # -61 dBFS room
    for i in range(20):
        frame = quiet[i * 1280 : (i + 1) * 1280]
        assert detector.probability(frame, detector.observe(frame)) == 0.0
    assert silero.calls == 0  # silence costs no neural inference
    t = np.arange(1280) / 16_000
    vowel = np.rint(sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 6)) * 5000)
    loud = vowel.astype(np.int16)
    assert detector.probability(loud, detector.observe(loud)) == 0.9
    assert silero.calls == 1
    energy_only = SpeechDetector(None, "energy")
    energy_only.observe(quiet[:1280 * 10])
    assert energy_only.probability(loud, energy_only.observe(loud)) == 1.0
    with pytest.raises(ValueError, match="needs the Silero model"):
        SpeechDetector(None, "silero")


# -- reply path -------------------------------------------------------------------------------


def test_rate_sink_converts_a_streamed_reply_without_seams() -> None:
    reply = tone(700.0, 22_050, 1.0)
    inner = ListSink()
    sink = RateSink(inner, 48_000)
    for a in range(0, len(reply), 3001):  # sentence-sized chunks, not aligned to anything
        sink.play(reply[a : a + 3001], 22_050)
    sink.end_turn()
    streamed = inner.audio()
    r = Resampler(22_050, 48_000)
    np.testing.assert_array_equal(streamed, np.concatenate([r.process(reply), r.flush()]))
    assert {rate for _, rate in inner.chunks} == {48_000} and inner.turns == 1
    assert peak_hz(streamed, 48_000) == pytest.approx(700.0, abs=5.0)


def test_ducking_sink_lowers_music_under_the_reply() -> None:
    rate = 16_000
    music = tone(300.0, rate, 0.25, 8000.0)
    inner = ListSink()
    sink = DuckingSink(inner, music, rate, duck_db=-20.0, tail_s=1.0)
    voice = np.zeros(rate, np.int16)  # a silent "voice" leaves just the music to measure
    sink.play(voice, rate)
    sink.end_turn()
    out = inner.audio().astype(np.float64)

    def level(a: int, b: int) -> float:
        return 20 * math.log10(np.sqrt(np.mean(out[a:b] ** 2)) / (8000 / math.sqrt(2)))

    assert level(int(0.2 * rate), rate) == pytest.approx(-20.0, abs=0.3)  # ducked
    assert level(int(1.6 * rate), 2 * rate) == pytest.approx(0.0, abs=0.1)  # released
    with pytest.raises(ValueError, match="put a RateSink first"):
        sink.play(voice, 22_050)


def test_whole_buffer_resample_is_aligned() -> None:
    x = tone(500.0, 16_000, 0.5)
    y = resample(x, 16_000, 48_000)
    assert len(y) == 3 * len(x)
    back = resample(y, 48_000, 16_000)
    assert len(back) == len(x)
    # Each trip keeps under half an output sample of its delay: < 0.5 sample at 16 kHz
    # in all, i.e. below 8000 * 2*pi*500/16000 * 0.5 for a 500 Hz tone.
    assert np.max(np.abs(back[200:-200].astype(int) - x[200:-200])) < 785


def test_cli_refuses_an_unsupported_input_rate_before_loading_models() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "edge", "run", "--input", "-", "--rate", "12345",
         "--output", "out.wav", "--offline"],
        cwd=ROOT, capture_output=True, input=b"", timeout=60,
    )
    assert result.returncode == 2
    assert b"12345 Hz is not supported" in result.stderr


def test_ring_source_span_refuses_use_before_start() -> None:
    source = RingSource(pull=np.zeros(10, np.int16))
    with pytest.raises(RuntimeError, match="not running"):
        source.span(0.0, 0.1)
