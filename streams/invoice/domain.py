"""Registration of the invoice domains with the generic machinery: invoices, and their numbering per tenant and year."""

from streams.domain import Domain
from streams.invoice.commands import COMMANDS, NUMBERING_COMMANDS
from streams.invoice.decider import Invoice, InvoiceNumbering, invoice_decider, numbering_decider
from streams.invoice.events import EVENTS, NUMBERING_EVENTS
from streams.tenancy import Tenancy

INVOICE = Domain(
    name="invoice",
    decider=invoice_decider,
    state_type=Invoice,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda invoice: invoice.tenant_id, "invoice"),
)

INVOICE_NUMBERING = Domain(
    name="invoice_numbering",
    decider=numbering_decider,
    state_type=InvoiceNumbering,
    commands=NUMBERING_COMMANDS,
    events=NUMBERING_EVENTS,
    tenancy=Tenancy(lambda numbering: numbering.tenant_id, "invoice numbering"),
)
