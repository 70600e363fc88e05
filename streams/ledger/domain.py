"""Registration of the ledger domain (one double-entry ledger per tenant) with the generic machinery."""

from streams.domain import Domain
from streams.ledger.commands import COMMANDS
from streams.ledger.decider import Ledger, ledger_decider
from streams.ledger.events import EVENTS
from streams.tenancy import Tenancy

LEDGER = Domain(
    name="ledger",
    decider=ledger_decider,
    state_type=Ledger,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda ledger: ledger.tenant_id, "ledger"),
)
