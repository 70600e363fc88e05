"""Incoterms 2020 as data: the eleven rules and the transport they may be used with.

Seven rules apply to any mode of transport; FAS, FOB, CFR and CIF are for sea and inland
waterway transport only, because their delivery point is the ship's rail or alongside the ship.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from streams.shipment.details import TransportMode


class Incoterm(StrEnum):
    EXW = "EXW"
    FCA = "FCA"
    CPT = "CPT"
    CIP = "CIP"
    DAP = "DAP"
    DPU = "DPU"
    DDP = "DDP"
    FAS = "FAS"
    FOB = "FOB"
    CFR = "CFR"
    CIF = "CIF"


@dataclass(frozen=True)
class IncotermRule:
    rule: Incoterm
    name: str
    sea_and_inland_waterway_only: bool
    # The rule to suggest instead when a sea-only rule meets another mode (ICC's guidance).
    any_mode_counterpart: Incoterm | None = None


INCOTERMS_2020: dict[Incoterm, IncotermRule] = {
    rule.rule: rule
    for rule in (
        IncotermRule(Incoterm.EXW, "Ex Works", False),
        IncotermRule(Incoterm.FCA, "Free Carrier", False),
        IncotermRule(Incoterm.CPT, "Carriage Paid To", False),
        IncotermRule(Incoterm.CIP, "Carriage and Insurance Paid To", False),
        IncotermRule(Incoterm.DAP, "Delivered at Place", False),
        IncotermRule(Incoterm.DPU, "Delivered at Place Unloaded", False),
        IncotermRule(Incoterm.DDP, "Delivered Duty Paid", False),
        IncotermRule(Incoterm.FAS, "Free Alongside Ship", True, Incoterm.FCA),
        IncotermRule(Incoterm.FOB, "Free On Board", True, Incoterm.FCA),
        IncotermRule(Incoterm.CFR, "Cost and Freight", True, Incoterm.CPT),
        IncotermRule(Incoterm.CIF, "Cost, Insurance and Freight", True, Incoterm.CIP),
    )
}

WATERBORNE_MODES = frozenset({TransportMode.SEA, TransportMode.INLAND_WATERWAY})


def incoterm_problem(rule: Incoterm, mode: TransportMode) -> str | None:
    """Why `rule` cannot govern a shipment moved by `mode`, or None.

    A multimodal shipment is refused a sea-only rule too: its goods reach the carrier before
    they are on board, which is exactly the case ICC steers away from FOB/CFR/CIF.
    """
    entry = INCOTERMS_2020[rule]
    if entry.sea_and_inland_waterway_only and mode not in WATERBORNE_MODES:
        return (
            f"{rule} ({entry.name}) is for sea and inland waterway transport only, "
            f"not {mode}; use {entry.any_mode_counterpart} instead"
        )
    return None
