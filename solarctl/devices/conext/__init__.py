"""Schneider Conext devices behind a ComBox (Modbus TCP), maps 503-0246 / 0248 / 0253 Rev A.4."""
