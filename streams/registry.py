"""Every domain the platform runs; adding a domain means adding it here, nothing else."""

from streams.company.domain import COMPANY
from streams.customs.domain import CUSTOMS_DECLARATION
from streams.customs_gateway.domain import CUSTOMS_GATEWAY
from streams.domain import Domain
from streams.edi_partner.domain import EDI_PARTNER
from streams.shipment.domain import SHIPMENT
from streams.tariff.domain import CUSTOMS_TARIFF
from streams.user_account.domain import USER_ACCOUNT
from streams.warehouse.domain import WAREHOUSE

DOMAINS: tuple[Domain, ...] = (
    USER_ACCOUNT,
    COMPANY,
    SHIPMENT,
    WAREHOUSE,
    CUSTOMS_DECLARATION,
    CUSTOMS_TARIFF,
    EDI_PARTNER,
    CUSTOMS_GATEWAY,
)


def domain_named(name: str) -> Domain:
    for domain in DOMAINS:
        if domain.name == name:
            return domain
    raise KeyError(f"no domain named {name!r}")
