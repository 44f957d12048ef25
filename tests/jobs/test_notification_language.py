"""Every text message and email is in the language stored on the debtor (preferred_language),
whatever language the page that triggered it was served in: a Chinese-speaking debtor whose
request a specialist decides on an English staff page reads Chinese, and the other way round."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from negotiation.models import Notification
from negotiation.services.notifications import deliver_notification
from negotiation.services.requests import reject_request
from tests.factories import PASSWORD, give_a_mobile_number, make_request

pytestmark = pytest.mark.django_db

# Words of each language that the texts carry (the SMS: "please sign in"; the email's greeting).
SAYS = {"zh-hans": ("登录", "您好"), "en": ("sign in", "Dear")}


def _deliver_pending() -> None:
    for pk in Notification.objects.filter(status="pending").values_list("pk", flat=True):
        deliver_notification(pk)


@pytest.mark.parametrize(("stored", "page"), [("zh-hans", "en"), ("en", "zh-hans")])
def test_a_decision_taken_on_a_page_in_another_language_is_told_in_the_debtor_s(
    stored, page, account, installment_program, supervisor, sms_outbox
):
    debtor = account.debtor
    debtor.preferred_language = stored
    debtor.save(update_fields=["preferred_language"])
    give_a_mobile_number(debtor)
    request = make_request(account, installment_program)
    with translation.override(page):
        reject_request(request, actor=supervisor, reason_code="other", explanation="x")
        _deliver_pending()
    texts = [m.body for m in sms_outbox] + [f"{m.subject} {m.body}" for m in mail.outbox]
    assert texts
    for text in texts:
        assert SAYS[stored][0].lower() in text.lower() or SAYS[stored][1] in text, text


@pytest.mark.parametrize(("stored", "page"), [("zh-hans", "en"), ("en", "zh-hans")])
def test_a_code_asked_for_on_a_page_in_another_language_is_texted_in_the_debtor_s(
    stored, page, account, installment_program, specialist, sms_outbox
):
    """The signing code, asked for on the plan's page read in the other language."""
    from negotiation.services.requests import approve_request

    debtor = account.debtor
    debtor.preferred_language = stored
    debtor.save(update_fields=["preferred_language"])
    give_a_mobile_number(debtor)
    request = make_request(account, installment_program, months=6)
    plan = approve_request(request, actor=specialist, today=timezone.localdate()).plan
    client = Client()
    client.force_login(debtor.user)
    client.cookies["django_language"] = page
    url = reverse("negotiation:plan_detail", args=[plan.reference])
    response = client.post(url, {"step": "consent", "consent_terms": "on", "password": PASSWORD})
    assert response.status_code in (200, 302)
    code_text = sms_outbox[-1].body
    chinese = "验证码" in code_text
    assert chinese == (stored == "zh-hans"), code_text
