"""How to pay: the bank's repayment channels, staff-written content in both languages, on
the account page, the plan page and the agreement PDF, with the account's reference and
card filled in; reminders point to them; staff edit them (audited), never delete them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AuditAction, AuditEvent, RepaymentChannel
from negotiation.roles import SPECIALISTS, SUPERVISORS
from negotiation.selectors.channels import how_to_pay
from negotiation.services.agreements import render_agreement_pdf
from negotiation.services.requests import approve_request
from tests.conftest import staff_client
from tests.factories import make_request, make_staff
from tests.services.test_agreement_pdf import pdf_text

pytestmark = pytest.mark.django_db


def test_the_seeded_channels_name_the_reference_to_quote(account):
    channels = how_to_pay(account, language="en")
    assert [c.name for c in channels] == [
        "The bank's mobile app",
        "At a branch counter",
        "Bank transfer",
    ]
    assert account.reference in channels[1].instructions
    assert account.masked_card in channels[0].instructions
    assert "{" not in "".join(c.instructions for c in channels)
    chinese = how_to_pay(account, language="zh-hans")
    assert chinese[2].name == "银行转账"
    assert account.reference in chinese[2].instructions


def test_the_account_page_and_the_plan_page_say_how_to_pay(debtor_client, account, active_plan):
    for url in (
        reverse("negotiation:account", args=[account.reference]),
        reverse("negotiation:plan_detail", args=[active_plan.reference]),
    ):
        page = debtor_client.get(url).content.decode()
        assert 'data-testid="how-to-pay"' in page, url
        assert f"quote the reference {account.reference}" in page, url


def test_the_agreement_says_how_to_pay(plan_awaiting):
    text = " ".join(pdf_text(render_agreement_pdf(plan_awaiting, language="en")).split())
    assert "How to pay" in text
    assert "Bank transfer" in text


@pytest.fixture
def plan_awaiting(account, installment_program, specialist):
    request = make_request(account, installment_program, months=6)
    return approve_request(request, actor=specialist, today=timezone.localdate()).plan


def test_a_hidden_channel_is_not_shown_and_a_stray_brace_breaks_nothing(account):
    RepaymentChannel.objects.filter(name="Bank transfer").update(active=False)
    RepaymentChannel.objects.filter(name="At a branch counter").update(
        instructions="Quote {reference} {not a key}."
    )
    channels = how_to_pay(account, language="en")
    assert "Bank transfer" not in [c.name for c in channels]
    assert channels[1].instructions == f"Quote {account.reference} {{not a key}}."


def test_supervisors_edit_the_channels_audited_and_nobody_deletes_them():
    channel = RepaymentChannel.objects.get(name="Bank transfer")
    url = reverse("admin:negotiation_repaymentchannel_change", args=[channel.pk])
    supervisor = staff_client(make_staff(SUPERVISORS))
    response = supervisor.post(
        url,
        {
            "name": "Bank transfer",
            "name_zh": "银行转账",
            "instructions": "Transfer to the card {card}, note {reference}.",
            "instructions_zh": "转账至 {card}，附言 {reference}。",
            "position": "30",
            "active": "on",
        },
    )
    assert response.status_code == 302
    saved = AuditEvent.objects.get(action=AuditAction.REPAYMENT_CHANNEL_SAVED)
    assert saved.after["instructions"] == "Transfer to the card {card}, note {reference}."
    delete = reverse("admin:negotiation_repaymentchannel_delete", args=[channel.pk])
    assert supervisor.post(delete, {"post": "yes"}).status_code == 403
    assert staff_client(make_staff(SPECIALISTS)).get(url).status_code == 403
