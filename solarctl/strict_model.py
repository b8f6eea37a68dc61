"""Base for every config table (wherever it lives): unknown keys are errors, never silently ignored, and scalars
are taken as written: `unit = true` is not unit 1, `poll_interval = "5"` is not 5 s, `unit = 4.0` is not 4
(pydantic would convert them all). A float takes an integer; nothing else is converted. No number is inf or nan
(TOML writes both), and no string is longer than MAX_TEXT. `HttpUrl`: a URL the daemon will call."""

import math
import types
import typing
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

MAX_TEXT = 4096  # characters of any string in the config: names, URLs, templates, hashes are far shorter

# What each scalar type accepts as written.
_ACCEPTS: dict[type, tuple[type, ...]] = {bool: (bool,), int: (int,), float: (int, float), str: (str,)}


class Unconverted:
    """A value of the wrong type, held so that pydantic refuses it (at its key, with its usual message) rather
    than converting it; shown as the value itself."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return str(self.value).lower() if isinstance(self.value, bool) else repr(self.value)  # as TOML writes it


def _scalar(annotation: Any) -> type | None:
    """The scalar type of a field (through Annotated and Optional); None for anything else (unions of several
    types, lists, paths, enums, models)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return None
            annotation = members[0]
        else:
            return annotation if annotation in _ACCEPTS else None


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False, str_max_length=MAX_TEXT)

    @model_validator(mode="before")
    @classmethod
    def _as_written(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, value in data.items():
            field = cls.model_fields.get(name)
            scalar = _scalar(field.annotation) if field is not None else None
            if scalar is not None and value is not None and type(value) not in _ACCEPTS[scalar]:
                out[name] = Unconverted(value)  # bool is an int subclass: types are compared exactly
            elif scalar is None and (where := _not_finite(value, name)) is not None:
                # In a union (a setting's value) every member would fail on its own: one sentence instead.
                raise ValueError(f"{where}: give a number (inf and nan are not numbers a device or a timer can use)")
        return out


def _not_finite(value: Any, where: str) -> str | None:
    """`key = value` of the first inf or nan in a value of lists and tables, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where} = {value}"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _not_finite(item, f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}")
        if found is not None:
            return found
    return None


def _http_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        raise ValueError(f"{url!r} is not a URL ({error}); give an http:// or https:// URL") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{url!r} is not an http:// or https:// URL; give one, e.g. https://relay.example/path")
    if not parts.hostname:
        raise ValueError(f"{url!r} names no host; give one, e.g. https://relay.example/path")
    return url


HttpUrl = Annotated[str, AfterValidator(_http_url)]
