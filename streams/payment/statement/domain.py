"""Registration of the bank-statement domain (imported statements and their matches) with the machinery."""

from streams.domain import Domain
from streams.payment.statement.commands import COMMANDS
from streams.payment.statement.decider import Statement, statement_decider
from streams.payment.statement.events import EVENTS
from streams.tenancy import Tenancy

BANK_STATEMENT = Domain(
    name="bank_statement",
    decider=statement_decider,
    state_type=Statement,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda statement: statement.tenant_id, "statement"),
)
