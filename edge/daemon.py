"""Wire settings, models, cloud link and I/O into a running pipeline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import grpc

from contract.inventory import load_inventory
from edge.actions.runtime import open_actions
from edge.audio.playback import PlaybackQueue
from edge.audio.sinks import AudioSink
from edge.audio.sources import RingSource
from edge.cloud_link import CloudLink, CloudLinkSettings
from edge.pipeline import EdgePipeline, Engines
from edge.settings import EdgeSettings
from edge.skills import default_skills
from edge.stages.nlu import load_nlu
from edge.trace import TurnRecord


def _device_credentials(bundle: Path | None) -> grpc.ChannelCredentials | None:
    if bundle is None:
        return None
    from edge.fleet.grpc_tls import bundle_credentials

    return bundle_credentials(bundle)


async def run_daemon(
    settings: EdgeSettings,
    engines: Engines,
    source: RingSource,
    sink: AudioSink | None,
    on_turn: Callable[[TurnRecord], None],
    max_turns: int | None = None,
    between_turns: Callable[[EdgePipeline], None] | None = None,
    playback: PlaybackQueue | None = None,
    heartbeat: Callable[[], None] | None = None,
) -> EdgePipeline:
    """Run one audio source to its end; returns the pipeline (its state, for inspection).

    Replies go to `sink` (a WAV file, the speaker), or, for a lockstep output that the
    source writes itself (stdout, a full-duplex sound card), into `playback`."""
    inventory = load_inventory(settings.inventory)
    cloud = None
    if settings.cloud_target:
        # Channels belong to the running event loop, so the link is made here.
        cloud = CloudLink(CloudLinkSettings(
            target=settings.cloud_target,
            deadline_s=settings.deadlines.cloud_s,
            connect_timeout_s=settings.deadlines.cloud_connect_s,
            device_id=settings.device_id,
            credentials=_device_credentials(settings.cloud_identity),
            token=settings.cloud_token,
        ))
    # One MQTT client id per device: a second device with the same id would take over the
    # first one's session on the home's broker.
    with open_actions(settings.actions, inventory, settings.deadlines.skill_s,
                      settings.device_id) as actions:
        skills = default_skills(inventory, actions.executor, actions.schedule, actions.state_dir)
        pipeline = EdgePipeline(
            settings, engines, load_nlu(inventory), skills, sink, cloud, between_turns, playback,
        )
        pipeline.heartbeat = heartbeat
        loop = asyncio.get_running_loop()

        def heard(message: str, origin: str) -> None:  # paho's thread
            if origin != settings.device_id:  # our own broadcast comes back to us too
                loop.call_soon_threadsafe(pipeline.announce, message, "broadcast")

        actions.on_broadcast(heard)
        try:
            await pipeline.run(source, on_turn, max_turns)
        finally:
            if cloud is not None:
                await cloud.aclose()
            if sink is not None:
                sink.close()
    return pipeline
