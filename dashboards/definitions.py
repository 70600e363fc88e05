"""The dashboards, their parameters and panels. Panel SQL reads `tenant_events` and `tenant_<fact table>`, never
the tables: the query layer (`dashboards/query.py`) defines them as the caller's tenant's rows only. Parameters
appear in panel SQL as ClickHouse server-side parameters, `{name:Type}`, and are bound as values, never spliced."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sinks.clickhouse_facts import FACTS
from streams.money import currencies
from streams.shipment.details import TransportMode

# What panel SQL may read: (name, table, what of it) for the tenant's part of each table, bound by whoever
# runs the panel (the API to the session's company, a Grafana export to its dashboard variable). The fact
# tables read as their merged values (sinks/clickhouse_facts.py).
TENANT_TABLES: tuple[tuple[str, str, str], ...] = (
    ("tenant_events", "events", "*"),
    *((f"tenant_{facts.table}", facts.table, facts.reads) for facts in FACTS),
)


# How a parameter appears in panel SQL: `{name:Type}`, a ClickHouse server-side parameter.
SERVER_PARAMETER = re.compile(r"\{(\w+):\w+\}")


class ParameterKind(StrEnum):
    DATE = "Date"
    STRING = "String"


@dataclass(frozen=True)
class Parameter:
    """A value a dashboard's reader chooses, as `{name:kind}` in panel SQL; "" for a choice means everything."""

    name: str
    label: str
    kind: ParameterKind
    choices: tuple[str, ...] = ()  # the allowed values, "" first when "all" is allowed; empty: any matching pattern
    pattern: str = ""  # what a free value must match (anchored)
    default_days_ago: int | None = None  # dates: today minus this many days

    def default(self, today: date) -> str:
        if self.kind is ParameterKind.DATE:
            return (today - timedelta(days=self.default_days_ago or 0)).isoformat()
        return self.choices[0] if self.choices else ""


SINCE = Parameter("since", "From", ParameterKind.DATE, default_days_ago=90)
UNTIL = Parameter("until", "To", ParameterKind.DATE, default_days_ago=0)
MODE = Parameter("mode", "Mode", ParameterKind.STRING, choices=("", *(str(m) for m in TransportMode)))
CURRENCY = Parameter("currency", "Currency", ParameterKind.STRING, pattern=r"(|[A-Z]{3})")
PROCEDURE = Parameter("procedure", "Procedure", ParameterKind.STRING, pattern=r"(|[0-9]{2})")
PARAMETERS: dict[str, Parameter] = {p.name: p for p in (SINCE, UNTIL, MODE, CURRENCY, PROCEDURE)}


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
    parameters: tuple[Parameter, ...] = ()


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
IN_PERIOD = "BETWEEN {since:Date} AND {until:Date}"
CURRENCY_CHOSEN = "({currency:String} = '' OR currency = {currency:String})"
FINANCE = Dashboard(
    id="finance",
    title="Money",
    parameters=(SINCE, UNTIL, CURRENCY),
    panels=(
        Panel(
            "balances",
            "Balances by account and currency (posted)",
            f"SELECT chart, currency, round(sum({in_major_units('debit - credit')}), 2) AS balance"
            f" FROM tenant_ledger_entries WHERE {CURRENCY_CHOSEN} GROUP BY chart, currency ORDER BY chart, currency",
            Chart.TABLE,
        ),
        Panel(
            "fx_exposure",
            "Foreign-currency exposure: money at the bank, owed to suppliers and by customers",
            f"SELECT currency, round(sumIf({in_major_units('debit - credit')}, {BANK}), 2) AS at_bank,"
            f" round(sumIf({in_major_units('credit - debit')}, chart = '60'), 2) AS owed_to_suppliers,"
            f" round(sumIf({in_major_units('debit - credit')}, chart = '62'), 2) AS owed_by_customers"
            f" FROM tenant_ledger_entries WHERE currency != 'RUB' AND {CURRENCY_CHOSEN}"
            " GROUP BY currency ORDER BY currency",
            Chart.TABLE,
        ),
        Panel(
            "paid_out",
            "Paid out of the bank per day (each currency in its own units)",
            f"SELECT toDate(recorded_at) AS day, round(sum({in_major_units('credit')}), 2) AS paid_out"
            f" FROM tenant_ledger_entries WHERE {BANK} AND credit > 0 AND toDate(recorded_at) {IN_PERIOD}"
            f" AND {CURRENCY_CHOSEN} GROUP BY day ORDER BY day",
            Chart.BAR,
        ),
        Panel(
            "payables_ageing",
            "Payables and receivables ageing: what is still owed, by days past due",
            "SELECT kind, currency, multiIf(days <= 0, 'not due', days <= 30, '1-30', days <= 60, '31-60',"
            " days <= 90, '61-90', '90+') AS overdue_days, count() AS invoices, round(sum(outstanding), 2) AS owed"
            " FROM (SELECT kind, currency, outstanding, dateDiff('day', due_on, today()) AS days FROM tenant_invoices"
            f" WHERE kind IN ('payable', 'receivable') AND status NOT IN ('void', 'draft', 'paid') AND outstanding > 0"
            f" AND {CURRENCY_CHOSEN}) GROUP BY kind, currency, overdue_days ORDER BY kind, currency, overdue_days",
            Chart.TABLE,
        ),
        Panel(
            "payments_by_counterparty",
            "Payments by counterparty and currency (requested or received in the period)",
            "SELECT direction, counterparty, currency, count() AS payments, round(sum(amount), 2) AS amount"
            " FROM tenant_payments WHERE status NOT IN ('rejected', 'cancelled', 'returned')"
            f" AND toDate(coalesce(requested_at, settled_on)) {IN_PERIOD} AND {CURRENCY_CHOSEN}"
            " GROUP BY direction, counterparty, currency ORDER BY amount DESC LIMIT 20",
            Chart.TABLE,
        ),
        Panel(
            "payments_by_currency",
            "Payments per currency (in its own units)",
            "SELECT currency, round(sum(amount), 2) AS amount FROM tenant_payments"
            " WHERE status NOT IN ('rejected', 'cancelled', 'returned')"
            f" AND toDate(coalesce(requested_at, settled_on)) {IN_PERIOD} AND {CURRENCY_CHOSEN}"
            " GROUP BY currency ORDER BY currency",
            Chart.BAR,
        ),
        Panel(
            "fx_deals",
            "Currency conversions agreed and settled, by pair",
            "SELECT concat(sell_currency, ' → ', buy_currency) AS pair, status, count() AS deals,"
            " round(sum(sell_amount), 2) AS sold, round(sum(buy_amount), 2) AS bought FROM tenant_fx_deals"
            " WHERE status IN ('agreed', 'settled')"
            " AND ({currency:String} = '' OR {currency:String} IN (sell_currency, buy_currency))"
            " GROUP BY pair, status ORDER BY pair, status",
            Chart.TABLE,
        ),
    ),
)

SHIPMENTS_CHOSEN = f"WHERE toDate(created_at) {IN_PERIOD} AND ({{mode:String}} = '' OR mode = {{mode:String}})"
LANE = "concat(substring(origin, 1, 2), ' → ', substring(destination, 1, 2))"
LOGISTICS = Dashboard(
    id="logistics",
    title="Logistics",
    parameters=(SINCE, UNTIL, MODE),
    panels=(
        Panel(
            "shipments_per_week",
            "Shipments created per week",
            f"SELECT toMonday(created_at) AS week, count() AS shipments FROM tenant_shipments {SHIPMENTS_CHOSEN}"
            " GROUP BY week ORDER BY week",
            Chart.LINE,
        ),
        Panel(
            "shipments_by_status",
            "Shipments by status",
            f"SELECT status, count() AS shipments FROM tenant_shipments {SHIPMENTS_CHOSEN}"
            " GROUP BY status ORDER BY shipments DESC",
            Chart.BAR,
        ),
        Panel(
            "lead_time_by_lane",
            "Lead time by lane and mode: booked to delivered",
            f"SELECT {LANE} AS lane, mode, count() AS shipments, countIf(delivered_at IS NOT NULL) AS delivered,"
            " round(avgIf(dateDiff('hour', booked_at, delivered_at), delivered_at IS NOT NULL) / 24, 1)"
            f" AS lead_days FROM tenant_shipments {SHIPMENTS_CHOSEN} AND origin != ''"
            " GROUP BY lane, mode ORDER BY shipments DESC, lane",
            Chart.TABLE,
        ),
        Panel(
            "dwell_by_milestone",
            "Average hours from each milestone to the next",
            "SELECT step.1 AS stage, round(avg(step.2), 1) AS hours FROM tenant_shipments"
            " ARRAY JOIN [('1 booked → picked up', dateDiff('hour', booked_at, picked_up_at)),"
            " ('2 picked up → departed', dateDiff('hour', picked_up_at, departed_at)),"
            " ('3 departed → arrived', dateDiff('hour', departed_at, arrived_at)),"
            " ('4 arrived → released', dateDiff('hour', arrived_at, released_at)),"
            " ('5 released → delivered', dateDiff('hour', released_at, delivered_at))] AS step"
            f" {SHIPMENTS_CHOSEN} AND step.2 IS NOT NULL GROUP BY stage ORDER BY stage",
            Chart.BAR,
        ),
        Panel(
            "on_time_rate",
            "Arrived on time against the plan, %",
            "SELECT if(count() = 0, NULL, round(100 * countIf(arrived_at <= planned_arrival) / count(), 1)) AS on_time"
            f" FROM tenant_shipments {SHIPMENTS_CHOSEN} AND arrived_at IS NOT NULL AND planned_arrival IS NOT NULL",
            Chart.NUMBER,
        ),
        Panel(
            "exceptions_by_kind",
            "Exceptions by kind (open and resolved)",
            "SELECT kind, count() AS exceptions FROM tenant_shipments ARRAY JOIN exception_kinds AS kind"
            f" {SHIPMENTS_CHOSEN} GROUP BY kind ORDER BY exceptions DESC",
            Chart.BAR,
        ),
    ),
)

DECLARATIONS_CHOSEN = (
    f"toDate(created_at) {IN_PERIOD} AND ({{procedure:String}} = '' OR procedure_code = {{procedure:String}})"
)
CHOSEN_DECLARATION_IDS = f"(SELECT declaration_id FROM tenant_declarations WHERE {DECLARATIONS_CHOSEN})"
LIVE_ITEMS = f"tenant_declaration_items WHERE NOT removed AND declaration_id IN {CHOSEN_DECLARATION_IDS}"
CUSTOMS = Dashboard(
    id="customs",
    title="Customs",
    parameters=(SINCE, UNTIL, PROCEDURE),
    panels=(
        Panel(
            "declarations_by_status",
            "Declarations by procedure and status",
            "SELECT procedure_code AS procedure, status, count() AS declarations FROM tenant_declarations"
            f" WHERE {DECLARATIONS_CHOSEN} GROUP BY procedure, status ORDER BY procedure, status",
            Chart.TABLE,
        ),
        Panel(
            "time_to_release",
            "Hours from submission to release, by procedure",
            "SELECT procedure_code AS procedure, round(avg(dateDiff('minute', submitted_at, released_at)) / 60, 1)"
            f" AS hours FROM tenant_declarations WHERE {DECLARATIONS_CHOSEN} AND released_at IS NOT NULL"
            " AND submitted_at IS NOT NULL GROUP BY procedure ORDER BY procedure",
            Chart.BAR,
        ),
        Panel(
            "duties_by_month",
            "Duties and taxes assessed on release per month, roubles",
            "SELECT toStartOfMonth(released_at) AS month, round(sum(amount), 2) AS duties"
            f" FROM tenant_declaration_payments WHERE declaration_id IN {CHOSEN_DECLARATION_IDS}"
            " GROUP BY month ORDER BY month",
            Chart.BAR,
        ),
        Panel(
            "duties_by_chapter",
            "Duties and taxes by HS chapter and origin (shared across items by invoice value), roubles",
            "SELECT i.hs_chapter AS hs_chapter, i.origin_country AS origin_country,"
            " round(sum(p.amount * toFloat64(i.invoice_value) / t.total), 2) AS duties"
            " FROM (SELECT declaration_id, toFloat64(sum(amount)) AS amount FROM tenant_declaration_payments"
            " GROUP BY declaration_id) AS p"
            f" INNER JOIN (SELECT declaration_id, hs_chapter, origin_country, invoice_value FROM {LIVE_ITEMS}) AS i"
            " ON i.declaration_id = p.declaration_id"
            " INNER JOIN (SELECT declaration_id, toFloat64(sum(invoice_value)) AS total FROM tenant_declaration_items"
            " WHERE NOT removed GROUP BY declaration_id) AS t ON t.declaration_id = p.declaration_id"
            " WHERE t.total > 0 GROUP BY hs_chapter, origin_country ORDER BY duties DESC LIMIT 20",
            Chart.TABLE,
        ),
        Panel(
            "value_by_chapter",
            "Declared invoice value by HS chapter and currency",
            "SELECT hs_chapter, currency, count() AS items, round(sum(invoice_value), 2) AS invoice_value"
            f" FROM {LIVE_ITEMS} GROUP BY hs_chapter, currency ORDER BY invoice_value DESC LIMIT 20",
            Chart.TABLE,
        ),
        Panel(
            "rejection_reasons",
            "Rejection reasons",
            "SELECT rejection_reason AS reason, count() AS declarations FROM tenant_declarations"
            f" WHERE {DECLARATIONS_CHOSEN} AND status = 'rejected' GROUP BY reason ORDER BY declarations DESC",
            Chart.TABLE,
        ),
    ),
)

DOCUMENTS_EDI = Dashboard(
    id="documents_edi",
    title="Documents and EDI",
    parameters=(SINCE, UNTIL),
    panels=(
        Panel(
            "document_activity",
            "Documents uploaded, recognised and verified per day",
            "SELECT toDate(at) AS day, activity, count() AS times FROM tenant_document_activity"
            f" WHERE toDate(at) {IN_PERIOD} GROUP BY day, activity ORDER BY day, activity",
            Chart.TABLE,
        ),
        Panel(
            "recognitions_by_type",
            "Recognitions by document type",
            "SELECT document_type, count() AS recognitions FROM tenant_document_activity"
            f" WHERE activity = 'recognised' AND toDate(at) {IN_PERIOD} GROUP BY document_type"
            " ORDER BY recognitions DESC",
            Chart.BAR,
        ),
        Panel(
            "verification_corrections",
            "Verified fields the operator corrected, by field",
            "SELECT field_name, countIf(corrected) AS corrected, count() AS verified FROM tenant_document_activity"
            f" WHERE activity = 'field_verified' AND toDate(at) {IN_PERIOD} GROUP BY field_name"
            " ORDER BY corrected DESC, field_name",
            Chart.TABLE,
        ),
        Panel(
            "edi_by_partner",
            "EDI interchanges per partner, and the share dead-lettered",
            "SELECT partner_id AS partner, count() AS interchanges, sum(messages) AS messages,"
            " countIf(status = 'dead_lettered') AS dead_lettered,"
            " round(100 * countIf(status = 'dead_lettered') / count(), 1) AS dead_letter_rate"
            f" FROM tenant_edi_interchanges WHERE toDate(received_at) {IN_PERIOD}"
            " GROUP BY partner ORDER BY interchanges DESC",
            Chart.TABLE,
        ),
        Panel(
            "edi_per_day",
            "EDI interchanges per day",
            "SELECT toDate(received_at) AS day, count() AS interchanges FROM tenant_edi_interchanges"
            f" WHERE toDate(received_at) {IN_PERIOD} GROUP BY day ORDER BY day",
            Chart.LINE,
        ),
    ),
)

DASHBOARDS: dict[str, Dashboard] = {d.id: d for d in (ACTIVITY, LOGISTICS, CUSTOMS, FINANCE, DOCUMENTS_EDI)}
