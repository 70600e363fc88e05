"""Registration of the customs-gateway credential domain with the generic machinery."""

from streams.customs_gateway.commands import COMMANDS
from streams.customs_gateway.decider import GatewayCredential, gateway_credential_decider
from streams.customs_gateway.events import EVENTS
from streams.domain import Domain

CUSTOMS_GATEWAY = Domain(
    name="customs_gateway",
    decider=gateway_credential_decider,
    state_type=GatewayCredential,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=None,  # a platform operator's credential, acting for the tenants it names: no tenant owns it
)
