"""Why a partner's interchange or message could not become commands, typed, with a human reason.

The EDI agent sends the raw interchange to the dead-letter topic with `details()`; after a fix
(in the partner's data or in our mapping) it can be replayed.
"""

from __future__ import annotations


class EdiError(Exception):
    kind = "edi_error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def details(self) -> dict[str, str | int | None]:
        return {"kind": self.kind, "reason": self.reason}


class EdifactSyntaxError(EdiError):
    """The interchange breaks EDIFACT syntax, or a segment holds a value that cannot be read."""

    kind = "syntax_error"

    def __init__(self, reason: str, position: int | None, tag: str | None = None) -> None:
        where = f"segment {position}" if position is not None else "interchange"
        if tag:
            where = f"{where} ({tag})"
        super().__init__(f"{where}: {reason}")
        self.position = position  # 1-based, counting UNB as 1 (a UNA service string is not counted)
        self.tag = tag

    def details(self) -> dict[str, str | int | None]:
        return {**super().details(), "position": self.position, "tag": self.tag}


class UnsupportedMessage(EdiError):
    """A message type, directory or function this platform does not map."""

    kind = "unsupported_message"

    def __init__(self, reason: str, message_reference: str | None = None) -> None:
        super().__init__(reason)
        self.message_reference = message_reference

    def details(self) -> dict[str, str | int | None]:
        return {**super().details(), "message_reference": self.message_reference}


class MissingReference(EdiError):
    """A message that names no shipment reference this partner is agreed to quote."""

    kind = "missing_reference"

    def __init__(self, reason: str, message_reference: str) -> None:
        super().__init__(reason)
        self.message_reference = message_reference

    def details(self) -> dict[str, str | int | None]:
        return {**super().details(), "message_reference": self.message_reference}


class PartnerMismatch(EdiError):
    """An interchange whose UNB sender is not one the partner it arrived for sends from."""

    kind = "partner_mismatch"
