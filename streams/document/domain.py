"""Registration of the documents domain (uploaded and issued files, their versions and recognition)."""

from streams.document.commands import COMMANDS
from streams.document.decider import Document, document_decider
from streams.document.events import EVENTS
from streams.domain import Domain
from streams.tenancy import Tenancy

DOCUMENT = Domain(
    name="document",
    decider=document_decider,
    state_type=Document,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda document: document.tenant_id, "document"),
)
