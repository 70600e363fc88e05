"""The dashboards and their panels. Panel SQL reads `tenant_events` and `tenant_ledger_entries`, never the
tables: the query layer (`dashboards/query.py`) defines them as the caller's tenant's rows only."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from streams.money import currencies

# What panel SQL may read, and the table each is the tenant's part of (bound by whoever runs the panel:
# the API to the session's company, a Grafana export to its dashboard variable).
TENANT_TABLES = (("tenant_events", "events"), ("tenant_ledger_entries", "ledger_entries"))


class Chart(StrEnum):
    LINE = "line"
    BAR = "bar"
    TABLE = "table"
    NUMBER = "number"


@dataclass(frozen=True)
class Panel:
    id: str
    title: str
    sql: str
    chart: Chart


@dataclass(frozen=True)
class Dashboard:
    id: str
    title: str
    panels: tuple[Panel, ...]


ACTIVITY = Dashboard(
    id="activity",
    title="Company activity",
    panels=(
        Panel(
            "events_per_day",
            "Events per day (30 days)",
            "SELECT toDate(occurred_at) AS day, count() AS events FROM tenant_events"
            " WHERE occurred_at >= now() - INTERVAL 30 DAY GROUP BY day ORDER BY day",
            Chart.LINE,
        ),
        Panel(
            "events_by_type",
            "Events by type",
            "SELECT event_type, count() AS events FROM tenant_events GROUP BY event_type ORDER BY events DESC",
            Chart.BAR,
        ),
        Panel(
            "active_people",
            "People active in the last 7 days",
            "SELECT uniqExact(actor_id) AS people FROM tenant_events"
            " WHERE actor_id != '' AND occurred_at >= now() - INTERVAL 7 DAY",
            Chart.NUMBER,
        ),
        Panel(
            "busiest_aggregates",
            "Most changed records",
            "SELECT aggregate_type, aggregate_id, count() AS changes FROM tenant_events"
            " GROUP BY aggregate_type, aggregate_id ORDER BY changes DESC LIMIT 10",
            Chart.TABLE,
        ),
    ),
)


def in_major_units(column: str) -> str:
    """A minor-unit column of `ledger_entries` in the currency's major unit (kopecks to roubles, yen as yen)."""
    scales = sorted({c.minor_units for c in currencies().values()} - {2})
    cases = ", ".join(
        f"currency IN ({', '.join(repr(c.code) for c in currencies().values() if c.minor_units == units)}), {10**units}"
        for units in scales
    )
    return f"({column}) / multiIf({cases}, 100)"


BANK = "chart IN ('50', '51', '52', '55')"
FINANCE = Dashboard(
    id="finance",
    title="Money",
    panels=(
        Panel(
            "balances",
            "Balances by account and currency (posted)",
            f"SELECT chart, currency, round(sum({in_major_units('debit - credit')}), 2) AS balance"
            " FROM tenant_ledger_entries GROUP BY chart, currency ORDER BY chart, currency",
            Chart.TABLE,
        ),
        Panel(
            "fx_exposure",
            "Foreign-currency exposure: money at the bank, owed to suppliers and by customers",
            f"SELECT currency, round(sumIf({in_major_units('debit - credit')}, {BANK}), 2) AS at_bank,"
            f" round(sumIf({in_major_units('credit - debit')}, chart = '60'), 2) AS owed_to_suppliers,"
            f" round(sumIf({in_major_units('debit - credit')}, chart = '62'), 2) AS owed_by_customers"
            " FROM tenant_ledger_entries WHERE currency != 'RUB' GROUP BY currency ORDER BY currency",
            Chart.TABLE,
        ),
        Panel(
            "paid_out",
            "Paid out of the bank per day (30 days, all currencies in their own units)",
            f"SELECT toDate(recorded_at) AS day, round(sum({in_major_units('credit')}), 2) AS paid_out"
            f" FROM tenant_ledger_entries WHERE {BANK} AND credit > 0 AND recorded_at >= now() - INTERVAL 30 DAY"
            " GROUP BY day ORDER BY day",
            Chart.BAR,
        ),
        Panel(
            "payables_ageing",
            "Payables ageing: what suppliers' invoices still ask, by days past due",
            "SELECT currency, multiIf(days <= 0, 'not due', days <= 30, '1-30', days <= 60, '31-60',"
            " days <= 90, '61-90', '90+') AS overdue_days, round(sum(outstanding), 2) AS owed FROM ("
            " SELECT JSONExtractString(r.payload, 'content', 'currency') AS currency,"
            " dateDiff('day', toDate(JSONExtractString(r.payload, 'content', 'due_on')), today()) AS days,"
            " toFloat64OrZero(JSONExtractString(r.payload, 'totals', 'total')) - p.paid AS outstanding"
            " FROM (SELECT aggregate_id, payload FROM tenant_events"
            " WHERE endsWith(event_type, '.SupplierInvoiceReceived')) AS r"
            " LEFT JOIN (SELECT aggregate_id, sum(toFloat64OrZero(JSONExtractString(payload, 'amount'))) AS paid"
            " FROM tenant_events WHERE endsWith(event_type, '.InvoicePaymentRecorded') GROUP BY aggregate_id) AS p"
            " ON r.aggregate_id = p.aggregate_id"
            " WHERE r.aggregate_id NOT IN (SELECT aggregate_id FROM tenant_events"
            " WHERE endsWith(event_type, '.InvoiceVoided'))"
            ") WHERE outstanding > 0 GROUP BY currency, overdue_days ORDER BY currency, overdue_days",
            Chart.TABLE,
        ),
        Panel(
            "payments_by_counterparty",
            "Approved payments by beneficiary and currency",
            "SELECT JSONExtractString(payload, 'beneficiary_name') AS beneficiary,"
            " JSONExtractString(payload, 'currency') AS currency, count() AS payments,"
            " round(sum(toFloat64OrZero(trim(BOTH '\"' FROM JSONExtractRaw(payload, 'amount')))), 2) AS amount"
            " FROM tenant_events WHERE endsWith(event_type, '.PaymentApproved')"
            " GROUP BY beneficiary, currency ORDER BY amount DESC LIMIT 20",
            Chart.TABLE,
        ),
    ),
)

DASHBOARDS: dict[str, Dashboard] = {d.id: d for d in (ACTIVITY, FINANCE)}
