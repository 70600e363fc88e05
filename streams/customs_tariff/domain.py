"""Registration of the customs-tariff domain (a tenant's tariff tables) with the generic machinery."""

from streams.customs_tariff.commands import COMMANDS
from streams.customs_tariff.decider import tariff_decider
from streams.customs_tariff.events import EVENTS
from streams.customs_tariff.tables import TariffTable
from streams.domain import Domain
from streams.tenancy import Tenancy

CUSTOMS_TARIFF = Domain(
    name="customs_tariff",
    decider=tariff_decider,
    state_type=TariffTable,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda table: table.tenant_id or None, "tariff table"),
)
