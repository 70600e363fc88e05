"""`to_avro`, the control-character check and the audit trail's flattening choose per type how to look into a value,
once; these check them against the plain recursive definitions they replace, over nested values of every kind they
meet."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from streams.company.audit import REDACTED, redacted_changes
from streams.decider import CONTROL_CHARACTERS, holds_control_characters
from wellwon.schemas import to_avro


class Colour(Enum):
    RED = 1


class Mode(StrEnum):
    SEA = "sea"


@dataclass(frozen=True)
class Leaf:
    text: str
    amount: Decimal | None = None


@dataclass(frozen=True)
class Node:
    label: str
    children: tuple[Any, ...] = ()
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    colour: Colour = Colour.RED
    mode: Mode = Mode.SEA


def reference_plain(value: Any) -> Any:
    """The definition: dataclasses as dicts of their fields, enums as values, Decimals as text, sequences as lists."""
    if isinstance(value, str | int | float | bytes | datetime | date | type(None)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: reference_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [reference_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: reference_plain(v) for k, v in value.items()}
    return value


def reference_changes(value: Any, path: str, into: dict[str, str]) -> dict[str, str]:
    """The audit's "path": "text" pairs: secrets redacted, None left out, enums as their values, dates in ISO."""
    if value is None:
        pass
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            key = f"{path}.{f.name}" if path else f.name
            item = getattr(value, f.name)
            if item is not None and f.metadata.get("secret"):
                into[key] = REDACTED
            else:
                reference_changes(item, key, into)
    elif isinstance(value, tuple | list):
        for index, element in enumerate(value):
            reference_changes(element, f"{path}[{index}]", into)
    elif isinstance(value, dict):
        for key, element in value.items():
            reference_changes(element, f"{path}.{key}" if path else str(key), into)
    elif isinstance(value, Enum):
        into[path] = str(value.value)
    elif isinstance(value, datetime | date):
        into[path] = value.isoformat()
    elif isinstance(value, bytes):
        into[path] = f"<{len(value)} bytes>"
    else:
        into[path] = str(value)
    return into


@dataclass(frozen=True)
class Audited:
    token: str | None = dataclasses.field(metadata={"secret": True})
    body: Any = None
    nested: Node | None = None


def reference_holds(value: Any) -> bool:
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(reference_holds(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, tuple | list | set | frozenset):
        return any(reference_holds(v) for v in value)
    if isinstance(value, dict):
        return any(reference_holds(k) or reference_holds(v) for k, v in value.items())
    return False


texts = st.text(alphabet=st.sampled_from(["a", "я", " ", "\t", "\n", "\x00", "\x1f", "\x7f", "\x85"]), max_size=4)
scalars = st.one_of(
    texts,
    st.integers(),
    st.booleans(),
    st.none(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.datetimes(),
    st.binary(max_size=3),
    st.sampled_from([Colour.RED, Mode.SEA]),
    st.builds(Leaf, texts, st.none() | st.decimals(allow_nan=False, allow_infinity=False)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.frozensets(texts, max_size=3),
        st.dictionaries(texts, inner, max_size=3),
        st.builds(Node, texts, st.lists(inner, max_size=3).map(tuple), st.dictionaries(texts, inner, max_size=2)),
    ),
    max_leaves=12,
)


@given(values)
def test_to_avro_is_the_plain_data_of_the_definition(value: Any) -> None:
    assert to_avro(value) == reference_plain(value)


@given(values)
def test_the_quick_control_character_check_agrees_with_the_walk(value: Any) -> None:
    assert holds_control_characters(value) is reference_holds(value)


@given(st.none() | texts, values, st.none() | st.builds(Node, texts, st.lists(values, max_size=2).map(tuple)))
def test_the_audit_changes_are_those_of_the_definition(token: str | None, body: Any, nested: Node | None) -> None:
    event = Audited(token, body, nested)
    assert redacted_changes(event) == reference_changes(event, "", {})
