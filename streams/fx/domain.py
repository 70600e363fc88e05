"""Registration of the FX domain (quotes and the deals agreed on them) with the generic machinery."""

from streams.domain import Domain
from streams.fx.commands import COMMANDS
from streams.fx.decider import FxDeal, fx_decider
from streams.fx.events import EVENTS
from streams.tenancy import Tenancy

FX = Domain(
    name="fx",
    decider=fx_decider,
    state_type=FxDeal,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda deal: deal.tenant_id, "FX quote"),
)
