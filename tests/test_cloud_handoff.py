"""Human handoff: a user asking for a person, asking the same thing a third time, or a
topic the operators keep for themselves sends a handoff packet to the operators' queue on
a real Mosquitto (which devices cannot read), and the device tells the user."""

from __future__ import annotations

import json
import queue
import re
import time
from pathlib import Path

import pytest
from tandem_proto import converse_pb2 as pb
from tandem_proto import converse_pb2_grpc as pb_grpc

from app.fleet_testing import make_fleet
from cloud.fleet.broker import PrivateBroker
from cloud.fleet.operator import OperatorLink
from cloud.handoff import ASKED, POLICY, REPEATED, build_packet, handoff_reason
from cloud.service import HANDED_OFF_REPLY, NO_PERSON_REPLY
from cloud.testing import connected_server, run_bounded
from contract.fleet import names
from tests.test_fleet_mqtt import raw_client

pytest.importorskip("llama_cpp")

SKY = [("user", "why is the sky blue"), ("assistant", "Because of the sun.")]


@pytest.mark.parametrize(("said", "context", "reason"), [
    ("I want to talk to a person", [], ASKED),
    ("can you connect me with a human agent please", [], ASKED),
    ("customer service", [], ASKED),
    ("why is the sky blue?", SKY * 2, REPEATED),  # the third time
    ("why is the sky blue?", SKY, None),  # the second time is still fine
    ("that's not what I asked", [("user", "you don't understand"), ("assistant", "Sorry.")],
     REPEATED),
    ("I'd like a refund for my order", [], POLICY),
    ("tell me a joke about a person", [], None),
    ("what time is it", [], None),
])
def test_when_a_conversation_goes_to_a_person(said: str, context: list[tuple[str, str]],
                                              reason: str | None) -> None:
    assert handoff_reason(said, context, [re.compile(r"\brefund\b")]) == reason


def test_the_packet_says_what_a_person_needs_to_pick_up() -> None:
    context = [*SKY, ("user", "why is the sky blue, really"), ("assistant", "Scattering.")]
    packet = build_packet(ASKED, "let me talk to a person", context, "dev-a", "alice", "s1")
    assert packet.goal == "why is the sky blue, really"  # not "let me talk to a person"
    assert packet.tried == ["Because of the sun.", "Scattering."]
    assert packet.last_turns[-1] == {"role": "user", "text": "let me talk to a person"}
    assert "alice" in packet.summary and "dev-a" in packet.summary and "asked for a person" \
        in packet.summary
    assert json.loads(packet.to_json())["reason"] == ASKED


def test_a_handoff_reaches_the_operators_queue_and_the_user_is_told(
    tiny_gguf: Path, tmp_path: Path
) -> None:
    paths = make_fleet(tmp_path / "fleet", {"dev-a": (["home"], "alice")})
    with PrivateBroker(paths) as broker, OperatorLink(
            paths, broker.host, broker.port, identity=names.CLOUD, watch=False).start() as link:
        received: dict[str, queue.Queue[bytes]] = {"fleet.operator": queue.Queue(),
                                                   "dev-a": queue.Queue()}
        clients = []
        for cn, inbox in received.items():  # the operator may read the queue, a device not
            client = raw_client(paths, broker, cn)
            client.on_message = lambda c, u, m, inbox=inbox: inbox.put(m.payload)
            client.on_connect = lambda c, u, f, rc, p: c.subscribe(names.HANDOFF, qos=1)
            client.connect(broker.host, broker.port)
            client.loop_start()
            clients.append(client)
        time.sleep(0.5)  # both subscribed

        async def scenario() -> tuple[list[pb.ConverseResponse], list[pb.ConverseResponse]]:
            def send(packet: bytes) -> object:
                return link.publish(names.HANDOFF, packet, retain=False, wait_s=5.0)

            request = pb.ConverseRequest(device_id="dev-a", session_id="s1",
                                         transcript="I want to speak to a real person")
            request.context.extend([pb.ContextTurn(role=pb.ContextTurn.ROLE_USER,
                                                   text="my heating is broken")])
            async with connected_server(tiny_gguf, n_threads=1, handoff=send) as (_, channel):
                handed = [r async for r in pb_grpc.ConversationStub(channel).Converse(
                    request, timeout=20)]
            async with connected_server(tiny_gguf, n_threads=1) as (_, channel):  # no queue
                alone = [r async for r in pb_grpc.ConversationStub(channel).Converse(
                    request, timeout=20)]
            return handed, alone

        try:
            handed, alone = run_bounded(scenario(), limit_s=60)
            packet = json.loads(received["fleet.operator"].get(timeout=10))
            time.sleep(0.3)
            assert received["dev-a"].empty()  # the ACL keeps other users' troubles private
        finally:
            for client in clients:
                client.loop_stop()
                client.disconnect()
    assert [r.chunk.text for r in handed[:-1]] == [HANDED_OFF_REPLY]
    assert handed[-1].final.finish_reason == "handoff"
    assert [r.chunk.text for r in alone[:-1]] == [NO_PERSON_REPLY]
    assert packet["reason"] == ASKED and packet["goal"] == "my heating is broken"
    assert packet["device"] == "dev-a" and packet["session"] == "s1"
