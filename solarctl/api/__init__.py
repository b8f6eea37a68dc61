"""The daemon's local control API: JSON lines over an owner-only Unix socket under the data dir.

`solarctl read` / `set` (and later `alerts` / `audit`) talk to a running daemon through it instead of
opening the ports the daemon owns. server.py listens, ops.py answers, client.py asks.
"""
