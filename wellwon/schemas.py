"""Avro schemas on the wire: generated from the domain dataclasses, committed, versioned.

Each message type has files `schemas_avro/<domain>/<Type>.v<N>.avsc`. Writers use the highest
version; readers resolve any older version they meet against it. `check_schemas` (run in CI)
fails when the dataclasses no longer match the latest committed file, or when a version cannot
read data written with the version before it (a change that breaks backward compatibility).
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import re
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Any

import fastavro
from fastavro.utils import generate_many
from pydantic import TypeAdapter

from wellwon.config import PROJECT_ROOT

SCHEMAS_DIR = PROJECT_ROOT / "schemas_avro"
FILE_PATTERN = re.compile(r"^(?P<type>\w+)\.v(?P<version>\d+)\.avsc$")

AvroSchema = dict[str, Any] | list[Any] | str


def _avro_type(annotation: Any, namespace: str, named: set[str]) -> tuple[AvroSchema, bool]:
    """The Avro type for a Python annotation, and whether it is nullable."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"only `X | None` unions are supported, got {annotation}")
        inner, _ = _avro_type(members[0], namespace, named)
        return ["null", inner], True
    if origin in (tuple, list):
        item = typing.get_args(annotation)[0]
        return {"type": "array", "items": _avro_type(item, namespace, named)[0]}, False
    if origin is dict:
        return {"type": "map", "values": _avro_type(typing.get_args(annotation)[1], namespace, named)[0]}, False
    if annotation is bytes:
        return "bytes", False
    if annotation is bool:
        return "boolean", False
    if annotation is int:
        return "long", False
    if annotation is float:
        return "double", False
    if annotation is str or (isinstance(annotation, type) and issubclass(annotation, Enum)):
        # Enums travel as strings so adding a member never breaks an old reader.
        return "string", False
    if annotation is Decimal:
        return "string", False  # exact decimal text; Avro's bytes-decimal fixes a scale we do not want
    if annotation is datetime:
        return {"type": "long", "logicalType": "timestamp-micros"}, False
    if annotation is date:
        return {"type": "int", "logicalType": "date"}, False
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        full_name = f"{namespace}.{annotation.__name__}"
        if full_name in named:
            return full_name, False
        named.add(full_name)
        return _record(annotation, namespace, named), False
    raise TypeError(f"no Avro mapping for {annotation!r}")


def _record(cls: type, namespace: str, named: set[str]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    fields: list[dict[str, Any]] = []
    for f in dataclasses.fields(cls):
        avro, nullable = _avro_type(hints[f.name], namespace, named)
        entry: dict[str, Any] = {"name": f.name, "type": avro}
        if f.default is not dataclasses.MISSING:
            entry["default"] = to_avro(f.default) if not isinstance(f.default, tuple) else list(f.default)
        elif f.default_factory is not dataclasses.MISSING:
            entry["default"] = to_avro(f.default_factory())
        elif nullable:
            entry["default"] = None
        fields.append(entry)
    return {"type": "record", "name": cls.__name__, "namespace": namespace, "fields": fields}


def schema_for(cls: type, namespace: str) -> dict[str, Any]:
    return _record(cls, namespace, {f"{namespace}.{cls.__name__}"})


_PLAIN = (str, int, float, bool, bytes, datetime, date, type(None))  # written as they are (StrEnum is a str)
_AS_IS = frozenset(_PLAIN)  # exactly these types: no converter to call
_CONVERTERS: dict[type, Callable[[Any], Any]] = {}


def to_avro(value: Any) -> Any:
    """A dataclass value as the plain data fastavro writes (and orjson dumps)."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    convert = _CONVERTERS.get(kind)
    if convert is None:
        convert = _CONVERTERS[kind] = _converter(kind)
    return convert(value)


def _converter(kind: type) -> Callable[[Any], Any]:
    """How values of `kind` become plain data: chosen once per type (every encode runs this, per field)."""
    if issubclass(kind, _PLAIN):
        return _as_is
    if dataclasses.is_dataclass(kind):
        return _record_converter(tuple(f.name for f in dataclasses.fields(kind)))
    if issubclass(kind, Enum):
        return _enum_value
    if issubclass(kind, Decimal):
        return str
    if issubclass(kind, tuple | list):
        return _sequence
    if issubclass(kind, dict):
        return _mapping
    return _as_is


def _record_converter(names: tuple[str, ...]) -> Callable[[Any], Any]:
    def convert(value: Any) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for name in names:
            item = getattr(value, name)
            record[name] = item if type(item) in _AS_IS else to_avro(item)
        return record

    return convert


def _as_is(value: Any) -> Any:
    return value


def _enum_value(value: Enum) -> Any:
    return value.value


def _sequence(value: Any) -> list[Any]:
    return [item if type(item) in _AS_IS else to_avro(item) for item in value]


def _mapping(value: dict[Any, Any]) -> dict[Any, Any]:
    return {key: item if type(item) in _AS_IS else to_avro(item) for key, item in value.items()}


@dataclass(frozen=True)
class SchemaVersion:
    name: str  # "<domain>.<Type>"
    version: int
    schema: dict[str, Any]
    path: Path

    @cached_property
    def parsed(self) -> Any:
        return fastavro.parse_schema(self.schema)


def load_committed(root: Path = SCHEMAS_DIR) -> dict[str, list[SchemaVersion]]:
    """Every committed schema file, by message name, oldest version first."""
    found: dict[str, list[SchemaVersion]] = {}
    for path in sorted(root.glob("*/*.avsc")):
        match = FILE_PATTERN.match(path.name)
        if not match:
            continue
        name = f"{path.parent.name}.{match['type']}"
        found.setdefault(name, []).append(
            SchemaVersion(name, int(match["version"]), json.loads(path.read_text()), path)
        )
    for versions in found.values():
        versions.sort(key=lambda v: v.version)
    return found


def reads_data_of(reader: dict[str, Any], writer: dict[str, Any], samples: int = 25) -> str | None:
    """None when `reader` can read what `writer` wrote; otherwise why not."""
    parsed_writer = fastavro.parse_schema(writer)
    parsed_reader = fastavro.parse_schema(reader)
    try:
        for record in generate_many(parsed_writer, samples):
            buffer = io.BytesIO()
            fastavro.schemaless_writer(buffer, parsed_writer, record)
            buffer.seek(0)
            fastavro.schemaless_reader(buffer, parsed_writer, parsed_reader)
    except Exception as exc:  # fastavro raises several types for resolution failures
        return f"{type(exc).__name__}: {exc}"
    return None


class PayloadCodec:
    """Encodes message dataclasses to Avro and back, resolving older writer versions."""

    def __init__(self, message_types: dict[str, type], committed: dict[str, list[SchemaVersion]]):
        self._types = message_types
        self._names = {cls: name for name, cls in message_types.items()}
        self._versions = {name: {v.version: v for v in committed[name]} for name in message_types}
        self._latest = {name: committed[name][-1] for name in message_types}
        self._adapters: dict[str, TypeAdapter[Any]] = {name: TypeAdapter(cls) for name, cls in message_types.items()}

    def name_of(self, message: Any) -> str:
        return self._names[type(message)]

    def encode(self, message: Any) -> tuple[str, int, bytes]:
        name = self._names[type(message)]
        latest = self._latest[name]
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, latest.parsed, to_avro(message))
        return name, latest.version, buffer.getvalue()

    def decode(self, name: str, version: int, payload: bytes) -> Any:
        if name not in self._types:
            raise ValueError(f"unknown message schema {name!r}")
        writer = self._versions[name].get(version)
        if writer is None:
            raise ValueError(f"unknown version {version} of schema {name!r}")
        record = fastavro.schemaless_reader(io.BytesIO(payload), writer.parsed, self._latest[name].parsed)
        return self._adapters[name].validate_python(record)

    def decode_dict(self, name: str, data: dict[str, Any]) -> Any:
        """A message from plain data (e.g. a JSON file), validated like a decoded record."""
        if name not in self._types:
            raise ValueError(f"unknown message schema {name!r}")
        return self._adapters[name].validate_python(data)

    def to_dict(self, message: Any) -> dict[str, Any]:
        data: dict[str, Any] = to_avro(message)
        return data


MessageGroup = tuple[str, tuple[type, ...]]  # (schema folder, the dataclasses written there)


def expected_schemas(groups: Iterable[MessageGroup]) -> dict[str, dict[str, Any]]:
    """The schema each group's dataclasses imply, by message name."""
    expected: dict[str, dict[str, Any]] = {}
    for group, message_types in groups:
        for cls in message_types:
            expected[f"{group}.{cls.__name__}"] = schema_for(cls, f"wellwon.{group}")
    return expected


def check_schemas(groups: Iterable[MessageGroup], root: Path = SCHEMAS_DIR) -> list[str]:
    """Problems that must fail CI: stale files, missing files, backward-incompatible versions."""
    problems: list[str] = []
    committed = load_committed(root)
    for name, schema in expected_schemas(groups).items():
        versions = committed.get(name)
        if not versions:
            problems.append(f"{name}: no committed schema; run `wellwon schemas write`")
            continue
        if versions[-1].schema != schema:
            problems.append(
                f"{name}: the dataclass differs from {versions[-1].path.name}; "
                "run `wellwon schemas write` to add the next version"
            )
    for name, versions in committed.items():
        for older, newer in itertools.pairwise(versions):
            if newer.version != older.version + 1:
                problems.append(f"{name}: version {newer.version} follows {older.version}")
            if why := reads_data_of(newer.schema, older.schema):
                problems.append(f"{name}: v{newer.version} cannot read v{older.version} data ({why})")
    return problems


def write_schemas(groups: Iterable[MessageGroup], root: Path = SCHEMAS_DIR) -> list[Path]:
    """Write a new version file for every message whose dataclass changed; returns the files."""
    committed = load_committed(root)
    written: list[Path] = []
    for name, schema in expected_schemas(groups).items():
        versions = committed.get(name, [])
        if versions and versions[-1].schema == schema:
            continue
        domain, type_name = name.split(".", 1)
        path = root / domain / f"{type_name}.v{(versions[-1].version if versions else 0) + 1}.avsc"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema, indent=2) + "\n")
        written.append(path)
    return written
