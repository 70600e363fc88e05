"""Who may do what in a company: the role-to-action matrix for every domain of the platform, as data.

Actions name commands and queries across all domains. The matrix (`GRANTS`, read by the tests
against this table so the two cannot drift apart):

| action                      | owner | admin | operator | accountant | viewer |
|-----------------------------|-------|-------|----------|------------|--------|
| company.read                |   x   |   x   |    x     |     x      |   x    |
| company.update              |   x   |   x   |          |            |        |
| company.archive             |   x   |       |          |            |        |
| company.participants.read   |   x   |   x   |    x     |     x      |   x    |
| company.participants.manage |   x   |   x   |          |            |        |
| company.invitations.manage  |   x   |   x   |          |            |        |
| audit.read                  |   x   |   x   |          |            |        |
| shipment.read               |   x   |   x   |    x     |     x      |   x    |
| shipment.create             |   x   |   x   |    x     |            |        |
| shipment.update             |   x   |   x   |    x     |            |        |
| warehouse.read              |   x   |   x   |    x     |     x      |   x    |
| warehouse.operate           |   x   |   x   |    x     |            |        |
| customs.read                |   x   |   x   |    x     |     x      |   x    |
| customs.declaration.edit    |   x   |   x   |    x     |            |        |
| customs.declaration.submit  |   x   |   x   |          |            |        |
| finance.read                |   x   |   x   |          |     x      |   x    |
| finance.invoice.edit        |   x   |   x   |          |     x      |        |
| finance.payment.approve     |   x   |       |          |     x      |        |
| finance.ledger.post         |   x   |   x   |          |     x      |        |
| finance.payment.operate     |   x   |   x   |          |     x      |        |
| finance.fx.trade            |   x   |       |          |     x      |        |
| finance.po.edit             |   x   |   x   |          |     x      |        |
| finance.po.approve          |   x   |   x   |          |     x      |        |
| documents.read              |   x   |   x   |    x     |     x      |   x    |
| documents.upload            |   x   |   x   |    x     |     x      |        |
| edi.partners.manage         |   x   |   x   |          |            |        |
| chat.read                   |   x   |   x   |    x     |     x      |   x    |
| chat.post                   |   x   |   x   |    x     |     x      |   x    |
| chat.partners               |   x   |   x   |    x     |            |        |

Why: an operator prepares shipments and declarations but an admin or owner submits to customs;
payments are approved by the owner or an accountant only, apart from those who raise invoices (the
amount an approver may approve is limited per role and currency: streams/payment/approval.py); payments
are requested, sent and matched to statements by bookkeeping; FX deals bind money, so they are the
approvers' too; manual ledger entries and reversals are bookkeeping (owner, admin, accountant), never an
operator's; purchase orders are approved by those who keep the books, each role up to its limit per
currency (streams/purchase_order/approval.py);
a viewer reads the business data but not the audit trail; everyone discusses in the company's channels and
threads, and those who run the operations open and accept conversations with partner companies.

Beyond the matrix, the company decider applies rank: only an owner adds, invites, promotes,
demotes or removes an owner or admin; an admin manages operators, accountants and viewers.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from streams.decider import CommandContext, Rejection, RejectionCode, reject

ROLE_CLAIM = "role"  # the context claim carrying the actor's role in the command's tenant


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    OPERATOR = "operator"
    ACCOUNTANT = "accountant"
    VIEWER = "viewer"


class Action(StrEnum):
    COMPANY_READ = "company.read"
    COMPANY_UPDATE = "company.update"
    COMPANY_ARCHIVE = "company.archive"
    COMPANY_PARTICIPANTS_READ = "company.participants.read"
    COMPANY_PARTICIPANTS_MANAGE = "company.participants.manage"
    COMPANY_INVITATIONS_MANAGE = "company.invitations.manage"
    AUDIT_READ = "audit.read"
    SHIPMENT_READ = "shipment.read"
    SHIPMENT_CREATE = "shipment.create"
    SHIPMENT_UPDATE = "shipment.update"
    WAREHOUSE_READ = "warehouse.read"
    WAREHOUSE_OPERATE = "warehouse.operate"
    CUSTOMS_READ = "customs.read"
    CUSTOMS_DECLARATION_EDIT = "customs.declaration.edit"
    CUSTOMS_DECLARATION_SUBMIT = "customs.declaration.submit"
    FINANCE_READ = "finance.read"
    FINANCE_INVOICE_EDIT = "finance.invoice.edit"
    FINANCE_PAYMENT_APPROVE = "finance.payment.approve"
    FINANCE_LEDGER_POST = "finance.ledger.post"  # open ledger accounts, manual entries and reversals
    FINANCE_PAYMENT_OPERATE = "finance.payment.operate"  # request, cancel, mark sent, export, statements
    FINANCE_FX_TRADE = "finance.fx.trade"  # quote and agree FX deals
    FINANCE_PO_EDIT = "finance.po.edit"
    FINANCE_PO_APPROVE = "finance.po.approve"
    DOCUMENTS_READ = "documents.read"
    DOCUMENTS_UPLOAD = "documents.upload"
    EDI_PARTNERS_MANAGE = "edi.partners.manage"
    CHAT_READ = "chat.read"
    CHAT_POST = "chat.post"
    CHAT_PARTNERS = "chat.partners"  # open and accept conversations with another company


EVERYONE = frozenset(Role)
MANAGERS = frozenset({Role.OWNER, Role.ADMIN})
OPERATIONS = MANAGERS | {Role.OPERATOR}
BOOKKEEPING = MANAGERS | {Role.ACCOUNTANT}

# The matrix, one row per action: the roles granted it.
GRANTS: Mapping[Action, frozenset[Role]] = MappingProxyType(
    {
        Action.COMPANY_READ: EVERYONE,
        Action.COMPANY_UPDATE: MANAGERS,
        Action.COMPANY_ARCHIVE: frozenset({Role.OWNER}),
        Action.COMPANY_PARTICIPANTS_READ: EVERYONE,
        Action.COMPANY_PARTICIPANTS_MANAGE: MANAGERS,
        Action.COMPANY_INVITATIONS_MANAGE: MANAGERS,
        Action.AUDIT_READ: MANAGERS,
        Action.SHIPMENT_READ: EVERYONE,
        Action.SHIPMENT_CREATE: OPERATIONS,
        Action.SHIPMENT_UPDATE: OPERATIONS,
        Action.WAREHOUSE_READ: EVERYONE,
        Action.WAREHOUSE_OPERATE: OPERATIONS,
        Action.CUSTOMS_READ: EVERYONE,
        Action.CUSTOMS_DECLARATION_EDIT: OPERATIONS,
        Action.CUSTOMS_DECLARATION_SUBMIT: MANAGERS,
        Action.FINANCE_READ: BOOKKEEPING | {Role.VIEWER},
        Action.FINANCE_INVOICE_EDIT: BOOKKEEPING,
        Action.FINANCE_PAYMENT_APPROVE: frozenset({Role.OWNER, Role.ACCOUNTANT}),
        Action.FINANCE_LEDGER_POST: BOOKKEEPING,
        Action.FINANCE_PAYMENT_OPERATE: BOOKKEEPING,
        Action.FINANCE_FX_TRADE: frozenset({Role.OWNER, Role.ACCOUNTANT}),
        Action.FINANCE_PO_EDIT: BOOKKEEPING,
        Action.FINANCE_PO_APPROVE: BOOKKEEPING,
        Action.DOCUMENTS_READ: EVERYONE,
        Action.DOCUMENTS_UPLOAD: EVERYONE - {Role.VIEWER},
        Action.EDI_PARTNERS_MANAGE: MANAGERS,
        Action.CHAT_READ: EVERYONE,
        Action.CHAT_POST: EVERYONE,
        Action.CHAT_PARTNERS: OPERATIONS,
    }
)

# The same matrix by role: what each role may do.
PERMISSIONS: Mapping[Role, frozenset[Action]] = MappingProxyType(
    {role: frozenset(action for action, roles in GRANTS.items() if role in roles) for role in Role}
)


def _role(role: Role | str | None) -> Role | None:
    """The role named, or None: a missing or unknown role (from a claim) is granted nothing."""
    if role is None:
        return None
    try:
        return Role(role)
    except ValueError:
        return None


def _action(action: Action | str) -> Action:
    """An action must be in the matrix: an unknown name is a programming error, never silently denied."""
    return Action(action)


def is_permitted(role: Role | str | None, action: Action | str) -> bool:
    known = _role(role)
    return known is not None and known in GRANTS[_action(action)]


def permitted_actions(role: Role | str | None) -> frozenset[Action]:
    known = _role(role)
    return frozenset() if known is None else PERMISSIONS[known]


def require(role: Role | str | None, action: Action | str) -> Rejection | None:
    """None when `role` may perform `action`; otherwise FORBIDDEN naming both."""
    if is_permitted(role, action):
        return None
    action_name = _action(action).value
    known = _role(role)
    if known is None:
        return reject(RejectionCode.FORBIDDEN, f"{action_name} needs a role in this company; the actor has none")
    return reject(RejectionCode.FORBIDDEN, f"role {known.value} may not perform {action_name}")


def require_claimed(context: CommandContext, action: Action | str) -> Rejection | None:
    """For the engine and the API: check the role the signed token claims, before or instead of a decider."""
    return require(context.claim(ROLE_CLAIM), action)
