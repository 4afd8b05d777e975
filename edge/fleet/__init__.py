"""Device side of fleet sync: signed policy, memory cache, presence, over MQTT with mTLS.

The policy schema and its signature check live here (not in cloud/) because the
device is the one that must validate them; the operator side imports them.
"""
