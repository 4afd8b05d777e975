"""The echo stage the duplex loop calls: reference in, echo-cancelled microphone out.

Use (16 kHz, after the capture chain; one stage for the daemon's lifetime, across turns)::

    stage = EchoStage()
    # every time slot, in this order:
    stage.playback(out_block, rate=output_rate)  # what was just written to the speaker
    clean = stage.capture(mic16k_block)          # same length as mic16k_block

**Reference model.** ``playback`` appends to a reference queue that stands for the sound
device's output queue: each captured sample consumes one reference sample, in order.
Call ``playback`` for a slot *before* ``capture`` for it (a full-duplex lockstep device:
the block written with each block read); zeros when nothing plays. If the reference runs
dry (the loop stalled, an underrun), the missing samples count as silence, just as the
device played silence; if it piles up beyond ``max_backlog_ms`` (more written than
captured), the oldest is dropped. Either shifts the stream, and the delay tracker
(:mod:`edge.audio.delay`) re-measures the shift while the device speaks. Memory is bounded
whatever the caller does, and ``capture`` never raises: an internal failure passes the
microphone through (counted in ``errors``).

**Delay.** The playback->capture delay ``D`` is estimated from the signals. The reference
is pre-delayed by ``pd`` so the echo arrives ``D - pd`` after it, inside the canceller's
tail. ``pd`` moves only when ``D - pd`` leaves ``[min_lead_ms, max_lead_ms]`` (speex keeps
~27 dB up to 120 ms of lead with a 256 ms tail and 0.3 s RT60, and a move costs a
reconvergence), and then to ``D - margin_ms``; a confirmed jump of ``D`` (underrun) also
resets the canceller, whose learned echo path is then wrong.

**Clock drift.** A speaker and a microphone on different clocks (a USB microphone and the
board's audio jack) make ``D`` change steadily, and speex's adaptive filter cannot follow a
path that slides by a sample every second or so (measured: 28 -> 21 -> 14 dB at 0 / 20 /
100 ppm). The delay tracker fits the drift (``drift_ppm``, from ~8 s of playback on), and
``compensate_drift`` then slides the pre-delay with it, reading the reference at fractional
positions (a 32-tap windowed-sinc interpolator, 1/64-sample steps), so the echo path seen
by the canceller stays still: ~27 dB at +-100 and +500 ppm. Interpolating needs 1 ms of
pre-delay (the interpolator's look-ahead) and, for a shrinking delay, room below it: when
the drift is found, a pre-delay short of that moves to ``D - margin_ms`` once (a reset).
Delays under ~5 ms are not drift-compensated.

**Latency.** Constant: ``latency_samples`` = one frame of buffering (so any block size
works) plus the residual-echo suppressor's own frame (speex's preprocessor), 20 ms in all
at 10 ms frames with suppression on, 10 ms without.

**Switch.** Hardware that cancels echo itself (a DSP or XMOS array, PipeWire's
echo-cancel): the loop does not create an EchoStage at all. ``enabled = False`` is a
bypass for measurements (wake rate with and without AEC on the same run): the microphone
passes through with the same latency, the reference is still consumed and the delay still
tracked, so switching back is seamless.

**Threads.** ``playback`` and ``capture`` may be called from different threads (a lock
guards the reference queue), and ``close`` from any thread (a lock keeps it from freeing
the canceller during a frame); everything else belongs to the capture thread.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

import numpy as np

from edge.audio.delay import DelayEstimator
from edge.audio.speex import SpeexEchoCanceller, check_format
from native import Resampler
from native.filter_design import SUPPORTED_RATES

__all__ = ["EchoStage", "ReferenceResampler"]

log = logging.getLogger(__name__)

_ACTIVE_POWER = (32768.0 * 10 ** (-50 / 20)) ** 2  # reference frames above -50 dBFS count
_MIN_DRIFT = 2e-6  # below 2 ppm speex copes by itself (a sample every 30 s)
_MIN_MOVE_MS = 2.0  # the smallest pre-delay move (and canceller reset) worth making
_WARN_ATTEMPTS = 40  # delay estimates tried (0.25 s of playback each) before warning


def _fractional_delays(taps: int, phases: int) -> np.ndarray:
    """``phases`` Kaiser-windowed sinc interpolators, row ``k`` delaying by ``k / phases``
    of a sample (``np.convolve`` order), each with unit DC gain."""
    j = np.arange(taps) - taps // 2 + 1  # tap j weighs x[m - j]
    phi = np.arange(phases)[:, None] / phases
    w = np.i0(8.0 * np.sqrt(np.clip(1 - ((j - phi) / (taps / 2)) ** 2, 0, None))) / np.i0(8.0)
    h = np.sinc(j - phi) * w
    return h / h.sum(axis=1, keepdims=True)


_TAPS, _PHASES = 32, 64
_LOOKAHEAD = _TAPS // 2  # samples of reference the interpolator reads ahead
_FRACTIONAL = _fractional_delays(_TAPS, _PHASES)


def _as_int16(x: np.ndarray) -> np.ndarray:
    """Mono int16, whatever comes (float in [-1, 1], 2-D frames x channels)."""
    a = np.asarray(x)
    scale = 32767.0 if a.dtype.kind == "f" else 1.0
    if a.ndim > 1:
        a = a.reshape(len(a), -1).mean(axis=1)
    elif a.dtype == np.int16:
        return a
    return np.clip(np.rint(a * scale), -32768, 32767).astype(np.int16)


class ReferenceResampler:
    """The playback signal at the output rate -> the stage's rate, streaming (the native
    resampler: chunk boundaries cannot click; its ~2 ms group delay is part of the measured
    playback->capture delay)."""

    def __init__(self, rate_in: int, rate_out: int = 16_000) -> None:
        for r in (rate_in, rate_out):
            if r not in SUPPORTED_RATES:
                raise ValueError(f"reference rate {r} Hz is not supported ({SUPPORTED_RATES})")
        self.rate_in, self.rate_out = rate_in, rate_out
        self._rs = Resampler(rate_in, rate_out) if rate_in != rate_out else None

    def process(self, samples: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(_as_int16(samples))
        return x if self._rs is None else self._rs.process(x)


class EchoStage:
    """Echo cancellation of the 16 kHz capture against the playback reference (module
    docstring: reference model, delay, latency, switch, threads)."""

    def __init__(
        self,
        rate: int = 16_000,
        frame_ms: int = 10,
        tail_ms: int = 256,
        residual_suppression: bool = True,
        noise_suppress_db: int = -15,
        idle_noise_suppress_db: int | None = 0,
        max_delay_ms: float = 500.0,
        initial_delay_ms: float = 0.0,
        margin_ms: float = 20.0,
        min_lead_ms: float = 4.0,
        max_lead_ms: float = 100.0,
        max_backlog_ms: float = 1000.0,
        track_delay: bool = True,
        compensate_drift: bool = True,
        nonlinear: bool = True,
    ) -> None:
        self.rate = rate
        self.frame = frame = rate * frame_ms // 1000
        check_format(rate, frame)
        self._aec = SpeexEchoCanceller(rate, frame, tail_ms, residual_suppression,
                                       noise_suppress_db, nonlinear=nonlinear)
        # The suppressor's noise suppression while the device has been silent for a tail
        # (None: `noise_suppress_db` always). Denoised, the user's commands to a quiet
        # device lost wake words in noise (`tandem bench speech run --aec`).
        self._suppress = (noise_suppress_db, idle_noise_suppress_db)
        self._idle_after = -(-rate * tail_ms // 1000 // frame)  # frames of silent reference
        self._silent_frames = self._idle_after  # nothing has played yet
        self._idle = idle_noise_suppress_db is not None
        if idle_noise_suppress_db is not None:
            self._aec.set_noise_suppress(idle_noise_suppress_db)
        ms = rate / 1000
        self.max_predelay = round(max_delay_ms * ms)
        self.margin, self.min_lead = margin_ms * ms, min_lead_ms * ms
        self.max_lead = max_lead_ms * ms
        self.compensate_drift = compensate_drift and track_delay
        self.predelay: float = self._clamp_pd(round(initial_delay_ms * ms - self.margin))
        self._estimator = DelayEstimator(rate, max_delay_ms) if track_delay else None
        self.latency_samples = frame * (2 if residual_suppression else 1)
        self.enabled = True
        # reference queue (the device's output queue), guarded: playback may be another thread
        self._lock = threading.Lock()
        self._aec_lock = threading.Lock()
        self._queue: deque[np.ndarray] = deque()
        self._queued = 0
        self._max_backlog = max(frame, round(max_backlog_ms * ms))
        self._resamplers: dict[int, ReferenceResampler] = {}
        # aligned reference history for the pre-delay: positions [end - len, end)
        self._hist = np.zeros(self.max_predelay + 2 * frame + _TAPS, np.int16)
        self._mic = np.zeros(frame, np.int16)  # the frame being filled
        self._prev_mic = np.zeros(frame, np.int16)
        self._lag_frame = residual_suppression  # speex's preprocessor delays one frame
        self._filled = 0
        self._out: deque[np.ndarray] = deque([np.zeros(frame, np.int16)])  # the latency frame
        self._out_head = 0  # samples of _out[0] already returned
        # running figures
        self._p_mic = self._p_out = 0.0
        self.stalled_samples = 0  # reference missing when captured: counted as silence
        self.dropped_samples = 0  # reference beyond the backlog: dropped, oldest first
        self.realignments = 0  # pre-delay moves + canceller resets after a jump
        self.errors = 0
        self._warned = False

    # ---- reference side -------------------------------------------------------------
    def playback(self, samples: np.ndarray, rate: int | None = None) -> None:
        """What was sent to the speaker for this slot (int16 mono; at ``rate`` if given,
        resampled here). Never raises for a bad block: it is dropped and counted."""
        try:
            if rate is not None and rate != self.rate:
                rs = self._resamplers.get(rate)
                if rs is None:
                    rs = self._resamplers[rate] = ReferenceResampler(rate, self.rate)
                x = rs.process(samples)
            else:
                x = _as_int16(samples).copy()
        except Exception:
            self._fail("playback")
            return
        if not len(x):
            return
        with self._lock:
            self._queue.append(x)
            self._queued += len(x)
            excess = self._queued - self._max_backlog
            while excess > 0:
                head = self._queue[0]
                if len(head) <= excess:
                    self._queue.popleft()
                    cut = len(head)
                else:
                    self._queue[0] = head[excess:]
                    cut = excess
                self._queued -= cut
                self.dropped_samples += cut
                excess -= cut

    def _take_reference(self, n: int) -> np.ndarray:
        out = np.zeros(n, np.int16)
        got = 0
        with self._lock:
            while got < n and self._queue:
                head = self._queue[0]
                k = min(n - got, len(head))
                out[got : got + k] = head[:k]
                if k == len(head):
                    self._queue.popleft()
                else:
                    self._queue[0] = head[k:]
                got += k
            self._queued -= got
        self.stalled_samples += n - got
        return out

    # ---- capture side ---------------------------------------------------------------
    def capture(self, mic: np.ndarray) -> np.ndarray:
        """Echo-cancelled microphone: as many samples as given, ``latency_samples`` late."""
        try:
            x = _as_int16(mic)
        except Exception:  # not audio at all: silence of the same length, if it has one
            self._fail("capture")
            x = np.zeros(len(mic) if hasattr(mic, "__len__") else 0, np.int16)
        n = len(x)
        try:
            for i in range(0, n, self.frame):  # pieces of <= one frame keep the history short
                self._capture_piece(x[i : i + self.frame])
        except Exception:
            self._fail("capture")
        return self._pop(n, x)

    def _capture_piece(self, mic: np.ndarray) -> None:
        n = len(mic)
        ref = self._take_reference(n)
        est = self._estimator
        if est is not None:
            self._align(jumped=est.push(mic, ref))
            if est.delay_samples is None and est.attempts == _WARN_ATTEMPTS and not self._warned:
                self._warned = True  # 10 s of playback and no echo found: say why once
                log.warning("echo: no echo of the playback found within %.0f ms of delay "
                            "after %.0f s of playback; is the reference what the speaker plays, "
                            "and is the delay under max_delay_ms?",
                            self.max_predelay * 1000 / self.rate,
                            _WARN_ATTEMPTS * est.hop / self.rate)
        h = self._hist
        h[:-n] = h[n:]
        h[-n:] = ref
        take = min(n, self.frame - self._filled)
        self._mic[self._filled : self._filled + take] = mic[:take]
        self._filled += take
        if self._filled == self.frame:
            # the frame covers stream positions [end - rest - frame, end - rest)
            rest = n - take
            self._run_frame(rest)
            self._mic[:rest] = mic[take:]
            self._filled = rest

    def _run_frame(self, rest: int) -> None:
        f = self.frame
        ref = self._reference_frame(rest)
        mic = self._mic
        rp = float(np.dot(ref.astype(np.float64), ref)) / f
        self._follow_playback(rp > _ACTIVE_POWER)
        with self._aec_lock:  # close() from another thread must not free it mid-call
            live = self.enabled and not self._aec.closed
            out = self._aec.process(mic, ref) if live else None
        if out is None:  # bypass with the canceller's latency: the frame before if it lags
            out = self._prev_mic.copy() if self._lag_frame else mic.copy()
        self._prev_mic[:] = mic
        if rp > _ACTIVE_POWER:  # ERLE only means something while the reference plays
            a = 0.01  # ~1 s at 10 ms frames
            self._p_mic += a * (float(np.dot(mic.astype(np.float64), mic)) / f - self._p_mic)
            self._p_out += a * (float(np.dot(out.astype(np.float64), out)) / f - self._p_out)
        self._out.append(out)

    @property
    def quiet_noise_suppress_db(self) -> int:
        """The noise suppression a microphone gets while nothing has played for a tail."""
        playing_db, idle_db = self._suppress
        return playing_db if idle_db is None else idle_db

    def _follow_playback(self, playing: bool) -> None:
        """Noise suppression while the device plays (and a tail after), the idle setting
        once it has been silent that long."""
        playing_db, idle_db = self._suppress
        if idle_db is None:
            return
        self._silent_frames = 0 if playing else self._silent_frames + 1
        idle = self._silent_frames >= self._idle_after
        if idle != self._idle:
            self._idle = idle
            with self._aec_lock:
                if not self._aec.closed:
                    self._aec.set_noise_suppress(idle_db if idle else playing_db)

    def _reference_frame(self, rest: int) -> np.ndarray:
        """The reference for the frame just filled, pre-delayed by ``predelay`` samples
        (fractional while drift is compensated: a windowed-sinc interpolator)."""
        f = self.frame
        drift = self._drift()
        if drift and self.predelay >= _LOOKAHEAD:  # the interpolator needs its look-ahead
            self.predelay = max(_LOOKAHEAD, self._clamp_pd(self.predelay + drift * f))
        whole = int(np.floor(self.predelay))
        phase = round((self.predelay - whole) * _PHASES)
        if phase == _PHASES:
            whole, phase = whole + 1, 0
        start = len(self._hist) - rest - f - whole  # history index of the first sample
        if phase == 0:
            return self._hist[start : start + f]
        seg = self._hist[start - _TAPS // 2 : start + f + _TAPS // 2 - 1].astype(np.float64)
        y = np.convolve(seg, _FRACTIONAL[phase], mode="valid")
        return np.clip(np.rint(y), -32768, 32767).astype(np.int16)

    def _clamp_pd(self, pd: float) -> float:
        return float(min(self.max_predelay, max(0, pd)))

    def _drift(self) -> float:
        """The drift to compensate (delay samples per sample), 0 when there is none."""
        est = self._estimator
        drift = est.drift if self.compensate_drift and est is not None else None
        return drift if drift is not None and abs(drift) >= _MIN_DRIFT else 0.0

    def _pop(self, n: int, fallback: np.ndarray) -> np.ndarray:
        res = np.empty(n, np.int16)
        got = 0
        while got < n and self._out:
            head = self._out[0]
            k = min(n - got, len(head) - self._out_head)
            res[got : got + k] = head[self._out_head : self._out_head + k]
            got += k
            self._out_head += k
            if self._out_head == len(head):
                self._out.popleft()
                self._out_head = 0
        if got < n:  # only after an internal failure: keep the length, pass through
            res[got:] = fallback[got:n]
        return res

    def _align(self, jumped: bool) -> None:
        """Keep the echo's lead over the pre-delayed reference inside the window."""
        est = self._estimator
        if est is None or est.delay_samples is None:
            return
        d = est.delay_samples
        new = self.predelay
        if not self.min_lead <= d - self.predelay <= self.max_lead:
            new = self._clamp_pd(round(d - self.margin))
        drift = self._drift()
        # following a drift needs the interpolator's look-ahead below the pre-delay, and
        # room to shrink when the delay does (playback clock fast)
        room = _LOOKAHEAD + (self.frame if drift < 0 else 0)
        if drift and new < room and d >= _LOOKAHEAD + self.min_lead:
            new = self._clamp_pd(max(_LOOKAHEAD + self.frame, round(d - self.margin)))
            new = min(new, d - self.min_lead)
        # small moves (a clamped target) are not worth a reset: speex adapts to them itself
        moved = abs(new - self.predelay) >= _MIN_MOVE_MS * self.rate / 1000
        if moved:
            self.predelay = new
        if moved or (jumped and est.jumps > 1):  # the learned path is wrong: start afresh
            with self._aec_lock:
                self._aec.reset()
            self.realignments += 1
            log.info("echo: delay %.1f ms, reference pre-delay %.1f ms", d * 1000 / self.rate,
                     self.predelay * 1000 / self.rate)

    def _fail(self, where: str) -> None:
        self.errors += 1
        if self.errors == 1:
            log.exception("echo stage: %s failed; passing the microphone through", where)

    # ---- figures and lifetime -------------------------------------------------------
    @property
    def delay_ms(self) -> float | None:
        """Estimated playback->capture delay (None before the first estimate or untracked)."""
        return None if self._estimator is None else self._estimator.delay_ms

    @property
    def drift_ppm(self) -> float | None:
        """Measured clock drift between playback and capture (None until fitted)."""
        return None if self._estimator is None else self._estimator.drift_ppm

    @property
    def predelay_ms(self) -> float:
        return self.predelay * 1000 / self.rate

    @property
    def erle_db(self) -> float | None:
        """Running echo return loss enhancement (~1 s average) over frames where the
        reference plays: mic power over output power. The user talking over playback
        lowers it; None before any reference played."""
        if self._p_mic <= 0:
            return None
        return float(10 * np.log10(self._p_mic / max(self._p_out, 1e-3)))

    @property
    def backlog_samples(self) -> int:
        return self._queued

    def stats(self) -> dict[str, float | int | None]:
        """The figures worth a trace line or a status report."""
        erle, delay = self.erle_db, self.delay_ms
        return {
            "delay_ms": None if delay is None else round(delay, 2),
            "predelay_ms": round(self.predelay_ms, 2),
            "drift_ppm": None if self.drift_ppm is None else round(self.drift_ppm, 1),
            "erle_db": None if erle is None else round(erle, 1),
            "stalled_samples": self.stalled_samples,
            "dropped_samples": self.dropped_samples,
            "realignments": self.realignments,
            "errors": self.errors,
        }

    def reset(self) -> None:
        """Forget the echo path and the delay estimate (a new sound device); keeps the
        pre-delay until a new estimate moves it, and the counters. Capture thread only."""
        with self._aec_lock:
            self._aec.reset()
        if self._estimator is not None:
            self._estimator.reset()

    def close(self) -> None:
        """Free the canceller (idempotent, any thread); later captures pass the microphone
        through."""
        self.enabled = False
        with self._aec_lock:
            self._aec.close()

    def __enter__(self) -> EchoStage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
