"""WAV files and raw PCM: what `tandem edge run --input FILE.wav | -` is fed.

In-process, `read_wav` must return 16 kHz mono int16 or raise AudioInputError (one clear
line), and the capture chain must take any bytes in any chunking. A sample of the files
the parser refuses also goes through the real CLI, which must exit with status 2 and one
`tandem: error:` line, no traceback.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from app.abuse.core import Lost, Tally, fuzz, thread_crashes, timed
from contract.errors import AudioInputError

CLI_TIMEOUT_S = 30.0  # a Python start-up plus the refusal; the model load never happens
_RATES = [8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000]
_U32 = st.integers(0, 2**32 - 1)
_U16 = st.integers(0, 2**16 - 1)


def _chunk(tag: bytes, body: bytes, size: int | None = None) -> bytes:
    size = len(body) if size is None else size
    return tag + struct.pack("<I", size) + body + (b"\0" if len(body) % 2 else b"")


@st.composite
def wav_files(draw: Any) -> bytes:
    """A RIFF/WAVE file with plausible or hostile header fields, extra chunks, a data
    chunk that may lie about its size, then maybe truncated or with bytes flipped."""
    tag = draw(st.sampled_from([1, 1, 1, 3, 0xFFFE, 0, 2]) | _U16)
    channels = draw(st.sampled_from([1, 1, 2, 0, 6]) | _U16)
    rate = draw(st.sampled_from([*_RATES, 0, 1, 12345]) | _U32)
    bits = draw(st.sampled_from([16, 16, 8, 24, 32, 0, 7]) | _U16)
    align = draw(st.none() | _U16)
    align = min(0xFFFF, max(1, channels * bits // 8)) if align is None else align
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * align & 0xFFFFFFFF, align, bits)
    fmt += draw(st.sampled_from([b"", b"", b"\0\0", b"\x16\0" + bytes(22)]) | st.binary(
        max_size=30))
    data = draw(st.binary(max_size=4096) | st.just(bytes(2 * 1600)))
    chunks = [_chunk(b"fmt ", fmt, draw(st.none() | st.none() | _U32))]
    for _ in range(draw(st.integers(0, 3))):
        chunks.insert(draw(st.integers(0, len(chunks))),
                      _chunk(draw(st.binary(min_size=4, max_size=4) | st.sampled_from(
                          [b"LIST", b"fact", b"data", b"fmt "])), draw(st.binary(max_size=64)),
                          draw(st.none() | _U32)))
    chunks.append(_chunk(b"data", data, draw(st.none() | st.none() | _U32)))
    body = b"WAVE" + b"".join(chunks)
    riff = draw(st.sampled_from([b"RIFF", b"RIFF", b"RIFX", b"RF64"]))
    out = bytearray(riff + struct.pack("<I", draw(st.none() | _U32) or len(body)) + body)
    for _ in range(draw(st.integers(0, 3))):
        if out:
            out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
    cut = draw(st.none() | st.integers(0, len(out)))
    return bytes(out if cut is None else out[:cut])


def wav_inputs() -> Any:
    return wav_files() | st.binary(max_size=256) | st.binary(max_size=64).map(
        lambda b: b"RIFF" + b)


def check_read_wav(data: bytes, folder: Path) -> bool:
    """True: read; False: refused with AudioInputError. Anything else raises."""
    from edge.audio.wavfile import read_wav

    path = folder / "input.wav"
    path.write_bytes(data)
    try:
        samples = read_wav(path)
    except AudioInputError as exc:
        if "\n" in str(exc) or not str(exc).strip():
            raise AssertionError(f"the error is not one line: {exc!r}") from None
        return False
    if samples.dtype != np.int16 or samples.ndim != 1:
        raise AssertionError(f"read_wav gave {samples.dtype} of shape {samples.shape}")
    return True


def check_cli(args: list[str], folder: Path, stdin: bytes = b"") -> None:
    """The real CLI on a refused input: status 2 and one `tandem: error:` line."""
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "edge", "run", *args, "--offline",
         "--output", str(folder / "out.wav")],
        input=stdin, capture_output=True, timeout=CLI_TIMEOUT_S,
    )
    err = out.stderr.decode(errors="replace").strip()
    if "Traceback" in err:
        raise AssertionError(f"traceback from the CLI: {err.splitlines()[-1]}")
    lines = [line for line in err.splitlines() if line.strip()]
    if out.returncode != 2 or len(lines) != 1 or not lines[0].startswith("tandem: error:"):
        raise AssertionError(f"CLI exited {out.returncode} with {err[-300:]!r}")


@st.composite
def pcm_streams(draw: Any) -> tuple[int, int, list[bytes]]:
    """(rate, channels, chunks) for the capture chain: any bytes, any chunking."""
    from native.filter_design import SUPPORTED_RATES

    rate = draw(st.sampled_from(sorted(SUPPORTED_RATES)))
    channels = draw(st.integers(1, 8))
    chunks = draw(st.lists(st.binary(max_size=700), max_size=12))
    return rate, channels, chunks


def check_pcm(stream: tuple[int, int, list[bytes]]) -> None:
    from edge.audio.sources import CaptureChain
    from native import RingBuffer

    rate, channels, chunks = stream
    chain = CaptureChain(rate, channels)
    ring = RingBuffer(1 << 16)
    whole = 0
    for chunk in chunks:
        whole += len(chunk)
        chain.push_bytes(chunk, ring)
    frames = whole // (2 * channels)
    expected = -(-frames * 16000 // rate)
    if abs(ring.total_written - expected) > 64:  # the streaming resampler's delay
        raise Lost(f"{frames} frames at {rate} Hz became {ring.total_written} samples, "
                   f"not about {expected}")


def run(seconds: float, tally: Tally, hang_s: float) -> None:
    """Half the time on the WAV parser (a refused file now and then through the CLI), the
    other half on the raw PCM capture chain."""
    with tempfile.TemporaryDirectory(prefix="tandem-abuse-wav-") as tmp, \
            thread_crashes(tally), timed(tally):
        folder = Path(tmp)
        every_s = max(2.0, seconds / 20)  # CLI samples: about ten per run
        last_cli = [0.0]
        cli_hang_s = max(hang_s, CLI_TIMEOUT_S)

        def check_file(data: bytes) -> None:
            if check_read_wav(data, folder) or time.monotonic() - last_cli[0] < every_s:
                return
            last_cli[0] = time.monotonic()
            (folder / "cli.wav").write_bytes(data)
            check_cli(["--input", str(folder / "cli.wav")], folder)

        # The CLI's other refusals, once each: a folder, a missing file, stdin at a rate
        # it cannot take.
        for args, stdin in (([f"--input={folder}"], b""),
                            ([f"--input={folder / 'missing.wav'}"], b""),
                            (["--input", "-", "--rate", "12345"], os.urandom(999))):
            _once(tally, lambda a=args, s=stdin: check_cli(a, folder, s), args, cli_hang_s)
        fuzz(wav_inputs(), check_file, seconds / 2, tally, cli_hang_s)
        fuzz(pcm_streams(), check_pcm, seconds / 2, tally, hang_s)


def _once(tally: Tally, call: Any, what: object, hang_s: float) -> None:
    from app.abuse.core import Watchdog, check_one

    check_one(tally, Watchdog(), lambda _v: call(), what, hang_s)
