"""`tandem demo`: the whole loop on one machine, on synthesised requests."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import models
from edge.actions.testing import home_broker
from edge.audio.sinks import WavSink
from edge.audio.sources import recording_source
from edge.audio.wavfile import read_wav
from edge.daemon import run_daemon
from edge.local_cloud import local_cloud
from edge.pipeline import Engines
from edge.settings import ActionSettings, EdgeSettings
from edge.trace import TraceWriter, TurnRecord
from edge.utterances import demo_inputs


def run_demo(out: Path) -> int:
    print("tandem demo: verifying models ...", flush=True)
    llm = models.fetch()["smollm2_135m"][0]
    t0 = time.perf_counter()
    settings = EdgeSettings()
    engines = Engines.load(settings)
    inputs = demo_inputs(out / "inputs", engines.tts)
    print(f"edge models loaded in {time.perf_counter() - t0:.1f} s; starting the cloud service",
          flush=True)
    with local_cloud(llm) as target, home_broker() as (host, port):
        print(f"cloud service (SmolLM2-135M-Instruct) serving on {target}", flush=True)
        print(f"home broker (Mosquitto) on {host}:{port}: home commands are MQTT messages "
              f"in Home Assistant's conventions\n", flush=True)
        # Each demo is a new device: a timer the last run set would ring over this one.
        shutil.rmtree(out / "state", ignore_errors=True)
        settings = EdgeSettings(cloud_target=target, actions=ActionSettings(
            home_broker=f"{host}:{port}", state_dir=out / "state"))
        out.mkdir(parents=True, exist_ok=True)
        with (out / "trace.jsonl").open("w", encoding="utf-8") as fh:
            trace = TraceWriter(fh)
            for wav in inputs:
                reply = out / "replies" / wav.name
                print(f"> {wav}", flush=True)

                def on_turn(record: TurnRecord, reply: Path = reply) -> None:
                    trace.write(record)
                    print(f"  {record.summary()}\n  reply audio: {reply}", flush=True)

                source = recording_source(read_wav(wav), realtime=False)
                asyncio.run(run_daemon(settings, engines, source, WavSink(reply), on_turn))
    print(f"\ntrace: {out / 'trace.jsonl'}")
    return 0
