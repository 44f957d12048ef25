"""Payments in the staff site: bank staff record one by hand, checked as any payment is;
specialists cannot."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import Payment
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_bank_staff_record_a_payment_in_the_admin(bankstaff, specialist, account):
    url = reverse("admin:negotiation_payment_add")
    data = {
        "account": account.pk,
        "amount": "500.00",
        "paid_on": TODAY.isoformat(),
        "source": "branch",
        "external_id": "DESK-1",
    }
    response = staff_client(bankstaff).post(url, data)
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.recorded_by == bankstaff
    bad = staff_client(bankstaff).post(url, {**data, "external_id": "DESK-2", "amount": "99999.00"})
    assert "still owed on the account" in bad.content.decode()
    assert staff_client(specialist).get(url).status_code == 403
    assert Payment.objects.count() == 1
