"""The fleet's wire contract: topics, signed policy, signing keys, reports, memory."""
