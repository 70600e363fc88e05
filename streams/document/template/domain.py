"""Registration of document templates (a tenant's texts for the documents it issues)."""

from streams.document.template.commands import COMMANDS
from streams.document.template.decider import DocumentTemplate, template_decider
from streams.document.template.events import EVENTS
from streams.domain import Domain
from streams.tenancy import Tenancy

DOCUMENT_TEMPLATE = Domain(
    name="document_template",
    decider=template_decider,
    state_type=DocumentTemplate,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda template: template.tenant_id, "document template"),
)
