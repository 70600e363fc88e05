"""The EDI agent: partners' raw EDIFACT interchanges on `edi.inbound` become shipment commands."""

from __future__ import annotations

import faust

from wellwon.config import Settings
from wellwon.envelope import MessageCodec


def register_edi_agent(app: faust.App, settings: Settings, codec: MessageCodec) -> None:
    """Adds the EDI agent (and its tables) to the stream worker's Faust app."""
    return None
