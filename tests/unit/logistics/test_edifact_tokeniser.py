"""The EDIFACT tokeniser (`_split`, whole-string splits) against pydifact, the reference it replaces.

Every fixture, hand-picked edge cases (release characters, custom UNA separators, empty elements
and components, line breaks) and random interchanges, well-formed and not: the segments (or the
error, with its position) must be exactly the ones pydifact gives.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from streams.edi.errors import EdifactSyntaxError
from streams.edi.interchange import Segment, _split, _tokenised, _tokenised_by_pydifact, parse_interchange

FIXTURES = sorted((Path(__file__).parents[2] / "fixtures" / "edifact").glob("*.edi"))


def reference(text: str) -> object:
    """pydifact's segments, or its error (type, text, position)."""
    try:
        return list(_tokenised_by_pydifact(text))
    except Exception as error:
        return type(error).__name__, str(error), getattr(error, "position", None)


def tokenised(text: str) -> object:
    try:
        return list(_tokenised(text))
    except Exception as error:
        return type(error).__name__, str(error), getattr(error, "position", None)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_fixture_is_split_as_pydifact_reads_it(path: Path) -> None:
    text = path.read_bytes().decode("iso-8859-1").strip()
    segments = _split(text)
    assert segments is not None
    assert segments == reference(text)


EDGE_CASES = {
    "released separators": "UNB+UNOC:3+A?+B:ZZ+C?:D+260301:1000+R?'1'FTX+AAA+++50?% ?? off?'s?:x'UNZ+0+R?'1'",
    "release before a plain character": "UNB+UNOC:3+?AB+C+260301:1000+R1'UNZ+0+R1'",
    "double release": "UNB+UNOC:3+A??+B???+C+260301:1000+R1'UNZ+0+R1'",
    "custom separators": "UNA|*.# ~UNB*UNOC|3*A#*B|Z#|Z*C*260301|1000*R1~FTX*A#~B**|x||~UNZ*0*R1~",
    "custom separators with defaults as data": 'UNA;=,! "UNB=UNOC;3=A\'B+C:D?=X=260301;1000=R1"UNZ=0=R1"',
    "empty elements and components": "UNB+UNOC:3+A+B+260301:1000+R1'DTM+++:+::+:x+x:+x::+x::y'UNZ+0+R1'",
    "line breaks and blanks after terminators": (
        "UNA:+.? '\r\nUNB+UNOC:3+A+B+260301:1000+R1'\r\n  FTX+a\nb'\n\nUNZ+0+R1'\n"
    ),
    "blanks inside data": "UNB+UNOC:3+ A + B +260301:1000+R1'FTX+ : ? \t'UNZ+0+R1'",
    "unicode data": "UNB+UNOW:3+Ä+Б+260301:1000+R1'FTX+日本?+語'UNZ+0+R1'",
}


@pytest.mark.parametrize("text", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_are_split_as_pydifact_reads_them(text: str) -> None:
    segments = _split(text)
    assert segments is not None
    assert segments == reference(text)


def test_released_characters_are_data() -> None:
    text = EDGE_CASES["released separators"]
    segments = _split(text)
    assert segments is not None
    assert segments[0].elements[1] == ("A+B", "ZZ")
    assert segments[0].elements[4] == ("R'1",)
    assert segments[1] == Segment("FTX", (("AAA",), ("",), ("",), ("50% ? off's:x",)), 2)


LEFT_TO_PYDIFACT = {
    "no terminator at the end": "UNB+UNOC:3+A+B+260301:1000+R1'UNZ+0+R1",
    "separator at the end": "UNB+UNOC:3+A+B+260301:1000+R1'UNZ+0+",
    "release at the end": "UNB+UNOC:3+A+B+260301:1000+R1'UNZ+0+R1?",
    "release before a newline": "UNB+UNOC:3+A+B+260301:1000+R1'FTX+a?\nb'UNZ+0+R1'",
    "empty segment": "UNB+UNOC:3+A+B+260301:1000+R1''UNZ+0+R1'",
    "lower-case tag": "UNB+UNOC:3+A+B+260301:1000+R1'ftx+a'UNZ+0+R1'",
    "tag with components": "UNB+UNOC:3+A+B+260301:1000+R1'FT:X+a'UNZ+0+R1'",
    "second UNA": "UNA:+.? 'UNB+UNOC:3+A+B+260301:1000+R1'UNA:+.? 'UNZ+0+R1'",
    "UNA after a terminator": "UNB+UNOC:3+A+B+260301:1000+R1'UNA:+.? 'UNZ+0+R1'",
    "repeated separators in UNA": "UNA::.? 'UNB:UNOC:3:A'",
    "blank as release character": "UNA:+.  'UNB+UNOC:3+A+B+260301:1000+R1'UNZ+0+R1'",
    "short UNA": "UNA:+.",
    "released blank after a terminator": "UNB+UNOC:3+A+B+260301:1000+R1'? UNZ+0+R1'",
    "UNB without syntax identifier": "UNB'UNZ+0+R1'",
    "UNB with a one-letter syntax identifier": "UNB+U+A'UNZ+0+R1'",
}


@pytest.mark.parametrize("text", LEFT_TO_PYDIFACT.values(), ids=LEFT_TO_PYDIFACT.keys())
def test_anything_unusual_is_left_to_pydifact(text: str) -> None:
    assert _split(text) is None
    assert tokenised(text) == reference(text)


def test_errors_keep_their_reason_and_position() -> None:
    with pytest.raises(EdifactSyntaxError) as raised:
        parse_interchange(LEFT_TO_PYDIFACT["lower-case tag"])
    assert raised.value.position == 2
    assert "uppercase 3-letter" in raised.value.reason


def well_formed(rng: random.Random, separators: str) -> str:
    """A random interchange whose data holds separators, released as a sender must."""
    component, data, release, terminator = separators[0], separators[1], separators[3], separators[5]
    alphabet = "AB01 .,-/\n" + component + data + release + terminator

    def text() -> str:
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))
        return "".join(release + c if c in (component, data, release, terminator) else c for c in raw)

    segments = ["UNB" + data + "UNOC" + component + "3" + data + text()]
    for _ in range(rng.randrange(0, 8)):
        tag = "".join(rng.choice("ABCDEFXYZ019") for _ in range(3))
        if not tag.isupper():  # pydifact's tags: three upper-case letters or digits, at least one letter
            tag = "FTX"
        elements = [component.join(text() for _ in range(rng.randrange(1, 4))) for _ in range(rng.randrange(0, 5))]
        segments.append(data.join([tag, *elements]))
    joints = ["", "", "\n", "\r\n", " ", "\n  "]
    body = "".join(segment + terminator + rng.choice(joints) for segment in segments)
    return ("UNA" + separators if separators != ":+.? '" or rng.random() < 0.5 else "") + body


@pytest.mark.parametrize("separators", [":+.? '", ":+,? '", "|*.# ~", ';=,! "', "+:.?_!"])
def test_random_well_formed_interchanges_are_split_as_pydifact_reads_them(separators: str) -> None:
    rng = random.Random(separators)
    for _ in range(400):
        text = well_formed(rng, separators)
        segments = _split(text)
        if segments is None:  # only for what pydifact skips or reads oddly: a released blank after a terminator
            assert separators[3] + " " in text or separators[3] + "\r" in text
        assert tokenised(text) == reference(text), text


def test_random_text_gives_the_segments_or_the_error_pydifact_gives() -> None:
    rng = random.Random(15)
    pieces = ["UNB", "UNA", "UNZ", "FTX", "ftx", "A", "1", " ", "\n", "\r", ":", "+", "?", "'", "", "Ä", "UNOC:3"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 25)))
        if rng.random() < 0.3:
            text = "UNA" + "".join(rng.choice(":+.? '|*#~") for _ in range(6)) + text
        assert tokenised(text) == reference(text), repr(text)


def test_random_damage_to_interchanges_gives_the_segments_or_the_error_pydifact_gives() -> None:
    rng = random.Random(2026)
    split = 0
    for _ in range(4000):
        separators = rng.choice([":+.? '", "|*.# ~"])
        text = well_formed(rng, separators)
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(len(text) + 1)
            if rng.random() < 0.5:
                text = text[:at] + rng.choice(separators + "\n\r A" + ":+?'") + text[at:]
            else:
                text = text[:at] + text[at + 1 :]
        split += _split(text) is not None
        assert tokenised(text) == reference(text), repr(text)
    assert split > 1000  # the damage left many of them readable by `_split`, so both paths are compared
