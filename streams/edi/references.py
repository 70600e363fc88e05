"""Finding the shipment a message is about among the references it carries."""

from __future__ import annotations

from collections.abc import Sequence

from streams.edi.partners import TradingPartner

Reference = tuple[str, str]  # (RFF qualifier or "CNI"/"BGM", value)


def shipment_reference(references: Sequence[Reference], partner: TradingPartner) -> str | None:
    """The first reference, in the partner's order of qualifiers, that the message carries."""
    for qualifier in partner.reference_qualifiers:
        for found, value in references:
            if found == qualifier and value:
                return value
    return None


def looked_for(partner: TradingPartner) -> str:
    return ", ".join(partner.reference_qualifiers)
