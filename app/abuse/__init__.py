"""`tandem bench abuse`: hypothesis-driven fuzzers against the real services.

One module per target, each a `run(seconds, tally, hang_s)` that starts what it needs and
feeds it generated inputs until its time is up:

    wav.py        WAV files and raw PCM: the parser in-process, a sample through the CLI
    documents.py  policy and memory documents, and a device's stored state, in-process
    mqtt.py       payloads on the device and report topics of a real broker, device, operator
    converse.py   ConverseRequests, raw protobuf and raw bytes against a real `cloud serve`

`core.py` drives hypothesis for a time budget and counts inputs, crashes, hangs and lost
state; `payloads.py` holds the generators the document and MQTT fuzzers share.
"""
