"""The agreement PDF in the staff site: a specialist opens it from the plan's page and the
read is audited; staff who may not see debtors' names cannot open it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from negotiation.models import AuditEvent
from negotiation.roles import COMPLIANCE, SPECIALISTS
from tests.conftest import staff_client
from tests.factories import make_staff
from tests.services import test_agreement_pdf as agreement

pytestmark = pytest.mark.django_db
plan = agreement.plan  # the same fixture: an approved plan awaiting the signature
pdf_text = agreement.pdf_text


def test_a_specialist_opens_the_agreement_and_the_read_is_audited(plan):
    client = staff_client(make_staff(SPECIALISTS))
    url = reverse("admin:negotiation_repaymentplan_agreement", args=[plan.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Draft for reading" in pdf_text(response.content)
    assert AuditEvent.objects.filter(action="plan.agreement_read", object_id=plan.pk).exists()
    page = client.get(reverse("admin:negotiation_repaymentplan_change", args=[plan.pk]))
    assert url in page.content.decode()


def test_staff_who_may_not_see_names_cannot_open_the_agreement(plan):
    client = staff_client(make_staff(COMPLIANCE))
    url = reverse("admin:negotiation_repaymentplan_agreement", args=[plan.pk])
    assert client.get(url).status_code == 403
