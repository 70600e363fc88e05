"""Duty reconciliation on a declaration: the authority's assessed payments and the findings a reconciliation records.

The customs authority states, on release, the payments it assessed per payment type (its own figures, at the
tariff rates and the official exchange rate of the date it applied). The daily reconciliation (Dagster,
pipelines/reconciliation.py) compares, per declaration and payment type, what the platform calculated at filing,
what the declaration as it stands declares, what the authority assessed and what finance paid, and records each
difference it classifies as a `ReconciliationFinding` on the declaration, once per (payment type, reconciled day,
class): a re-run of the same day records nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class DifferenceClass(StrEnum):
    """Why two figures of one payment type differ."""

    RATE_CHANGED = "rate_changed"  # the authority applied a tariff rate other than the one in force at filing
    FX_DATE = "fx_date"  # the official exchange rate of another date explains the assessed amount
    ROUNDING = "rounding"  # at most one kopeck apart
    MANUAL_CORRECTION = "manual_correction"  # an operator corrected the declaration after its calculation
    MISSING_PAYMENT = "missing_payment"  # assessed more than paid
    OVERPAYMENT = "overpayment"  # paid more than assessed: to be reclaimed (a refund claim)
    UNEXPLAINED = "unexplained"  # differs, and none of the above explains it


@dataclass(frozen=True)
class AssessedPayment:
    """One payment type as the authority assessed it on release (roubles)."""

    payment_code: str  # codes.PAYMENT_TYPES, e.g. "2010" import duty
    amount: Decimal
    rate: str = ""  # the rate(s) applied, as the tariff states them (e.g. "5%"); "" when not stated
    exchange_rate_date: date | None = None  # the date of the official exchange rate it converted at


@dataclass(frozen=True)
class ReconciliationFinding:
    """A difference the reconciliation of `reconciled_on` found on one payment type, in roubles."""

    finding_id: str  # finding_key(...): one per payment type, reconciled day and class
    reconciled_on: date
    payment_code: str
    difference_class: DifferenceClass
    calculated: Decimal  # the platform's calculation at filing
    declared: Decimal  # the declaration as it stands (after any correction)
    assessed: Decimal  # the authority's figure
    paid: Decimal  # finance's payments, allocated to this payment type
    difference: Decimal  # what this class explains (e.g. paid - assessed for an overpayment)
    explanation: str
    recorded_at: datetime


def finding_key(reconciled_on: date, payment_code: str, difference_class: DifferenceClass) -> str:
    return f"{reconciled_on.isoformat()}:{payment_code}:{difference_class.value}"
