"""Sinks: everything that consumes the hub's samples and poll errors (SQL store, InfluxDB, later MQTT, Telegram, web).

Every sink speaks one protocol (sink.py): start(), submit(event) that never blocks, stop(), status().
The daemon attaches its sinks to the hub; a sink that is slow, hung or crashing costs only its own events.
"""
