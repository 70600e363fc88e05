"""The ledger's invariants under random command sequences (hypothesis stateful): duplicates, retries, crashes.

After every step: per currency, debits equal credits (posted and pending separately); no recorded
transfer ever changes; a pending resolves at most once and never for more than it reserved; linked
batches apply all or nothing; a limited account never goes below minus its overdraft; and the
state folded from the event log from the start, and the state as the engine stores and reloads it,
equal the live one. A "crash" continues from the state rebuilt from the log.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from streams.aggregates import AggregateStore
from streams.decider import Rejection
from streams.ledger.commands import (
    AccountRef,
    OpenAccount,
    PostPendingTransfer,
    RecordTransfers,
    ReverseTransfer,
    TransferSpec,
    VoidPendingTransfer,
)
from streams.ledger.decider import Ledger, totals
from streams.ledger.domain import LEDGER
from streams.ledger.events import (
    PendingTransferExpired,
    PendingTransferPosted,
    PendingTransferVoided,
    Transfer,
    TransferKind,
    TransferReversed,
    TransfersRecorded,
)
from streams.step import AggregateRecord
from tests.unit.deciders import AT, context

ACCOUNTS = [
    AccountRef("51", "bank"),  # RUB only, limited
    AccountRef("52", "bank"),  # foreign only, limited
    AccountRef("60", "s1"),
    AccountRef("60", "s2"),
    AccountRef("62", "c1"),
    AccountRef("57", "fx"),
    AccountRef("80"),
    AccountRef("51", "never-opened"),
]
CURRENCIES = ["RUB", "USD", "JPY"]
AMOUNTS = [Decimal(x) for x in ("1", "5", "10.5", "99.99", "250", "1000", "0.001", "0", "-3")]
TRANSFER_IDS = [f"t{i}" for i in range(8)]
RESOLUTION_IDS = [f"r{i}" for i in range(5)]

# Accounts that hold each currency (bank accounts: 51 roubles only, 52 foreign only), and valid amounts.
HOLDING = {
    "RUB": [
        AccountRef("51", "bank"),
        AccountRef("60", "s1"),
        AccountRef("60", "s2"),
        AccountRef("62", "c1"),
        AccountRef("57", "fx"),
        AccountRef("80"),
    ],
    "USD": [
        AccountRef("52", "bank"),
        AccountRef("60", "s1"),
        AccountRef("62", "c1"),
        AccountRef("57", "fx"),
        AccountRef("80"),
    ],
    "JPY": [AccountRef("52", "bank"), AccountRef("60", "s1"), AccountRef("57", "fx"), AccountRef("80")],
}
VALID = {
    "RUB": ["1", "10.5", "99.99", "250", "1000"],
    "USD": ["1", "10.5", "99.99", "250"],
    "JPY": ["1", "5", "250", "1000"],
}


@st.composite
def valid_specs(draw: st.DrawFn, pending: bool | None = None) -> TransferSpec:
    currency = draw(st.sampled_from(CURRENCIES))
    debit = draw(st.sampled_from(HOLDING[currency]))
    credit = draw(st.sampled_from([a for a in HOLDING[currency] if a != debit]))
    pending = draw(st.booleans()) if pending is None else pending
    return TransferSpec(
        transfer_id=draw(st.sampled_from(TRANSFER_IDS)),
        debit=debit,
        credit=credit,
        amount=Decimal(draw(st.sampled_from(VALID[currency]))),
        currency=currency,
        pending=pending,
        timeout_seconds=draw(st.sampled_from([None, None, 30, 90])) if pending else None,
        reference=draw(st.sampled_from(["", "payment:1"])),
    )


any_specs = st.builds(
    TransferSpec,
    transfer_id=st.sampled_from(TRANSFER_IDS),
    debit=st.sampled_from(ACCOUNTS),
    credit=st.sampled_from(ACCOUNTS),
    amount=st.sampled_from(AMOUNTS),
    currency=st.sampled_from(CURRENCIES),
    pending=st.booleans(),
    timeout_seconds=st.sampled_from([None, 30]),
)
specs = st.one_of(valid_specs(), any_specs)
MOVING = (TransfersRecorded, PendingTransferPosted, PendingTransferVoided, TransferReversed)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state: Ledger = LEDGER.decider.initial_state
        self.log: list[Any] = []
        self.history: list[Any] = []  # commands sent, for retries
        self.now = AT
        self.seen: dict[str, Transfer] = {}  # every transfer as first recorded

    def send(self, command: Any, first_time: bool = True) -> list[Any] | Rejection:
        decision = LEDGER.decider.decide(self.state, command, replace(context(), issued_at=self.now))
        if first_time:
            self.history.append(command)
        if isinstance(decision, Rejection):
            return decision
        self.state = LEDGER.decider.fold(list(decision), self.state)
        self.log += decision
        for event in decision:
            for transfer in recorded_transfers(event):
                assert transfer.transfer_id not in self.seen, f"{transfer.transfer_id} recorded twice"
                self.seen[transfer.transfer_id] = transfer
        return list(decision)

    @initialize(rub=st.sampled_from(["0", "100"]), usd=st.sampled_from(["0", "50"]))
    def open_banks(self, rub: str, usd: str) -> None:
        for command in (
            OpenAccount("51", "RUB", "bank", overdraft=Decimal(rub)),
            OpenAccount("52", "USD", "bank", overdraft=Decimal(usd)),
            OpenAccount("52", "JPY", "bank"),
        ):
            assert not isinstance(self.send(command), Rejection)

    @rule(batch=st.lists(specs, min_size=1, max_size=3), linked=st.booleans())
    def record(self, batch: list[TransferSpec], linked: bool) -> None:
        before = dict(self.state.transfers)
        decision = self.send(RecordTransfers(tuple(batch), linked))
        new_ids = {s.transfer_id for s in batch} - set(before)
        applied = (
            {t.transfer_id for e in decision if isinstance(e, TransfersRecorded) for t in e.transfers}
            if not isinstance(decision, Rejection)
            else set()
        )
        if isinstance(decision, Rejection):
            assert not new_ids & set(self.state.transfers), "a refused batch recorded something"
        elif linked:
            assert applied == new_ids, "a linked batch applied only some of its new members"

    @rule(spec=valid_specs(pending=True))
    def reserve(self, spec: TransferSpec) -> None:
        self.send(RecordTransfers((spec,)))

    def _has(self, *kinds: TransferKind) -> bool:
        return any(t.kind in kinds for t in self.state.transfers.values())

    def _some_id(self, data: st.DataObject, *kinds: TransferKind) -> str:
        """A recorded transfer of one of `kinds`, resolved or not (unknown ids are the unit tests' business)."""
        return data.draw(st.sampled_from(sorted(i for i, t in self.state.transfers.items() if t.kind in kinds)))

    @precondition(lambda self: self._has(TransferKind.PENDING))
    @rule(
        data=st.data(),
        transfer_id=st.sampled_from(RESOLUTION_IDS),
        amount=st.sampled_from([None, Decimal("1"), Decimal("5"), *AMOUNTS]),
    )
    def post(self, data: st.DataObject, transfer_id: str, amount: Decimal | None) -> None:
        self.send(PostPendingTransfer(transfer_id, self._some_id(data, TransferKind.PENDING), amount))

    @precondition(lambda self: self._has(TransferKind.PENDING))
    @rule(data=st.data(), transfer_id=st.sampled_from(RESOLUTION_IDS))
    def void(self, data: st.DataObject, transfer_id: str) -> None:
        self.send(VoidPendingTransfer(transfer_id, self._some_id(data, TransferKind.PENDING)))

    @precondition(lambda self: self._has(TransferKind.POSTED, TransferKind.POST))
    @rule(data=st.data(), transfer_id=st.sampled_from(RESOLUTION_IDS))
    def reverse(self, data: st.DataObject, transfer_id: str) -> None:
        original = self._some_id(data, TransferKind.POSTED, TransferKind.POST, TransferKind.REVERSAL)
        self.send(ReverseTransfer(transfer_id, original, "correction"))

    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        """A command sent again (a client's or a saga's retry) moves no money a second time if it was applied."""
        if not self.history:
            return
        command = data.draw(st.sampled_from(self.history[::-1]))  # the most recent first
        was_applied = self._applied(command)
        balances = {k: a for k, a in self.state.accounts.items()}
        decision = self.send(command, first_time=False)
        if was_applied and not isinstance(decision, Rejection):
            assert not [e for e in decision if isinstance(e, MOVING)], f"a retry moved money: {decision}"
            expired = {e.pending_id for e in decision if isinstance(e, PendingTransferExpired)}
            if not expired:
                assert self.state.accounts == balances

    def _applied(self, command: Any) -> bool:
        ids = (
            [s.transfer_id for s in command.transfers]
            if isinstance(command, RecordTransfers)
            else [getattr(command, "transfer_id", None)]
        )
        return all(i in self.state.transfers for i in ids)

    @rule(seconds=st.sampled_from([1, 31, 91]))
    def time_passes(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @rule()
    def crash(self) -> None:
        """The worker dies: the state is rebuilt from the log, stored and reloaded as the engine does, and goes on."""
        store = AggregateStore(LEDGER)
        rebuilt = store.load(store.dump(AggregateRecord(LEDGER.decider.fold(self.log)))).state
        assert rebuilt == self.state
        self.state = rebuilt

    @invariant()
    def debits_equal_credits_per_currency(self) -> None:
        for currency, (dp, cp, dn, cn) in totals(self.state).items():
            assert dp == cp, (currency, dp, cp)
            assert dn == cn, (currency, dn, cn)

    @invariant()
    def recorded_transfers_never_change(self) -> None:
        assert set(self.state.transfers) == set(self.seen)
        for transfer_id, transfer in self.seen.items():
            assert self.state.transfers[transfer_id] == transfer

    @invariant()
    def pendings_resolve_at_most_once_within_what_they_reserved(self) -> None:
        resolutions = Counter(resolved_pending(e) for e in self.log if resolved_pending(e))
        assert all(count == 1 for count in resolutions.values()), resolutions
        for event in self.log:
            if isinstance(event, PendingTransferPosted):
                pending = self.state.transfers[event.transfer.related_id or ""]
                assert pending.kind is TransferKind.PENDING
                assert event.transfer.amount + event.released == pending.amount
                assert 0 < event.transfer.amount <= pending.amount
        pending_totals = {a: (x.debits_pending, x.credits_pending) for a, x in self.state.accounts.items()}
        assert all(d >= 0 and c >= 0 for d, c in pending_totals.values())

    @invariant()
    def limited_accounts_never_go_below_their_overdraft(self) -> None:
        for account in self.state.accounts.values():
            if not account.may_go_negative:
                assert account.available >= -account.overdraft, account
                assert account.balance >= -account.overdraft, account

    @invariant()
    def replaying_the_log_gives_the_same_ledger(self) -> None:
        assert LEDGER.decider.fold(self.log) == self.state


def recorded_transfers(event: Any) -> list[Transfer]:
    if isinstance(event, TransfersRecorded):
        return list(event.transfers)
    if isinstance(event, PendingTransferPosted | PendingTransferVoided | TransferReversed):
        return [event.transfer]
    return []


def resolved_pending(event: Any) -> str | None:
    if isinstance(event, PendingTransferPosted | PendingTransferVoided):
        return event.transfer.related_id
    if isinstance(event, PendingTransferExpired):
        return event.pending_id
    return None


LedgerMachine.TestCase.settings = settings(
    max_examples=80, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestLedgerInvariants = LedgerMachine.TestCase
