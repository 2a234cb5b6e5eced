"""Model objects to JSON data and back, checked against the model's type hints.

One mapping for the whole project: the audit report JSON, the APK worker's answers and the APK
cache all use it, so a field is spelled the same everywhere. Reading back must give the same frozen
dataclasses. Decoding checks every field against the dataclass's type hints
(``str``, ``int``, ``bool``, ``X | None``, ``tuple[X, ...]``, enums, nested dataclasses), so a
corrupted cache file or a confused worker gives ``ValueError``, never a half-typed object.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from auditor.model import ApkResult

T = TypeVar("T")

Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]


def to_data(obj: object) -> Json:
    """Dataclasses to dicts (fields in order), enums to values, tuples to lists."""
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, Enum):
        return to_data(obj.value)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_data(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list | tuple):
        return [to_data(v) for v in obj]
    if isinstance(obj, Mapping):
        return {str(k): to_data(v) for k, v in obj.items()}
    if isinstance(obj, set | frozenset):
        return sorted((to_data(v) for v in obj), key=str)
    raise TypeError(f"cannot encode {type(obj).__name__}")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_data(cls: type[T], data: object) -> T:
    """Rebuild a dataclass of type ``cls`` from ``to_data`` output; ``ValueError`` on any mismatch."""
    value = _decode(cls, data, cls.__name__)
    return typing.cast(T, value)


def _decode(tp: Any, data: object, where: str) -> object:
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _decode(arg, data, where)
            except ValueError as e:
                errors.append(str(e))
        raise ValueError("; ".join(errors) or f"{where}: unexpected null")
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(data, list):
            raise ValueError(f"{where}: expected a list")
        return tuple(_decode(args[0], v, f"{where}[{i}]") for i, v in enumerate(data))
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(data)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected an object")
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in data:
                kwargs[f.name] = _decode(hints[f.name], data[f.name], f"{where}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ValueError(f"{where}: missing {f.name}")
        return tp(**kwargs)
    if tp is bool:
        if not isinstance(data, bool):
            raise ValueError(f"{where}: expected a boolean")
        return data
    if tp is int:
        if not isinstance(data, int) or isinstance(data, bool):
            raise ValueError(f"{where}: expected an integer")
        return data
    if tp is str:
        if not isinstance(data, str):
            raise ValueError(f"{where}: expected a string")
        return data
    if tp is float:
        if not isinstance(data, int | float) or isinstance(data, bool):
            raise ValueError(f"{where}: expected a number")
        return float(data)
    raise ValueError(f"{where}: unsupported type {tp!r}")


def result_from_data(data: object) -> ApkResult:
    """An ``ApkResult`` from its JSON form; ``ValueError`` when it does not fit the model."""
    return from_data(ApkResult, data)
