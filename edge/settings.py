"""Frozen settings for the edge daemon, parsed once at the edge (CLI, file, env)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_INVENTORY = Path(__file__).with_name("data") / "home.yaml"


@dataclass(frozen=True)
class WakeSettings:
    model: str = "hey_jarvis"  # a manifest name, or a path to an openWakeWord .onnx model
    threshold: float = 0.5
    refractory_s: float = 2.0  # ignore re-triggers of the same word for this long

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError("wake threshold must be between 0 and 1")
        if self.refractory_s < 0:
            raise ValueError("wake refractory period must be >= 0")


@dataclass(frozen=True)
class EndpointSettings:
    speech_threshold: float = 0.5  # VAD probability that counts as speech
    hangover_s: float = 0.4  # silence after speech that ends the request
    min_speech_s: float = 0.16  # shorter blips are not a request
    no_speech_timeout_s: float = 3.0  # wake word but nothing said: end the turn
    max_utterance_s: float = 10.0
    preroll_s: float = 0.16  # audio kept from before the wake decision
    vad: str = "gated"  # "gated" (energy VAD, then Silero), "energy" or "silero"


@dataclass(frozen=True)
class Deadlines:
    """Every stage is bounded; a missed deadline degrades to a spoken fallback."""

    stt_s: float = 5.0
    skill_s: float = 0.5
    cloud_s: float = 6.0  # whole cloud stream
    filler_s: float | None = 1.0  # cloud silent this long: say a short filler (None: never)
    cloud_connect_s: float = 1.0
    tts_sentence_s: float = 5.0
    reply_s: float = 60.0  # the whole spoken reply, playback included (a stuck audio device)


@dataclass(frozen=True)
class EdgeSettings:
    wake: WakeSettings = field(default_factory=WakeSettings)
    endpoint: EndpointSettings = field(default_factory=EndpointSettings)
    deadlines: Deadlines = field(default_factory=Deadlines)
    local_confidence: float = 0.7  # below this a request goes to the cloud
    cloud_target: str | None = None  # HOST:PORT, None = offline
    inventory: Path = DEFAULT_INVENTORY
    device_id: str = "dev-0"
    # A device bundle (`tandem pki issue`): its certificate authenticates us to the cloud (mTLS).
    cloud_identity: Path | None = None
    stt_threads: int = 2
    context_turns: int = 4  # recent turns sent to the cloud
