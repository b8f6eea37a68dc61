"""Loading the console captures in tests/data/pylontech, and rewriting their line breaks."""

from __future__ import annotations

import re
from pathlib import Path

from solarctl.sim.pylontech_console import mangle_row

DATA = Path(__file__).resolve().parent.parent / "data" / "pylontech"

B66_PWR = "US2KBPL_B66.6_pwr.txt"
B66_BAT = "US2KBPL_B66.6_bat.txt"
B66_INFO = "US2KBPL_B66.6_info.txt"
B66_TIME = "US2KBPL_B66.6_time.txt"
B66_SOH = "US2KBPL_B66.6_soh.txt"
B66_STAT = "US2KBPL_B66.6_stat.txt"
B66_HELP_PAGE = "US2KBPL_B66.6_help-page1.txt"
C_PWR = "US2000C_B67.5.0_pwr.txt"
C_PWR_1 = "US2000C_B67.5.0_pwr-1.txt"
C_BAT_1 = "US2000C_B67.5.0_bat-1.txt"
C_INFO = "US2000C_B67.5.0_info.txt"
US5000_PWR = "US5000_V2.3_pwr.synthetic.txt"

COMPLETE = [B66_PWR, B66_BAT, B66_INFO, B66_TIME, B66_SOH, B66_STAT, C_PWR, C_PWR_1, C_BAT_1, C_INFO, US5000_PWR]
LINE_ENDINGS = {"LF": b"\n", "CR LF": b"\r\n", "CR CR LF": b"\r\r\n", "LF CR": b"\n\r"}


def capture(name: str) -> bytes:
    return (DATA / name).read_bytes()


def with_line_endings(data: bytes, ending: bytes) -> bytes:
    """The same answer with every line break (any run of CR/LF) written as `ending`."""
    return re.sub(rb"[\r\n]+", ending, data)
PYTES_BAT_NO_CURRENT = "Pytes_bat-1_no-current.synthetic.txt"
PWR_1_CHARGE_IN_MAS = "pwr-1_charge-in-mAS.synthetic.txt"
FORCE_H2_PWR = "ForceH2_pwr.synthetic.txt"
FORCE_H2_BAT = "ForceH2_bat.synthetic.txt"


def with_mangled_row(name: str, cell: int) -> bytes:
    """The `bat` capture with line noise in the row of `cell` (1-based), as the simulator's fault makes it."""
    return mangle_row(capture(name), cell)
