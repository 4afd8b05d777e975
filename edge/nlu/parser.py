"""`ModelNlu`: text -> Understanding (intent or "cloud", canonical slots, confidence)."""

from __future__ import annotations

from pathlib import Path

from contract.inventory import Inventory
from edge.messages import Understanding
from edge.nlu.gazetteer import Gazetteer
from edge.nlu.model import IntentModel, load_model
from edge.nlu.slots import fill
from native.nlu import IntentNet

CLOUD = "cloud"
MODEL_NAME = "tandem_nlu"  # the models/manifest.toml entry
_POWER_FOR_TRANSPORT = {"HassMediaPause": "HassTurnOff", "HassMediaUnpause": "HassTurnOn"}
_PLAYERS = frozenset({"media_player"})


def _mostly_foreign(text: str) -> bool:
    letters = [c for c in text[:200] if c.isalpha()]
    return bool(letters) and sum(not c.isascii() for c in letters) > len(letters) // 4


LONGEST_WORD = 24  # longer "words" are no speech the model was trained on: URLs, junk


def _mostly_unwordlike(text: str) -> bool:
    """Text that is mostly runs of letters longer than any word: its hashed features
    repeat one trigram hundreds of times and push the classifier anywhere."""
    tokens = text[:1000].split()
    long_letters = sum(len(t) for t in tokens if len(t) > LONGEST_WORD)
    return long_letters > sum(len(t) for t in tokens) // 2


class ModelNlu:
    """The quantised intent model, with slots read from the inventory at run time."""

    def __init__(self, inventory: Inventory, model: IntentModel) -> None:
        self.inventory = inventory
        self.model = model
        self.labels = model.labels
        self.net = IntentNet(model.w1, model.s1, model.b1, model.w2, model.s2, model.b2,
                             model.temperature)
        self.gazetteer = Gazetteer(inventory, model.command_words)

    @classmethod
    def load(cls, inventory: Inventory, path: Path | None = None) -> ModelNlu:
        """Load `path`, or the model named in the manifest (sha256-verified)."""
        if path is None:
            import models

            path = models.resolve(MODEL_NAME)[0]
        return cls(inventory, load_model(path))

    def parse(self, text: str) -> Understanding:
        tagged = self.gazetteer.tag(text)
        if not tagged.words or _mostly_foreign(text) or _mostly_unwordlike(text):
            return Understanding(CLOUD, {}, 1.0)
        best, confidence = self.net.predict(tagged.features)
        intent = self.labels[best]
        if intent == CLOUD:
            return Understanding(CLOUD, {}, confidence)
        intent, slots = fill(intent, tagged)
        return Understanding(self._power_not_playback(intent, slots), slots, confidence)

    def _power_not_playback(self, intent: str, slots: dict[str, str | int]) -> str:
        """"stop the fan", "pause the coffee maker": transport words said of a device that
        plays nothing switch it (the model reads "stop"/"pause" as the music's)."""
        power = _POWER_FOR_TRANSPORT.get(intent)
        name = slots.get("name")
        if power is None or name is None:
            return intent
        device = next((d for d in self.inventory.devices if d.name == name), None)
        return power if device is not None and device.domain not in _PLAYERS else intent


def route(understanding: Understanding, threshold: float) -> str:
    """Where a request goes on the NLU's word alone (skills are checked by the pipeline)."""
    local = understanding.intent != CLOUD and understanding.confidence >= threshold
    return "local" if local else "cloud"
