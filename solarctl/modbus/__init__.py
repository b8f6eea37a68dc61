"""Modbus framing: PDUs for the function codes we use, MBAP (TCP) and RTU (CRC) envelopes.

Our own ~200 lines rather than pymodbus's client: on a shared RS485 line the bus scheduler must
own every byte (inter-frame gaps, echo and noise, responder checks, and JK's non-Modbus replies to
Modbus triggers). Simulators use the same framing; tests check both sides against independent
peers (mbpoll, pymodbus).
"""
