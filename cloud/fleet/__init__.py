"""Operator side of fleet sync: PKI, broker config and ACL, rollout, status, user memory."""
