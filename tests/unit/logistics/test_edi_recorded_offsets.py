"""The offsets a partner recorded: ranges that merge, fill their gaps, and forget what lies past the horizon."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from streams.edi_partner.offsets import HORIZON, Ranges, added, holds


def of(*offsets: int) -> Ranges:
    ranges: Ranges = ()
    for offset in offsets:
        ranges = added(ranges, offset)
    return ranges


def test_neighbours_merge_and_gaps_stay_open_until_filled() -> None:
    assert of(5, 6, 7) == ((5, 7),)
    assert of(5, 7) == ((5, 5), (7, 7))
    assert of(5, 7, 6) == ((5, 7),)
    assert of(9, 3, 4, 1) == ((1, 1), (3, 4), (9, 9))
    assert not holds((), 0)
    assert holds(of(3, 4), 4) and not holds(of(3, 4), 5) and not holds(of(3, 4), 2)


def test_what_lies_a_horizon_below_the_newest_is_held_as_recorded() -> None:
    ranges = of(10, HORIZON + 20)
    assert ranges == ((HORIZON + 20, HORIZON + 20),)  # the old range forgotten
    assert holds(ranges, 10) and holds(ranges, 19)  # below the horizon: taken as recorded
    assert not holds(ranges, 25)  # within it and never recorded


@given(st.lists(st.integers(min_value=0, max_value=300), max_size=60))
def test_ranges_hold_exactly_the_offsets_added(offsets: list[int]) -> None:
    ranges = of(*offsets)
    assert all(a <= b for a, b in ranges)
    assert all(b + 1 < c for (_, b), (c, _) in pairwise(ranges))  # disjoint, not adjacent
    assert {o for o in range(0, 302) if holds(ranges, o)} == set(offsets)
