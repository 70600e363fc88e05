"""The composition root: every domain the platform runs, and what is built from them.

Adding a domain means adding it here, nothing else. The kernel (`wellwon/`) and the engine know no
domain; the entry points (stream worker, sinks, API, the `wellwon` command) take them from here.
"""

from __future__ import annotations

from dashboards.grafana import add_dashboard_commands
from stack.superset import add_superset_commands
from streams.chat.domain import CHAT
from streams.company.domain import COMPANY
from streams.customs.domain import CUSTOMS_DECLARATION
from streams.customs_gateway.domain import CUSTOMS_GATEWAY
from streams.customs_gateway.operators import add_gateway_commands
from streams.customs_tariff.domain import CUSTOMS_TARIFF
from streams.document.domain import DOCUMENT
from streams.document.template.domain import DOCUMENT_TEMPLATE
from streams.domain import Domain
from streams.edi_partner.domain import EDI_PARTNER
from streams.fx.domain import FX
from streams.invoice.domain import INVOICE, INVOICE_NUMBERING
from streams.ledger.domain import LEDGER
from streams.payment.domain import PAYMENT
from streams.payment.statement.domain import BANK_STATEMENT
from streams.process import Process
from streams.purchase_order.domain import PURCHASE_ORDER
from streams.report_schedule.domain import REPORT_SCHEDULE
from streams.sagas.customs_duty import CUSTOMS_DUTY
from streams.sagas.fx import FX_DEALS
from streams.sagas.payments import PAYMENT_MONEY
from streams.sagas.trade import TRADE
from streams.shipment.domain import SHIPMENT
from streams.user_account.domain import USER_ACCOUNT
from streams.warehouse.domain import WAREHOUSE
from wellwon.envelope import MessageCodec, codec_for

DOMAINS: tuple[Domain, ...] = (
    USER_ACCOUNT,
    COMPANY,
    SHIPMENT,
    WAREHOUSE,
    CUSTOMS_DECLARATION,
    CUSTOMS_TARIFF,
    EDI_PARTNER,
    CUSTOMS_GATEWAY,
    PAYMENT,
    BANK_STATEMENT,
    FX,
    LEDGER,
    PURCHASE_ORDER,
    INVOICE,
    INVOICE_NUMBERING,
    DOCUMENT,
    DOCUMENT_TEMPLATE,
    CHAT,
    REPORT_SCHEDULE,
)

# The processes (sagas) the stream worker runs: whenever a domain's event happens, the commands that follow.
PROCESSES: tuple[Process, ...] = (PAYMENT_MONEY, CUSTOMS_DUTY, TRADE, FX_DEALS)


# Subcommands a domain adds to `wellwon` (operators' tools that have no API route).
CLI_COMMANDS = (add_gateway_commands, add_dashboard_commands, add_superset_commands)


def domain_named(name: str) -> Domain:
    for domain in DOMAINS:
        if domain.name == name:
            return domain
    raise KeyError(f"no domain named {name!r}")


def codec() -> MessageCodec:
    """The codec of the platform's messages and every domain's (built once)."""
    return codec_for(DOMAINS)


def main(argv: list[str] | None = None) -> None:
    """The `wellwon` command, given the platform's domains and their own subcommands."""
    from wellwon.cli import main as cli_main

    cli_main(DOMAINS, argv, CLI_COMMANDS)


if __name__ == "__main__":
    main()
