"""What the account page says, from the staff site: bank staff record the formal notices
sent, audited; compliance publishes a new version of a rule, never changing the one in
force; specialists read the rules but cannot change them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AuditEvent, CollectionNotice, ConsequenceRule
from negotiation.roles import BANK_STAFF, COMPLIANCE, SPECIALISTS
from tests.conftest import staff_client
from tests.factories import make_staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_bank_staff_record_a_notice_and_it_is_audited(account):
    client = staff_client(make_staff(BANK_STAFF))
    response = client.post(
        reverse("admin:negotiation_collectionnotice_add"),
        {
            "account": account.pk,
            "channel": "registered_letter",
            "sent_at_0": TODAY.isoformat(),
            "sent_at_1": "10:00:00",
            "delivered_at_0": "",
            "delivered_at_1": "",
            "evidence": "EMS tracking 1234",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    notice = CollectionNotice.objects.get()
    assert notice.recorded_by is not None
    assert AuditEvent.objects.filter(action="notice.recorded", object_id=account.pk).exists()


def test_a_rule_in_force_is_kept_and_a_new_version_is_published_audited():
    client = staff_client(make_staff(COMPLIANCE))
    rule = ConsequenceRule.objects.filter(key="lawsuit", language="en").latest("effective_from")
    url = reverse("admin:negotiation_consequencerule_change", args=[rule.pk])
    fields = {
        "key": "lawsuit",
        "position": rule.position,
        "jurisdiction": "CN",
        "language": "en",
        "effective_from": rule.effective_from.isoformat(),
        "from_day": 240,
        "title": rule.title,
        "body": rule.body,
        "how_to_avoid": rule.how_to_avoid,
        "legal_basis": rule.legal_basis,
    }
    refused = client.post(url, {**fields, "_save": "Save"})
    assert refused.status_code == 200
    assert "stays as it is, for the record" in refused.content.decode()
    versions = ConsequenceRule.objects.filter(key="lawsuit", language="en").count()
    later = (TODAY + dt.timedelta(days=30)).isoformat()
    published = client.post(url, {**fields, "effective_from": later, "_saveasnew": "Save as new"})
    assert published.status_code == 302
    assert ConsequenceRule.objects.filter(key="lawsuit", language="en").count() == versions + 1
    rule.refresh_from_db()
    assert rule.from_day == 180  # the old version unchanged
    assert AuditEvent.objects.filter(action="consequence_rule.published").exists()


def test_specialists_read_the_rules_but_cannot_change_them():
    client = staff_client(make_staff(SPECIALISTS))
    rule = ConsequenceRule.objects.filter(key="cost", language="en").latest("effective_from")
    url = reverse("admin:negotiation_consequencerule_change", args=[rule.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"title": "x"}).status_code == 403
