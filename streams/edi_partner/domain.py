"""Registration of the EDI partner domain with the generic machinery."""

from streams.domain import Domain
from streams.edi_partner.commands import COMMANDS
from streams.edi_partner.decider import EdiPartner, edi_partner_decider
from streams.edi_partner.events import EVENTS
from streams.tenancy import Tenancy

EDI_PARTNER = Domain(
    name="edi_partner",
    decider=edi_partner_decider,
    state_type=EdiPartner,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda partner: partner.tenant_id, "EDI partner"),
)
