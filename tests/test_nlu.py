"""The on-device NLU: kernel twins, model artefact, slots, routing, bad input, CLI, bench."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import models
from app.cli import main
from contract.errors import InventoryError
from contract.inventory import Device, Inventory, load_inventory
from edge.nlu import CLOUD, ModelNlu, route
from edge.nlu.gazetteer import Gazetteer
from edge.nlu.model import FORMAT_VERSION, load_model
from edge.nlu.text import MAX_WORDS, normalize
from native import nlu_py
from native.nlu import FEATURE_VERSION

DATA = Path(__file__).parent / "data"
INVENTORY = load_inventory(DATA / "nlu_inventory.yaml")


@pytest.fixture(scope="module")
def model_path() -> Path:
    return models.resolve("tandem_nlu")[0]


@pytest.fixture(scope="module")
def nlu(model_path: Path) -> ModelNlu:
    return ModelNlu.load(INVENTORY, model_path)


def test_model_is_small_versioned_and_in_the_manifest(model_path: Path) -> None:
    assert model_path.stat().st_size <= 2_000_000
    model = load_model(model_path)
    assert model.w1.dtype == np.int8 and model.w2.dtype == np.int8
    assert model.labels[-1] == CLOUD and "NavigateTo" in model.labels


def _with_header(path: Path, tmp: Path, version: int | None = None,
                 edit: dict | None = None) -> Path:
    data = path.read_bytes()
    fmt, length = struct.unpack_from("<II", data, 4)
    header = json.loads(data[12 : 12 + length])
    header.update(edit or {})
    raw = json.dumps(header).encode()
    out = tmp / "edited.tnlu"
    out.write_bytes(data[:4] + struct.pack("<II", fmt if version is None else version,
                                           len(raw)) + raw + data[12 + length :])
    return out


def test_loader_refuses_wrong_versions_and_damage(model_path: Path, tmp_path: Path) -> None:
    with pytest.raises(models.ModelError, match=f"format 99, this Tandem reads format "
                                                f"{FORMAT_VERSION}"):
        load_model(_with_header(model_path, tmp_path, version=99))
    with pytest.raises(models.ModelError, match="feature version 0"):
        load_model(_with_header(model_path, tmp_path, edit={"feature_version": 0}))
    truncated = tmp_path / "short.tnlu"
    truncated.write_bytes(model_path.read_bytes()[:-1000])
    with pytest.raises(models.ModelError, match="truncated"):
        load_model(truncated)
    junk = tmp_path / "junk.tnlu"
    junk.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(models.ModelError, match="not a Tandem NLU model"):
        load_model(junk)
    with pytest.raises(models.ModelError, match="cannot be read"):
        load_model(tmp_path / "missing.tnlu")


def test_compiled_kernel_matches_the_twin(model_path: Path) -> None:
    compiled = pytest.importorskip("native._nlu")
    m = load_model(model_path)
    twin = nlu_py.IntentNet(m.w1, m.s1, m.b1, m.w2, m.s2, m.b2, m.temperature)
    fast = compiled.IntentNet(m.w1, m.s1, m.b1, m.w2, m.s2, m.b2, m.temperature)
    gaz = Gazetteer(INVENTORY, m.command_words)
    texts = [json.loads(line)["text"] for line in
             (DATA / "nlu_testset.jsonl").read_text(encoding="utf-8").splitlines()[::7]]
    texts += ["", "x", "héllo wörld 日本", " ".join(["word"] * 80)]
    for text in texts:
        features = gaz.tag(text).features
        assert np.array_equal(nlu_py.feature_ids(features, 1024),
                              compiled.feature_ids(features, 1024))
        assert np.allclose(twin.probabilities(features), fast.probabilities(features),
                           atol=1e-5)
        assert twin.predict(features)[0] == fast.predict(features)[0]
    assert compiled.FEATURE_VERSION == FEATURE_VERSION


def test_kernel_rejects_bad_shapes() -> None:
    w1 = np.zeros((100, 4), np.int8)  # not a power of two
    ones = np.ones(4, np.float32)
    with pytest.raises(ValueError, match="power-of-two"):
        nlu_py.IntentNet(w1, ones, ones, np.zeros((4, 2), np.int8), ones[:2], ones[:2], 1.0)


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("Turn on the kitchen lights.", "HassTurnOn", {"name": "Kitchen Lights"}),
        ("um, please switch the porch lite off", "HassTurnOff", {"name": "Porch Light"}),
        ("turn of the kitchn lights", "HassTurnOff", {"name": "Kitchen Lights"}),
        ("turn off the lights in the living room", "HassTurnOff",
         {"area": "Living Room", "domain": "light"}),
        ("dim the bedside lamp to twenty five percent", "HassLightSet",
         {"name": "Bedside Lamp", "brightness": 25}),
        ("set a timer for one hour and twenty five seconds", "HassStartTimer",
         {"hours": 1, "seconds": 25}),
        ("set a timer for half an hour", "HassStartTimer", {"minutes": 30}),
        ("cancel the timer", "HassCancelTimer", {}),
        ("What's the time?", "HassGetCurrentTime", {}),
        ("set the volume to 40%", "HassSetVolume", {"volume_level": 40}),
        ("add oat milk to my shopping list", "HassShoppingListAddItem", {"item": "oat milk"}),
        ("add sandpaper to the hardware store list", "HassListAddItem",
         {"item": "sandpaper", "name": "Hardware Store"}),
        # Whisper's "And" for "add", "But" for "put"; the list's own "for my" is no item
        ("And a milk to the shopping list.", "HassShoppingListAddItem", {"item": "milk"}),
        ("But eggs on my shopping list.", "HassShoppingListAddItem", {"item": "eggs"}),
        ("add sandpaper for my hardware store list", "HassListAddItem",
         {"item": "sandpaper", "name": "Hardware Store"}),
        ("add food for the cat to my shopping list", "HassShoppingListAddItem",
         {"item": "food for the cat"}),
        # the item named before the verb that puts it on the list
        ("we need paper towels put them on the shopping list", "HassShoppingListAddItem",
         {"item": "paper towels"}),
        ("stick bananas on the shopping list for me", "HassShoppingListAddItem",
         {"item": "bananas"}),
        ("could you get rid of my timer", "HassCancelTimer", {}),
        ("take me to grandma's house", "NavigateTo", {"destination": "Grandma's House"}),
        ("call Tomas", "CallContact", {"contact": "Tomás"}),
        ("read my messages", "ReadMessages", {}),
        ("Why is the sky blue?", CLOUD, {}),
        ("why do LED lights flicker when I turn them on", CLOUD, {}),
        ("who invented the thermostat", CLOUD, {}),
        ("x" * 40, CLOUD, {}),  # no word: one trigram repeated would sway the model
    ],
)
def test_parse(nlu: ModelNlu, text: str, intent: str, slots: dict) -> None:
    result = nlu.parse(text)
    assert (result.intent, result.slots) == (intent, slots)
    assert route(result, 0.7) == ("cloud" if intent == CLOUD else "local")


@pytest.mark.parametrize(("text", "intent"), [
    ("stop the ceiling fan", "HassTurnOff"),  # the model reads "stop" as the music's
    ("pause the ceiling fan", "HassTurnOff"),
    ("pause the living room tv", "HassMediaPause"),  # a player: its playback
    ("stop the music", "HassMediaPause"),
])
def test_transport_words_said_of_a_device_switch_it(nlu: ModelNlu, text: str,
                                                    intent: str) -> None:
    assert nlu.parse(text).intent == intent


def test_what_the_home_lacks_stays_what_was_asked_for(model_path: Path) -> None:
    """A device or area the inventory lacks is kept as said, not dropped (which would turn
    "the garage light" into every light) nor replaced by another."""
    home = Inventory(areas=("Kitchen", "Office"),
                     devices=(Device("Kitchen Lights", "light", "Kitchen"),
                              Device("Office Light", "light", "Office")))
    nlu = ModelNlu.load(home, model_path)
    assert nlu.parse("turn on the garage light").slots == {"name": "garage light"}
    assert nlu.parse("Garage light on please.").slots == {"name": "garage light"}
    assert nlu.parse("put all the lights on in the garage").slots == {
        "area": "garage", "domain": "light"}
    # ... and what names nothing stays as it was
    assert nlu.parse("turn on all the lights").slots == {"domain": "light"}
    assert "name" not in nlu.parse("which lights are on").slots
    assert nlu.parse("turn off the lights in here").slots == {"domain": "light"}
    assert nlu.parse("turn on the lights in the morning").slots == {"domain": "light"}
    assert nlu.parse("turn on the office light").slots == {"name": "Office Light"}


def test_new_inventory_names_need_no_retraining(model_path: Path) -> None:
    home = Inventory(areas=("Sunroom",), devices=(Device("Lava Lamp", "light", "Sunroom"),),
                     contacts=("Zanele Mbeki",), places=("Kirstenbosch",))
    nlu = ModelNlu.load(home, model_path)
    assert nlu.parse("turn on the lava lamp").slots == {"name": "Lava Lamp"}
    assert nlu.parse("call zanele mbeki").slots == {"contact": "Zanele Mbeki"}
    assert nlu.parse("navigate to kirstenbosch").slots == {"destination": "Kirstenbosch"}


def test_testset_accuracy_does_not_regress(nlu: ModelNlu) -> None:
    cases = [json.loads(line) for line in
             (DATA / "nlu_testset.jsonl").read_text(encoding="utf-8").splitlines()]
    local = [c for c in cases if c["intent"] != CLOUD]
    cloud = [c for c in cases if c["intent"] == CLOUD]
    hits = sum(nlu.parse(c["text"]).intent == c["intent"] for c in local)
    kept = sum(route(nlu.parse(c["text"]), 0.7) == "cloud" for c in cloud)
    assert hits / len(local) >= 0.88
    assert kept / len(cloud) >= 0.95


def test_bad_input_gets_a_clear_answer(nlu: ModelNlu) -> None:
    for text in ("", "   ", "\x00\x07\u202e" * 1000, "¿qué hora es?", "今何時ですか"):
        result = nlu.parse(text)
        assert result.intent == CLOUD and 0.0 <= result.confidence <= 1.0
    assert nlu.parse("turn on the kitchen lights " * 400).intent == "HassTurnOn"
    assert len(normalize("one two " * 5000).split()) == MAX_WORDS


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
@example("set a timer for ❶ minutes")  # isdigit() but not int(): found by this test in CI
@example("turn the volume to ² percent")
def test_parse_never_crashes(text: str) -> None:
    nlu = _shared_nlu()
    result = nlu.parse(text)
    assert result.intent and 0.0 <= result.confidence <= 1.0
    assert normalize(text) == normalize(normalize(text))


_CACHE: list[ModelNlu] = []


def _shared_nlu() -> ModelNlu:
    if not _CACHE:
        _CACHE.append(ModelNlu.load(INVENTORY))
    return _CACHE[0]


def test_inventory_errors_are_clear(tmp_path: Path) -> None:
    dup = tmp_path / "dup.yaml"
    dup.write_text("devices:\n  - {name: Lamp, domain: light}\n  - {name: lamp, domain: light}\n")
    with pytest.raises(InventoryError, match="twice"):
        load_inventory(dup)
    bad = tmp_path / "bad.yaml"
    bad.write_text("areas: [Kitchen\n")
    with pytest.raises(InventoryError, match="not valid YAML"):
        load_inventory(bad)


def test_cli_parse_prints_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    inv = str(DATA / "nlu_inventory.yaml")
    assert main(["nlu", "parse", "call priya", "--inventory", inv]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["intent"] == "CallContact" and out["route"] == "local"
    assert out["slots"] == {"contact": "Priya"}
    assert set(out) == {"text", "intent", "route", "confidence", "slots", "actions", "confirm",
                        "latency_us"}
    assert out["actions"] == [{"intent": "CallContact", "slots": {"contact": "Priya"}}]


def test_cli_jsonl_answers_every_line(capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ['{"text": "what time is it"}', "not json", '{"txt": 1}', "",
             json.dumps({"text": "x" * 10_000}), '{"text": "why is the sky blue"}']
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["nlu", "parse", "--jsonl"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o.get("intent", "error" if "error" in o else "?") for o in out] == [
        "HassGetCurrentTime", "error", "error", CLOUD, CLOUD]


def test_cli_bad_inventory_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("areas: [Kitchen, kitchen]\n")
    assert main(["nlu", "parse", "hi", "--inventory", str(bad)]) == 2
    assert "twice" in capsys.readouterr().err
    assert main(["nlu", "parse", "--inventory", str(bad)]) == 2


def test_bench_runs_both_systems(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("hassil")
    assert main(["bench", "nlu", "--repeat", "1", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert set(results) == {"tandem", "hassil"}
    assert results["tandem"]["intent_accuracy_local"] > results["hassil"]["intent_accuracy_local"]


@pytest.mark.parametrize(("text", "words"), [
    ("And milk to the shopping list.", "add milk to the shopping list"),
    ("But eggs on my list", "put eggs on my list"),
    ("and add milk to the list", "and add milk to the list"),  # a verb follows: no slip
    ("and what is on my list", "and what is on my list"),  # a question of its own
    ("and turn off the lights", "and turn off the lights"),  # no list named
])
def test_a_list_requests_misheard_verb_is_mended(text: str, words: str) -> None:
    from edge.nlu.text import normalize

    assert normalize(text) == words


@pytest.mark.parametrize(("text", "words"), [
    ("Actually, can the kitchen lights be green please?", "can the kitchen lights be green"),
    ("Okay so what is the time", "what is the time"),
    ("Um, so, actually turn it up", "turn it up"),
    ("what is it actually", "what is it actually"),  # only before the request's first word
    ("so", "so"),  # nothing follows: the word is the request
])
def test_lead_ins_before_a_request_are_dropped(text: str, words: str) -> None:
    assert normalize(text) == words


def test_a_lead_in_no_longer_hides_a_colour_request(nlu: ModelNlu) -> None:
    result = nlu.parse("Actually, can the kitchen lights be green please?")
    assert (result.intent, result.slots) == \
        ("HassLightSet", {"name": "Kitchen Lights", "color": "green"})
