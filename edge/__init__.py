"""Tandem edge daemon: wake word -> endpointing -> STT -> NLU -> local skill or cloud -> TTS."""
