"""Register maps as data: one typed table per device; decoding, encoding, write validation and
block planning all come from it."""

from solarctl.registers.codec import (
    WriteRejected,
    bytes_to_words,
    decode,
    decode_block,
    decode_bytes,
    encode,
    encode_block,
    encode_bytes,
    words_to_bytes,
)
from solarctl.registers.model import ByteOrder, Register, RegisterMap
from solarctl.registers.planner import Block, plan_blocks, plan_map

__all__ = [
    "Block",
    "ByteOrder",
    "Register",
    "RegisterMap",
    "WriteRejected",
    "bytes_to_words",
    "decode",
    "decode_block",
    "decode_bytes",
    "encode",
    "encode_block",
    "encode_bytes",
    "plan_blocks",
    "plan_map",
    "words_to_bytes",
]
