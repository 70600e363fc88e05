"""Registration of the payment domain (outgoing and incoming payments) with the generic machinery."""

from streams.domain import Domain
from streams.payment.commands import COMMANDS
from streams.payment.decider import Payment, payment_decider
from streams.payment.events import EVENTS
from streams.tenancy import Tenancy

PAYMENT = Domain(
    name="payment",
    decider=payment_decider,
    state_type=Payment,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda payment: payment.tenant_id, "payment"),
)
