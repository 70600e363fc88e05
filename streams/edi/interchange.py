"""Reading a UN/EDIFACT interchange: UNA/UNB/UNG/UNH ... UNT/UNE/UNZ, checked, into plain data.

`_split` tokenises (service string advice, release character, separators) with whole-string
splits, giving exactly the segments pydifact gives (pydifact reads anything unusual, and reports
its errors; tests/unit/logistics/test_edifact_tokeniser.py compares the two); this module checks
the envelope an interchange must have: UNB first and UNZ last, every message between UNH and a
UNT whose segment count and reference match, and UNZ's message count and control reference.
The pair (UNB sender, interchange control reference) identifies an interchange, so a partner's
resent interchange can be recognised and skipped.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.segments import Segment as PydifactSegment
from pydifact.segments import SegmentFactory

from streams.edi.errors import EdifactSyntaxError

# Character repertoires of UNB syntax identifiers, as Python codecs.
SYNTAX_ENCODINGS: dict[str, str] = {
    "UNOA": "ascii",
    "UNOB": "ascii",
    "UNOC": "iso-8859-1",
    "UNOD": "iso-8859-2",
    "UNOE": "iso-8859-5",  # Cyrillic
    "UNOF": "iso-8859-7",
    "UNOW": "utf-8",
    "UNOY": "utf-8",
}
SYNTAX_VERSIONS = frozenset({"1", "2", "3", "4"})
_SYNTAX_IN_UNB = re.compile(rb"UNB.(UNO[A-Z])")


@dataclass(frozen=True)
class Segment:
    tag: str
    elements: tuple[tuple[str, ...], ...]  # each data element as its components
    position: int  # 1-based in the interchange, UNB being 1

    def components(self, element: int) -> tuple[str, ...]:
        return self.elements[element] if element < len(self.elements) else ()

    def value(self, element: int, component: int = 0) -> str:
        """The component's text, stripped; "" when the segment does not carry it."""
        parts = self.components(element)
        return parts[component].strip() if component < len(parts) else ""

    def error(self, reason: str) -> EdifactSyntaxError:
        return EdifactSyntaxError(reason, self.position, self.tag)


@dataclass(frozen=True)
class InterchangeId:
    sender_id: str
    control_reference: str

    @property
    def key(self) -> str:
        return f"{self.sender_id}/{self.control_reference}"


@dataclass(frozen=True)
class MessageType:
    code: str  # e.g. IFTSTA
    version: str  # D
    release: str  # 96A
    agency: str  # UN

    @property
    def directory(self) -> str:
        return f"{self.version}.{self.release}"  # e.g. "D.96A"

    def __str__(self) -> str:
        return f"{self.code} {self.directory}"


@dataclass(frozen=True)
class Message:
    reference: str  # UNH message reference number (0062)
    message_type: MessageType
    segments: tuple[Segment, ...]  # between UNH and UNT
    position: int  # of its UNH
    interchange: InterchangeId


@dataclass(frozen=True)
class Interchange:
    syntax_identifier: str  # UNOA, UNOC, ...
    syntax_version: str
    sender_id: str
    sender_qualifier: str
    recipient_id: str
    recipient_qualifier: str
    prepared_at: datetime  # UNB date and time, read as UTC
    control_reference: str
    messages: tuple[Message, ...]
    test: bool = False  # UNB test indicator

    @property
    def id(self) -> InterchangeId:
        return InterchangeId(self.sender_id, self.control_reference)


class _Unvalidated(SegmentFactory):
    """Segments as sent: the envelope is checked here, and pydifact has no D.96A/D.01B tables."""

    @staticmethod
    def create_segment(  # type: ignore[override]
        name: str, *elements: str | list[str], validate: bool = True, version: str = "4", directory: str = ""
    ) -> PydifactSegment:
        return SegmentFactory.create_segment(name, *elements, validate=False, version=version, directory=directory)


def _decoded(raw: bytes) -> str:
    found = _SYNTAX_IN_UNB.search(raw[:512])
    if found is None:
        raise EdifactSyntaxError("no UNB segment with a syntax identifier (UNOA to UNOY)", 1, "UNB")
    syntax = found.group(1).decode("ascii")
    encoding = SYNTAX_ENCODINGS.get(syntax)
    if encoding is None:
        raise EdifactSyntaxError(f"syntax identifier {syntax} is not supported", 1, "UNB")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise EdifactSyntaxError(f"byte {exc.start} is not a {syntax} ({encoding}) character", None) from exc


def _tokenised_by_pydifact(text: str) -> Iterator[Segment]:
    """The reference tokeniser: pydifact, character by character (slow; used for what `_split` leaves to it)."""
    position = 0
    parsed = Parser(factory=_Unvalidated()).parse(text)
    while True:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pydifact warns about empty segments; we check them ourselves
                segment = next(parsed)
        except StopIteration:
            return
        except (EDISyntaxError, ValueError) as exc:
            reason = str(exc).removeprefix("EDIFACT Syntax Error: ")
            raise EdifactSyntaxError(reason, position + 1) from exc
        if segment.tag == "UNA":
            continue
        position += 1
        elements = tuple(tuple(e) if isinstance(e, list) else (e,) for e in segment.elements)
        yield Segment(segment.tag, elements, position)


# Separators when there is no UNA: component, data element, release, segment terminator.
_DEFAULT_SEPARATORS = (":", "+", "?", "'")
_SKIPPED_AFTER_TERMINATOR = " \r\n"  # pydifact skips these after a segment terminator
_PLACEHOLDERS = 0xE000  # private-use code points standing for released characters while splitting
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _tag_is_plain(tag: str) -> bool:
    return len(tag) == 3 and tag.isalnum() and tag.isupper() and tag != "UNA"


def _split(text: str) -> list[Segment] | None:
    """The segments of `text` by splitting whole strings, exactly as pydifact reads them; None when unsure.

    Handles the service string advice (UNA) at the start, release characters (a released character
    is data, "??" is "?"), empty elements and trailing empty components (dropped, as pydifact does).
    Anything unusual (an error, an empty segment, whitespace or repeated characters as separators, a
    UNA not at the start, a release character at the very end or before a newline) returns None, and
    pydifact reads the interchange instead, so errors are reported exactly as before.
    """
    if text.startswith("UNA"):
        service = text[3:9]
        if len(service) != 6:
            return None
        component, data, release, terminator = service[0], service[1], service[3], service[5]
        separators = (component, data, release, terminator)
        if len(set(separators)) != 4 or any(c in _SKIPPED_AFTER_TERMINATOR for c in separators):
            return None
        body = text[9:].lstrip("\r\n")
    else:
        component, data, release, terminator = _DEFAULT_SEPARATORS
        if "'UNA" in text:  # pydifact takes a UNA after any "'", whatever comes before it
            return None
        body = text
    restore: dict[int, str] | None = None
    if release in body:
        if _PRIVATE_USE.search(body):
            return None
        released: dict[str, str] = {}

        def placeholder(found: re.Match[str]) -> str:
            char = found.group(1)
            stand_in = released.get(char)
            if stand_in is None:
                stand_in = released[char] = chr(_PLACEHOLDERS + len(released))
            return stand_in

        body = re.sub(re.escape(release) + "(.)", placeholder, body, flags=re.DOTALL)
        if release in body or "\n" in released:  # released nothing, or a newline: pydifact's errors
            return None
        if len(released) > 0x1000:
            return None  # more than the placeholders set aside
        restore = {ord(stand_in): char for char, stand_in in released.items()}
        after_terminator = tuple(released.get(c, terminator) for c in " \r")
    parts = body.split(terminator)
    if parts[-1].lstrip(_SKIPPED_AFTER_TERMINATOR) if len(parts) > 1 else parts[-1]:
        return None  # text after the last terminator (blanks and line breaks right after one are skipped)
    segments: list[Segment] = []
    for index in range(len(parts) - 1):
        part = parts[index]
        if index:
            part = part.lstrip(_SKIPPED_AFTER_TERMINATOR)
            if restore is not None and part.startswith(after_terminator):
                return None  # a released blank right after a terminator, which pydifact skips
        raw_elements = part.split(data)
        tag = raw_elements[0]
        if not _tag_is_plain(tag):
            return None
        elements: list[tuple[str, ...]] = []
        for raw in raw_elements[1:]:
            if component in raw:
                components = raw.split(component)
                while components and not components[-1]:
                    components.pop()
                elements.append(tuple(components) if components else ("",))
            else:
                elements.append((raw,))
        if restore is not None:
            elements = [tuple(c.translate(restore) for c in element) for element in elements]
        if tag == "UNB" and (not elements or (len(elements[0]) == 1 and len(elements[0][0]) < 2)):
            return None  # pydifact fails reading the syntax identifier
        segments.append(Segment(tag, tuple(elements), index + 1))
    return segments


def _tokenised(text: str) -> Iterator[Segment]:
    segments = _split(text)
    if segments is None:
        yield from _tokenised_by_pydifact(text)
    else:
        yield from segments


def _prepared_at(unb: Segment) -> datetime:
    date, time = unb.value(3, 0), unb.value(3, 1)
    formats = {6: "%y%m%d", 8: "%Y%m%d"}
    if len(date) not in formats or not re.fullmatch(r"\d{4}", time):
        raise unb.error(f"preparation date and time {date}:{time} are not YYMMDD or CCYYMMDD and HHMM")
    try:
        return datetime.strptime(date + time, formats[len(date)] + "%H%M").replace(tzinfo=UTC)
    except ValueError as exc:
        raise unb.error(f"preparation date and time {date}:{time} do not exist") from exc


@dataclass
class _Open:
    """A message being read: its UNH and the segments after it."""

    unh: Segment
    message_type: MessageType
    body: list[Segment]


def _opened(unh: Segment) -> _Open:
    reference = unh.value(0)
    code, version, release, agency = (unh.value(1, i) for i in range(4))
    if not reference or not all((code, version, release, agency)):
        raise unh.error("UNH needs a message reference and type:version:release:agency, e.g. 1+IFTSTA:D:96A:UN")
    return _Open(unh, MessageType(code, version, release, agency), [])


def _closed(message: _Open, unt: Segment, interchange: InterchangeId) -> Message:
    reference = message.unh.value(0)
    counted, actual = unt.value(0), len(message.body) + 2
    if unt.value(1) != reference:
        raise unt.error(f"UNT closes message {unt.value(1)!r} but the open message is {reference!r}")
    if counted != str(actual):
        raise unt.error(f"UNT counts {counted or 'no'} segments but message {reference} has {actual}")
    return Message(reference, message.message_type, tuple(message.body), message.unh.position, interchange)


def parse_interchange(raw: bytes | str) -> Interchange:
    """The interchange in `raw`, or EdifactSyntaxError naming the segment at fault."""
    text = raw if isinstance(raw, str) else _decoded(raw)
    segments = list(_tokenised(text.strip()))
    if not segments:
        raise EdifactSyntaxError("the interchange is empty", None)
    unb = segments[0]
    if unb.tag != "UNB":
        raise unb.error("an interchange starts with UNB (after an optional UNA)")
    syntax, version = unb.value(0, 0), unb.value(0, 1)
    if syntax not in SYNTAX_ENCODINGS or version not in SYNTAX_VERSIONS:
        raise unb.error(f"syntax identifier {syntax}:{version} is not one of UNOA..UNOY with version 1 to 4")
    sender, control_reference = unb.value(1), unb.value(4)
    if not sender or not unb.value(2):
        raise unb.error("UNB names no sender or no recipient")
    if not 1 <= len(control_reference) <= 14:
        raise unb.error("the interchange control reference must be 1 to 14 characters")
    interchange_id = InterchangeId(sender, control_reference)
    prepared_at = _prepared_at(unb)

    messages: list[Message] = []
    groups = 0
    current: _Open | None = None
    for segment in segments[1:]:
        if current is not None and segment.tag not in ("UNH", "UNT", "UNZ", "UNG", "UNE"):
            current.body.append(segment)
        elif segment.tag == "UNH":
            if current is not None:
                raise segment.error(f"UNH before the UNT of message {current.unh.value(0)}")
            current = _opened(segment)
        elif segment.tag == "UNT":
            if current is None:
                raise segment.error("UNT without a UNH")
            messages.append(_closed(current, segment, interchange_id))
            current = None
        elif segment.tag in ("UNG", "UNE"):
            if current is not None:
                raise segment.error(f"{segment.tag} inside message {current.unh.value(0)}")
            groups += segment.tag == "UNG"
        elif segment.tag == "UNZ":
            if current is not None:
                raise segment.error(f"UNZ before the UNT of message {current.unh.value(0)}")
            if segment is not segments[-1]:
                raise segments[segment.position].error("segments after UNZ")
            counted = groups or len(messages)
            if segment.value(0) != str(counted):
                raise segment.error(f"UNZ counts {segment.value(0) or 'no'} messages but the interchange has {counted}")
            if segment.value(1) != control_reference:
                raise segment.error(
                    f"UNZ control reference {segment.value(1)!r} differs from UNB's {control_reference!r}"
                )
            return Interchange(
                syntax_identifier=syntax,
                syntax_version=version,
                sender_id=sender,
                sender_qualifier=unb.value(1, 1),
                recipient_id=unb.value(2),
                recipient_qualifier=unb.value(2, 1),
                prepared_at=prepared_at,
                control_reference=control_reference,
                messages=tuple(messages),
                test=unb.value(10) == "1",
            )
        else:
            raise segment.error(f"{segment.tag} outside a message")
    raise EdifactSyntaxError("the interchange ends without UNZ", segments[-1].position + 1)
