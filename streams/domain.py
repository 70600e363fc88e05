"""What a domain registers with the machinery: its name, decider, state, commands, events and tenancy.

The Faust engine, the sinks and the schema tooling are generic; each reads a `Domain`. The rules
every domain obeys are wrapped around its decider here, so no domain can forget them: commands
whose text holds control characters are refused, and a tenant-scoped domain's commands reach only
aggregates of their own tenant.
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.decider import AnyDecider, refusing_control_characters
from streams.tenancy import Tenancy, tenant_scoped


@dataclass(frozen=True)
class Domain:
    name: str  # e.g. "user_account"; prefixes its topics and schema names
    decider: AnyDecider  # given: the domain's own rules; kept: wrapped in the platform's (see __post_init__)
    state_type: type
    commands: tuple[type, ...]
    events: tuple[type, ...]
    # Where the state keeps its tenant; None only for a domain that is not any tenant's (user accounts),
    # which must say so explicitly.
    tenancy: Tenancy | None
    # How many recent command outcomes each aggregate remembers, to answer a repeated command id.
    remembered_outcomes: int = 200

    def __post_init__(self) -> None:
        decider = self.decider if self.tenancy is None else tenant_scoped(self.decider, self.tenancy)
        object.__setattr__(self, "decider", refusing_control_characters(decider))

    @property
    def commands_topic(self) -> str:
        return f"{self.name}.commands"

    @property
    def events_topic(self) -> str:
        return f"{self.name}.events"

    @property
    def results_topic(self) -> str:
        return f"{self.name}.results"

    @property
    def aggregates_table(self) -> str:
        return f"{self.name}-aggregates"

    def schema_name(self, message_type: type) -> str:
        return f"{self.name}.{message_type.__name__}"
