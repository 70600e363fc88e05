"""Registration of the warehouse domain with the generic machinery."""

from streams.domain import Domain
from streams.tenancy import Tenancy
from streams.warehouse.commands import COMMANDS
from streams.warehouse.decider import Warehouse, warehouse_decider
from streams.warehouse.events import EVENTS

WAREHOUSE = Domain(
    name="warehouse",
    decider=warehouse_decider,
    state_type=Warehouse,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda warehouse: warehouse.tenant_id, "warehouse"),
)
