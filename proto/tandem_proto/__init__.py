"""The edge <-> cloud contract: tandem.v1.Conversation (converse.proto) and its metadata."""

# gRPC metadata of a Converse call: the turn's trace id, set by the device and written into
# the cloud's log line for that call (with the device, session and turn ids).
TRACE_HEADER = "tandem-trace-id"
