"""Pylontech US-series RS232 console: the pure (no I/O) half.

- `framing`: raw console bytes -> the payload lines of one command's answer (`Answer`), and
  `AnswerBuffer`, which a link layer feeds bytes into to learn when the answer is complete or
  needs Enter for its next page.
- `tables`: column tables located by their header line, and `Key : value` blocks.
- `values`: console value text (mV, mA, m°C, `89%`, `-`) <-> SI values, both ways.
- `commands`: `parse_pwr`, `parse_pwr_module`, `parse_bat`, `parse_info`, `parse_stat`, `parse_soh`,
  `parse_time`, and `decode_capture` for `solarctl decode pylontech-console`.
- `stack`: what the driver publishes: `stack_values` (from `pwr` + `info`) and `cell_values` (from `bat`).
- `render`: byte-exact US2000B Plus (firmware B66.6) answers for the simulator.

Every malformed answer raises `ConsoleParseError` (a `solarctl.errors.DecodeError`).
"""
