"""Model objects to JSON data and back, checked against the model's type hints.

One mapping for the whole project: the audit report JSON, the APK worker's answers and the APK
cache all use it, so a field is spelled the same everywhere. Reading back must give the same frozen
dataclasses. Decoding checks every field against the dataclass's type hints
(``str``, ``int``, ``bool``, ``X | None``, ``tuple[X, ...]``, enums, nested dataclasses), so a
corrupted cache file or a confused worker gives ``ValueError``, never a half-typed object.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, TypeVar

from auditor.model import ApkResult

T = TypeVar("T")

Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]


DERIVED = "__json_derived__"
"""A dataclass may name read-only properties to write after its fields, for readers of the JSON (e.g. a
command record's ``output`` path). They are derived, so decoding ignores them."""


_HIDDEN_IN_JSON = re.compile("[\u007f-\u009f\u2028\u2029]")


def json_text(value: object, *, indent: int | None = None, compact: bool = False) -> str:
    """JSON text as the auditor writes it: non-ASCII kept (readable), but DEL, the C1 controls and the
    line/paragraph separators written as ``\\u`` escapes.

    Why: ``json`` always escapes C0 controls (ESC included) but, with ``ensure_ascii=False``, writes
    U+0080–U+009F raw, and the C1 CSI (U+009B) drives a terminal like ``ESC [``: an app label could act on
    the terminal of whoever runs ``--format json --out -``. Escaping changes the bytes, not the decoded
    strings. U+2028/U+2029 end a line in JavaScript, so escaping them keeps the text safe inside a script.
    """
    separators = (",", ":") if compact else None
    text = json.dumps(value, indent=indent, ensure_ascii=False, separators=separators)
    if _HIDDEN_IN_JSON.search(text) is None:
        return text
    return _HIDDEN_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _names(cls: type) -> tuple[str, ...]:
    found = _encoded_names.get(cls)
    if found is None:
        found = tuple(f.name for f in dataclasses.fields(cls)) + tuple(getattr(cls, DERIVED, ()))
        _encoded_names[cls] = found
    return found


_encoded_names: dict[type, tuple[str, ...]] = {}


def to_data(obj: object) -> Json:
    """Dataclasses to dicts (fields in order, then derived properties), enums to values, tuples to lists."""
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, Enum):
        return to_data(obj.value)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {name: to_data(getattr(obj, name)) for name in _names(type(obj))}
    if isinstance(obj, list | tuple):
        return [to_data(v) for v in obj]
    if isinstance(obj, Mapping):
        return {str(k): to_data(v) for k, v in obj.items()}
    if isinstance(obj, set | frozenset):
        return sorted((to_data(v) for v in obj), key=str)
    raise TypeError(f"cannot encode {type(obj).__name__}")


_Decoder = Callable[[object], object]


class _Bad(ValueError):
    """A value that does not fit; ``path`` is filled in on the way out, only when it happens."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str] = []


_decoders: dict[object, _Decoder] = {}


def _decoder(tp: object) -> _Decoder:
    found = _decoders.get(tp)
    if found is None:
        found = _build(tp)
        _decoders[tp] = found
    return found


_PRIMITIVES: dict[object, tuple[Callable[[object], bool], str]] = {
    bool: (lambda d: d is True or d is False, "expected a boolean"),
    int: (lambda d: isinstance(d, int) and not isinstance(d, bool), "expected an integer"),
    str: (lambda d: isinstance(d, str), "expected a string"),
}
"""Checks (and messages) of the leaf types; ``float`` is decoded apart because it converts."""


def _build(tp: Any) -> _Decoder:
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        return _union(tp)
    if origin is tuple:
        return _tuple(typing.get_args(tp)[0])
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _enum(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass(tp)
    if tp in _PRIMITIVES:
        ok, message = _PRIMITIVES[tp]

        def dec_leaf(data: object) -> object:
            if ok(data):
                return data
            raise _Bad(message)

        return dec_leaf
    if tp is float:

        def dec_float(data: object) -> object:
            if isinstance(data, int | float) and not isinstance(data, bool):
                return float(data)
            raise _Bad("expected a number")

        return dec_float
    raise TypeError(f"unsupported type {tp!r}")


def _union(tp: Any) -> _Decoder:
    all_args = typing.get_args(tp)
    nullable = type(None) in all_args
    args = [a for a in all_args if a is not type(None)]
    if len(args) == 1 and nullable and args[0] in _PRIMITIVES:
        # ``str | None`` and the like: most fields of the report; one check, no nested call.
        ok, message = _PRIMITIVES[args[0]]

        def dec_optional_leaf(data: object) -> object:
            if data is None or ok(data):
                return data
            raise _Bad(message)

        return dec_optional_leaf
    subs = [_decoder(a) for a in args]
    if len(subs) == 1:
        only = subs[0]

        def dec_optional(data: object) -> object:
            if data is None:
                if nullable:
                    return None
                raise _Bad("unexpected null")
            return only(data)

        return dec_optional

    def dec_union(data: object) -> object:
        if data is None and nullable:
            return None
        errors = []
        for sub in subs:
            try:
                return sub(data)
            except _Bad as e:
                errors.append(e.message)
        raise _Bad("; ".join(errors) or "unexpected null")

    return dec_union


def _tuple(item_type: object) -> _Decoder:
    item = _decoder(item_type)
    leaf = _PRIMITIVES.get(item_type)

    def dec_tuple(data: object) -> object:
        if not isinstance(data, list):
            raise _Bad("expected a list")
        try:
            if leaf is not None:
                ok, message = leaf
                for v in data:
                    if not ok(v):
                        raise _Bad(message)
                return tuple(data)
            return tuple([item(v) for v in data])
        except _Bad as e:
            for i, v in enumerate(data):  # the error path only: find which item it was
                try:
                    item(v)
                except _Bad:
                    e.path.append(f"[{i}]")
                    break
            raise

    return dec_tuple


def _enum(tp: type[Enum]) -> _Decoder:
    members: dict[object, Enum] = {m.value: m for m in tp}

    def dec_enum(data: object) -> object:
        try:
            return members[data]
        except (KeyError, TypeError):
            pass
        try:
            return tp(data)
        except ValueError as e:
            raise _Bad(str(e)) from e

    return dec_enum


def _dataclass(tp: type) -> _Decoder:
    hints = typing.get_type_hints(tp)
    fields: list[tuple[str, _Decoder, bool]] = []
    for f in dataclasses.fields(tp):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        fields.append((f.name, _decoder(hints[f.name]), required))
    pairs = tuple((name, sub) for name, sub, _ in fields)

    def careful(data: dict[str, object]) -> object:
        """Field by field: defaults for absent fields, and the field's name on an error."""
        kwargs = {}
        for name, sub, required in fields:
            if name in data:
                try:
                    kwargs[name] = sub(data[name])
                except _Bad as e:
                    e.path.append(f".{name}")
                    raise
            elif required:
                raise _Bad(f"missing {name}")
        return tp(**kwargs)

    def dec_dataclass(data: object) -> object:
        if not isinstance(data, dict):
            raise _Bad("expected an object")
        # Fast path: ``to_data`` writes every field, in order, so construct positionally. Anything
        # else (a field absent, a bad value) goes the careful way, which also names the field.
        try:
            args = [sub(data[name]) for name, sub in pairs]
        except (KeyError, _Bad):
            return careful(data)
        return tp(*args)

    return dec_dataclass


def from_data(cls: type[T], data: object) -> T:
    """``cls`` rebuilt from ``to_data`` output; ``ValueError`` naming the place on any mismatch.

    E.g. ``AuditReport.device.sdk: expected an integer``. The checks are compiled once per dataclass
    into closures (reading a 300-app report takes ~40 ms instead of ~200 ms walking the type hints
    per value), and the location of an error is built only when one happens.
    """
    try:
        value = _decoder(cls)(data)
    except _Bad as e:
        where = cls.__name__ + "".join(reversed(e.path))
        raise ValueError(f"{where}: {e.message}") from None
    return typing.cast(T, value)


def result_from_data(data: object) -> ApkResult:
    """An ``ApkResult`` from its JSON form; ``ValueError`` when it does not fit the model."""
    return from_data(ApkResult, data)
