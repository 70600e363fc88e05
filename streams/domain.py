"""What a domain registers with the machinery: its name, decider, state, commands and events.

The Faust engine, the sinks and the schema tooling are generic; each reads a `Domain`.
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.decider import AnyDecider


@dataclass(frozen=True)
class Domain:
    name: str  # e.g. "user_account"; prefixes its topics and schema names
    decider: AnyDecider
    state_type: type
    commands: tuple[type, ...]
    events: tuple[type, ...]
    # How many recent command outcomes each aggregate remembers, to answer a repeated command id.
    remembered_outcomes: int = 200

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
