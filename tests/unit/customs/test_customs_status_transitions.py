"""Every (from, to) pair of declaration statuses: reachable by a command exactly when the business rule allows.

The rule is restated here, not read from the decider: a declarant validates a draft and submits a
validated declaration; the customs authority registers a submitted one, releases a registered one,
and may refuse one that is submitted or registered. Released and refused are final.
"""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest

from streams.customs.commands import (
    DeclarationCommand,
    RegisterDeclaration,
    RejectDeclaration,
    ReleaseDeclaration,
    SubmitDeclaration,
    ValidateDeclaration,
)
from streams.customs.decider import declaration_decider
from streams.customs.declaration import DeclarationStatus
from streams.customs.events import (
    DeclarationEvent,
    DeclarationRegistered,
    DeclarationRejected,
    DeclarationReleased,
    DeclarationSubmitted,
    DeclarationValidated,
)
from streams.customs.examples import EXAMPLE_DATE
from streams.decider import CommandContext, Rejection, RejectionCode
from tests.unit.customs.test_customs_declaration_decider import CUSTOMS, NOW, context, created

D = DeclarationStatus
ALLOWED_MOVES = {
    ("draft", "validated"),
    ("validated", "submitted"),
    ("submitted", "registered"),
    ("registered", "released"),
    ("submitted", "rejected"),
    ("registered", "rejected"),
}

HISTORIES: dict[D, list[DeclarationEvent]] = {
    D.DRAFT: [created()],
    D.VALIDATED: [created(), DeclarationValidated(NOW)],
    D.SUBMITTED: [created(), DeclarationValidated(NOW), DeclarationSubmitted(NOW, EXAMPLE_DATE)],
}
HISTORIES[D.REGISTERED] = [
    *HISTORIES[D.SUBMITTED],
    DeclarationRegistered("10702070/170325/0001234", date(2025, 3, 17), NOW),
]
HISTORIES[D.RELEASED] = [*HISTORIES[D.REGISTERED], DeclarationReleased(NOW)]
HISTORIES[D.REJECTED] = [*HISTORIES[D.SUBMITTED], DeclarationRejected("invoice value doubtful", NOW)]

# Every command that may move a declaration, with who sends it.
MOVES: list[tuple[DeclarationCommand, CommandContext]] = [
    (ValidateDeclaration(), context()),
    (SubmitDeclaration(), context()),
    (RegisterDeclaration("10702070/170325/0001235", date(2025, 3, 17)), CUSTOMS),
    (ReleaseDeclaration(), CUSTOMS),
    (RejectDeclaration("goods misdescribed"), CUSTOMS),
]


def test_every_status_has_a_history() -> None:
    assert set(HISTORIES) == set(D) - {D.NONE}
    for status, history in HISTORIES.items():
        assert declaration_decider.fold(history).status is status


@pytest.mark.parametrize(("current", "move"), list(product(HISTORIES, range(len(MOVES)))))
def test_a_move_is_accepted_only_along_an_allowed_pair(current: D, move: int) -> None:
    command, sender = MOVES[move]
    decision = declaration_decider.decide(declaration_decider.fold(HISTORIES[current]), command, sender)
    if isinstance(decision, Rejection):
        assert decision.code is RejectionCode.ILLEGAL_STATE, decision
        return
    after = declaration_decider.fold([*HISTORIES[current], *decision]).status
    # Accepted without moving is only validating a declaration that is already valid.
    assert (current.value, after.value) in ALLOWED_MOVES or (current, after, command) == (
        D.VALIDATED,
        D.VALIDATED,
        ValidateDeclaration(),
    ), f"{command} took a {current} declaration to {after}"


def test_every_allowed_pair_is_reachable_and_no_other() -> None:
    reached = set()
    for current, (command, sender) in product(HISTORIES, MOVES):
        decision = declaration_decider.decide(declaration_decider.fold(HISTORIES[current]), command, sender)
        if not isinstance(decision, Rejection):
            after = declaration_decider.fold([*HISTORIES[current], *decision]).status
            if after is not current:
                reached.add((current.value, after.value))
    assert reached == ALLOWED_MOVES
