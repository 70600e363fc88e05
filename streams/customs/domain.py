"""Registration of the customs-declaration domain with the generic machinery."""

from streams.customs.commands import COMMANDS
from streams.customs.decider import declaration_decider
from streams.customs.declaration import Declaration
from streams.customs.events import EVENTS
from streams.domain import Domain
from streams.tenancy import Tenancy

CUSTOMS_DECLARATION = Domain(
    name="customs_declaration",
    decider=declaration_decider,
    state_type=Declaration,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda declaration: declaration.tenant_id or None, "declaration"),
)
