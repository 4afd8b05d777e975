"""`tandem bench speech`: synthetic "hey jarvis, <command>" recordings through the real models.

`generate` (voices x commands x acoustic conditions, audio kept out of git), `runner` (wake
word, endpointer, the fast grammar layer and Whisper + NLU, frame by frame as the daemon
runs them), `report` (wake rate, audio -> intent, which layer answered and how often it was
wrong, timing; the fast layer's threshold calibrated on the dev voices). `cli` adds the
command: `add_bench_speech(bench_subparsers)`.
"""
