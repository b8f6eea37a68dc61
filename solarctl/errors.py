"""Errors every layer may raise or catch, so none has to import the layer that defines a feature."""

from __future__ import annotations


class DecodeError(ValueError):
    """Bytes that are not what the protocol says (a bad capture, a garbled answer); the message says what is wrong."""


class ConfigError(Exception):
    """A config problem, phrased for the user: the file, the key, what is wrong and what is expected."""
