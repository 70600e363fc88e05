"""Places and countries a shipment names: UN/LOCODEs checked against a shipped reference list.

A UN/LOCODE is the ISO 3166 country code and three letters or digits 2-9 (UN/LOCODE leaves out 0
and 1 so they are not read as O and I). Format alone does not make a place real, so every code
must also be on `data/unlocode.csv`, a curated list of real ports, airports and inland places;
a code that is well formed but not on the list is refused with that reason.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
LOCODE_PATTERN = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")


@dataclass(frozen=True)
class Place:
    locode: str
    name: str
    kind: str  # why the list carries it: port, inland, airport

    @property
    def country(self) -> str:
        return self.locode[:2]


@cache
def known_places() -> dict[str, Place]:
    with (DATA_DIR / "unlocode.csv").open(newline="") as rows:
        reader = csv.DictReader(line for line in rows if not line.startswith("#"))
        return {row["locode"]: Place(row["locode"], row["name"], row["kind"]) for row in reader}


@cache
def country_codes() -> frozenset[str]:
    lines = (DATA_DIR / "countries.txt").read_text().splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def normalize_locode(code: str) -> str:
    """Upper case without the customary space or dash ("NL RTM" -> "NLRTM")."""
    return re.sub(r"[\s-]", "", code).upper()


def locode_problem(code: str) -> str | None:
    """Why `code` (already normalised) is not a usable UN/LOCODE, or None."""
    if not LOCODE_PATTERN.match(code):
        return f"{code!r} is not a UN/LOCODE (country code and 3 letters or digits 2-9, e.g. NLRTM)"
    if code[:2] not in country_codes():
        return f"{code!r} is not a UN/LOCODE: {code[:2]} is not an ISO 3166 country code"
    if code not in known_places():
        return f"{code} is not a known UN/LOCODE place"
    return None


def country_problem(code: str) -> str | None:
    if code not in country_codes():
        return f"{code!r} is not an ISO 3166-1 alpha-2 country code"
    return None


def place_label(code: str) -> str:
    """ "NLRTM (Rotterdam)" for display; the bare code when the place is not on the list."""
    place = known_places().get(code)
    return f"{code} ({place.name})" if place else code
