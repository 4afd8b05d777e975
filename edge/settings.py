"""Frozen settings for the edge daemon, parsed once at the edge (CLI, file, env)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from contract.ports import host_port

DEFAULT_INVENTORY = Path(__file__).with_name("data") / "home.yaml"


@dataclass(frozen=True)
class WakeSettings:
    model: str = "hey_jarvis"  # a manifest name, or a path to an openWakeWord .onnx model
    threshold: float = 0.5
    refractory_s: float = 2.0  # ignore re-triggers of the same word for this long
    # microWakeWord's model of the same word, beside openWakeWord: either one at its own
    # threshold wakes the device (0.97: the model's published cutoff). None: openWakeWord
    # alone. `tandem bench speech wake`: held-out voices 69 % -> 98 % woken, false wakes
    # on speech without the word unchanged.
    micro_threshold: float | None = 0.97
    # While the device plays (the canceller's residual echo of its own voice is in the
    # microphone), openWakeWord alone needs this score; below it, microWakeWord must agree
    # (`playback_agree` within the last half second). `tandem bench duplex`: one false
    # wake on the residual in 22 min scored 0.81 with microWakeWord at 0.0; every real
    # barge-in had microWakeWord above 0.99 (openWakeWord as low as 0.59).
    playback_threshold: float = 0.9
    playback_agree: float = 0.5
    # Outside playback too, openWakeWord alone wakes only if microWakeWord gave the word any
    # chance at all within the last half second (its output moves in steps of 1/256, so this
    # means "not zero"). `tandem bench speech wake`: every false wake on the dev voices'
    # speech without the word but one had microWakeWord at exactly 0 ("hey Travis"); false
    # wakes dev 5 -> 1, held-out 2 -> 1, woken dev 88.7 -> 87.3 %, held-out 98.5 % and
    # independent phrasings 98.8 % unchanged. None: openWakeWord alone is enough.
    micro_confirm: float | None = 0.002
    # microWakeWord near its cutoff (at `micro_near`) wakes the device when openWakeWord gave
    # the word some chance (`near_support`) within the same half second, outside playback.
    # The misses were mostly microWakeWord at 0.83-0.97 with openWakeWord at 0.05-0.5
    # (espeak scotland+m3, flite awb in babble). `tandem bench speech wake --aec auto`,
    # chosen on the dev voices as the most wakes for at most one more false wake there:
    # woken dev 91.7 -> 93.1 %, independent-dev 92.7 -> 94.8 %, held-out 97.1 -> 98.5 %,
    # independent 98.4 -> 99.0 %; false wakes (quiet / in noise) dev 2 / 7 -> 2 / 8,
    # held-out 1 / 7 -> 2 / 8, all sound-alikes ("Hey Travis", "Hey Charlie"). None: off.
    micro_near: float | None = 0.9
    near_support: float = 0.02
    # openWakeWord scored every 40 ms instead of its native 80 (`HalfStepScore`): one more
    # embedding and classifier call per frame (wake CPU 3.1 -> 4.7 ms a frame here), the
    # higher of the two scores counts.
    half_step: bool = True

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError("wake threshold must be between 0 and 1")
        if not 0.0 < self.playback_threshold < 1.0 or not 0.0 < self.playback_agree < 1.0:
            raise ValueError("playback wake thresholds must be between 0 and 1")
        if self.micro_confirm is not None and not 0.0 < self.micro_confirm < 1.0:
            raise ValueError("microWakeWord confirmation must be between 0 and 1 (or None: off)")
        if self.micro_near is not None and not 0.0 < self.micro_near < 1.0:
            raise ValueError("microWakeWord's near-cutoff level must be between 0 and 1 "
                             "(or None: off)")
        if not 0.0 <= self.near_support < 1.0:
            raise ValueError("openWakeWord's support must be between 0 and 1")
        if self.micro_threshold is not None and not 0.0 < self.micro_threshold < 1.0:
            raise ValueError("microWakeWord threshold must be between 0 and 1 (or None: off)")
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
    # The fast closed-vocabulary layer (edge.stages.grammar_stt) decodes beside Whisper: a
    # command it is sure of ends the request after `fast_hangover_s` and skips Whisper.
    fast_layer: bool = True
    fast_hangover_s: float = 0.16
    # At that pause, a partial hypothesis that is not a whole command ends the decode, and
    # the final one may be (edge.stages.early_endpoint); False: wait for the partial.
    # `tandem bench speech`, dev sets: right 791 -> 795 of 912, local silence p50 564 ->
    # 560 ms (held-out voices 347 -> 280 ms).
    fast_final_at_pause: bool = True
    # The fast layer learns the room and the voice from this much audio before the request
    # (the wake word and what came before it): its cepstral mean, which the request is
    # normalised by, starts from a fixed anchor and moves towards this audio's
    # (GrammarRecognizer.prime). 0: off, the mean follows the requests before. `tandem
    # bench speech`, the fast layer alone, dev voices: right 186 -> 216 of 408 (the same in
    # either order now), its answers 61 -> 66.
    fast_room_s: float = 2.0
    # Whisper starts on the request after this much silence, during the hangover, and
    # its text is used when the user said nothing more (edge.stages.early_transcript);
    # None: Whisper starts at the endpoint.
    early_transcript_s: float | None = 0.16
    # The pause that starts it is the endpointer's: Silero's speech with the room gated
    # out (`background_margin_db`). In babble Silero hears no pause after the user stops,
    # so Whisper waited for the background endpoint before it started. False: Silero's
    # pauses only.
    early_transcript_past_room: bool = True
    # Within a request, a frame no louder than the room before it plus `background_margin_db`
    # and `below_speech_db` under the user's loudest is the room, whatever Silero says
    # (edge.stages.background_gate), and `background_hangover_s` of nothing but the room
    # ends the request: babble kept requests open to the end of the recording (on a device,
    # to `max_utterance_s`). The margin: dev voices of `tandem bench speech`, 4-8 dB all end
    # babble requests, none before the speech. The longer hangover leaves every request
    # Silero itself ends where it was: `tandem bench speech gate` (dev sets) moved 40 of
    # 912 endpoints, babble end of speech -> endpoint p95 1458 -> 786 ms, requests right
    # 704 -> 707 of 807. None: off.
    background_margin_db: float | None = 6.0
    below_speech_db: float = 10.0
    # Longer than the 0.4 s of true silence: the room is a guess from levels. It was 0.8 s
    # while Whisper started only at such an endpoint; with Whisper started on the room's
    # pause (`early_transcript_past_room`) the wait is the user's alone. 0.56 s, `tandem
    # bench speech` (1,824 recordings): the same requests right in every group, one more
    # ended before its soft last sound (understood the same), babble end of speech ->
    # endpoint p95 750-840 -> 570-600 ms.
    background_hangover_s: float = 0.56

    def __post_init__(self) -> None:
        if self.background_margin_db is not None and not 0 <= self.background_margin_db <= 40:
            raise ValueError("background_margin_db must be between 0 and 40 dB (or None: off)")
        if not 0 <= self.below_speech_db <= 60:
            raise ValueError("below_speech_db must be between 0 and 60 dB")
        if self.background_hangover_s < self.hangover_s:
            raise ValueError("background_hangover_s must be at least hangover_s")
        if not 0 <= self.fast_room_s <= 10:
            raise ValueError("fast_room_s must be between 0 and 10 s (0: off)")


@dataclass(frozen=True)
class RescoreSettings:
    """What is scored and when a candidate answers.

    A text's score is the summed log-probability of its tokens plus `token_bonus` per
    token: the aligner scores no end of text, so without the bonus a short sentence
    ("Ring Mom.") beats a long one that fits the audio better ("Ring Doctor Okafor.").
    The gap is the hypothesis's score minus the best candidate's; the candidate answers
    when the gap is at most `max_gap`. Both were chosen on the dev voices of `tandem bench
    speech` (the bonus: dev accuracy rises to 3 and is flat from 3 to 6; the gap: the most
    accurate with at most 10 % of the rescoring's dev answers wrong; with beam search and
    the guards below, 18.0, and 13.5 without the guards; with the example commands in
    Whisper's hint, the independent-dev phrasings in the calibration and `agree_gap`, 12.0;
    with the grammar's hesitations and wider phrasings, which give more candidates, 21.75).
    The gap is held at 18 below that calibration: clean spoken questions for the cloud
    ("What is the capital of Australia?", "Who wrote Hamlet?", "Tell me a joke.") put a
    command sentence at gaps of 18.1-23.7, and the NLU's guard covers only those it reads
    surely; 18 costs 0.3-0.4 points on the dev sets (`tandem bench speech report
    --max-gap 18`)."""

    max_gap: float = 18.0
    token_bonus: float = 3.0
    nearest: int = 8  # grammar sentences nearest Whisper's text (dev: 4, 8, 16 alike)
    use_fast: bool = True  # the fast layer's hypothesis is a candidate
    word_numbers: bool = False  # also write numbers as words ("twenty five minutes")
    teen_ty: bool = True  # a number's teen/ty twin too (13 <-> 30): a common mishearing
    margin_frames: int = 50  # encoder frames kept after the request (20 ms each)
    # A question the NLU reads in Whisper's text as the cloud's with at least this
    # confidence stays the cloud's: a command sentence found nearly as likely must not turn
    # it into an action (on the dev voices this gave up 11 right answers of 408 and no
    # wrong ones were claimed there; the held-out voices had 5 questions claimed without it)
    keep_cloud_reading: float | None = 0.9
    # When the NLU reads Whisper's text as the same intent as the best candidate, the
    # candidate only corrects the slots ("add bred to the shopping list"), and it answers
    # up to this gap. Calibrated with `max_gap` on the dev voices (benchmark and
    # independent-dev phrasings): their accuracy 77.8 -> 79.5 %, flat from 50 up (`tandem
    # bench speech report --agree-gap G|off`; with the wider grammar flat from 40 up).
    # None: `max_gap` alone.
    agree_gap: float | None = 50.0
    # A text the NLU keeps for the cloud (`keep_cloud_reading`) may still be the fast
    # layer's own sentence when Whisper's decoder finds it within this gap: pocketsphinx
    # and Whisper then heard the same command independently ("Turn them on your mouth." /
    # "Turn the volume up."). Chosen on the dev voices: any gap from 8 to 15 gave 3 right
    # answers more of 912 and lost none; 10 stays clear of the nearest cloud question's
    # fast sentence in any group (17.3).
    # None: the NLU's cloud reading always stands.
    fast_overrule_gap: float | None = 10.0
    # When the NLU reads in Whisper's text, surely, the very command the fast layer holds
    # (intent and slots), two recognisers heard it apart and the rescoring is skipped (25-45
    # ms). On the run results_s15 a quarter of the Whisper-path requests: the reading was
    # right as often as the rescoring's answer on the dev sets (155 vs 154 of 158) and on
    # the others (135 vs 131 of 145). False: always rescored (`report --always-rescore`).
    skip_when_alike: bool = True
    # A candidate answers for a device or area only if it is the one the NLU read, or
    # each word setting its name apart is spelled like one Whisper wrote (difflib's ratio
    # at least this; `whisper_rescore.target_heard`). Chosen on the dev sets of results_s15
    # and of the same run with a home lacking the garage and the ceiling fan
    # (results_s15_lacking): the most right on the full home (787 of 1,008 from 0.4 to
    # 0.65), then the fewest requests for what the home lacks done to something else (11
    # of 60 from 0.5; 32 without the check). None: any (`report --any-target`).
    min_name_similarity: float | None = 0.5


@dataclass(frozen=True)
class ConfirmSettings:
    """When Whisper's decoder confirms a fast-layer command the fast layer alone is not sure
    of (edge.stages.fast_confirm): the command's sentence is scored on a short encoder
    window (`window_s` of audio, or the request and 1 s more, instead of Whisper's 30 s:
    ~40 ms instead of ~260 ms on two cores) against the grammar sentences nearest it. It
    answers when its log-probability per token is at least `min_per_token` and it scores
    `min_margin` over the best sentence that means something else. Chosen on the dev voices
    of `tandem bench speech` (`report --threshold T --confirm-per-token X`) with the fast
    layer's own threshold (`Calibration.midpoint`): of the pairs that get as many dev
    requests right as without confirmation (791 of 912), the one with the least silence.
    The trade there: the fast threshold at -2.25 and X -1.75, 794 right (local silence p50
    612 ms); -2.25 and -2.75, 792 (564 ms); -2.75 and -2.75, 791 (560 ms); -2.75 and -3.0,
    789 (547 ms). Margins 0-6 alike.
    """

    min_per_token: float = -2.75
    min_margin: float = 0.0
    # No confirmation is asked below this fast-layer score per frame (None: always asked):
    # there it seldom passes (the dev sets: 9 of 128 around -6, 64 of 202 around -4.5) and
    # a failed one puts its ~50-200 ms before Whisper, on the slowest requests. Chosen on
    # the dev sets (results_s15, `report --confirm-floor S|off`): the lowest local-silence
    # p95 with the right answers within one (785 -> 784 of 1,008) and the mean within 1 %
    # (373.8 -> 374.5 ms): p95 669 -> 614 ms, p50 432 -> 437 ms. -4.25: p95 610, mean 382.
    min_fast_score: float | None = -4.5
    window_s: float = 5.0
    nearest: int = 8  # competing grammar sentences, nearest the command's own text

    def __post_init__(self) -> None:
        if not 1.0 <= self.window_s <= 30.0:
            raise ValueError("confirm window_s must be between 1 and 30 s")


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


STOP_PHRASES = ("stop", "cancel", "never mind", "be quiet", "that's enough")
AEC_CHOICES = ("auto", "on", "off")


@dataclass(frozen=True)
class DuplexSettings:
    """Listening while the device thinks and speaks: barge-in, echo gating, proactive speech."""

    # "on": an echo canceller cleans the microphone (required), "off": none (hardware that
    # cancels echo itself, or none at all: then nothing the microphone hears while the device
    # plays can wake it or interrupt it), "auto": the canceller when it is installed.
    aec: str = "auto"
    stop_phrases: tuple[str, ...] = STOP_PHRASES
    stop_phrase_max_s: float = 1.5  # longer speech is not a stop phrase (not transcribed)
    stop_phrase_hangover_s: float = 0.24  # silence that ends a would-be stop phrase
    min_speech_s: float = 0.12  # shorter blips are not speech
    # Any user speech this long interrupts the reply (LiveKit's min_interruption_duration);
    # None: only the wake word and the stop phrases do.
    interrupt_after_speech_s: float | None = None
    # Pause the reply as soon as the user may be cutting in (speech heard over it), resume
    # if it was not a stop phrase: the device falls silent within a frame or two, before
    # Whisper has decided (LiveKit pauses on a suspected interruption the same way). Off by
    # default: `tandem bench duplex` found the VAD hearing the canceller's residual echo
    # (a nonlinear loudspeaker) and replies stuttering in 240 ms bursts (2.3 pauses a minute).
    pause_on_speech: bool = False
    # Pause the reply while Whisper checks a stop phrase the fast layer found likely (this
    # confident, below its own acceptance): a true "stop" falls silent at once, a false
    # one costs a short pause. None: never.
    stop_pause_confidence: float | None = 0.5
    # microWakeWord's "stop" model, on every frame: at this probability the reply pauses
    # within a frame or two of the word "stop", which the fast layer rarely decodes with
    # confidence, and the transcription decides (Voice PE listens with the same model).
    # None: the stop phrases' grammar and Whisper alone.
    stop_word_threshold: float | None = 0.5
    # Silence after a whole stop phrase that ends its fast decode: shorter than a command's,
    # since cutting a stop phrase short ("cancel" of "cancel that") still means stop.
    stop_fast_hangover_s: float = 0.08
    echo_tail_s: float = 0.3  # with no canceller, the room still echoes this long after playback
    announce_quiet_s: float = 0.5  # proactive speech waits for this much silence from the user

    def __post_init__(self) -> None:
        if self.aec not in AEC_CHOICES:
            raise ValueError(f"aec must be one of {', '.join(AEC_CHOICES)}, got {self.aec!r}")
        if not self.stop_phrases or any(not p.strip() for p in self.stop_phrases):
            raise ValueError("stop phrases must be non-empty")
        for name in ("stop_phrase_max_s", "stop_phrase_hangover_s", "min_speech_s",
                     "stop_fast_hangover_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.stop_pause_confidence is not None and not 0 < self.stop_pause_confidence <= 1:
            raise ValueError("stop_pause_confidence must be in (0, 1] (or None: never)")
        if self.stop_word_threshold is not None and not 0 < self.stop_word_threshold < 1:
            raise ValueError("stop_word_threshold must be in (0, 1) (or None: off)")
        if self.interrupt_after_speech_s is not None and self.interrupt_after_speech_s <= 0:
            raise ValueError("interrupt_after_speech_s must be positive (or None: off)")
        if self.echo_tail_s < 0 or self.announce_quiet_s < 0:
            raise ValueError("echo_tail_s and announce_quiet_s must be >= 0")


def default_state_dir() -> Path:
    """Where the device keeps its audit log and schedule ($XDG_STATE_HOME/tandem)."""
    import os

    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "tandem"


@dataclass(frozen=True)
class ActionSettings:
    """What the skills act on (see edge/actions); None: not set up, and the device says so."""

    home_broker: str | None = None  # HOST:PORT of the home's MQTT broker
    home_broker_ca: Path | None = None  # a CA file: TLS to the home broker
    music_player: str | None = None  # HOST:PORT of MPD
    head_unit: str | None = None  # HOST:PORT of the car's MQTT broker
    head_unit_prefix: str = "car/head_unit"
    state_dir: Path | None = None  # audit log + schedule; None: default_state_dir()
    # the fleet bundle's private key: what the device keeps is sealed under a key derived
    # from it (None: from a secret in the state dir; see edge/at_rest.py)
    device_key: Path | None = None
    audit_keep_days: float = 90.0

    def __post_init__(self) -> None:
        for name in ("home_broker", "music_player", "head_unit"):
            target = getattr(self, name)
            if target is not None:
                host_port(target, "--" + name.replace("_", "-"))
        if self.audit_keep_days <= 0:
            raise ValueError("audit_keep_days must be positive")


@dataclass(frozen=True)
class EdgeSettings:
    wake: WakeSettings = field(default_factory=WakeSettings)
    endpoint: EndpointSettings = field(default_factory=EndpointSettings)
    deadlines: Deadlines = field(default_factory=Deadlines)
    duplex: DuplexSettings = field(default_factory=DuplexSettings)
    actions: ActionSettings = field(default_factory=ActionSettings)
    # The NLU's confidence in Whisper's text below which a request goes to the cloud (the
    # fast layer and the rescoring answer by their own calibrated acceptance instead)
    local_confidence: float = 0.7
    # While the cloud is unreachable (its circuit is open), a command the device can carry
    # out without confirmation runs here from this confidence on, instead of "I can't
    # reach the cloud": the best local guess beats no answer when the guess is harmless.
    offline_local_confidence: float = 0.35
    cloud_target: str | None = None  # HOST:PORT, None = offline
    inventory: Path = DEFAULT_INVENTORY
    device_id: str = "dev-0"
    # A device bundle (`tandem pki issue`): its certificate authenticates us to the cloud (mTLS).
    cloud_identity: Path | None = None
    # A bearer token for a cloud not on mTLS (read from --cloud-token-file, never argv).
    cloud_token: str | None = field(default=None, repr=False)
    stt_threads: int = 2
    stt_bias: bool = True  # hint the inventory's names to Whisper (its hotwords)
    # Tell Whisper the command the fast layer holds, in its hint (FasterWhisperStt.
    # transcribe_heard): `tandem bench speech run --no-fast-lead` measures without.
    stt_fast_lead: bool = True
    # Whisper judges the fast grammar's sentences nearest its text (edge.stages.
    # whisper_rescore); None: off. Needs the fast layer.
    rescore: RescoreSettings | None = field(default_factory=RescoreSettings)
    # Whisper's decoder confirms a whole fast-layer command below the fast layer's own
    # threshold, at its early decision (edge.stages.fast_confirm); None: off. Needs `rescore`.
    confirm: ConfirmSettings | None = field(default_factory=ConfirmSettings)
    context_turns: int = 4  # recent turns sent to the cloud
    context_idle_s: float = 300.0  # a conversation this long idle is over (its context too)
