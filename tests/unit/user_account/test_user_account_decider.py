"""The user-account rules: given events, when a command, then events or a rejection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streams.decider import CommandContext, Rejection, RejectionCode
from streams.user_account.commands import (
    ChangePassword,
    DeleteUserAccount,
    Logout,
    RecordLogin,
    RegisterUserAccount,
    RequestPasswordReset,
    ResetPassword,
    UpdateProfile,
    VerifyEmail,
)
from streams.user_account.decider import AccountStatus, UserAccount, account_id_for_email, user_account_decider
from streams.user_account.events import (
    PasswordResetRequested,
    UserAccountDeleted,
    UserAccountRegistered,
    UserAuthenticated,
    UserEmailVerified,
    UserLoggedOut,
    UserPasswordChanged,
    UserProfileUpdated,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
REGISTERED = UserAccountRegistered("ada@example.com", "hash-1", "Ada", "Byron", "verify-hash")


def when(given: list[object], command: object, at: datetime = NOW) -> object:
    state = user_account_decider.fold(given)
    return user_account_decider.decide(state, command, CommandContext("c-1", at, actor_id="a-1"))


def test_email_is_the_identity_whatever_its_case_or_spaces() -> None:
    assert account_id_for_email(" Ada@Example.COM ") == account_id_for_email("ada@example.com")
    assert account_id_for_email("ada@example.com") != account_id_for_email("ada2@example.com")


@pytest.mark.parametrize(
    "spelling",
    ["Anna@Example.com ", " ANNA@EXAMPLE.COM", "\tanna@example.com\n", "ａｎｎａ@ｅｘａｍｐｌｅ.ｃｏｍ"],
)
def test_another_spelling_of_a_registered_email_is_the_same_account_and_a_conflict(spelling: str) -> None:
    # The account takeover: a second registration under another spelling must land on the first
    # account's aggregate (its id) and be refused there, never open a second account.
    assert account_id_for_email(spelling) == account_id_for_email("anna@example.com")
    anna = UserAccountRegistered("anna@example.com", "hash-anna", "Anna", "Petrova", "v")
    outcome = when([anna], RegisterUserAccount(spelling, "hash-eve", "Eve", "X", "v"))
    assert outcome == Rejection(RejectionCode.CONFLICT, "an account with this email already exists", "email")
    assert when([], RegisterUserAccount(spelling, "h", "Anna", "Petrova", "v")) == [
        UserAccountRegistered("anna@example.com", "h", "Anna", "Petrova", "v")
    ]


def test_registration_normalises_the_email_and_names() -> None:
    events = when([], RegisterUserAccount(" Ada@Example.com", "hash-1", " Ada ", "Byron", "verify-hash"))
    assert events == [REGISTERED]


def test_a_second_registration_of_an_email_is_a_conflict_on_the_email() -> None:
    outcome = when([REGISTERED], RegisterUserAccount("ada@example.com", "hash-2", "Eve", "X", "v"))
    assert outcome == Rejection(RejectionCode.CONFLICT, "an account with this email already exists", "email")


def test_an_email_can_register_again_after_deletion() -> None:
    events = when(
        [REGISTERED, UserAccountDeleted("ada@example.com")], RegisterUserAccount("ada@example.com", "h", "A", "B", "v")
    )
    assert isinstance(events, list) and isinstance(events[0], UserAccountRegistered)


def test_invalid_names_and_emails_are_refused_with_the_field() -> None:
    assert isinstance(outcome := when([], RegisterUserAccount("nope", "h", "A", "B", "v")), Rejection)
    assert outcome.field == "email"
    assert isinstance(outcome := when([], RegisterUserAccount("a@b.co", "h", "", "B", "v")), Rejection)
    assert outcome.field == "first_name"
    assert isinstance(outcome := when([REGISTERED], UpdateProfile(last_name="x" * 101)), Rejection)
    assert outcome.field == "last_name"


def test_login_is_recorded_only_against_the_current_password_hash() -> None:
    assert when([REGISTERED], RecordLogin("s-1", "hash-1")) == [UserAuthenticated("s-1")]
    stale = when([REGISTERED, UserPasswordChanged("hash-2", "s-0")], RecordLogin("s-1", "hash-1"))
    assert isinstance(stale, Rejection) and stale.code is RejectionCode.UNAUTHORIZED


def test_commands_on_an_unknown_or_deleted_account_are_refused() -> None:
    assert isinstance(outcome := when([], UpdateProfile(first_name="A")), Rejection)
    assert outcome.code is RejectionCode.NOT_FOUND
    deleted = [REGISTERED, UserAccountDeleted("ada@example.com")]
    assert isinstance(outcome := when(deleted, RecordLogin("s", "hash-1")), Rejection)
    assert outcome.code is RejectionCode.UNAUTHORIZED


def test_password_change_needs_the_current_password_and_keeps_the_calling_session() -> None:
    assert when([REGISTERED], ChangePassword("hash-1", "hash-2", "s-1")) == [UserPasswordChanged("hash-2", "s-1")]
    wrong = when([REGISTERED], ChangePassword("other", "hash-2", "s-1"))
    assert isinstance(wrong, Rejection) and wrong.field == "current_password"


def test_reset_token_works_once_and_only_before_it_expires() -> None:
    requested = PasswordResetRequested("token-hash", NOW + timedelta(hours=1))
    assert when([REGISTERED, requested], ResetPassword("token-hash", "hash-9")) == [UserPasswordChanged("hash-9", None)]
    late = when([REGISTERED, requested], ResetPassword("token-hash", "hash-9"), at=NOW + timedelta(hours=2))
    assert isinstance(late, Rejection) and late.reason == "reset token has expired"
    used = [REGISTERED, requested, UserPasswordChanged("hash-9", None)]
    assert isinstance(when(used, ResetPassword("token-hash", "hash-10")), Rejection)
    assert isinstance(when([REGISTERED, requested], ResetPassword("forged", "hash-9")), Rejection)
    assert when([REGISTERED], RequestPasswordReset("t", NOW)) == [PasswordResetRequested("t", NOW)]


def test_email_verification_by_token() -> None:
    assert when([REGISTERED], VerifyEmail("verify-hash")) == [UserEmailVerified("ada@example.com")]
    assert isinstance(when([REGISTERED], VerifyEmail("forged")), Rejection)
    assert when([REGISTERED, UserEmailVerified("ada@example.com")], VerifyEmail("anything")) == []


def test_profile_update_emits_only_what_changes() -> None:
    assert when([REGISTERED], UpdateProfile(first_name="Ada", last_name="Lovelace")) == [
        UserProfileUpdated(last_name="Lovelace")
    ]
    assert when([REGISTERED], UpdateProfile(first_name="Ada")) == []
    assert isinstance(outcome := when([REGISTERED], UpdateProfile(phone="call me")), Rejection)
    assert outcome.field == "phone"


def test_logout_and_deletion() -> None:
    assert when([REGISTERED], Logout("s-1")) == [UserLoggedOut("s-1")]
    assert when([REGISTERED], DeleteUserAccount("hash-1")) == [UserAccountDeleted("ada@example.com")]
    assert isinstance(when([REGISTERED], DeleteUserAccount("wrong")), Rejection)


def test_replaying_events_gives_the_state() -> None:
    state = user_account_decider.fold(
        [REGISTERED, UserProfileUpdated(phone="+7 495 000 00 00"), UserEmailVerified("ada@example.com")]
    )
    assert (state.status, state.phone, state.email_verified) == (AccountStatus.ACTIVE, "+7 495 000 00 00", True)
    assert (
        user_account_decider.fold([REGISTERED, UserAccountDeleted("ada@example.com")]).status is AccountStatus.DELETED
    )


UNAUTHORIZED, INVALID = RejectionCode.UNAUTHORIZED, RejectionCode.INVALID
RESET = PasswordResetRequested("reset-hash", NOW + timedelta(hours=1))


@pytest.mark.parametrize(
    ("given", "command", "refusal"),
    [
        ([], RegisterUserAccount("no-at-sign", "h", "A", "B", "v"), (INVALID, "email is not a valid address", "email")),
        (
            [],
            RegisterUserAccount("a@b.co", "h", " ", "B", "v"),
            (INVALID, "first_name must be 1 to 100 characters", "first_name"),
        ),
        (
            [],
            RegisterUserAccount("a@b.co", "h", "A", "", "v"),
            (INVALID, "last_name must be 1 to 100 characters", "last_name"),
        ),
        (
            [],
            RegisterUserAccount("a@b.co", "h", "A", "x" * 101, "v"),
            (INVALID, "last_name must be 1 to 100 characters", "last_name"),
        ),
        (
            [REGISTERED],
            UpdateProfile(first_name="x" * 101),
            (INVALID, "first_name must be 1 to 100 characters", "first_name"),
        ),
        ([REGISTERED], UpdateProfile(last_name=" "), (INVALID, "last_name must be 1 to 100 characters", "last_name")),
        ([REGISTERED], UpdateProfile(phone="12"), (INVALID, "phone must be 5 to 20 digits, spaces or +()-", "phone")),
        (
            [REGISTERED],
            UpdateProfile(phone="+7 495 abc"),
            (INVALID, "phone must be 5 to 20 digits, spaces or +()-", "phone"),
        ),
        ([], UpdateProfile(first_name="A"), (RejectionCode.NOT_FOUND, "no such account", None)),
        ([], RecordLogin("s-1", "hash-1"), (UNAUTHORIZED, "invalid email or password", None)),
        ([], DeleteUserAccount("hash-1"), (UNAUTHORIZED, "invalid email or password", None)),
        ([REGISTERED], RecordLogin("s-1", "stale-hash"), (UNAUTHORIZED, "invalid email or password", None)),
        ([REGISTERED], DeleteUserAccount("stale-hash"), (UNAUTHORIZED, "invalid email or password", None)),
        (
            [REGISTERED],
            ChangePassword("stale-hash", "new", "s-1"),
            (UNAUTHORIZED, "current password is wrong", "current_password"),
        ),
        (
            [REGISTERED],
            ResetPassword("reset-hash", "new"),
            (UNAUTHORIZED, "reset token is invalid or already used", "token"),
        ),
        (
            [REGISTERED, RESET],
            ResetPassword("other-hash", "new"),
            (UNAUTHORIZED, "reset token is invalid or already used", "token"),
        ),
        ([REGISTERED], VerifyEmail("forged"), (UNAUTHORIZED, "verification token is invalid", "token")),
    ],
)
def test_each_refusal_says_what_and_names_its_field(
    given: list[object], command: object, refusal: tuple[RejectionCode, str, str | None]
) -> None:
    assert when(given, command) == Rejection(*refusal)


def test_names_of_exactly_100_characters_and_phones_of_5_to_20_are_accepted() -> None:
    name = "x" * 100
    assert when([], RegisterUserAccount("a@b.co", "h", name, "B", "v")) == [
        UserAccountRegistered("a@b.co", "h", name, "B", "v")
    ]
    assert when([REGISTERED], UpdateProfile(phone="12345", locale="de-DE")) == [
        UserProfileUpdated(phone="12345", locale="de-DE")
    ]
    assert when([REGISTERED], UpdateProfile(phone="+" + "1" * 19)) == [UserProfileUpdated(phone="+" + "1" * 19)]


def test_a_reset_token_has_expired_at_its_expiry_instant() -> None:
    expires = NOW + timedelta(hours=1)
    given: list[object] = [REGISTERED, PasswordResetRequested("reset-hash", expires)]
    assert when(given, ResetPassword("reset-hash", "new"), at=expires) == Rejection(
        UNAUTHORIZED, "reset token has expired", "token"
    )
    assert when(given, ResetPassword("reset-hash", "new"), at=expires - timedelta(seconds=1)) == [
        UserPasswordChanged(password_hash="new", kept_session_id=None)
    ]


def test_the_account_each_event_leaves() -> None:
    history: list[object] = [
        REGISTERED,
        UserAuthenticated(session_id="s-1"),
        UserLoggedOut(session_id="s-1"),
        RESET,
        UserPasswordChanged(password_hash="hash-2", kept_session_id=None),
        UserEmailVerified(email="ada@example.com"),
    ]
    assert user_account_decider.fold(history) == UserAccount(
        status=AccountStatus.ACTIVE,
        email="ada@example.com",
        password_hash="hash-2",  # the reset token is used up with the change
        first_name="Ada",
        last_name="Byron",
        email_verified=True,
    )
    deleted = user_account_decider.fold([*history, UserAccountDeleted("ada@example.com")])
    assert deleted == UserAccount(status=AccountStatus.DELETED, email="ada@example.com")


def test_an_unknown_command_or_event_is_a_programming_error_naming_it() -> None:
    with pytest.raises(TypeError, match=r"^not a user-account command: 'login'$"):
        when([REGISTERED], "login")
    with pytest.raises(TypeError, match=r"^not a user-account event: 'registered'$"):
        user_account_decider.evolve(user_account_decider.fold([REGISTERED]), "registered")  # type: ignore[arg-type]
