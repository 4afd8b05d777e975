"""Settings and targets of `tandem bench duplex` (light: the CLI imports it to build its
parser)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edge.audio.room import RoomConfig

RATE = 16_000
BLOCK = RATE // 100

TARGETS = {
    "erle_db": 25.0,  # >=
    "reaction_p95_ms": 300.0,  # <=
    "false_per_hour": 0,  # over >= 20 min of own speech
    "own_speech_min": 20.0,
    "wake_over_playback_ratio": 0.90,  # of the rate in silence, >=
    "frontend_core_percent": 10.0,  # <=
}


@dataclass(frozen=True)
class BenchConfig:
    minutes: float = 2.0  # device's own speech with nobody talking (the false-wake exposure)
    wake_trials: int = 5
    stop_trials: int = 5
    silence_trials: int = 4
    llm: str = "tiny"  # tiny, smollm2, offline
    cloud: str | None = None  # an already running cloud (HOST:PORT)
    aec: str = "on"
    delay_ms: float = 60.0  # playback->capture delay as the daemon sees it (room + in flight)
    lag_blocks: int = 2
    rt60_s: float = 0.3
    drive: float = 1.5
    echo_db: float = 0.0
    user_db: float = -6.0
    noise_dbfs: float = -50.0
    cloud_deadline_s: float = 30.0
    seed: int = 0
    paced: bool = True
    cpu_seconds: float = 1.0
    offline_wake: bool = True
    out: Path | None = None
    # the command that is `tandem` (default: this Python's `-m app.cli`), e.g. a wrapper
    # that runs the daemon with other settings
    tandem: tuple[str, ...] | None = None

    def room(self) -> RoomConfig:
        """The simulated room: its acoustic delay is what the blocks in flight leave of
        `delay_ms`."""
        from edge.audio.room import RoomConfig

        acoustic = self.delay_ms - 1000 * self.lag_blocks * BLOCK / RATE
        if acoustic < 0:
            raise ValueError(f"--delay-ms must be at least the {self.lag_blocks} blocks in flight")
        return RoomConfig(rate=RATE, delay_ms=acoustic, rt60_s=self.rt60_s, drive=self.drive,
                          echo_gain_db=self.echo_db, user_gain_db=self.user_db,
                          noise_dbfs=self.noise_dbfs, seed=self.seed)
