"""What the EDI agent decides about one inbound record, as pure data: the EDI agent's bookkeeping.

A record on `edi.inbound` is a partner's raw interchange (written to Kafka directly) or the API's
submission: the same bytes behind a one-line header carrying the message id the API answered.
Wrapping the bytes, rather than a Kafka header, keeps the id through a dead-letter replay, which
restores key and value only.

Per interchange (partner, UNB sender, control reference) the agent remembers whether it was
applied, a hash of its content, and, per command it asked for, the id it sent and the outcome. The
same reference sent again with the same content is a duplicate; with other content it is a conflict
(the partner re-used a control reference): dead-lettered, so an operator sees it. A replay after a fix then
skips what was accepted, re-sends a rejected command under a new id (the engine answers a repeated
id with its first outcome, so the old id would be refused again), and re-sends a command whose
outcome never came under the same id (if it was handled, the engine answers without a second effect).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from streams.decider import RejectionCode
from streams.edi.requests import EDI_NAMESPACE, ShipmentCommandRequest
from streams.edi_partner.events import MessageResult, ResultStatus, UnknownStatus
from wellwon.envelope import derived_id

SUBMISSION_MARK = b"WELLWON-EDI-SUBMISSION/1 "
ACCEPTED, REJECTED, UNANSWERED = "accepted", "rejected", "unanswered"
NOT_FOUND = str(RejectionCode.NOT_FOUND)


@dataclass(frozen=True)
class Submission:
    message_id: str
    raw: bytes
    channel: str  # "http" (through the API) or "kafka" (written by the partner)


def wrap_submission(message_id: str, raw: bytes) -> bytes:
    return SUBMISSION_MARK + message_id.encode() + b"\n" + raw


def read_submission(partner_id: str, value: bytes) -> Submission:
    """The submission in a record value; a raw interchange gets an id derived from partner and bytes."""
    if value.startswith(SUBMISSION_MARK):
        header, _, raw = value[len(SUBMISSION_MARK) :].partition(b"\n")
        try:
            return Submission(str(uuid.UUID(header.decode("ascii"))), raw, "http")
        except (UnicodeDecodeError, ValueError):
            pass  # not our header after all: treat the whole value as the partner's bytes
    digest = hashlib.sha256(value).hexdigest()
    return Submission(str(uuid.uuid5(EDI_NAMESPACE, f"{partner_id}\n{digest}")), value, "kafka")


@dataclass(frozen=True)
class CommandRecord:
    sent_id: str
    status: str  # accepted | rejected | unanswered
    tries: int = 1


@dataclass
class InterchangeLog:
    """What the agent remembers of one interchange (stored as JSON in its table)."""

    message_id: str
    applied: bool = False
    commands: dict[str, CommandRecord] = field(default_factory=dict)  # request id -> last try
    content_hash: str | None = None  # of the interchange as applied; None in logs kept before hashes were

    def conflicts_with(self, content_hash: str) -> bool:
        """Whether an applied interchange is sent again under its reference with other content."""
        return self.applied and self.content_hash is not None and self.content_hash != content_hash

    def command_id_for(self, request: ShipmentCommandRequest) -> str | None:
        """The id to send the request under now, or None when it was accepted already."""
        known = self.commands.get(request.command_id)
        if known is None:
            return request.command_id
        if known.status == ACCEPTED:
            return None
        if known.status == REJECTED:
            return derived_id(request.command_id, known.tries)
        return known.sent_id

    def sent(self, request: ShipmentCommandRequest, sent_id: str, status: str) -> None:
        known = self.commands.get(request.command_id)
        tries = (known.tries + (known.sent_id != sent_id)) if known else 1
        self.commands[request.command_id] = CommandRecord(sent_id, status, tries)

    def dump(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "applied": self.applied,
            "commands": {k: [c.sent_id, c.status, c.tries] for k, c in self.commands.items()},
            "content_hash": self.content_hash,
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> InterchangeLog:
        commands = {k: CommandRecord(v[0], v[1], v[2]) for k, v in data["commands"].items()}
        return cls(data["message_id"], data["applied"], commands, data.get("content_hash"))


def content_hash(raw: bytes) -> str:
    """What an interchange says, whatever its envelope: the bytes from its first message to its trailer.

    UNB carries the preparation time, which a partner may restamp on a resend of the same content.
    """
    start = raw.find(b"UNH+")
    return hashlib.sha256(raw[start:] if start >= 0 else raw).hexdigest()


@dataclass(frozen=True)
class Answer:
    """What became of one command the agent sent: accepted, or rejected with code and reason."""

    status: str
    code: str | None = None
    reason: str | None = None


def command_name(request: ShipmentCommandRequest) -> str:
    return type(request.command).__name__


def _problem(request: ShipmentCommandRequest, answer: Answer) -> str:
    if answer.status != REJECTED:
        return f"{command_name(request)} for shipment {request.shipment_reference} got no outcome in time"
    tried = f" (identifiers tried: {'; '.join(request.tried)})" if answer.code == NOT_FOUND and request.tried else ""
    rejected = f"rejected ({answer.code}): {answer.reason}{tried}"
    return f"{command_name(request)} for shipment {request.shipment_reference} {rejected}"


def message_result(
    reference: str,
    message_type: str,
    requests: list[ShipmentCommandRequest],
    answers: dict[str, Answer],
    unknown_statuses: tuple[UnknownStatus, ...] = (),
) -> MessageResult:
    """A message is applied when every command it asked for is accepted (now or before)."""
    problems = [_problem(r, answer) for r in requests if (answer := answers[r.command_id]).status != ACCEPTED]
    return MessageResult(
        message_reference=reference,
        message_type=message_type,
        status=ResultStatus.DEAD_LETTERED if problems else ResultStatus.APPLIED,
        reason=f"message {reference}: " + "; ".join(problems) if problems else None,
        shipment_references=tuple(dict.fromkeys(r.shipment_reference for r in requests)),
        command_ids=tuple(r.command_id for r in requests),
        unknown_statuses=unknown_statuses,
    )


def interchange_reason(messages: tuple[MessageResult, ...]) -> str | None:
    reasons = [m.reason for m in messages if m.status is not ResultStatus.APPLIED and m.reason]
    return "; ".join(reasons) or None
