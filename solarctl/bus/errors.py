"""Why a transaction on a link failed. Every one of these is an error state, never a value."""


class LinkError(Exception):
    """Base: the request got no usable answer."""


class LinkDown(LinkError):
    """The connection is not open (connect failed, or we are waiting out a backoff)."""


class NotSent(LinkDown):
    """The link could not be opened for this request: not a byte of it reached the wire."""


class RequestTimeout(LinkError):
    """No (complete) answer within the timeout."""


class BadFrame(LinkError):
    """An answer arrived but was not a valid reply to the request (CRC, address, function, length)."""
