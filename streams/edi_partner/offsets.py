"""The `edi.inbound` offsets whose results a partner recorded: per partition, sorted disjoint inclusive ranges.

Usually one range per partition (records are handled in order); a record handled late (after a restart, say,
because Faust dropped it from a fetch while later ones went on) fills its gap when it comes. Ranges ending more than
`HORIZON` offsets below the newest are forgotten, as is anything below them: a record that old comes again only when
the partition is read from its start, and then its result was recorded.
"""

from __future__ import annotations

Ranges = tuple[tuple[int, int], ...]  # (first, last), sorted, disjoint, not adjacent

HORIZON = 1_000_000


def holds(ranges: Ranges, offset: int) -> bool:
    """Whether the offset's result was recorded (or lies below what is still remembered)."""
    if not ranges:
        return False
    if offset < ranges[0][0]:
        return offset < ranges[-1][1] - HORIZON
    return any(first <= offset <= last for first, last in ranges)


def added(ranges: Ranges, offset: int) -> Ranges:
    """The ranges with the offset in them (merged with its neighbours), past the horizon forgotten."""
    if holds(ranges, offset):
        return ranges
    merged: list[tuple[int, int]] = []
    first, last = offset, offset
    for start, end in ranges:
        if end < first - 1 or start > last + 1:
            merged.append((start, end))
        else:
            first, last = min(first, start), max(last, end)
    merged.append((first, last))
    merged.sort()
    newest = merged[-1][1]
    return tuple(r for r in merged if r[1] >= newest - HORIZON)
