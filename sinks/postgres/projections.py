"""Every domain's Postgres projection; adding a domain's read model means adding it here."""

from notifications.store import NOTIFICATION_PROJECTION
from sinks.postgres.audit import AUDIT_PROJECTION
from sinks.postgres.chat import CHAT_PROJECTION
from sinks.postgres.company import COMPANY_PROJECTION
from sinks.postgres.customs import CUSTOMS_PROJECTION
from sinks.postgres.customs_gateway import CUSTOMS_GATEWAY_PROJECTION
from sinks.postgres.customs_tariff import TARIFF_PROJECTION
from sinks.postgres.document import DOCUMENT_PROJECTION
from sinks.postgres.document_template import DOCUMENT_TEMPLATE_PROJECTION
from sinks.postgres.edi import EDI_PROJECTION
from sinks.postgres.fx import FX_PROJECTION
from sinks.postgres.invoice import INVOICE_NUMBERING_PROJECTION, INVOICE_PROJECTION
from sinks.postgres.ledger import LEDGER_PROJECTION
from sinks.postgres.payment import BANK_STATEMENT_PROJECTION, PAYMENT_PROJECTION
from sinks.postgres.projection import Projection
from sinks.postgres.purchase_order import PURCHASE_ORDER_PROJECTION
from sinks.postgres.report_schedule import REPORT_SCHEDULE_PROJECTION
from sinks.postgres.shipment import SHIPMENT_PROJECTION
from sinks.postgres.user_account import USER_ACCOUNT_PROJECTION
from sinks.postgres.warehouse import WAREHOUSE_PROJECTION

PROJECTIONS: tuple[Projection, ...] = (
    USER_ACCOUNT_PROJECTION,
    COMPANY_PROJECTION,
    SHIPMENT_PROJECTION,
    WAREHOUSE_PROJECTION,
    CUSTOMS_PROJECTION,
    EDI_PROJECTION,
    TARIFF_PROJECTION,
    CUSTOMS_GATEWAY_PROJECTION,
    LEDGER_PROJECTION,
    PAYMENT_PROJECTION,
    BANK_STATEMENT_PROJECTION,
    FX_PROJECTION,
    AUDIT_PROJECTION,
    PURCHASE_ORDER_PROJECTION,
    INVOICE_PROJECTION,
    INVOICE_NUMBERING_PROJECTION,
    DOCUMENT_PROJECTION,
    DOCUMENT_TEMPLATE_PROJECTION,
    CHAT_PROJECTION,
    REPORT_SCHEDULE_PROJECTION,
    NOTIFICATION_PROJECTION,
)
