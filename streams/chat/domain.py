"""Registration of the chat domain (conversations, their members and messages)."""

from streams.chat.commands import COMMANDS
from streams.chat.decider import Conversation, chat_decider, guests
from streams.chat.events import EVENTS
from streams.domain import Domain
from streams.tenancy import Tenancy

CHAT = Domain(
    name="chat",
    decider=chat_decider,
    state_type=Conversation,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda conversation: conversation.tenant_id, "conversation", guests),
)
