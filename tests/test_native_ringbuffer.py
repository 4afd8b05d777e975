"""native/: ring buffer and int16 <-> float32 kernels, run against both implementations.

Every test takes ``impl`` (the compiled module and the pure-Python twin, imported directly,
not through native/__init__); the property tests also check the two against a deque model
and against each other. No timing assertions here.
"""

from __future__ import annotations

import array
import os
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from native import convert_py, ringbuffer_py

try:
    from native import _ringbuffer as compiled_module
except ImportError as exc:  # not built: the compiled half of every test is skipped
    compiled: ModuleType | None = None
    _not_built = f"native._ringbuffer not built ({exc}); run setup.py build_ext --inplace"
else:
    compiled = compiled_module
    _not_built = ""

ROOT = Path(__file__).resolve().parents[1]

TWIN = SimpleNamespace(
    name="python",
    RingBuffer=ringbuffer_py.RingBuffer,
    int16_to_float32=convert_py.int16_to_float32,
    float32_to_int16=convert_py.float32_to_int16,
)
COMPILED = (
    SimpleNamespace(
        name="cython",
        RingBuffer=compiled.RingBuffer,
        int16_to_float32=compiled.int16_to_float32,
        float32_to_int16=compiled.float32_to_int16,
    )
    if compiled is not None
    else None
)
IMPLS = [
    pytest.param(TWIN, id="python"),
    pytest.param(
        COMPILED, id="cython", marks=pytest.mark.skipif(compiled is None, reason=_not_built)
    ),
]
needs_compiled = pytest.mark.skipif(compiled is None, reason=_not_built)


@pytest.fixture(params=IMPLS, scope="module")  # stateless: safe under hypothesis
def impl(request: pytest.FixtureRequest) -> SimpleNamespace:
    return request.param


def i16(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.int16)


def pattern(start: int, n: int) -> np.ndarray:
    """Input sample ``k`` is ``k`` wrapped to int16, so any frame reveals where it came from."""
    return ((start + np.arange(n, dtype=np.int64)) & 0xFFFF).astype(np.uint16).view(np.int16)


# -- ring buffer: behaviour -------------------------------------------------------------------


def test_write_then_read_keeps_order_and_counts(impl: SimpleNamespace) -> None:
    rb = impl.RingBuffer(16)
    assert (rb.capacity, rb.available, rb.total_written, rb.total_read) == (16, 0, 0, 0)
    assert rb.write(i16([1, 2, 3, 4, 5])) == 5
    assert rb.available == 5
    frame = rb.read(3)
    assert frame is not None and frame.dtype == np.int16
    assert frame.tolist() == [1, 2, 3]
    assert rb.last_read_start == 0
    assert rb.read(3) is None  # only 2 left: a frame is all or nothing
    assert rb.available == 2
    assert (rb.total_written, rb.total_read, rb.overrun_samples) == (5, 3, 0)


def test_wraparound_preserves_sequence(impl: SimpleNamespace) -> None:
    rb = impl.RingBuffer(7)
    pos = 0
    for size in [5, 4, 3, 6, 1, 7, 2]:  # every write/read crosses the end of the ring somewhere
        rb.write(pattern(pos, size))
        frame = rb.read(size)
        assert frame is not None
        np.testing.assert_array_equal(frame, pattern(pos, size))
        assert rb.last_read_start == pos
        pos += size
    assert rb.overrun_samples == 0 and rb.available == 0


def test_overrun_drops_oldest_and_counts_them(impl: SimpleNamespace) -> None:
    rb = impl.RingBuffer(8)
    rb.write(pattern(0, 6))
    rb.write(pattern(6, 6))  # 12 written, 8 fit: 4 oldest lost
    assert rb.overrun_samples == 4  # visible before the consumer reads
    assert rb.available == 8
    frame = rb.read(8)
    assert frame is not None
    np.testing.assert_array_equal(frame, pattern(4, 8))
    assert rb.last_read_start == 4  # the frame's true position in the input
    assert (rb.total_written, rb.total_read, rb.overrun_samples, rb.available) == (12, 8, 4, 0)


def test_write_larger_than_capacity_keeps_tail(impl: SimpleNamespace) -> None:
    rb = impl.RingBuffer(5)
    rb.write(pattern(0, 3))
    assert rb.write(pattern(3, 13)) == 13
    assert rb.overrun_samples == 11
    frame = rb.read(5)
    assert frame is not None
    np.testing.assert_array_equal(frame, pattern(11, 5))
    assert rb.last_read_start == 11


def test_read_into_partial_and_no_allocation_api(impl: SimpleNamespace) -> None:
    rb = impl.RingBuffer(10)
    out = np.full(8, -1, dtype=np.int16)
    assert rb.read_into(out) == 0
    rb.write(i16([7, 8, 9]))
    assert rb.read_into(out) == 3
    assert out.tolist() == [7, 8, 9, -1, -1, -1, -1, -1]
    assert rb.read_into(np.empty(0, dtype=np.int16)) == 0
    rb.write(pattern(0, 10))
    small = np.empty(4, dtype=np.int16)
    assert rb.read_into(small) == 4
    np.testing.assert_array_equal(small, pattern(0, 4))
    assert rb.available == 6


def test_empty_write_is_noop(impl: SimpleNamespace) -> None:
    rb = impl.RingBuffer(4)
    assert rb.write(np.empty(0, dtype=np.int16)) == 0
    assert rb.write_bytes(b"") == 0
    assert (rb.total_written, rb.available) == (0, 0)


def test_write_bytes_is_little_endian_pcm(impl: SimpleNamespace) -> None:
    rb = impl.RingBuffer(8)
    data = i16([1, -2, 300, -32768, 32767]).astype("<i2").tobytes()
    assert rb.write_bytes(data) == 5
    assert rb.write_bytes(bytearray(b"\x01\x02")) == 1
    assert rb.write_bytes(memoryview(b"\xff\xff")) == 1
    frame = rb.read(7)
    assert frame is not None
    assert frame.tolist() == [1, -2, 300, -32768, 32767, 0x0201, -1]


def test_accepts_any_int16_buffer(impl: SimpleNamespace) -> None:
    rb = impl.RingBuffer(8)
    assert rb.write(array.array("h", [1, 2])) == 2
    assert rb.write(i16([3, 4]).data) == 2  # a memoryview
    readonly = i16([5, 6])
    readonly.flags.writeable = False
    assert rb.write(readonly) == 2  # the producer only reads its input
    out = array.array("h", [0] * 6)
    assert rb.read_into(out) == 6
    assert list(out) == [1, 2, 3, 4, 5, 6]


def test_clear_discards_unread_keeps_counters(impl: SimpleNamespace) -> None:
    rb = impl.RingBuffer(4)
    rb.write(pattern(0, 6))  # 2 overrun, 4 unread
    rb.clear()
    assert rb.available == 0
    assert rb.overrun_samples == 2  # lost before the clear: still an overrun
    assert rb.total_written == 6  # counters stay monotonic: timestamps stay valid
    rb.write(pattern(6, 3))
    frame = rb.read(3)
    assert frame is not None
    np.testing.assert_array_equal(frame, pattern(6, 3))
    assert rb.last_read_start == 6


@pytest.mark.parametrize("capacity", [0, -1])
def test_bad_capacity(impl: SimpleNamespace, capacity: int) -> None:
    with pytest.raises(ValueError, match="capacity must be >= 1"):
        impl.RingBuffer(capacity)


def test_capacity_must_be_an_integer(impl: SimpleNamespace) -> None:
    with pytest.raises(TypeError, match="expected an integer"):
        impl.RingBuffer(8.0)


@pytest.mark.parametrize("n", [0, -5, 9])
def test_read_frame_length_out_of_range(impl: SimpleNamespace, n: int) -> None:
    rb = impl.RingBuffer(8)
    with pytest.raises(ValueError, match=r"n must be in 1\.\.8"):
        rb.read(n)


# -- ring buffer: bad input -------------------------------------------------------------------


def _bad_writes() -> list[Any]:
    strided = np.zeros(8, dtype=np.int16)[::2]
    return [
        pytest.param(np.zeros(4, dtype=np.float32), TypeError, "expected int16", id="float32"),
        pytest.param(np.zeros(4, dtype=np.int32), TypeError, "expected int16", id="int32"),
        pytest.param(np.zeros(4, dtype=">i2"), TypeError, "expected int16", id="big-endian"),
        pytest.param(b"\x00\x01", TypeError, "expected int16", id="bytes"),
        pytest.param([1, 2, 3], TypeError, "got list", id="list"),
        pytest.param(None, TypeError, "got NoneType", id="none"),
        pytest.param(np.zeros((2, 2), dtype=np.int16), ValueError, "1-D", id="2-D"),
        pytest.param(np.int16(3), ValueError, "got 0-D", id="numpy-scalar"),
        pytest.param(np.zeros((), dtype=np.int16), ValueError, "1-D", id="0-D"),
        pytest.param(strided, ValueError, "C-contiguous", id="strided"),
    ]


@pytest.mark.parametrize(("bad", "exc", "match"), _bad_writes())
def test_write_rejects_bad_input(
    impl: SimpleNamespace, bad: object, exc: type[Exception], match: str
) -> None:
    rb = impl.RingBuffer(8)
    with pytest.raises(exc, match=match):
        rb.write(bad)
    assert rb.total_written == 0  # nothing half-written


@pytest.mark.parametrize(("bad", "exc", "match"), _bad_writes())
def test_read_into_rejects_bad_output(
    impl: SimpleNamespace, bad: object, exc: type[Exception], match: str
) -> None:
    rb = impl.RingBuffer(8)
    rb.write(pattern(0, 4))
    with pytest.raises(exc, match=match):
        rb.read_into(bad)
    assert rb.available == 4  # nothing consumed


def test_read_into_rejects_readonly_output(impl: SimpleNamespace) -> None:
    rb = impl.RingBuffer(8)
    out = np.zeros(4, dtype=np.int16)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        rb.read_into(out)
    with pytest.raises(ValueError, match="read-only"):
        rb.read_into(memoryview(bytes(8)).cast("h"))


@pytest.mark.parametrize("n_bytes", [1, 3, 1281])
def test_write_bytes_odd_count(impl: SimpleNamespace, n_bytes: int) -> None:
    rb = impl.RingBuffer(2048)
    with pytest.raises(ValueError, match=f"got {n_bytes} bytes, an odd count"):
        rb.write_bytes(bytes(n_bytes))
    assert rb.total_written == 0


@pytest.mark.parametrize("bad", [None, "text", 12, [0, 1]])
def test_write_bytes_rejects_non_buffers(impl: SimpleNamespace, bad: object) -> None:
    with pytest.raises(TypeError, match="expected bytes-like PCM data"):
        impl.RingBuffer(8).write_bytes(bad)


@needs_compiled
@pytest.mark.parametrize(("bad", "exc", "match"), _bad_writes())
def test_both_implementations_word_errors_alike(
    bad: object, exc: type[Exception], match: str
) -> None:
    assert COMPILED is not None
    messages = []
    for ns in (TWIN, COMPILED):
        with pytest.raises(exc) as info:
            ns.RingBuffer(8).write(bad)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# -- ring buffer: property tests against a model ----------------------------------------------


class Model:
    """The obvious, slow definition: a deque that drops from the left when over capacity."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.queue: deque[int] = deque()
        self.head = 0  # input index of queue[0]
        self.written = self.delivered = self.overrun = self.last_start = 0

    def write(self, samples: np.ndarray) -> int:
        self.queue.extend(int(x) for x in samples)
        self.written += len(samples)
        while len(self.queue) > self.capacity:
            self.queue.popleft()
            self.head += 1
            self.overrun += 1
        return len(samples)

    def take(self, n: int) -> list[int]:
        out = [self.queue.popleft() for _ in range(n)]
        self.last_start = self.head
        self.head += n
        self.delivered += n
        return out

    def read(self, n: int) -> list[int] | None:
        return self.take(n) if len(self.queue) >= n else None

    def read_into(self, size: int) -> list[int]:
        count = min(size, len(self.queue))
        return self.take(count) if count else []  # an empty read changes nothing

    def clear(self) -> None:
        self.queue.clear()
        self.head = self.written

    def state(self) -> tuple[int, ...]:
        return (
            len(self.queue),
            self.written,
            self.delivered,
            self.overrun,
            self.last_start,
        )


def state(rb: Any) -> tuple[int, ...]:
    return (rb.available, rb.total_written, rb.total_read, rb.overrun_samples, rb.last_read_start)


def apply(rb: Any, op: tuple[Any, ...], pos: int) -> Any:
    """Run one op on a ring buffer; returns what a caller would observe."""
    kind, size = op
    if kind == "write":
        return rb.write(pattern(pos, size))
    if kind == "write_bytes":
        return rb.write_bytes(pattern(pos, size).astype("<i2").tobytes())
    if kind == "read":
        frame = rb.read(size)
        return None if frame is None else frame.tolist()
    if kind == "read_into":
        out = np.zeros(size, dtype=np.int16)
        return out[: rb.read_into(out)].tolist()
    rb.clear()
    return None


def ops(capacity: int) -> st.SearchStrategy[list[tuple[str, int]]]:
    size = st.integers(0, 3 * capacity)
    return st.lists(
        st.one_of(
            st.tuples(st.sampled_from(["write", "write_bytes"]), size),
            st.tuples(st.just("read"), st.integers(1, capacity)),
            st.tuples(st.just("read_into"), size),
            st.tuples(st.just("clear"), st.just(0)),
        ),
        max_size=60,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[int, list[tuple[str, int]]]:
    capacity = draw(st.integers(1, 40))
    return capacity, draw(ops(capacity))


def run_model(model: Model, op: tuple[str, int], pos: int) -> Any:
    kind, size = op
    if kind in ("write", "write_bytes"):
        return model.write(pattern(pos, size))
    if kind == "read":
        return model.read(size)
    if kind == "read_into":
        return model.read_into(size)
    model.clear()
    return None


@settings(max_examples=300, deadline=None)
@given(scenario=scenarios())
def test_matches_deque_model(impl: SimpleNamespace, scenario: tuple[int, list[Any]]) -> None:
    capacity, script = scenario
    rb, model, pos = impl.RingBuffer(capacity), Model(capacity), 0
    for op in script:
        expected = run_model(model, op, pos)
        got = apply(rb, op, pos)
        assert got == expected, op
        assert state(rb) == model.state(), op
        if op[0].startswith("write"):
            pos += op[1]


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(scenario=scenarios())
def test_compiled_and_twin_agree(scenario: tuple[int, list[Any]]) -> None:
    assert COMPILED is not None
    capacity, script = scenario
    twin, fast, pos = TWIN.RingBuffer(capacity), COMPILED.RingBuffer(capacity), 0
    for op in script:
        assert apply(twin, op, pos) == apply(fast, op, pos), op
        assert state(twin) == state(fast), op
        if op[0].startswith("write"):
            pos += op[1]


@pytest.mark.parametrize(
    ("capacity", "chunk", "frame_len", "chunks"),
    [
        pytest.param(4096, 320, 1280, 3000, id="capture-sized"),
        # Multi-megabyte copies run long enough without the GIL for the producer to
        # overwrite slots the consumer is still copying, which exercises the torn-read retry
        # (a build without the retry returns corrupt frames here within a few runs).
        pytest.param(8_000_007, 64 * 65536, 6_000_000, 120, id="torn-read-stress"),
    ],
)
def test_concurrent_producer_and_consumer_never_tear(
    impl: SimpleNamespace, capacity: int, chunk: int, frame_len: int, chunks: int
) -> None:
    """Capture thread vs pipeline thread: every frame is a contiguous run of the input.

    Frames are checked against the input by position (``last_read_start``), so a torn or
    misplaced frame fails. Interleaving depends on the scheduler, so a pass is evidence,
    not proof; how many samples overrun is only checked for consistency, never for amount.
    """
    rb = impl.RingBuffer(capacity)
    done = threading.Event()
    errors: list[str] = []
    # pattern() repeats every 65536 samples, so such chunks can be built once.
    reusable = pattern(0, chunk) if chunk % 65536 == 0 else None

    def produce() -> None:
        for i in range(chunks):
            rb.write(reusable if reusable is not None else pattern(i * chunk, chunk))
        done.set()

    def check(frame: np.ndarray) -> None:
        expected = pattern(rb.last_read_start, len(frame))
        if not np.array_equal(frame, expected) and len(errors) < 5:
            errors.append(f"frame at {rb.last_read_start} differs from the input")

    producer = threading.Thread(target=produce, name="test-capture")
    producer.start()
    scratch = np.empty(max(1, frame_len // 2), dtype=np.int16)
    while not done.is_set() or rb.available:
        frame = rb.read(frame_len)
        if frame is not None:
            check(frame)
        count = rb.read_into(scratch)
        if count:
            check(scratch[:count])
    producer.join(timeout=60)
    assert not producer.is_alive()
    assert errors == []
    assert rb.total_written == chunks * chunk
    assert rb.total_written == rb.total_read + rb.overrun_samples + rb.available


# -- conversions ------------------------------------------------------------------------------

ALL_INT16 = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)


def test_int16_to_float32_is_exact_and_round_trips(impl: SimpleNamespace) -> None:
    floats = impl.int16_to_float32(ALL_INT16)
    assert floats.dtype == np.float32 and floats.shape == ALL_INT16.shape
    np.testing.assert_array_equal(floats, ALL_INT16.astype(np.float64) / 32768.0)
    back, clipped = impl.float32_to_int16(floats)
    assert back.dtype == np.int16 and clipped == 0
    np.testing.assert_array_equal(back, ALL_INT16)


def test_float32_to_int16_rounds_half_even_and_counts_clips(impl: SimpleNamespace) -> None:
    scale = 1 / 32768
    src = np.array(
        [0.0, -0.0, 0.5 * scale, 1.5 * scale, -2.5 * scale, 1.0, -1.0, 1.5, -7.0, np.inf, -np.inf],
        dtype=np.float32,
    )
    out, clipped = impl.float32_to_int16(src)
    assert out.tolist() == [0, 0, 0, 2, -2, 32767, -32768, 32767, -32768, 32767, -32768]
    assert clipped == 5  # +1.0 saturates by one LSB (documented), 1.5, -7, +-inf
    assert isinstance(clipped, int)


def test_conversions_of_empty_input(impl: SimpleNamespace) -> None:
    assert impl.int16_to_float32(np.empty(0, dtype=np.int16)).dtype == np.float32
    out, clipped = impl.float32_to_int16(np.empty(0, dtype=np.float32))
    assert (out.dtype, out.size, clipped) == (np.int16, 0, 0)


def test_float32_to_int16_refuses_nan(impl: SimpleNamespace) -> None:
    src = np.array([0.1, 0.2, np.nan, np.nan], dtype=np.float32)
    with pytest.raises(ValueError, match="NaN at index 2"):
        impl.float32_to_int16(src)


@pytest.mark.parametrize(
    ("func", "bad", "exc", "match"),
    [
        ("float32_to_int16", np.zeros(3, dtype=np.float64), TypeError, "expected float32"),
        ("float32_to_int16", np.zeros((2, 3), dtype=np.float32), ValueError, "1-D"),
        ("float32_to_int16", [0.5], TypeError, "got list"),
        ("int16_to_float32", np.zeros(3, dtype=np.float32), TypeError, "expected int16"),
        ("int16_to_float32", np.zeros((3, 1), dtype=np.int16), ValueError, "1-D"),
        ("int16_to_float32", np.zeros(6, dtype=np.int16)[::2], ValueError, "C-contiguous"),
    ],
)
def test_conversions_reject_bad_input(
    impl: SimpleNamespace, func: str, bad: object, exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        getattr(impl, func)(bad)


@needs_compiled
@settings(max_examples=200, deadline=None)
@given(
    floats=hnp.arrays(
        np.float32,
        st.integers(0, 300),
        elements=st.floats(width=32, allow_nan=False, allow_infinity=True),
    ),
    ints=hnp.arrays(np.int16, st.integers(0, 300)),
)
def test_conversions_agree_bit_exactly(floats: np.ndarray, ints: np.ndarray) -> None:
    assert COMPILED is not None
    fast_f, twin_f = COMPILED.int16_to_float32(ints), TWIN.int16_to_float32(ints)
    assert fast_f.tobytes() == twin_f.tobytes()
    (fast_i, fast_clip), (twin_i, twin_clip) = (
        COMPILED.float32_to_int16(floats),
        TWIN.float32_to_int16(floats),
    )
    assert fast_i.tobytes() == twin_i.tobytes() and fast_clip == twin_clip


def test_unaligned_input_is_fine(impl: SimpleNamespace) -> None:
    raw = bytearray(2 * 9 + 1)
    unaligned = np.frombuffer(raw, dtype=np.int16, count=9, offset=1)
    assert impl.RingBuffer(16).write(unaligned) == 9
    assert impl.int16_to_float32(unaligned).shape == (9,)
    assert impl.RingBuffer(16).write_bytes(memoryview(raw)[1:]) == 9


# -- import-time selection --------------------------------------------------------------------


def _implementation(env_value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TANDEM_NATIVE"}
    if env_value is not None:
        env["TANDEM_NATIVE"] = env_value
    return subprocess.run(
        [sys.executable, "-c", "import native; print(native.IMPLEMENTATION)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_env_forces_python_twin() -> None:
    result = _implementation("python")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "python"


@needs_compiled
@pytest.mark.parametrize("env_value", [None, "cython", "auto"])
def test_import_picks_compiled_when_built(env_value: str | None) -> None:
    result = _implementation(env_value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "cython"


def test_unknown_env_value_is_refused() -> None:
    result = _implementation("rust")
    assert result.returncode != 0
    assert "TANDEM_NATIVE must be" in result.stderr
