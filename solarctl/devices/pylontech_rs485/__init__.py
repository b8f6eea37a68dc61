"""The Pylontech RS485 protocol (`~…\r` ASCII-hex frames, versions 2.0 and 3.5): frames and answers."""
