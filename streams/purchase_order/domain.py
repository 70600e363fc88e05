"""Registration of the purchase order domain with the generic machinery."""

from streams.domain import Domain
from streams.purchase_order.commands import COMMANDS
from streams.purchase_order.decider import PurchaseOrder, purchase_order_decider
from streams.purchase_order.events import EVENTS
from streams.tenancy import Tenancy

PURCHASE_ORDER = Domain(
    name="purchase_order",
    decider=purchase_order_decider,
    state_type=PurchaseOrder,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda order: order.tenant_id, "purchase order"),
)
