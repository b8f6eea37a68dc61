"""The one error the JK parsers raise."""

from solarctl.errors import DecodeError


class FrameError(DecodeError):
    """A JK frame or capture that is not valid (checksum, length, header, truncated, unknown code,
    missing fields); the message says what is wrong. No values are returned from such input."""
