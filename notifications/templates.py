"""Notification texts in Russian and English: a title and body per kind, and emails as plain text and HTML.

Values come from events (a partner's reason, an operator's text): in HTML every value is escaped, never the
template around it, so a value can show `<script>` but never run it.
"""

from __future__ import annotations

import html
import string
from dataclasses import dataclass

LANGUAGES = ("ru", "en")

# kind -> language -> (title, body); placeholders are the rule's facts (dots as underscores) and `subject`.
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "shipment_exception": {
        "en": ("Shipment {subject}: exception", "An exception was raised on shipment {subject}: {kind}. {reason}"),
        "ru": ("Перевозка {subject}: исключение", "По перевозке {subject} возникло исключение: {kind}. {reason}"),
    },
    "declaration_rejected": {
        "en": ("Declaration {subject} rejected", "Customs rejected declaration {subject}: {reason}"),
        "ru": ("Декларация {subject} отклонена", "Таможня отклонила декларацию {subject}: {reason}"),
    },
    "reconciliation_finding": {
        "en": (
            "Declaration {subject}: duty reconciliation finding",
            "Duty reconciliation of declaration {subject}, payment type {finding_payment_code}: "
            "{finding_difference_class}, difference {finding_difference} RUB "
            "(assessed {finding_assessed}, paid {finding_paid}).",
        ),
        "ru": (
            "Декларация {subject}: расхождение сверки",
            "Сверка платежей по декларации {subject}, вид платежа {finding_payment_code}: "
            "{finding_difference_class}, разница {finding_difference} руб. "
            "(начислено {finding_assessed}, уплачено {finding_paid}).",
        ),
    },
    "invoice_overdue": {
        "en": ("Invoice {number} is overdue", "Invoice {number} was due on {due_on}: {outstanding} {currency} unpaid."),
        "ru": ("Счёт {number} просрочен", "Срок оплаты счёта {number}: {due_on}; долг {outstanding} {currency}."),
    },
    "edi_dead_letter": {
        "en": (
            "EDI from {subject}: an interchange was not applied",
            "Interchange {result_control_reference} from partner {subject} was not applied: {result_reason}",
        ),
        "ru": (
            "EDI от {subject}: сообщение не применено",
            "Сообщение {result_control_reference} от партнёра {subject} не применено: {result_reason}",
        ),
    },
    # Not a rule's kind: a chat message to a member linked in Telegram (notifications.sink.chat_to_telegram).
    "chat_message": {
        "en": ("{author} in {conversation}", "{body}"),
        "ru": ("{author} в «{conversation}»", "{body}"),
    },
}
DIGEST_SUBJECT = {"en": "{count} notifications: {title}", "ru": "Уведомлений: {count}. {title}"}
FOOTER = {
    "en": "You receive this because of your notification preferences in WellWon.",
    "ru": "Вы получили это письмо согласно настройкам уведомлений WellWon.",
}


@dataclass(frozen=True)
class Text:
    title: str
    body: str


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str
    message: str = ""  # the notifications alone, as plain text (no footer): a chat message (Telegram) says this


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def language_of(locale: str | None) -> str:
    """The template language for a profile's locale (`ru`, `ru-RU`, `en-GB`...); English otherwise."""
    head = (locale or "").split("-")[0].split("_")[0].lower()
    return head if head in LANGUAGES else "en"


def values(subject: str, facts: dict[str, str]) -> dict[str, str]:
    return {"subject": subject, **{path.replace(".", "_"): value for path, value in facts.items()}}


def render(kind: str, language: str, subject: str, facts: dict[str, str]) -> Text:
    """The notification's title and body as plain text (the inbox shows them escaped, as any text)."""
    title, body = TEMPLATES[kind][language_of(language)]
    fields = _Blank(values(subject, facts))
    formatter = string.Formatter()
    return Text(formatter.vformat(title, (), fields).strip(), formatter.vformat(body, (), fields).strip())


def letter(language: str, texts: list[Text], title: str | None = None) -> Letter:
    """One email saying one notification, or a digest of several (the subject counts them)."""
    lang = language_of(language)
    subject = texts[0].title if len(texts) == 1 else DIGEST_SUBJECT[lang].format(count=len(texts), title=title or "")
    footer = FOOTER[lang]
    plain = "\n\n".join(f"{t.title}\n{t.body}" for t in texts) + f"\n\n-- \n{footer}\n"
    items = "".join(f"<li><strong>{html.escape(t.title)}</strong><br>{html.escape(t.body)}</li>" for t in texts)
    page = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(subject)}</title></head>'
        f"<body><ul>{items}</ul><p><small>{html.escape(footer)}</small></p></body></html>"
    )
    return Letter(subject, plain, page, "\n\n".join(f"{t.title}\n{t.body}" for t in texts))
