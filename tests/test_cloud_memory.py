"""The user's memory in the cloud's conversations: facts go into the prompt (bounded,
relevant first), and "remember that ..." / "forget that" change the user's signed memory,
which reaches the user's devices over a real Mosquitto. The cloud server, its worker and
llama.cpp are real (tiny model)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from app.fleet_testing import make_fleet, running_device, wait_for
from cloud.fleet.broker import PrivateBroker
from cloud.fleet.memory import MemoryStore
from cloud.fleet.operator import OperatorLink
from cloud.fleet.pki import current_signing_key
from cloud.service import ConversationService
from cloud.settings import CloudSettings
from cloud.testing import connected_server, run_bounded
from cloud.user_memory import (
    Forget,
    Remember,
    UserMemory,
    memory_prompt,
    parse_memory_command,
    relevant_facts,
)
from contract.fleet import names

pytest.importorskip("llama_cpp")


@pytest.mark.parametrize(("said", "command"), [
    ("Remember that my sister is called Anna.",
     Remember("sister", "Anna", "your sister is called Anna")),
    ("remember my car is a blue Volvo",
     Remember("car", "a blue Volvo", "your car is a blue Volvo")),
    ("Please remember that I park on level 3",
     Remember("i park on level 3", "I park on level 3", "you park on level 3")),
    ("I prefer metric units.", Remember("prefer metric units", "prefer metric units",
                                        "you prefer metric units")),
    ("Forget that.", Forget(None)),
    ("forget my sister", Forget("sister")),
    ("why is the sky blue", None),
    ("Remind me to call Anna", None),
    ("don't forget", None),
])
def test_memory_commands(said: str, command: object) -> None:
    assert parse_memory_command(said) == command


def test_relevant_facts_come_first_and_the_prompt_is_bounded() -> None:
    facts = {f"fact {i}": f"value {i}" for i in range(20)}
    facts["sister"] = "Anna"
    facts["car"] = "a blue Volvo"
    picked = relevant_facts(facts, "what colour is my car?", max_facts=5)
    assert picked[0] == ("car", "a blue Volvo") and len(picked) == 5
    assert len(relevant_facts(facts, "hi", max_facts=50, max_chars=100)) < 10
    assert "- car: a blue Volvo" in memory_prompt(picked)
    assert memory_prompt([]) == ""


def test_facts_reach_the_system_prompt_and_only_the_users() -> None:
    service = ConversationService(CloudSettings(model_path=Path("m.gguf")), None)  # type: ignore[arg-type]
    request = pb.ConverseRequest(device_id="d", transcript="who is my sister?")
    (system, question) = service._messages(request, {"sister": "Anna", "car": "Volvo"})
    assert system[0] == "system" and "- sister: Anna" in system[1]
    assert question == ("user", "who is my sister?")
    assert "Anna" not in service._messages(request, None)[0][1]


def test_remember_and_forget_change_the_users_memory_on_every_device(
    tiny_gguf: Path, tmp_path: Path
) -> None:
    paths = make_fleet(tmp_path / "fleet", {"dev-a": (["home"], "alice"),
                                            "dev-b": (["home"], None)})
    with PrivateBroker(paths) as broker, running_device(paths, "dev-a", broker) as device, \
            OperatorLink(paths, broker.host, broker.port, identity=names.CLOUD,
                         watch=False).start() as link:
        memory = UserMemory(paths.root, lambda t, p: link.publish(t, p, wait_s=5.0),
                            current_signing_key(paths))

        async def scenario() -> tuple[list[pb.ConverseResponse], int, int, int]:
            async with connected_server(tiny_gguf, n_threads=1, memory=memory) as (_, channel):
                stub = pb_grpc.ConversationStub(channel)

                async def ask(text: str, device: str = "dev-a") -> list[pb.ConverseResponse]:
                    request = pb.ConverseRequest(device_id=device, session_id="s1",
                                                 transcript=text, max_tokens=1)
                    return [r async for r in stub.Converse(request, timeout=20)]

                told = await ask("Remember that my sister is called Anna.")
                await asyncio.to_thread(wait_for, lambda: "sister" in device.memory.facts("alice"),
                                        10.0, "the fact on the device")
                with_fact = (await ask("Who is my sister?"))[-1].final.usage.prompt_tokens
                stranger = (await ask("Who is my sister?", "dev-b"))[-1].final.usage.prompt_tokens
                forgot = await ask("Forget that.")
                without = (await ask("Who is my sister?"))[-1].final.usage.prompt_tokens
                return told + forgot, with_fact, stranger, without

        responses, with_fact, stranger, without = run_bounded(scenario(), limit_s=60)
        said = [r.chunk.text for r in responses if r.WhichOneof("kind") == "chunk"]
        assert said == ["Okay, I'll remember that your sister is called Anna.",
                        "Okay, I've forgotten that."]
        assert all(r.final.finish_reason == "memory"
                   for r in responses if r.WhichOneof("kind") == "final")
        # The fact was in alice's prompt only, and gone once forgotten.
        assert with_fact > stranger and without == stranger
        wait_for(lambda: "sister" not in device.memory.facts("alice"), 10.0, "forgotten")
        assert MemoryStore(paths.root / "memory.json").facts("alice") == {}
