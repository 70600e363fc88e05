"""Weak passwords: the common list, the account's own words, the strength estimate; and its cost."""

from __future__ import annotations

import time

import pytest

from api.passwords import common_passwords, context_words, weakness

CONTEXT = context_words("olga.sidorova@northwind-trade.example", ("Olga", "Sidorova"))


def test_the_shipped_list_holds_thousands_of_common_passwords() -> None:
    assert len(common_passwords()) >= 4000
    assert {"password", "12345678", "qwertyuiop", "iloveyou"} <= common_passwords()


@pytest.mark.parametrize("password", ["password", "12345678", "Password1", "QWERTYUIOP", "iloveyou!", "sunshine"])
def test_common_passwords_are_refused(password: str) -> None:
    assert weakness(password, CONTEXT) == "is one of the most commonly used passwords"


@pytest.mark.parametrize(
    "password",
    [
        "olga.sidorova@northwind-trade.example",
        "olga.sidorova",
        "OlgaSidorova1",
        "sidorova-olga",
        "wellwon12",
        "Wellwon!",
    ],
)
def test_passwords_made_of_the_accounts_own_words_are_refused(password: str) -> None:
    assert weakness(password, CONTEXT) == "is made of your email, your name or the platform's name"


@pytest.mark.parametrize("password", ["Summer2024", "abcdefgh1", "aaaaaaaaaaaa", "northwind2026"])
def test_guessable_passwords_are_refused_by_the_estimate(password: str) -> None:
    reason = weakness(password, CONTEXT)
    assert reason is not None and reason.startswith("is too easy to guess")


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "wellwon-demo-2026", "quiet lantern over rye", "Tr0ub4dor&3-x", "z" + "9f#Kq" * 25],
)
def test_strong_passwords_pass(password: str) -> None:
    assert weakness(password, CONTEXT) is None


def test_the_demo_password_passes_for_every_demo_user() -> None:
    from wellwon.demo import DEMO_PASSWORD, DEMO_USERS

    for user in DEMO_USERS:
        email, first, last = user[0], user[1], user[2]
        assert weakness(DEMO_PASSWORD, context_words(email, (first, last))) is None


def test_the_worst_case_estimate_costs_a_fraction_of_a_full_length_one() -> None:
    # zxcvbn's time grows steeply with length (~0.8 s for 128 repetitive characters on an idle core);
    # only the first 40 characters are estimated. Compared with the full estimate, so load does not matter.
    from zxcvbn import zxcvbn

    worst = "a1" * 64
    started = time.perf_counter()
    assert weakness(worst, CONTEXT) is not None
    bounded = time.perf_counter() - started
    started = time.perf_counter()
    zxcvbn(worst, user_inputs=CONTEXT, max_length=128)
    full = time.perf_counter() - started
    assert bounded < full / 4, (bounded, full)
