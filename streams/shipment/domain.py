"""Registration of the shipment domain with the generic machinery."""

from streams.domain import Domain
from streams.shipment.commands import COMMANDS
from streams.shipment.decider import Shipment, shipment_decider
from streams.shipment.events import EVENTS
from streams.tenancy import Tenancy

SHIPMENT = Domain(
    name="shipment",
    decider=shipment_decider,
    state_type=Shipment,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda shipment: shipment.tenant_id, "shipment"),
)
