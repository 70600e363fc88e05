"""Stock on hand per location and SKU, folded from a warehouse's events.

Every stock event is one movement: into a location (received), out of one (dispatched), or
from one to another (put away, moved, picked). `stock_levels` folds the movements of any list
of events; the decider keeps the same fold in its state to refuse negative stock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from streams.warehouse.events import (
    StockDispatched,
    StockMoved,
    StockPicked,
    StockPutAway,
    StockReceived,
    WarehouseEvent,
)

ZERO = Decimal(0)


@dataclass(frozen=True)
class StockLine:
    location: str
    sku: str
    quantity: Decimal


@dataclass(frozen=True)
class Movement:
    sku: str
    quantity: Decimal
    from_location: str | None  # None: the goods came from outside the warehouse
    to_location: str | None  # None: the goods left the warehouse


def movement_of(event: WarehouseEvent) -> Movement | None:
    match event:
        case StockReceived():
            return Movement(event.sku, event.quantity, None, event.location)
        case StockPutAway() | StockMoved() | StockPicked():
            return Movement(event.sku, event.quantity, event.from_location, event.to_location)
        case StockDispatched():
            return Movement(event.sku, event.quantity, event.from_location, None)
    return None


def _adjusted(lines: tuple[StockLine, ...], location: str, sku: str, change: Decimal) -> tuple[StockLine, ...]:
    current = on_hand(lines, location, sku)
    others = tuple(line for line in lines if (line.location, line.sku) != (location, sku))
    quantity = current + change
    # Lines at zero are dropped so the state holds only what is actually there.
    return others if quantity == ZERO else (*others, StockLine(location, sku, quantity))


def moved(lines: tuple[StockLine, ...], movement: Movement) -> tuple[StockLine, ...]:
    if movement.from_location is not None:
        lines = _adjusted(lines, movement.from_location, movement.sku, -movement.quantity)
    if movement.to_location is not None:
        lines = _adjusted(lines, movement.to_location, movement.sku, movement.quantity)
    return lines


def on_hand(lines: Iterable[StockLine], location: str, sku: str) -> Decimal:
    return next((line.quantity for line in lines if (line.location, line.sku) == (location, sku)), ZERO)


def stock_levels(events: Iterable[WarehouseEvent]) -> dict[tuple[str, str], Decimal]:
    """(location, sku) -> quantity on hand after `events`; only non-zero levels appear."""
    lines: tuple[StockLine, ...] = ()
    for event in events:
        if (movement := movement_of(event)) is not None:
            lines = moved(lines, movement)
    return {(line.location, line.sku): line.quantity for line in lines}
