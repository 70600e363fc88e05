"""Registration of the company (tenant) domain with the generic machinery."""

from streams.company.commands import COMMANDS
from streams.company.decider import Company, company_decider
from streams.company.events import EVENTS
from streams.domain import Domain
from streams.tenancy import Tenancy

COMPANY = Domain(
    name="company",
    decider=company_decider,
    state_type=Company,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda company: company.company_id, "company"),
)
