"""The outbox in the staff site: compliance reads it but cannot send a message again."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.roles import COMPLIANCE
from negotiation.services.requests import approve_request
from tests.conftest import staff_client
from tests.factories import make_request, make_staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_compliance_sees_the_outbox_but_cannot_send_again(account, installment_program, supervisor):
    approve_request(make_request(account, installment_program), actor=supervisor, today=TODAY)
    client = staff_client(make_staff(COMPLIANCE))
    changelist = reverse("admin:negotiation_notification_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert "send_again_action" not in page.content.decode()
