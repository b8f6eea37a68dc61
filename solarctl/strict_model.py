"""Base for every config table (wherever it lives): unknown keys are errors, never silently ignored, and scalars
are taken as written: `unit = true` is not unit 1, `poll_interval = "5"` is not 5 s, `unit = 4.0` is not 4
(pydantic would convert them all). A float takes an integer; nothing else is converted."""

import types
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

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
    model_config = ConfigDict(extra="forbid", validate_default=True)

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
        return out
