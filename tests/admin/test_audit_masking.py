"""Compliance reads the whole audit trail without names and contact details: an email in
an actor label and the name, phone and email values in before and after are masked, and a
search by email finds nothing; staff with the contact right see them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from negotiation.models import AuditAction
from negotiation.roles import COMPLIANCE, SUPERVISORS
from negotiation.services.audit import record_event
from tests.conftest import staff_client
from tests.factories import make_debtor, make_staff

pytestmark = pytest.mark.django_db
LIST = reverse("admin:negotiation_auditevent_changelist")


@pytest.fixture
def change():
    debtor = make_debtor(phone="13912345678")
    return record_event(
        debtor,
        actor=None,
        actor_label="old.sign-in@example.com",  # as a sign-in named before references
        action=AuditAction.DEBTOR_CONTACT_CHANGED,
        before={"phone": "13912345678", "email": ""},
        after={"phone": "13700001111", "email": "", "notified": ["sms"]},
    )


def test_compliance_sees_the_trail_without_contact_details(change):
    compliance = staff_client(make_staff(COMPLIANCE))
    listing = compliance.get(LIST).content.decode()
    assert "old.sign-in@example.com" not in listing
    assert "o***@example.com" in listing
    page = compliance.get(reverse("admin:negotiation_auditevent_change", args=[change.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "13912345678" not in text
    assert "13700001111" not in text
    assert "•••" in text
    assert "notified" in text  # the rest of the row is there
    assert "o***@example.com" not in compliance.get(LIST, {"q": "@example.com"}).content.decode()


def test_staff_with_the_contact_right_see_them(change):
    supervisor = staff_client(make_staff(SUPERVISORS))
    page = supervisor.get(reverse("admin:negotiation_auditevent_change", args=[change.pk]))
    assert "13700001111" in page.content.decode()
    found = supervisor.get(LIST, {"q": "old.sign-in@example.com"}).content.decode()
    assert "old.sign-in@example.com" in found
