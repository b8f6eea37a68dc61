"""Read and validate a TOML config file, turning every problem into one readable message."""

from __future__ import annotations

import difflib
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from solarctl.config.model import Config
from solarctl.devices import registry
from solarctl.errors import ConfigError


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; pass the path of your solarctl.toml with --config") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{path}: line {line}: byte {data[exc.start]:#04x} is not UTF-8; save the file as UTF-8 "
                          f"(TOML files are UTF-8)") from None
    return parse_config(text, str(path))


def parse_config(text: str, source: str = "<config>") -> Config:
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))  # an editor's byte order mark is no reason to refuse it
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    return validate_config(data, source)


def validate_config(data: dict[str, Any], source: str = "<config>") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(err, data) for err in exc.errors(include_url=False)]
        raise ConfigError("\n".join(f"{source}: {line}" for line in dict.fromkeys(lines))) from None


# --- turning pydantic's errors into sentences -------------------------------------------------

_TAG_KEYS = ("driver", "name")


def _unwrap(tp: Any, obj: Any) -> Any:
    """Strip Annotated/Optional/list and pick the union member that matches obj's tag."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = members[0]
            for member in members:
                if isinstance(member, type) and issubclass(member, BaseModel) and isinstance(obj, dict):
                    for key in _TAG_KEYS:
                        field = member.model_fields.get(key)
                        if field and obj.get(key) in typing.get_args(field.annotation):
                            tp = member
        else:
            return tp


def _walk(loc: tuple, data: Any) -> tuple[Any, Any, list[str]]:
    """Follow an error location from the root; return (model or type, input, readable path parts)."""
    tp: Any = Config
    obj: Any = data
    path: list[str] = []
    for part in loc:
        tp = _unwrap(tp, obj)
        if isinstance(part, int):
            tp = typing.get_args(tp)[0] if typing.get_args(tp) else Any
            obj = obj[part] if isinstance(obj, list) and part < len(obj) else None
            name = obj.get("name") if isinstance(obj, dict) else None
            path[-1] += f"[{part}]" + (f" (name {name!r})" if isinstance(name, str) and path[-1] == "device" else "")
        elif isinstance(tp, type) and issubclass(tp, BaseModel) and part in tp.model_fields:
            tp = tp.model_fields[part].annotation
            obj = obj.get(part) if isinstance(obj, dict) else None
            path.append(part)
        elif isinstance(obj, dict) and part not in obj and any(obj.get(k) == part for k in _TAG_KEYS):
            continue  # pydantic puts the union tag (e.g. the driver name) into the location
        else:
            obj = obj.get(part) if isinstance(obj, dict) else None
            path.append(str(part))
    return _unwrap(tp, obj), obj, path


def _describe(err: dict, data: Any) -> str:
    loc = tuple(err["loc"])
    kind = err["type"]
    msg = err["msg"].removeprefix("Value error, ")
    parent_tp, parent_obj, parent_path = _walk(loc[:-1], data) if loc else (Config, data, [])
    _, _, path = _walk(loc, data)
    where = ".".join(path) or "(top level)"
    table = ".".join(parent_path) or "the top level"
    key = str(loc[-1]) if loc else ""
    got = err.get("input")

    if kind == "extra_forbidden":
        allowed = sorted(parent_tp.model_fields) if isinstance(parent_tp, type) and issubclass(parent_tp, BaseModel) else []
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{where}: unknown key {key!r} in {table}{hint} Expected one of: {', '.join(allowed)}"
    if kind == "missing":
        if key in ("host", "port", "unit", "baudrate"):
            if isinstance(parent_tp, type) and "host" in getattr(parent_tp, "model_fields", {}):
                need = "a Modbus TCP device needs host = \"<gateway address>\" (port defaults to 502)"
            else:
                need = "a serial device needs port = \"/dev/ttyUSB0\" (its serial device path)"
            return f"{where}: missing connection setting {key!r}: {need}"
        return f"{where}: required key {key!r} is missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        expected = err.get("ctx", {}).get("expected_tags", "")
        tag = err.get("ctx", {}).get("discriminator", "").strip("'")
        if kind == "union_tag_not_found":
            if tag == "driver" and not expected:  # pydantic names no tags for a callable discriminator
                expected = ", ".join(map(repr, registry.DRIVERS))
            return f"{where}: required key {tag!r} is missing; expected one of: {expected}"
        return f"{where}: unknown {tag} {err.get('ctx', {}).get('tag')!r}; expected one of: {expected}"
    if kind == "value_error":
        return f"{where}: {msg}" if path else msg  # a top-level check names its keys itself
    expectation = msg[0].lower() + msg[1:] if msg.startswith("Input should") else msg
    expectation = expectation.replace("input should be", "expected")
    shown = f", got {got!r}" if got is not None and not isinstance(got, (dict, list)) else ""
    field = parent_tp.model_fields.get(key) if isinstance(parent_tp, type) and issubclass(parent_tp, BaseModel) else None
    hint = f" ({field.description})" if field is not None and field.description else ""
    return f"{where}: {expectation}{shown}{hint}"
