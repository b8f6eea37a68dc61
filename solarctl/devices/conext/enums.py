"""Enumerations and bit names shared by the Conext maps (vendor map sections quoted in comments)."""

# Device State (XW and MPPT 0x0040; 503-0246 §2, 503-0248 §2)
DEVICE_STATE = {0: "Hibernate", 1: "Power Save", 2: "Safe Mode", 3: "Operating", 4: "Diagnostic Mode",
                5: "Remote Power Off", 255: "Data Not Available"}

# XW Inverter Status 0x007A (503-0246 §10)
INVERTER_STATUS = {
    1024: "Invert", 1025: "AC Pass Through", 1026: "APS Only", 1027: "Load Sense", 1028: "Inverter Disabled",
    1029: "Load Sense Ready", 1030: "Engaging Inverter", 1031: "Invert Fault", 1032: "Inverter Standby",
    1033: "Grid-Tied", 1034: "Grid Support", 1035: "Gen Support", 1036: "Sell-to-Grid", 1037: "Load Shaving",
    1038: "Grid Frequency Stabilization", 1039: "AC Coupling", 1040: "Reverse Ibatt",
}

# Charger Status (MPPT 0x0049, XW 0x007B; 503-0248 §6, 503-0246 §11)
CHARGER_STATUS = {
    768: "Not Charging", 769: "Bulk", 770: "Absorption", 771: "Overcharge", 772: "Equalize", 773: "Float",
    774: "No Float", 775: "Constant VI", 776: "Charger Disabled", 777: "Qualifying AC", 778: "Qualifying APS",
    779: "Engaging Charger", 780: "Charge Fault", 781: "Charger Suspend", 782: "AC Good", 783: "APS Good",
    784: "AC Fault", 785: "Charge", 786: "Absorption Exit Pending", 787: "Ground Fault", 788: "AC Good Pending",
}

# The texts the old SCP program stored for these flags (its SQL columns keep them).
FAULTS_FLAG = {0: "No Faults", 1: "Active Faults"}
WARNINGS_FLAG = {0: "No Warnings", 1: "Active Warnings"}
ENABLE = {0: "Disable", 1: "Enable"}
ENABLED = {0: "Disabled", 1: "Enabled"}

# XW fault / warning bitmaps (503-0246 §3-7)
XW_FAULTS_0 = {
    0: "F1 AC Output Undervoltage Shutdown", 1: "F2 AC Output Overvoltage Shutdown",
    2: "F17 AC BackFeed Fault (AC1 L1)", 3: "F18 AC BackFeed Fault (AC1 L2)", 4: "F19 AC BackFeed Fault (AC2 L1)",
    5: "F20 AC Backfeed Fault (AC2 L2)", 6: "F21 AC Backfeed Fault (L1L2 Weld)", 7: "F22 AC Backfeed Fault (Line 1 Weld)",
    8: "F23 Anti-Islanding Fault (Over Freq)", 9: "F24 Anti-Islanding Fault (Under Freq)",
    10: "F25 Anti-Islanding (Over Freq)", 11: "F26 Anti-Islanding (Under Freq)",
    12: "F27 Anti-Islanding (Over Voltage Line 1)", 13: "F28 Anti-Islanding (Over Voltage Line 2)",
    14: "F29 Anti-Islanding (Over Voltage)", 15: "F30 Anti-Islanding (Over voltage L1L2)",
}
XW_FAULTS_1 = {
    0: "F31 Anti-Islanding (Over Voltage L1 Slow)", 1: "F32 Anti-Islanding (Over Voltage L2 Slow)",
    2: "F33 Anti-Islanding (Over Voltage L1L2 Slow)", 3: "F34 Anti-Islanding (Under Voltage L1 Slow)",
    4: "F35 Anti-Islanding (Under Voltage L2 Slow)", 5: "F36 Anti-Islanding (Under Voltage L1L2 Slow)",
    6: "F37 Anti-Islanding (Under Voltage L1 Fast)", 7: "F38 Anti-Islanding (Under Voltage L2 Fast)",
    8: "F39 Anti-Islanding (Under Voltage)", 9: "F40 Anti-Islanding (Under Voltage L1L2 Fast)",
    10: "F41 APS Under Voltage", 11: "F42 APS Over Voltage", 12: "F44 Battery Over Temperature",
    13: "F45 Capacitor Over Temperature", 14: "F46 Controller Error", 15: "F47 DC Under Voltage Immediate",
}
XW_FAULTS_2 = {
    0: "F48 DC Under-Voltage Shutdown", 1: "F49 DC Over-Voltage Shutdown", 2: "F51 EEPROM Error",
    3: "F52 EEPROM Error (Cal Fail)", 4: "F53 EEPROM Error (Config Fail)", 5: "F54 EEPROM Error (Default Fail)",
    6: "F55 EEPROM Error (Log Fail)", 7: "F56 EEPROM Error (Strings Fail)", 8: "F57 FET1 Over-Temperature Shutdown",
    9: "F58 FET2 Over-Temperature Shutdown", 10: "F59 Configuration Copy Error", 11: "F60 Invalid Fault",
    12: "F61 Invalid Warning", 13: "F62 Invalid Interrupt", 14: "F63 AC Overload (Primary)",
    15: "F64 AC Overload (Secondary 1s)",
}
XW_FAULTS_3 = {
    0: "F65 AC Overload (2s)", 1: "F66 System Configuration Error", 2: "F67 Watchdog Reset",
    3: "F68 Transformer Over-Temperature", 4: "F69 Synchronization Signal Fault", 5: "F70 Three Phase Configuration Fault",
}
XW_WARNINGS = {
    0: "W44 Battery Over Temperature", 1: "W45 Capacitor Over Temperature", 2: "W48 DC Under Voltage",
    3: "W49 DC Over Voltage", 4: "W57 FET1 Over Temperature", 5: "W58 FET2 Over Temperature", 6: "W63 AC Overload",
    7: "W64 AC Overload", 8: "W68 Transformer Over Temperature", 9: "W70 Check Phase Configuration",
    10: "W94 Remote Power Off", 11: "W95 Equalize Abort", 12: "W96 Cannot Equalize",
    13: "W97 Battery Temperature Sensor Failure", 14: "W500 Lost Network Connection",
    15: "W501 Non Volatile Memory Warning",
}

# MPPT fault / warning bitmaps (503-0248 §3-5)
MPPT_FAULTS_0 = {
    0: "F2 Capacitor Over-Temperature", 1: "F4 Battery Over-Temperature", 2: "F5 Ambient Over-Temperature",
    3: "F9 DC Over-Voltage", 4: "F10 Output Under-Voltage Immediate", 5: "F11 Output Under-Voltage",
    6: "F26 Auxiliary Power Supply", 7: "F30 Battery Under-Temperature", 8: "F54 Auxiliary Power Supply",
    9: "F55 Heatsink Over-Temperature", 10: "F56 Ground Fault", 11: "F69 Configuration Fault",
    12: "F70 DC Over-Voltage", 13: "F71 DC Over-current", 14: "F72 SPS Overload", 15: "F73 Slow Output Over-Current",
}
MPPT_FAULTS_1 = {
    0: "F74 Input Over-Voltage", 1: "F75 Fan Over-Voltage", 2: "F76 Fan Over-Current", 3: "F77 Input Over-Current",
    4: "F78 Output Over-Current", 5: "F79 Fan Over-Current", 6: "F80 Fan Under-Voltage", 7: "F81 Fan Under-Current",
    8: "F82 Network Power Supply Failure",
}
MPPT_WARNINGS = {0: "W11 DC Input Over Voltage Warning"}

# ComBox system power flow bitmap 0x0040 (503-0253 §3)
SYSTEM_POWER_FLOW = {0: "Grid to Load", 1: "Gen to Load", 3: "Batt to Grid", 4: "Grid to Batt", 5: "Gen to Batt",
                     6: "PV to Batt", 7: "PV to Grid", 8: "Batt to Load"}
