"""One text template per notification event (templates/notifications/<event>.txt), complete
in both languages, and none for anything that is not an event."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from negotiation.models import NOTIFICATION_CONTEXT, NotificationEvent
from negotiation.notification_texts import notification_text

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates" / "notifications"

# A value for each context key, as the services write them (ISO dates, formatted amounts).
SAMPLE = {
    "reference": "PL-ABCD-EFGH",
    "page": "plan",
    "due": "2027-01-15",
    "until": "2027-02-01",
    "amount": "¥1,234.56",
    "paid_on": "2027-01-10",
    "link": "https://portal.bank.example/activate/Zm9vYmFyYmF6cXV4/",
    "hours": "72",
    "minutes": "60",
    "changed_on": "2027-01-15",
    "field": "phone",
    "still_to_pay": "¥8,765.43",
    "by": "2027-01-20",
    "version": "2",
    "next_due": "2027-02-28",
    "debit_from": "ICBC Shanghai ···· 3445",
    "first_debit": "2027-02-05",
    "last_debit": "2027-02-05",
    "stops_from": "2027-03-05",
}
LATIN = re.compile(r"[A-Za-z]")


def context_of(event: NotificationEvent) -> dict[str, str]:
    return {key: SAMPLE[key] for key in NOTIFICATION_CONTEXT[event]}


def test_every_event_declares_its_context_and_has_a_template():
    assert set(NOTIFICATION_CONTEXT) == set(NotificationEvent)
    assert {path.name for path in TEMPLATES.iterdir()} == {
        f"{event}.txt" for event in NotificationEvent.values
    }


@pytest.mark.parametrize("event", list(NotificationEvent), ids=NotificationEvent.values)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_event_is_told_in_both_languages(event, language):
    with translation.override(language):
        text = notification_text(event, context_of(event))
    assert text.subject
    assert text.message
    assert "\n" not in text.subject
    assert "None" not in text.subject + text.message  # a key the template uses is missing
    if language == "zh-hans":
        shown = text.subject + text.message
        for value in context_of(event).values():
            shown = shown.replace(value, "")
        assert not LATIN.search(shown), f"English left in {event}: {shown}"
    with translation.override("en"):
        english = notification_text(event, context_of(event))
    if language != "en":
        assert text.message != english.message


@pytest.mark.parametrize("event", list(NotificationEvent), ids=NotificationEvent.values)
def test_each_template_uses_only_the_context_its_event_carries(event):
    """Another event's keys, given too, change nothing: the template reads none of them."""
    others = {key: f"<{key}?>" for key in SAMPLE if key not in NOTIFICATION_CONTEXT[event]}
    with translation.override("en"):
        assert notification_text(event, {**context_of(event), **others}) == notification_text(
            event, context_of(event)
        )


@pytest.mark.parametrize(
    ("language", "phone", "email"),
    [("en", "mobile number", "email address"), ("zh-hans", "手机号码", "电子邮箱地址")],
)
def test_a_changed_contact_says_which_one_changed(language, phone, email):
    event = NotificationEvent.CONTACT_CHANGED
    with translation.override(language):
        by_phone = notification_text(event, {"changed_on": "2027-01-15", "field": "phone"})
        by_email = notification_text(event, {"changed_on": "2027-01-15", "field": "email"})
    assert phone in by_phone.subject + by_phone.message
    assert email in by_email.subject + by_email.message
    assert email not in by_phone.message


@pytest.mark.parametrize(
    ("language", "due"), [("en", "15 January 2027"), ("zh-hans", "2027年1月15日")]
)
def test_dates_are_written_the_way_each_language_writes_them(language, due):
    event = NotificationEvent.INSTALLMENT_DUE_SOON
    with translation.override(language):
        assert due in notification_text(event, context_of(event)).message


def test_the_texts_the_debtor_reads():
    """The words are the ones the portal has always used (the catalog keeps their Chinese)."""
    event = NotificationEvent.REQUEST_APPROVED
    with translation.override("en"):
        text = notification_text(event, {"reference": "RQ-ABCD-EFGH"})
    assert text.subject == "An update on your request RQ-ABCD-EFGH"
    assert text.message == (
        "Your request RQ-ABCD-EFGH has been approved. Please read and sign your plan."
    )
    event = NotificationEvent.PAYMENT_RECEIVED
    with translation.override("zh-hans"):
        text = notification_text(event, context_of(event))
    assert text.subject == "我们已收到您的还款"
    assert text.message == (
        "我们已收到您于 2027年1月10日 支付的 ¥1,234.56 还款，谢谢。\n还款计划剩余应还：¥8,765.43。"
    )
