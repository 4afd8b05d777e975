"""Shared fixtures: real edge models loaded once, speech synthesised once, a real cloud."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from edge.pipeline import Engines
from edge.settings import EdgeSettings
from edge.utterances import synthesize


@pytest.fixture(scope="session", autouse=True)
def home_broker_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real private Mosquitto as the home's broker, named to every daemon the tests start
    ($TANDEM_HOME_BROKER), and a state directory of the session's own (audit log, schedule)
    instead of the user's."""
    from edge.actions.testing import home_broker

    saved = {k: os.environ.get(k) for k in ("TANDEM_HOME_BROKER", "XDG_STATE_HOME")}
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    with home_broker() as (host, port):
        os.environ["TANDEM_HOME_BROKER"] = f"{host}:{port}"
        try:
            yield f"{host}:{port}"
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture(scope="session")
def engines() -> Engines:
    engines = Engines.load(EdgeSettings())
    engines.tts.variation = False  # repeatable reply audio for the Whisper round trips
    return engines


@pytest.fixture(scope="session")
def speech(engines: Engines) -> dict[str, np.ndarray]:
    """16 kHz requests with silence around them, synthesised with the piper voice."""
    texts = {
        "lights": "Hey Jarvis, turn on the kitchen lights.",
        "timer": "Hey Jarvis, set a timer for ten minutes.",
        "sky": "Hey Jarvis, why is the sky blue?",
        "no_wake": "Turn on the kitchen lights.",
        "yes": "Yes, go ahead.",
        "no": "No, don't.",
        "never_mind": "Never mind.",
        "not_stop": "Don't stop the music.",
    }
    return {key: synthesize(engines.tts, text) for key, text in texts.items()}


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from models.tiny_gguf import write_tiny_gguf

    return write_tiny_gguf(tmp_path_factory.mktemp("llm") / "tiny.gguf")


@pytest.fixture(scope="session")
def cloud_target(tiny_gguf: Path) -> Iterator[str]:
    """The real `tandem cloud serve` in a child process, on a free loopback port."""
    from edge.local_cloud import local_cloud

    with local_cloud(tiny_gguf) as target:
        yield target
