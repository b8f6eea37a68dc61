"""JK PB BMS (pure part): the register map and the three protocols' frames.

- registers.JK_PB: Modbus map (byte-addressed; live 0x1200, settings 0x1000, info 0x1400).
- pb_modbus: standard Modbus RTU (FC03 reads, FC10 switch writes) - offline capture decode.
- pb_bus: the PB bus protocol (FC10 trigger -> 300-byte 0x55AA frame + FC10 ACK), both sides.
- proto4e57: the older 4E 57 "RS485 protocol V2.5", both sides.
- battery: the battery metrics all three produce (METRICS), pb_values() for the PB areas.
"""
