"""Acoustic echo cancellation: a ctypes binding over Debian's libspeexdsp.

Why speex (measured in ``shared/notes/duplex.md``): the MDF adaptive filter followed by the
speex preprocessor with the echo state attached (residual-echo suppression) reaches ~28 dB
ERLE and keeps the user's voice intact during double talk (-0.3 dB, correlation 0.99), which
is what the wake word and the barge-in detector need. WebRTC AEC3 cancels more but also
suppresses the user. libspeexdsp is a system library on every Debian architecture, so no
wheel has to exist for the board.

The preprocessor applies its echo suppression only through its noise-suppression gain
(``speex_preprocess_run`` forces the gain to 1 when denoise is off), so residual-echo
suppression implies denoise on; ``noise_suppress_db`` bounds how much stationary noise it
removes (0 dB: echo only).

A loudspeaker driven hard is not linear, and a linear filter leaves its distortion behind:
in `tandem bench duplex`'s room (tanh drive 1.5) speex stopped at 24 dB against 41 dB with a
linear loudspeaker. A second MDF filter on the first one's output, with the cube of the
reference as its input (a power-series "Hammerstein" canceller; soft clipping is mostly odd
harmonics), took that room to 28 dB, and gained 2-6 dB across drives 1-2.5, a longer
reverb and louder echo, while losing 0.5 dB in a linear room (replayed on the bench's
tapes). It costs the user's voice in double talk: its residual rose from -11.9 to -8.2 dB
below the voice (`edge.audio.echo_bench`'s scenario after 60 s of convergence), as the
second filter misadjusts while the user talks; a frame where it raised the energy keeps
the first filter's output. ``nonlinear=False`` turns it off.

This module is only the canceller, frame by frame; ``EchoStage`` (:mod:`edge.audio.echo`)
does the buffering, reference alignment and delay tracking around it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from types import TracebackType

import numpy as np

from contract.errors import AudioInputError, EchoCancellerUnavailable

__all__ = ["AEC_RATES", "SpeexEchoCanceller", "load_speexdsp"]

AEC_RATES = (8_000, 16_000, 32_000, 48_000)  # rates the speex tuning is made for
FRAME_MS = (10, 20)

_FIX = "install Debian's libspeexdsp1; ./tandem installs it"

# speex_echo.h / speex_preprocess.h request codes
_ECHO_SET_SAMPLING_RATE = 24
_PP_SET_DENOISE = 0
_PP_SET_NOISE_SUPPRESS = 18
_PP_SET_ECHO_SUPPRESS = 20
_PP_SET_ECHO_SUPPRESS_ACTIVE = 22
_PP_SET_ECHO_STATE = 24

_I16P = ctypes.POINTER(ctypes.c_int16)
def _energy(x: np.ndarray) -> float:
    return float(np.dot(x.astype(np.float32), x.astype(np.float32)))


_CUBE_SCALE = 32767 / 32768**3  # x**3 of a full-scale int16 back to full scale


@lru_cache(maxsize=1)
def load_speexdsp() -> ctypes.CDLL:
    """The shared library with its prototypes declared; EchoCancellerUnavailable (an
    AudioInputError) naming the fix when it cannot be loaded."""
    names = [n for n in (ctypes.util.find_library("speexdsp"), "libspeexdsp.so.1") if n]
    errors = []
    for name in names:
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError as exc:
            errors.append(str(exc))
    else:
        why = "; ".join(errors) or "not found"
        raise EchoCancellerUnavailable(f"echo cancellation needs libspeexdsp ({why}): {_FIX}")
    vp, c_int = ctypes.c_void_p, ctypes.c_int
    protos: dict[str, tuple[type | None, list[type]]] = {
        "speex_echo_state_init": (vp, [c_int, c_int]),
        "speex_echo_state_destroy": (None, [vp]),
        "speex_echo_state_reset": (None, [vp]),
        "speex_echo_cancellation": (None, [vp, _I16P, _I16P, _I16P]),
        "speex_echo_ctl": (c_int, [vp, c_int, vp]),
        "speex_preprocess_state_init": (vp, [c_int, c_int]),
        "speex_preprocess_state_destroy": (None, [vp]),
        "speex_preprocess_run": (c_int, [vp, _I16P]),
        "speex_preprocess_ctl": (c_int, [vp, c_int, vp]),
    }
    try:
        for fname, (restype, argtypes) in protos.items():
            fn = getattr(lib, fname)
            fn.restype, fn.argtypes = restype, argtypes
    except AttributeError as exc:
        raise EchoCancellerUnavailable(f"libspeexdsp lacks {exc}: {_FIX}") from exc
    return lib


def check_format(rate: int, frame: int) -> None:
    """AudioInputError unless speex is tuned for `rate` and `frame` is 10 or 20 ms of it."""
    if rate not in AEC_RATES:
        supported = ", ".join(str(r) for r in AEC_RATES)
        raise AudioInputError(
            f"echo cancellation runs at {supported} Hz, not {rate} Hz "
            "(resample the capture first; the pipeline's 16 kHz always works)"
        )
    allowed = [rate * ms // 1000 for ms in FRAME_MS]
    if frame not in allowed:
        raise AudioInputError(
            f"echo cancellation frames at {rate} Hz are {' or '.join(map(str, allowed))} "
            f"samples (10 or 20 ms), not {frame}"
        )


class SpeexEchoCanceller:
    """One speex MDF canceller (+ residual-echo suppressor), fed one frame at a time.

    ``process(mic, ref)``: ``ref`` is what the loudspeaker played, aligned so that its
    echo reaches ``mic`` within ``tail_ms`` after it (never before). Not thread-safe: one
    audio thread owns it. Keep one instance across turns: it needs ~1-2 s of playback to
    converge, and ``reset()`` forgets that.
    """

    def __init__(
        self,
        rate: int = 16_000,
        frame: int = 160,
        tail_ms: int = 256,
        residual_suppression: bool = True,
        noise_suppress_db: int = -15,
        echo_suppress_db: int = -40,
        echo_suppress_active_db: int = -15,
        nonlinear: bool = True,
    ) -> None:
        check_format(rate, frame)
        if not 20 <= tail_ms <= 1000:
            raise AudioInputError(f"echo tail must be 20..1000 ms, not {tail_ms}")
        self._lib = load_speexdsp()
        self.rate, self.frame, self.tail_ms = rate, frame, tail_ms
        self.residual_suppression = residual_suppression
        # speex wants the filter length a multiple of the frame
        self.filter_length = -(-rate * tail_ms // 1000 // frame) * frame
        self._pp_settings: tuple[tuple[int, int], ...] = (
            (_PP_SET_DENOISE, 1),
            (_PP_SET_NOISE_SUPPRESS, min(0, noise_suppress_db)),
            (_PP_SET_ECHO_SUPPRESS, min(0, echo_suppress_db)),
            (_PP_SET_ECHO_SUPPRESS_ACTIVE, min(0, echo_suppress_active_db)),
        )
        self._mic = np.zeros(frame, np.int16)
        self._ref = np.zeros(frame, np.int16)
        self._out = np.zeros(frame, np.int16)
        self._p_mic, self._p_ref, self._p_out = (a.ctypes.data_as(_I16P)
                                                 for a in (self._mic, self._ref, self._out))
        self._cubed = np.zeros(frame, np.int16)  # the second filter's reference
        self._mid = np.zeros(frame, np.int16)  # the first filter's output
        self._p_cubed, self._p_mid = (a.ctypes.data_as(_I16P) for a in (self._cubed, self._mid))
        self._echo: int | None = None
        self._echo_nl: int | None = None
        self._pp: int | None = None
        self._echo = self._new_echo_state()
        self._echo_nl = self._new_echo_state() if nonlinear else None
        self._pp = self._new_preprocessor() if residual_suppression else None

    def _new_echo_state(self) -> int:
        state = self._lib.speex_echo_state_init(self.frame, self.filter_length)
        if not state:
            raise MemoryError("speex_echo_state_init failed")
        sr = ctypes.c_int(self.rate)
        self._lib.speex_echo_ctl(state, _ECHO_SET_SAMPLING_RATE, ctypes.byref(sr))
        return int(state)

    def _new_preprocessor(self) -> int:
        pp = self._lib.speex_preprocess_state_init(self.frame, self.rate)
        if not pp:
            raise MemoryError("speex_preprocess_state_init failed")
        for request, value in self._pp_settings:
            v = ctypes.c_int(value)
            self._lib.speex_preprocess_ctl(pp, request, ctypes.byref(v))
        self._lib.speex_preprocess_ctl(pp, _PP_SET_ECHO_STATE, ctypes.c_void_p(self._echo))
        return int(pp)

    def process(self, mic: np.ndarray, ref: np.ndarray) -> np.ndarray:
        """One frame of microphone and reference int16 in; a new echo-cancelled frame out."""
        if self._echo is None:
            raise RuntimeError("SpeexEchoCanceller.process after close()")
        if len(mic) != self.frame or len(ref) != self.frame:
            raise ValueError(
                f"SpeexEchoCanceller.process takes {self.frame} samples of each, "
                f"got {len(mic)} and {len(ref)}"
            )
        self._mic[:] = mic  # copies (and casts) into buffers whose pointers are cached
        self._ref[:] = ref
        if self._echo_nl is None:
            self._lib.speex_echo_cancellation(self._echo, self._p_mic, self._p_ref, self._p_out)
        else:
            self._lib.speex_echo_cancellation(self._echo, self._p_mic, self._p_ref, self._p_mid)
            r = self._ref.astype(np.float32)
            self._cubed[:] = r * r * r * _CUBE_SCALE  # full scale in, full scale out
            self._lib.speex_echo_cancellation(self._echo_nl, self._p_mid, self._p_cubed,
                                              self._p_out)
            if _energy(self._out) > _energy(self._mid):  # it made things worse (double
                self._out[:] = self._mid  # talk): keep the first filter's frame, the rule
                # WebRTC's cancellers apply between their main and shadow filters
        if self._pp is not None:
            self._lib.speex_preprocess_run(self._pp, self._p_out)
        return self._out.copy()

    def set_noise_suppress(self, db: int) -> None:
        """How far the suppressor lowers stationary noise from now on (0 dB: echo only);
        kept across `reset`."""
        db = min(0, db)
        self._pp_settings = tuple((r, db if r == _PP_SET_NOISE_SUPPRESS else v)
                                  for r, v in self._pp_settings)
        if self._pp is not None:
            self._lib.speex_preprocess_ctl(self._pp, _PP_SET_NOISE_SUPPRESS,
                                           ctypes.byref(ctypes.c_int(db)))

    def reset(self) -> None:
        """Forget the learned echo path (and the suppressor's noise estimate)."""
        if self._echo is None:
            return
        self._lib.speex_echo_state_reset(self._echo)
        if self._echo_nl is not None:
            self._lib.speex_echo_state_reset(self._echo_nl)
        if self._pp is not None:  # the preprocessor has no reset: make a fresh one
            self._lib.speex_preprocess_state_destroy(self._pp)
            self._pp = None
            self._pp = self._new_preprocessor()

    def close(self) -> None:
        """Free the C state (idempotent)."""
        if self._pp is not None:
            self._lib.speex_preprocess_state_destroy(self._pp)
            self._pp = None
        if self._echo_nl is not None:
            self._lib.speex_echo_state_destroy(self._echo_nl)
            self._echo_nl = None
        if self._echo is not None:
            self._lib.speex_echo_state_destroy(self._echo)
            self._echo = None

    @property
    def closed(self) -> bool:
        return self._echo is None

    def __enter__(self) -> SpeexEchoCanceller:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_echo", None) is not None:
            self.close()
