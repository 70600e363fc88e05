"""Registration of the user-account domain with the generic machinery."""

from streams.domain import Domain
from streams.user_account.commands import COMMANDS
from streams.user_account.decider import UserAccount, user_account_decider
from streams.user_account.events import EVENTS

USER_ACCOUNT = Domain(
    name="user_account",
    decider=user_account_decider,
    state_type=UserAccount,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=None,  # an account is no tenant's: a user exists before joining any company
)
