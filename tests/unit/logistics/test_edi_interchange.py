"""Reading UN/EDIFACT interchanges: the envelope, its checks, and errors that name the segment."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.edi.errors import EdifactSyntaxError
from streams.edi.interchange import InterchangeId, parse_interchange
from tests.unit.logistics.logistics_scenarios import fixture

UNA = "UNA:+.? '"


def interchange_text(
    *body: str, unb: str = "UNB+UNOC:3+MAEU:ZZZ+WELLWON:ZZZ+260217:0905+REF1", unz: str | None = None
) -> str:
    messages = sum(1 for segment in body if segment.startswith("UNH"))
    closing = unz if unz is not None else f"UNZ+{messages}+REF1"
    return "'\n".join((UNA.removesuffix("'"), unb, *body, closing)) + "'"


def message(*segments: str, reference: str = "1", kind: str = "IFTSTA:D:96A:UN") -> list[str]:
    return [f"UNH+{reference}+{kind}", *segments, f"UNT+{len(segments) + 2}+{reference}"]


def test_the_envelope_is_read_from_unb() -> None:
    interchange = parse_interchange(fixture("iftsta_d96a_picked_up.edi"))
    assert (interchange.syntax_identifier, interchange.syntax_version) == ("UNOC", "3")
    assert (interchange.sender_id, interchange.sender_qualifier) == ("MAEU", "ZZZ")
    assert (interchange.recipient_id, interchange.recipient_qualifier) == ("WELLWON", "ZZZ")
    assert interchange.prepared_at == datetime(2026, 2, 17, 9, 5, tzinfo=UTC)
    assert interchange.id == InterchangeId("MAEU", "MAEU00004711")
    assert interchange.id.key == "MAEU/MAEU00004711"
    [only] = interchange.messages
    assert (only.reference, only.message_type.code, only.message_type.directory) == ("1", "IFTSTA", "D.96A")
    assert [s.tag for s in only.segments] == ["BGM", "DTM", "NAD", "CNI", "STS", "RFF", "DTM", "LOC", "EQD"]
    assert only.segments[0].position == 3  # UNB is 1, UNH 2; the UNA service string is not counted
    assert only.interchange == interchange.id


def test_syntax_version_4_has_a_four_digit_year() -> None:
    interchange = parse_interchange(fixture("iftmin_d01b_road_instruction.edi"))
    assert interchange.syntax_version == "4"
    assert interchange.prepared_at == datetime(2026, 3, 11, 7, 40, tzinfo=UTC)


def test_the_release_character_escapes_separators() -> None:
    text = interchange_text(*message("FTX+AAI+++O?'BRIEN?: 50?+ CARTONS?? OK"))
    [only] = parse_interchange(text).messages
    assert only.segments[0].components(3) == ("O'BRIEN: 50+ CARTONS? OK",)


def test_bytes_are_decoded_by_the_syntax_identifier() -> None:
    latin1 = interchange_text(*message("NAD+CZ+++MÜLLER GMBH")).encode("iso-8859-1")
    assert parse_interchange(latin1).messages[0].segments[0].value(3) == "MÜLLER GMBH"
    name = "ООО РОМАШКА"
    cyrillic = interchange_text(
        *message(f"NAD+CN+++{name}"), unb="UNB+UNOE:3+MAEU:ZZZ+WELLWON:ZZZ+260217:0905+REF1"
    ).encode("iso-8859-5")
    assert parse_interchange(cyrillic).messages[0].segments[0].value(3) == name


def test_bytes_outside_the_declared_repertoire_are_a_syntax_error() -> None:
    with pytest.raises(EdifactSyntaxError, match="not a UNOA"):
        parse_interchange(
            interchange_text(*message("NAD+CZ+++MÜLLER"), unb="UNB+UNOA:3+M+W+260217:0905+REF1").encode("utf-8")
        )


def test_a_wrong_segment_count_names_the_unt_and_its_position() -> None:
    with pytest.raises(EdifactSyntaxError) as raised:
        parse_interchange(fixture("iftsta_d96a_broken_count.edi"))
    assert (raised.value.position, raised.value.tag) == (8, "UNT")
    assert "UNT counts 9 segments but message 1 has 7" in raised.value.reason
    assert raised.value.details()["position"] == 8


@pytest.mark.parametrize(
    ("unt", "reason"),
    [
        ("UNT++1", "UNT counts no segments but message 1 has 3"),
        ("UNT+2+1", "UNT counts 2 segments but message 1 has 3"),
        ("UNT+4+1", "UNT counts 4 segments but message 1 has 3"),
    ],
)
def test_unt_must_count_the_segments_of_its_message_unh_and_unt_included(unt: str, reason: str) -> None:
    with pytest.raises(EdifactSyntaxError) as raised:
        parse_interchange(interchange_text("UNH+1+IFTSTA:D:96A:UN", "BGM+23+X+9", unt))
    assert (raised.value.tag, raised.value.position, raised.value.reason) == ("UNT", 4, f"segment 4 (UNT): {reason}")


def test_a_unt_counting_its_message_exactly_closes_it() -> None:
    interchange = parse_interchange(interchange_text("UNH+1+IFTSTA:D:96A:UN", "BGM+23+X+9", "UNT+3+1"))
    [read] = interchange.messages
    assert (read.reference, [s.tag for s in read.segments], read.position) == ("1", ["BGM"], 2)


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        (interchange_text(*message("BGM+23+X+9"))[:-1] + "UNZ+1", 5, "Unexpected end"),
        (interchange_text(*message("BGM+23+X+9"), unz=""), 5, "ends without UNZ"),
        (
            interchange_text(*message("BGM+23+X+9"), unz="UNZ+2+REF1"),
            5,
            "UNZ counts 2 messages but the interchange has 1",
        ),
        (interchange_text(*message("BGM+23+X+9"), unz="UNZ+1+REF2"), 5, "differs from UNB's 'REF1'"),
        (interchange_text("BGM+23+X+9"), 2, "BGM outside a message"),
        (interchange_text("UNH+1+IFTSTA:D:96A:UN", "bgm+23"), 3, "uppercase"),
        (interchange_text(*message("BGM+23+X+9"), unb="UNB+UNOC:3+MAEU+WELLWON+260230:0905+REF1"), 1, "do not exist"),
        (interchange_text(*message("BGM+23+X+9"), unb="UNB+UNOC:3+MAEU+WELLWON+260217:0905+"), 1, "control reference"),
        (interchange_text(*message("BGM+23+X+9"), unb="UNB+UNOQ:3+MAEU+WELLWON+260217:0905+REF1"), 1, "UNOQ:3"),
        (interchange_text("UNH+1+IFTSTA", "UNT+2+1"), 2, "type:version:release:agency"),
        (interchange_text("UNH+1+IFTSTA:D:96A:UN", "UNT+2+7"), 3, "UNT closes message '7'"),
        ("UNH+1+IFTSTA:D:96A:UN'UNT+2+1'", 1, "starts with UNB"),
    ],
)
def test_envelope_errors_name_the_segment(text: str, position: int, words: str) -> None:
    with pytest.raises(EdifactSyntaxError) as raised:
        parse_interchange(text)
    assert raised.value.position == position
    assert words in raised.value.reason


def test_an_empty_interchange_is_refused() -> None:
    with pytest.raises(EdifactSyntaxError, match="empty"):
        parse_interchange("   ")


def test_functional_groups_are_read_through_and_counted_by_unz() -> None:
    text = interchange_text(
        "UNG+IFTSTA+MAEU+WELLWON+260217:0905+G1+UN+D:96A", *message("BGM+23+X+9"), "UNE+1+G1", unz="UNZ+1+REF1"
    )
    assert len(parse_interchange(text).messages) == 1


def test_the_test_indicator_is_read() -> None:
    text = interchange_text(*message("BGM+23+X+9"), unb="UNB+UNOC:3+MAEU+WELLWON+260217:0905+REF1++++++1")
    assert parse_interchange(text).test is True
