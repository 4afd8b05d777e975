"""The daemon's side of fleet sync: an MQTT link on its own thread, policy applied at IDLE.

    fleet = FleetDevice.from_bundle(Path("fleet/devices/dev-1"), "broker:8883",
                                    Path("/var/lib/tandem/fleet"), make_nlu=load_nlu)
    fleet.start()
    await run_daemon(..., between_turns=fleet.between_turns)

`between_turns` is called by EdgePipeline on every frame while the conversation
is IDLE, so a policy never changes in the middle of one. What a policy changes
live: routing threshold, cloud deadline, privacy (transcripts redacted before
they leave; "local_only" drops the cloud link), the filler, blocked intents,
confirm-first intents (asked "shall I go ahead?", run only on a clear yes), the
wake word and its threshold (the detector is reconfigured), and the inventory
(NLU and skills rebuilt).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncGenerator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from contract.fleet.policy import Policy
from contract.fleet.signing import TrustedKeys
from contract.inventory import Inventory
from edge.actions.executor import Backends
from edge.at_rest import SealingKey
from edge.audio.keeper import AudioKeeper
from edge.cloud_tools import without_contacts
from edge.fleet.agent import PolicyAgent
from edge.fleet.link import DeviceIdentity, DeviceLink, ThreadedRunner
from edge.fleet.memory_cache import MemoryCache
from edge.fleet.store import DeviceStore
from edge.nlu.plan import Plan, PlannedAction
from edge.privacy import Redactor
from edge.skills import Skills, default_skills

if TYPE_CHECKING:
    from edge.cloud_link import CloudLink, CloudToolCall
    from edge.pipeline import EdgePipeline

BLOCKED_REPLY = "Sorry, that is turned off on this device."


class PolicySkills(Skills):
    """Local skills with the policy's blocked and confirm-first intents gated (on top of the
    confirmation sensitive actions always get)."""

    def __init__(self, inner: Skills, policy: Policy) -> None:
        super().__init__([], inner.inventory, inner.executor, inner.schedule, inner.state_dir)
        self._inner = inner
        self._by_intent = inner._by_intent  # the same skills and their state
        self._policy = policy

    def blocked(self, action: PlannedAction) -> str | None:
        return None if self._policy.intent_allowed(action.intent) else BLOCKED_REPLY

    def needs_confirmation(self, plan: Plan) -> bool:
        confirm = self._policy.intents.confirm
        return plan.confirm or any(action.intent in confirm for action in plan.actions)


class RedactingCloud:
    """A CloudLink whose transcripts and context are redacted before they leave."""

    def __init__(self, inner: CloudLink, redact: Callable[[str], str]) -> None:
        self.inner = inner
        self.redact = redact

    def converse(self, transcript: str, context: Sequence[tuple[str, str]], session_id: str,
                 turn_id: int, tools_json: str = "", trace_id: str = ""
                 ) -> AsyncGenerator[str | CloudToolCall, None]:
        # The contacts are personal data: under redaction the cloud is not told them.
        return self.inner.converse(self.redact(transcript),
                                   [(role, self.redact(text)) for role, text in context],
                                   session_id, turn_id, without_contacts(tools_json),
                                   trace_id)

    async def aclose(self) -> None:
        await self.inner.aclose()


def apply_policy(pipeline: EdgePipeline, policy: Policy, base_cloud: CloudLink | None,
                 make_nlu: Callable[[Inventory], Any], keeper: AudioKeeper | None = None) -> None:
    """Swap the policy into a pipeline that is IDLE."""
    s = pipeline.settings
    pipeline.settings = dataclasses.replace(
        s,
        local_confidence=policy.routing.local_confidence,
        deadlines=dataclasses.replace(s.deadlines, cloud_s=policy.latency.cloud_deadline_s,
                                      filler_s=policy.latency.filler_after_s),
        wake=dataclasses.replace(s.wake, model=policy.wake.word, threshold=policy.wake.threshold),
    )
    pipeline.engines.wake.configure(pipeline.settings.wake)
    inventory = policy.inventory
    if inventory.devices or inventory.areas or inventory.contacts:
        pipeline.nlu = make_nlu(inventory)
        base = pipeline.skills
        follow = getattr(base.executor, "backend", None)
        if isinstance(follow, Backends):  # the home backend acts on the policy's devices
            follow.use_inventory(inventory)
        skills = default_skills(inventory, base.executor, base.schedule, base.state_dir)
    else:  # the policy leaves the home's inventory to the device
        skills = pipeline.skills._inner if isinstance(pipeline.skills, PolicySkills) \
            else pipeline.skills
    skills.attach_output(pipeline.playback)
    pipeline.skills = PolicySkills(skills, policy)
    cloud: Any = base_cloud
    if policy.routing.when_cloud_unreachable == "local_only":
        cloud = None
    elif cloud is not None and policy.privacy.redact_personal_data:
        cloud = RedactingCloud(cloud, Redactor(inventory.contacts))
    pipeline.cloud = cast("CloudLink | None", cloud)
    if keeper is not None:
        if policy.privacy.keep_audio:
            pipeline.audio_keeper = keeper
        else:  # keep no audio: none from before either
            pipeline.audio_keeper = None
            keeper.purge()


class FleetDevice:
    def __init__(self, identity: DeviceIdentity, host: str, port: int, state_dir: Path,
                 make_nlu: Callable[[Inventory], Any], sealing: SealingKey | None = None) -> None:
        self.store = DeviceStore(state_dir, sealing)
        # requests' audio, only under keep_audio
        self.keeper = AudioKeeper(state_dir / "audio", sealing=sealing)
        self.agent = PolicyAgent(identity.device_id, identity.groups, identity.trusted,
                                 self.store, lambda r: None)
        self.memory = MemoryCache(identity.trusted, self.store)
        self.link = DeviceLink(identity, self.agent, self.memory, self.store)
        self.runner = ThreadedRunner(self.link, host, port)
        self.make_nlu = make_nlu
        self._base_cloud: Any = None
        self._booted = False

    @classmethod
    def from_bundle(cls, bundle: Path, broker: str, state_dir: Path,
                    make_nlu: Callable[[Inventory], Any]) -> FleetDevice:
        """A bundle as `tandem pki issue` writes it (device.json, certs, trusted keys)."""
        meta = json.loads((bundle / "device.json").read_text())
        identity = DeviceIdentity(
            device_id=meta["device_id"], groups=frozenset(meta.get("groups") or ()),
            user=meta.get("user"), ca=bundle / "ca.crt", cert=bundle / "device.crt",
            key=bundle / "device.key", trusted=TrustedKeys.load(bundle / "trusted-keys.json"),
        )
        host, _, port = broker.rpartition(":")
        # what the device keeps is sealed under a key derived from its certificate's key
        sealing = SealingKey.for_device(identity.key, state_dir)
        return cls(identity, host, int(port), state_dir, make_nlu, sealing)

    def start(self) -> None:
        self.runner.start()

    def stop(self) -> None:
        self.runner.stop()

    def between_turns(self, pipeline: EdgePipeline) -> None:
        if not self._booted:  # the policy persisted before the last power-off
            self._booted = True
            self._base_cloud = pipeline.cloud
            if self.agent.applied is not None:
                apply_policy(pipeline, self.agent.applied.policy, self._base_cloud,
                             self.make_nlu, self.keeper)
        if not self.agent.has_pending:
            return
        signed = self.agent.apply_pending()
        if signed is not None:
            apply_policy(pipeline, signed.policy, self._base_cloud, self.make_nlu,
                         self.keeper)
