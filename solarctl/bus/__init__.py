"""Links: one scheduler per physical connection (a Modbus TCP gateway, a serial port)."""
