"""Identifiers a shipment carries: its business reference, container numbers and other codes.

The ISO 6346 check digit is computed here, not taken from a library, because it is the one rule
that catches a mistyped container number before a carrier does.
"""

from __future__ import annotations

import re
import uuid

SHIPMENT_NAMESPACE = uuid.UUID("0c6f2d55-52a4-4b8e-9a3f-5f1d8e1b7a20")
# A reference partners quote back in EDI (RFF an..35), so it keeps to what EDIFACT carries.
REFERENCE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9./_-]{0,34}$")
CONTAINER_PATTERN = re.compile(r"^[A-Z]{3}[UJZ][0-9]{7}$")
SIZE_TYPE_PATTERN = re.compile(r"^[0-9A-Z]{4}$")  # ISO 6346 size and type, e.g. 22G1, 45G1
PLATE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,14}$")
SCAC_PATTERN = re.compile(r"^[A-Z]{2,4}$")
HS_CODE_PATTERN = re.compile(r"^[0-9]{4,10}$")
UN_NUMBER_PATTERN = re.compile(r"^UN[0-9]{4}$")


def normalize_reference(reference: str) -> str:
    return reference.strip().upper()


def reference_problem(reference: str) -> str | None:
    if not REFERENCE_PATTERN.match(reference):
        return "reference must be 1 to 35 letters, digits or . / _ - (starting with a letter or digit)"
    return None


def shipment_id_for(tenant_id: str, reference: str) -> str:
    """The aggregate id of a tenant's shipment, derived from its business reference.

    Every command about one reference, from the API or from a partner's EDI, lands on one
    aggregate, so the reference is unique per tenant without a lookup that could race.
    """
    return str(uuid.uuid5(SHIPMENT_NAMESPACE, f"{tenant_id}\n{normalize_reference(reference)}"))


# ISO 6346 letter values: 10 upwards, skipping multiples of 11 (11, 22, 33).
_LETTER_VALUES = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (v for v in range(10, 39) if v % 11), strict=True))


def container_check_digit(first_ten: str) -> int:
    """The check digit of owner code, category and serial: weighted sum mod 11, where 10 becomes 0."""
    total = sum(
        (_LETTER_VALUES[char] if char.isalpha() else int(char)) * 2**position for position, char in enumerate(first_ten)
    )
    return total % 11 % 10


def normalize_container_number(number: str) -> str:
    return re.sub(r"[\s./-]", "", number).upper()


def container_number_problem(number: str) -> str | None:
    """Why `number` (already normalised) is not a valid ISO 6346 container number, or None."""
    if not CONTAINER_PATTERN.match(number):
        return f"{number!r} is not a container number (owner code, U/J/Z, 6 digits and a check digit)"
    expected = container_check_digit(number[:10])
    if int(number[10]) != expected:
        return f"{number} has check digit {number[10]}, ISO 6346 gives {expected}"
    return None


def normalize_plate(plate: str) -> str:
    return " ".join(plate.upper().split())


def plate_problem(plate: str) -> str | None:
    if not PLATE_PATTERN.match(plate):
        return f"{plate!r} is not a vehicle plate (2 to 15 letters, digits, spaces or dashes)"
    return None


def scac_problem(scac: str) -> str | None:
    if not SCAC_PATTERN.match(scac):
        return f"{scac!r} is not a SCAC (2 to 4 letters)"
    return None


def normalize_hs_code(code: str) -> str:
    return re.sub(r"[\s.]", "", code)


def hs_code_problem(code: str) -> str | None:
    if not HS_CODE_PATTERN.match(code):
        return f"{code!r} is not an HS code (4 to 10 digits)"
    return None


def normalize_un_number(number: str) -> str:
    compact = number.replace(" ", "").upper()
    return compact if compact.startswith("UN") else f"UN{compact}"


def un_number_problem(number: str) -> str | None:
    if not UN_NUMBER_PATTERN.match(number):
        return f"{number!r} is not a UN number (UN and 4 digits, e.g. UN1263)"
    return None
