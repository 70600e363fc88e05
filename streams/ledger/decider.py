"""The ledger decider: double entry per tenant and currency, TigerBeetle's rules, pure.

- One ledger per tenant (`ledger_id_for`); its first accepted command records `LedgerOpened`.
- Accounts: a chart code of `data/chart_of_accounts.csv`, a currency the chart account holds, an
  optional sub-account. Bank and cash accounts are opened with `OpenAccount` (with an optional
  overdraft); the others open on a transfer's first use (`AccountOpened(on_first_use=True)`).
  Opening an open account again with the same fields changes nothing; with others it is refused.
- Amounts: a positive Decimal of a known ISO 4217 currency with no more decimals than it has
  (`streams.money.parse_amount`); kept as integers of the minor unit.
- Transfers are immutable. A `transfer_id` is unique in the ledger: the same id with the same fields
  again is "already recorded" (accepted, no movement); with another field value it is refused
  (CONFLICT) naming that field. Two members of one batch may not share an id.
- Two-phase: a pending transfer reserves (pending debits and credits); it is posted (all, or part
  with the rest released) or voided at most once, by a new transfer with its own id. A pending
  with a timeout expires when a command reaches the ledger after it: `PendingTransferExpired`
  releases it first, and it can no longer be posted.
- Linked batches: all apply or none; the first failing member refuses the command, naming it
  (`transfers[2].amount`). Unlinked: each member stands alone; the failures are listed in the
  event's `refused`, and the command is refused only when no member applies.
- Limits: an account whose chart account may not go negative (50, 51, 52, 55) refuses a movement,
  pending included, that would take its balance below minus its overdraft: for an active account
  debits posted - credits posted - credits pending >= -overdraft (TigerBeetle's
  credits_must_not_exceed_debits), for a passive one the mirror.
- A pending or an original that is not in the ledger is NOT_FOUND (404), like an unknown aggregate.
- Corrections: `ReverseTransfer` records the opposite of a posted transfer (single-phase or a post),
  at most once; a pending is voided, not reversed; a reversal is not reversed again.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.immutable import replace
from streams.ledger.chart import AccountKind, ChartAccount, account_id, chart
from streams.ledger.commands import (
    AccountRef,
    LedgerCommand,
    OpenAccount,
    PostPendingTransfer,
    RecordTransfers,
    ReverseTransfer,
    TransferSpec,
    VoidPendingTransfer,
)
from streams.ledger.events import (
    AccountOpened,
    LedgerEvent,
    LedgerOpened,
    PendingTransferExpired,
    PendingTransferPosted,
    PendingTransferVoided,
    RefusedTransfer,
    Transfer,
    TransferKind,
    TransferReversed,
    TransfersRecorded,
)
from streams.money import MoneyProblem, checked_currency, format_amount, parse_amount

LEDGER_NAMESPACE = uuid.UUID("3c0f8a52-7d1e-4b9a-9f62-1e5d0c7b4a81")
TRANSFER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._/@-]{0,127}")
SUB_ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/@-]{0,63}")
MAX_TRANSFERS_PER_BATCH = 1000
MAX_TIMEOUT_SECONDS = 366 * 24 * 3600
TEXT_LIMITS = {"reference": 200, "code": 40, "description": 500, "reason": 500, "name": 140}

Decision = Sequence[LedgerEvent] | Rejection


@dataclass(frozen=True)
class Account:
    account_id: str
    chart: str
    currency: str
    sub: str
    name: str
    may_go_negative: bool
    overdraft: int = 0
    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0

    @property
    def kind(self) -> AccountKind:
        return chart()[self.chart].kind

    @property
    def balance(self) -> int:
        """The posted balance on the account's own side (credit side for passive accounts)."""
        if self.kind is AccountKind.PASSIVE:
            return self.credits_posted - self.debits_posted
        return self.debits_posted - self.credits_posted

    @property
    def available(self) -> int:
        """The balance once every pending movement that lowers it is posted (pendings that raise it are not counted)."""
        if self.kind is AccountKind.PASSIVE:
            return self.credits_posted - self.debits_posted - self.debits_pending
        return self.debits_posted - self.credits_posted - self.credits_pending

    @property
    def overdrawn(self) -> bool:
        return not self.may_go_negative and self.available < -self.overdraft


@dataclass(frozen=True)
class Ledger:
    tenant_id: str | None = None
    accounts: dict[str, Account] = field(default_factory=dict)
    transfers: dict[str, Transfer] = field(default_factory=dict)
    # Pending id -> its expiry (None: none), while it is neither posted, voided nor expired.
    open_pendings: dict[str, datetime | None] = field(default_factory=dict)
    # Pending id -> what resolved it: the post's or void's transfer id, or "expired".
    resolved: dict[str, str] = field(default_factory=dict)
    # Original transfer id -> the id of its reversal.
    reversed: dict[str, str] = field(default_factory=dict)


def ledger_id_for(tenant_id: str) -> str:
    """The aggregate id of a tenant's ledger (one per tenant, every currency)."""
    return str(uuid.uuid5(LEDGER_NAMESPACE, tenant_id))


# --- movements, shared by evolve and by decide's trial application ---------------------------------


def _moved(account: Account, *, debit: bool, posted: int = 0, pending: int = 0) -> Account:
    if debit:
        return replace(
            account,
            debits_posted=account.debits_posted + posted,
            debits_pending=account.debits_pending + pending,
        )
    return replace(
        account,
        credits_posted=account.credits_posted + posted,
        credits_pending=account.credits_pending + pending,
    )


def _move(accounts: dict[str, Account], transfer: Transfer, *, posted: int = 0, pending: int = 0) -> None:
    """Change both sides of `transfer` in `accounts` (a copy the caller owns) by the same amounts."""
    accounts[transfer.debit_account] = _moved(
        accounts[transfer.debit_account], debit=True, posted=posted, pending=pending
    )
    accounts[transfer.credit_account] = _moved(
        accounts[transfer.credit_account], debit=False, posted=posted, pending=pending
    )


def _apply_transfer(accounts: dict[str, Account], transfer: Transfer, pending: Transfer | None) -> None:
    """The balances' change of one recorded transfer; `pending` is the reservation a post or void resolves."""
    match transfer.kind:
        case TransferKind.POSTED | TransferKind.REVERSAL:
            _move(accounts, transfer, posted=transfer.amount)
        case TransferKind.PENDING:
            _move(accounts, transfer, pending=transfer.amount)
        case TransferKind.POST:
            assert pending is not None
            _move(accounts, transfer, posted=transfer.amount, pending=-pending.amount)
        case TransferKind.VOID:
            assert pending is not None
            _move(accounts, transfer, pending=-pending.amount)


# --- evolve ----------------------------------------------------------------------------------------


def evolve(state: Ledger, event: LedgerEvent) -> Ledger:
    match event:
        case LedgerOpened(tenant_id=tenant_id):
            return replace(state, tenant_id=tenant_id)
        case AccountOpened():
            account = Account(
                account_id=event.account_id,
                chart=event.chart,
                currency=event.currency,
                sub=event.sub,
                name=event.name,
                may_go_negative=event.may_go_negative,
                overdraft=event.overdraft,
            )
            return replace(state, accounts={**state.accounts, event.account_id: account})
        case TransfersRecorded(transfers=recorded):
            accounts, transfers, open_pendings = dict(state.accounts), dict(state.transfers), dict(state.open_pendings)
            for transfer in recorded:
                _apply_transfer(accounts, transfer, None)
                transfers[transfer.transfer_id] = transfer
                if transfer.kind is TransferKind.PENDING:
                    open_pendings[transfer.transfer_id] = transfer.expires_at
            return replace(state, accounts=accounts, transfers=transfers, open_pendings=open_pendings)
        case PendingTransferPosted(transfer=transfer) | PendingTransferVoided(transfer=transfer):
            return _resolved(state, transfer.related_id or "", transfer)
        case PendingTransferExpired(pending_id=pending_id):
            return _resolved(state, pending_id, None)
        case TransferReversed(transfer=transfer):
            accounts = dict(state.accounts)
            _apply_transfer(accounts, transfer, None)
            return replace(
                state,
                accounts=accounts,
                transfers={**state.transfers, transfer.transfer_id: transfer},
                reversed={**state.reversed, transfer.related_id or "": transfer.transfer_id},
            )
    raise TypeError(f"not a ledger event: {event!r}")


def _resolved(state: Ledger, pending_id: str, resolution: Transfer | None) -> Ledger:
    """The state once `pending_id` is posted or voided by `resolution`, or expired (None)."""
    pending = state.transfers[pending_id]
    accounts = dict(state.accounts)
    transfers = state.transfers
    if resolution is None:
        _move(accounts, pending, pending=-pending.amount)
    else:
        _apply_transfer(accounts, resolution, pending)
        transfers = {**transfers, resolution.transfer_id: resolution}
    open_pendings = {k: v for k, v in state.open_pendings.items() if k != pending_id}
    resolved_by = "expired" if resolution is None else resolution.transfer_id
    return replace(
        state,
        accounts=accounts,
        transfers=transfers,
        open_pendings=open_pendings,
        resolved={**state.resolved, pending_id: resolved_by},
    )


def fold(state: Ledger, events: Iterable[LedgerEvent]) -> Ledger:
    for event in events:
        state = evolve(state, event)
    return state


# --- checks ----------------------------------------------------------------------------------------


def _invalid(reason: str, at: str) -> Rejection:
    return reject(RejectionCode.INVALID, reason, at)


def _text(value: str, name: str, at: str, required: bool = False) -> str | Rejection:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        return _invalid(f"{name} is required", at)
    if len(text) > TEXT_LIMITS[name]:
        return _invalid(f"{name} has at most {TEXT_LIMITS[name]} characters", at)
    return text


def _transfer_id(value: str, at: str) -> str | Rejection:
    if not isinstance(value, str) or not TRANSFER_ID.fullmatch(value):
        return _invalid(
            "a transfer id is 1 to 128 letters, digits or : . _ / @ - (starting with a letter or digit)", at
        )
    return value


def _money_problem(problem: MoneyProblem, prefix: str) -> Rejection:
    return _invalid(problem.reason, f"{prefix}{problem.field}")


def _chart_account(code: str, currency: str, at: str) -> ChartAccount | Rejection:
    found = chart().get(code.strip()) if isinstance(code, str) else None
    if found is None:
        return _invalid(f"{code!r} is not an account of the chart of accounts", at)
    if not found.holds(currency):
        holds = "roubles only" if found.currencies == "rub" else "foreign currencies only"
        return _invalid(f"account {found.code} ({found.name_en}) holds {holds}, not {currency}", at)
    return found


def _sub(value: str, at: str) -> str | Rejection:
    sub = value.strip() if isinstance(value, str) else ""
    if sub and not SUB_ACCOUNT.fullmatch(sub):
        return _invalid("a sub-account is 1 to 64 letters, digits or . _ / @ - (starting with a letter or digit)", at)
    return sub


def _limit_problem(accounts: dict[str, Account], ids: Iterable[str], at: str) -> Rejection | None:
    for account_key in ids:
        account = accounts[account_key]
        if account.overdrawn:
            limit = format_amount(account.overdraft, account.currency)
            return reject(
                RejectionCode.ILLEGAL_STATE,
                f"account {account_key} may not go below -{limit} {account.currency}: it would reach "
                f"{format_amount(account.available, account.currency)}",
                at,
            )
    return None


# --- OpenAccount -----------------------------------------------------------------------------------


def _open(state: Ledger, cmd: OpenAccount) -> Decision:
    known = checked_currency(cmd.currency)
    if isinstance(known, MoneyProblem):
        return _money_problem(known, "")
    chart_account = _chart_account(cmd.chart, known.code, "chart")
    if isinstance(chart_account, Rejection):
        return chart_account
    sub = _sub(cmd.sub, "sub")
    if isinstance(sub, Rejection):
        return sub
    name = _text(cmd.name, "name", "name")
    if isinstance(name, Rejection):
        return name
    overdraft = 0
    if cmd.overdraft is not None and cmd.overdraft != 0:
        parsed = parse_amount(cmd.overdraft, known.code, "overdraft")
        if isinstance(parsed, MoneyProblem):
            return _money_problem(parsed, "")
        if chart_account.may_go_negative:
            return _invalid(
                f"account {chart_account.code} may go negative; an overdraft limits only those that may not",
                "overdraft",
            )
        overdraft = parsed.minor
    opened = AccountOpened(
        account_id=account_id(chart_account.code, known.code, sub),
        chart=chart_account.code,
        currency=known.code,
        sub=sub,
        name=name,
        may_go_negative=chart_account.may_go_negative,
        overdraft=overdraft,
        on_first_use=False,
    )
    existing = state.accounts.get(opened.account_id)
    if existing is None:
        return [opened]
    for name_of_field in ("name", "overdraft"):
        if getattr(existing, name_of_field) != getattr(opened, name_of_field):
            return reject(
                RejectionCode.CONFLICT,
                f"account {opened.account_id} is open with another {name_of_field}",
                name_of_field,
            )
    return []


# --- RecordTransfers -------------------------------------------------------------------------------


@dataclass
class _Working:
    """A batch's trial application: the accounts as earlier members left them, and those they opened."""

    accounts: dict[str, Account]
    opened: list[AccountOpened] = field(default_factory=list)


# Fields of a recorded transfer that a repeated id must match, and the command field each comes from.
COMPARED = (
    ("kind", "pending"),
    ("debit_account", "debit"),
    ("credit_account", "credit"),
    ("currency", "currency"),
    ("amount", "amount"),
    ("timeout_seconds", "timeout_seconds"),
    ("reference", "reference"),
    ("code", "code"),
    ("description", "description"),
)


def _differing(recorded: Transfer, wanted: Transfer, at: str) -> Rejection | None:
    """None when `wanted` is what `recorded` already is; otherwise CONFLICT naming the first field that differs."""
    for attribute, command_field in COMPARED:
        if getattr(recorded, attribute) != getattr(wanted, attribute):
            return reject(
                RejectionCode.CONFLICT,
                f"transfer {recorded.transfer_id} is already recorded with another {command_field}",
                f"{at}{command_field}",
            )
    if recorded.related_id != wanted.related_id:
        return reject(
            RejectionCode.CONFLICT,
            f"transfer {recorded.transfer_id} is already recorded for another one",
            f"{at}{'pending_id' if wanted.kind in (TransferKind.POST, TransferKind.VOID) else 'original_id'}",
        )
    return None


def _account(working: _Working, ref: AccountRef, currency: str, at: str) -> str | Rejection:
    """The id of the account `ref` names in `currency`, opening it in `working` when the chart allows."""
    if not isinstance(ref, AccountRef):
        return _invalid("an account is a chart code and an optional sub-account", at)
    chart_account = _chart_account(ref.chart, currency, f"{at}.chart")
    if isinstance(chart_account, Rejection):
        return chart_account
    sub = _sub(ref.sub, f"{at}.sub")
    if isinstance(sub, Rejection):
        return sub
    key = account_id(chart_account.code, currency, sub)
    if key in working.accounts:
        return key
    if not chart_account.open_on_first_use:
        return reject(
            RejectionCode.ILLEGAL_STATE, f"account {key} is not open (open it with its bank details first)", at
        )
    opened = AccountOpened(key, chart_account.code, currency, sub, "", chart_account.may_go_negative, 0, True)
    working.opened.append(opened)
    working.accounts[key] = evolve(Ledger(), opened).accounts[key]
    return key


def _planned(spec: TransferSpec, index: int, working: _Working, now: datetime) -> Transfer | Rejection:
    """The transfer `spec` asks for, checked field by field (not yet against limits or recorded ids)."""
    at = f"transfers[{index}]."
    if not isinstance(spec, TransferSpec):
        return _invalid("not a transfer", f"transfers[{index}]")
    transfer_id = _transfer_id(spec.transfer_id, f"{at}transfer_id")
    if isinstance(transfer_id, Rejection):
        return transfer_id
    money = parse_amount(spec.amount, spec.currency)
    if isinstance(money, MoneyProblem):
        return _money_problem(money, at)
    texts: dict[str, str] = {}
    for name in ("reference", "code", "description"):
        text = _text(getattr(spec, name), name, f"{at}{name}")
        if isinstance(text, Rejection):
            return text
        texts[name] = text
    timeout = spec.timeout_seconds
    if timeout is not None:
        if not spec.pending:
            return _invalid("only a pending transfer has a timeout", f"{at}timeout_seconds")
        if not 0 < timeout <= MAX_TIMEOUT_SECONDS:
            return _invalid(f"a timeout is 1 to {MAX_TIMEOUT_SECONDS} seconds", f"{at}timeout_seconds")
    debit = _account(working, spec.debit, money.currency, f"{at}debit")
    if isinstance(debit, Rejection):
        return debit
    credit = _account(working, spec.credit, money.currency, f"{at}credit")
    if isinstance(credit, Rejection):
        return credit
    if debit == credit:
        return _invalid(f"a transfer moves money between two accounts, not from {debit} to itself", f"{at}credit")
    return Transfer(
        transfer_id=transfer_id,
        kind=TransferKind.PENDING if spec.pending else TransferKind.POSTED,
        debit_account=debit,
        credit_account=credit,
        amount=money.minor,
        currency=money.currency,
        recorded_at=now,
        timeout_seconds=timeout,
        expires_at=now + timedelta(seconds=timeout) if timeout is not None else None,
        **texts,
    )


def _member(
    state: Ledger, spec: TransferSpec, index: int, working: _Working, now: datetime
) -> Transfer | Rejection | None:
    """One batch member tried on `working` (changed only if it applies): the transfer, None if already recorded."""
    trial = _Working(dict(working.accounts), list(working.opened))
    planned = _planned(spec, index, trial, now)
    if isinstance(planned, Rejection):
        return planned
    at = f"transfers[{index}]."
    recorded = state.transfers.get(planned.transfer_id)
    if recorded is not None:
        return _differing(recorded, planned, at) or None
    _apply_transfer(trial.accounts, planned, None)
    if problem := _limit_problem(trial.accounts, (planned.debit_account, planned.credit_account), f"{at}amount"):
        return problem
    working.accounts, working.opened = trial.accounts, trial.opened
    return planned


def _record(state: Ledger, cmd: RecordTransfers, now: datetime) -> Decision:
    specs = cmd.transfers
    if not isinstance(specs, tuple | list) or not 1 <= len(specs) <= MAX_TRANSFERS_PER_BATCH:
        return _invalid(f"a batch has 1 to {MAX_TRANSFERS_PER_BATCH} transfers", "transfers")
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        transfer_id = getattr(spec, "transfer_id", None)
        if transfer_id in seen:  # a malformed batch, linked or not
            return _invalid(f"transfer {transfer_id} appears twice in the batch", f"transfers[{index}].transfer_id")
        seen.add(str(transfer_id))
    working = _Working(dict(state.accounts))
    applied: list[Transfer] = []
    refused: list[tuple[RefusedTransfer, Rejection]] = []
    for index, spec in enumerate(specs):
        outcome = _member(state, spec, index, working, now)
        if isinstance(outcome, Rejection):
            if cmd.linked:
                return replace(
                    outcome, reason=f"transfer {index} ({getattr(spec, 'transfer_id', '?')}): {outcome.reason}"
                )
            refusal = RefusedTransfer(
                index, str(getattr(spec, "transfer_id", "")), str(outcome.code), outcome.reason, outcome.field
            )
            refused.append((refusal, outcome))
        elif outcome is not None:
            applied.append(outcome)
    if not applied:
        return refused[0][1] if refused else []
    return [*working.opened, TransfersRecorded(tuple(applied), cmd.linked, tuple(r for r, _ in refused))]


# --- posting, voiding, reversing -------------------------------------------------------------------


def _repeat(state: Ledger, transfer_id: str, wanted: Transfer) -> Decision | None:
    """[] when `transfer_id` already records `wanted`; CONFLICT when it records something else; None when free."""
    recorded = state.transfers.get(transfer_id)
    if recorded is None:
        return None
    if recorded.kind is not wanted.kind:
        return reject(
            RejectionCode.CONFLICT,
            f"transfer {transfer_id} is already recorded as a {recorded.kind} transfer",
            "transfer_id",
        )
    return _differing(recorded, wanted, "") or []


def _pending(state: Ledger, pending_id: str) -> Transfer | Rejection:
    pending = state.transfers.get(pending_id) if isinstance(pending_id, str) else None
    if pending is None or pending.kind is not TransferKind.PENDING:
        return reject(RejectionCode.NOT_FOUND, f"no pending transfer {pending_id}", "pending_id")
    return pending


def _unresolved(state: Ledger, pending: Transfer) -> Rejection | None:
    resolution = state.resolved.get(pending.transfer_id)
    if resolution is None:
        return None
    if resolution == "expired":
        why = f"expired at {pending.expires_at.isoformat() if pending.expires_at else '?'}"
    else:
        why = f"already resolved by {state.transfers[resolution].kind} transfer {resolution}"
    return reject(RejectionCode.ILLEGAL_STATE, f"pending transfer {pending.transfer_id} {why}", "pending_id")


def _resolution(pending: Transfer, transfer_id: str, kind: TransferKind, amount: int, now: datetime) -> Transfer:
    return Transfer(
        transfer_id=transfer_id,
        kind=kind,
        debit_account=pending.debit_account,
        credit_account=pending.credit_account,
        amount=amount,
        currency=pending.currency,
        recorded_at=now,
        reference=pending.reference,
        code=pending.code,
        description=pending.description,
        related_id=pending.transfer_id,
    )


def _post(state: Ledger, cmd: PostPendingTransfer, now: datetime) -> Decision:
    transfer_id = _transfer_id(cmd.transfer_id, "transfer_id")
    if isinstance(transfer_id, Rejection):
        return transfer_id
    pending = _pending(state, cmd.pending_id)
    if isinstance(pending, Rejection):
        return pending
    amount = pending.amount
    if cmd.amount is not None:
        money = parse_amount(cmd.amount, pending.currency)
        if isinstance(money, MoneyProblem):
            return _money_problem(money, "")
        amount = money.minor
    posting = _resolution(pending, transfer_id, TransferKind.POST, amount, now)
    repeated = _repeat(state, transfer_id, posting)
    if repeated is not None:
        return repeated
    if problem := _unresolved(state, pending):
        return problem
    if amount > pending.amount:
        reserved = format_amount(pending.amount, pending.currency)
        return reject(
            RejectionCode.ILLEGAL_STATE, f"cannot post more than the {reserved} {pending.currency} reserved", "amount"
        )
    return [PendingTransferPosted(posting, released=pending.amount - amount)]


def _void(state: Ledger, cmd: VoidPendingTransfer, now: datetime) -> Decision:
    transfer_id = _transfer_id(cmd.transfer_id, "transfer_id")
    if isinstance(transfer_id, Rejection):
        return transfer_id
    pending = _pending(state, cmd.pending_id)
    if isinstance(pending, Rejection):
        return pending
    voiding = _resolution(pending, transfer_id, TransferKind.VOID, pending.amount, now)
    repeated = _repeat(state, transfer_id, voiding)
    if repeated is not None:
        return repeated
    if problem := _unresolved(state, pending):
        return problem
    return [PendingTransferVoided(voiding)]


def _reverse(state: Ledger, cmd: ReverseTransfer, now: datetime) -> Decision:
    transfer_id = _transfer_id(cmd.transfer_id, "transfer_id")
    if isinstance(transfer_id, Rejection):
        return transfer_id
    reason = _text(cmd.reason, "reason", "reason", required=True)
    if isinstance(reason, Rejection):
        return reason
    original = state.transfers.get(cmd.original_id) if isinstance(cmd.original_id, str) else None
    if original is None:
        return reject(RejectionCode.NOT_FOUND, f"no transfer {cmd.original_id}", "original_id")
    reversal = Transfer(
        transfer_id=transfer_id,
        kind=TransferKind.REVERSAL,
        debit_account=original.credit_account,
        credit_account=original.debit_account,
        amount=original.amount,
        currency=original.currency,
        recorded_at=now,
        reference=original.reference,
        code=original.code,
        description=reason,
        related_id=original.transfer_id,
    )
    recorded = state.transfers.get(transfer_id)
    if recorded is not None:
        if recorded.kind is not TransferKind.REVERSAL:
            return reject(
                RejectionCode.CONFLICT,
                f"transfer {transfer_id} is already recorded as a {recorded.kind} transfer",
                "transfer_id",
            )
        if recorded.related_id != original.transfer_id:
            return reject(
                RejectionCode.CONFLICT, f"transfer {transfer_id} already reverses another transfer", "original_id"
            )
        if recorded.description != reason:
            return reject(
                RejectionCode.CONFLICT, f"transfer {transfer_id} is already recorded with another reason", "reason"
            )
        return []
    if original.kind not in (TransferKind.POSTED, TransferKind.POST):
        what = (
            "a pending transfer is voided, not reversed"
            if original.kind is TransferKind.PENDING
            else f"a {original.kind} transfer is not reversed"
        )
        return reject(RejectionCode.ILLEGAL_STATE, what, "original_id")
    if done := state.reversed.get(original.transfer_id):
        return reject(
            RejectionCode.ILLEGAL_STATE, f"transfer {original.transfer_id} is already reversed by {done}", "original_id"
        )
    accounts = dict(state.accounts)
    _apply_transfer(accounts, reversal, None)
    if problem := _limit_problem(accounts, (reversal.debit_account, reversal.credit_account), "original_id"):
        return problem
    return [TransferReversed(reversal, reason)]


# --- decide ----------------------------------------------------------------------------------------


def _expired(state: Ledger, now: datetime) -> list[LedgerEvent]:
    return [
        PendingTransferExpired(pending_id, state.transfers[pending_id].amount, expires_at)
        for pending_id, expires_at in state.open_pendings.items()
        if expires_at is not None and expires_at <= now
    ]


def _decide(state: Ledger, command: LedgerCommand, now: datetime) -> Decision:
    match command:
        case OpenAccount():
            return _open(state, command)
        case RecordTransfers():
            return _record(state, command, now)
        case PostPendingTransfer():
            return _post(state, command, now)
        case VoidPendingTransfer():
            return _void(state, command, now)
        case ReverseTransfer():
            return _reverse(state, command, now)
    raise TypeError(f"not a ledger command: {command!r}")


def decide(state: Ledger, command: LedgerCommand, context: CommandContext) -> Decision:
    """Opens the ledger on its first command and releases expired pendings before deciding `command`."""
    prelude: list[LedgerEvent] = []
    if state.tenant_id is None:
        assert context.tenant_id is not None  # the tenancy combinator (streams.tenancy) admitted it
        prelude.append(LedgerOpened(context.tenant_id))
    prelude += _expired(state, context.issued_at)
    decision = _decide(fold(state, prelude), command, context.issued_at)
    if isinstance(decision, Rejection):
        return decision
    if not decision and state.tenant_id is None:
        return []  # nothing happened: a new ledger is not opened by an idempotent no-op
    return [*prelude, *decision]


ledger_decider: Decider[Ledger, LedgerCommand, LedgerEvent] = Decider(
    initial_state=Ledger(), decide=decide, evolve=evolve
)


# --- reads of the state (tests, benchmarks; the API reads the projection) ---------------------------


def totals(state: Ledger) -> dict[str, tuple[int, int, int, int]]:
    """Per currency: debits posted, credits posted, debits pending, credits pending over every account."""
    sums: dict[str, tuple[int, int, int, int]] = {}
    for account in state.accounts.values():
        dp, cp, dn, cn = sums.get(account.currency, (0, 0, 0, 0))
        sums[account.currency] = (
            dp + account.debits_posted,
            cp + account.credits_posted,
            dn + account.debits_pending,
            cn + account.credits_pending,
        )
    return sums
