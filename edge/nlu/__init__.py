"""On-device language understanding: a quantised intent model plus inventory-aware slots.

`ModelNlu.load(inventory).parse(text)` returns an `edge.messages.Understanding`; see
`edge.nlu.parser`. Text normalisation (`text`), span tagging (`gazetteer`), slot filling
(`slots`) and the model artefact (`model`) are separate modules; the hot loop is
`native.nlu`.
"""

from edge.nlu.parser import CLOUD, ModelNlu, route

__all__ = ["CLOUD", "ModelNlu", "route"]
