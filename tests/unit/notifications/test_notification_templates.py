"""Templates: Russian and English by the profile's locale, values escaped in HTML, plain text as written."""

from __future__ import annotations

from notifications.store import delivery_message_id
from notifications.templates import language_of, letter, render


def test_language_from_the_profile_locale() -> None:
    assert [language_of(x) for x in ("ru", "ru-RU", "en-GB", None, "de")] == ["ru", "ru", "en", "en", "en"]


def test_russian_and_english_texts() -> None:
    ru = render("declaration_rejected", "ru", "10702010", {"reason": "неверный код"})
    assert ru.title == "Декларация 10702010 отклонена" and "неверный код" in ru.body
    en = render("declaration_rejected", "en-US", "10702010", {"reason": "wrong code"})
    assert en.title == "Declaration 10702010 rejected" and en.body.endswith("wrong code")


def test_a_reconciliation_finding_in_russian_and_english() -> None:
    facts = {"finding.payment_code": "5010", "finding.difference_class": "overpayment", "finding.difference": "250.00",
             "finding.assessed": "100.00", "finding.paid": "350.00"}  # fmt: skip
    ru = render("reconciliation_finding", "ru", "10702010/301126/0001", facts)
    assert ru.title == "Декларация 10702010/301126/0001: расхождение сверки"
    assert ru.body == (
        "Сверка платежей по декларации 10702010/301126/0001, вид платежа 5010: overpayment, разница 250.00 руб. "
        "(начислено 100.00, уплачено 350.00)."
    )
    en = render("reconciliation_finding", "en", "10702010/301126/0001", facts)
    assert en.title == "Declaration 10702010/301126/0001: duty reconciliation finding"
    assert "payment type 5010: overpayment, difference 250.00 RUB (assessed 100.00, paid 350.00)" in en.body


def test_values_are_escaped_in_html_and_kept_in_plain_text() -> None:
    text = render("shipment_exception", "en", "SHP-<1>", {"kind": "damage", "reason": "<script>alert(1)</script>"})
    mail = letter("en", [text])
    assert "<script>" not in mail.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert "SHP-&lt;1&gt;" in mail.html
    assert "<script>alert(1)</script>" in mail.text and mail.subject == "Shipment SHP-<1>: exception"


def test_a_digest_counts_its_notifications() -> None:
    texts = [render("edi_dead_letter", "ru", "Partner", {"result.reason": f"r{i}"}) for i in range(3)]
    mail = letter("ru", texts, title=texts[0].title)
    assert mail.subject.startswith("Уведомлений: 3.") and mail.text.count("r1") == 1 and mail.html.count("<li>") == 3


def test_message_id_is_one_per_event_person_and_channel() -> None:
    assert delivery_message_id("e", "u", "email") == delivery_message_id("e", "u", "email")
    assert delivery_message_id("e", "u", "email") != delivery_message_id("e", "u2", "email")
    assert delivery_message_id("e", "u", "email").endswith("@notifications.wellwon>")
