"""The inbox: each message links to the page it is about, in the debtor's language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from negotiation.models import NotificationEvent, NotificationPage
from negotiation.services.notifications import notify_debtor

pytestmark = pytest.mark.django_db


def test_each_message_opens_the_page_it_is_about(debtor_client, account, active_plan):
    debtor = account.debtor
    plan = {"reference": active_plan.reference, "page": NotificationPage.PLAN}
    notify_debtor(debtor, NotificationEvent.PLAN_COMPLETED, key="p", context=plan)
    notify_debtor(
        debtor,
        NotificationEvent.PAYMENT_RECEIVED,
        key="a",
        context={
            "reference": account.reference,
            "page": NotificationPage.ACCOUNT,
            "amount": "¥1.00",
            "paid_on": "2026-12-01",
            "still_to_pay": "¥10.00",
        },
    )
    page = debtor_client.get(reverse("negotiation:inbox")).content.decode()
    assert f'href="{reverse("negotiation:plan_detail", args=[active_plan.reference])}"' in page
    assert f"Open plan {active_plan.reference}" in page
    assert f'href="{reverse("negotiation:account", args=[account.reference])}"' in page
    assert "Open the account" in page


def test_a_new_message_is_marked_with_full_width_punctuation_in_chinese(
    debtor_client, account, active_plan
):
    plan = {"reference": active_plan.reference, "page": NotificationPage.PLAN}
    notify_debtor(account.debtor, NotificationEvent.PLAN_COMPLETED, key="p", context=plan)
    debtor_client.cookies["django_language"] = "zh-hans"
    page = debtor_client.get(reverse("negotiation:inbox")).content.decode()
    assert "新消息：" in page
    assert "新消息:" not in page
    assert f"查看还款计划 {active_plan.reference}" in page
