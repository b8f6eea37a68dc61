"""The Voltronic / Axpert PI30 protocol (MPP Solar, EASUN and their rebrands): ASCII commands and `(`-answers."""
