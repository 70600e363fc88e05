"""Every domain's Postgres projection; adding a domain's read model means adding it here."""

from sinks.postgres.audit import AUDIT_PROJECTION
from sinks.postgres.company import COMPANY_PROJECTION
from sinks.postgres.projection import Projection
from sinks.postgres.user_account import USER_ACCOUNT_PROJECTION

PROJECTIONS: tuple[Projection, ...] = (USER_ACCOUNT_PROJECTION, COMPANY_PROJECTION, AUDIT_PROJECTION)
