"""Register maps as data: one typed table per device; decoding, encoding, write validation and
block planning all come from it."""

from solarctl.registers.codec import WriteRejected, decode, decode_block, encode
from solarctl.registers.model import ByteOrder, Register, RegisterMap
from solarctl.registers.planner import Block, plan_blocks

__all__ = [
    "Block",
    "ByteOrder",
    "Register",
    "RegisterMap",
    "WriteRejected",
    "decode",
    "decode_block",
    "encode",
    "plan_blocks",
]
