"""The pure parts of Telegram: link codes and their expiry, what an update asks for, the message text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from notifications.telegram import (
    CODE_LIFETIME,
    MAX_TEXT,
    Help,
    Link,
    Reply,
    TelegramConfig,
    Unlink,
    answer_text,
    code_hash,
    deep_link,
    expiry,
    intent_of,
    new_code,
    telegram_text,
)
from notifications.templates import Text, letter, render


def private(text: str, chat_id: int = 5, **more: object) -> dict[str, object]:
    message = {"message_id": 9, "chat": {"id": chat_id, "type": "private"}, "text": text,
               "from": {"id": chat_id, "is_bot": False, "first_name": "Ann", "username": "ann_t"}, **more}  # fmt: skip
    return {"update_id": 1, "message": message}


def test_codes_are_random_deep_link_safe_and_expire_in_15_minutes() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{20,64}", c) for c in codes)  # Telegram's `start` parameter alphabet
    code = codes.pop()
    assert code_hash(code) != code and len(code_hash(code)) == 64 and code_hash(code) == code_hash(code)
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert expiry(now) == now + timedelta(minutes=15) == now + CODE_LIFETIME
    assert deep_link("wellwon_bot", code) == f"https://t.me/wellwon_bot?start={code}"


@pytest.mark.parametrize(
    ("update", "intent"),
    [
        (private("/start abc-123"), Link(5, "abc-123", "ann_t")),
        (private("/start@wellwon_bot  abc "), Link(5, "abc", "ann_t")),
        (private("/start"), Help(5)),
        (private("/help"), Help(5)),
        (private("/stop"), Unlink(5)),
        (private("  Yes, released  "), Reply(5, "Yes, released", None)),
        (private("ok", reply_to_message={"message_id": 41}), Reply(5, "ok", 41)),
        (private("   "), None),
        (private("hi", chat={"id": -100, "type": "group"}), None),  # groups are not linked
        ({"update_id": 2, "edited_message": private("x")["message"]}, None),
        ({"update_id": 3, "message": {"chat": {"id": 5, "type": "private"}, "photo": []}}, None),
        ({"update_id": 4, "message": "nonsense"}, None),
    ],
)
def test_what_an_update_asks_for(update: dict[str, object], intent: object) -> None:
    assert intent_of(update) == intent


def test_message_text_is_the_notification_without_the_email_footer_and_bounded() -> None:
    text = render("chat_message", "ru", "", {"author": "Ада", "conversation": "Склад", "body": "<b>готово</b>"})
    assert text == Text("Ада в «Склад»", "<b>готово</b>")
    message = telegram_text(letter("ru", [text]))
    assert message == "Ада в «Склад»\n<b>готово</b>"  # plain text: sent without a parse mode, nothing is markup
    assert len(telegram_text(letter("en", [Text("t", "x" * 10_000)]))) == MAX_TEXT


def test_answers_in_the_persons_language_english_otherwise() -> None:
    assert answer_text("unlinked", "ru").startswith("Аккаунт отвязан")
    assert answer_text("unlinked", "de").startswith("Unlinked")
    assert answer_text("refused", "en", reason="not a member") == "Not posted: not a member"


def test_telegram_is_off_without_a_token_and_the_webhook_secret_derives_from_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_API_URL", "https://api.telegram.org")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    assert not TelegramConfig.from_env().enabled  # no default secret: no generated token for the real Telegram
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:" + "a" * 30)
    one = TelegramConfig.from_env()
    assert one.enabled and one.webhook_secret == TelegramConfig.from_env().webhook_secret != ""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "2:" + "a" * 30)
    assert TelegramConfig.from_env().webhook_secret != one.webhook_secret
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "given")
    assert TelegramConfig.from_env().webhook_secret == "given"
