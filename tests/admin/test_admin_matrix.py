"""Every page of the staff site, for every persona, generated from the admin's own URLs: a
model registered without a case fails ``test_every_admin_url_has_a_case``. Expected answers
come from the one permission table (``roles.GROUP_PERMISSIONS``) and the few design
decisions written below, never from the admin classes under test."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from negotiation.roles import BANK_STAFF, COMPLIANCE, GROUP_PERMISSIONS, SPECIALISTS, SUPERVISORS
from tests.conftest import staff_client
from tests.factories import PASSWORD, make_staff

pytestmark = pytest.mark.django_db

GROUPS = [SPECIALISTS, SUPERVISORS, BANK_STAFF, COMPLIANCE]

# Design decisions: what no one adds by hand in the staff site, whatever their rights.
NOT_ADDED_BY_HAND = {
    "negotiation.auditevent",  # written by the services only: the trail is append-only
    "negotiation.notification",  # the outbox is written by the services
    "negotiation.reliefrequest",  # debtors make requests in the portal
    "negotiation.repaymentplan",  # plans come from approvals
    "negotiation.debtor",  # onboarding keeps the national ID as a keyed hash only
    "negotiation.user",
    "auth.group",  # the groups follow roles.GROUP_PERMISSIONS on every migrate
}
# Every model of the staff site: a model registered without being listed here fails.
MODELS = [
    "auth.group",
    "django_celery_beat.clockedschedule",
    "django_celery_beat.crontabschedule",
    "django_celery_beat.intervalschedule",
    "django_celery_beat.periodictask",
    "django_celery_beat.solarschedule",
    "negotiation.approvallimit",
    "negotiation.auditevent",
    "negotiation.collectionnotice",
    "negotiation.consequencerule",
    "negotiation.creditaccount",
    "negotiation.debtor",
    "negotiation.notification",
    "negotiation.payment",
    "negotiation.program",
    "negotiation.reliefrequest",
    "negotiation.repaymentplan",
    "negotiation.user",
]


def _holds(group: str, label: str, action: str) -> bool:
    app, model = label.split(".")
    wanted = f"{action}_{model}"
    for codename in GROUP_PERMISSIONS[group]:
        qualified = codename if "." in codename else f"negotiation.{codename}"
        if qualified == f"{app}.{wanted}":
            return True
    return False


def _url(label: str, view: str) -> str:
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_{view}")


def test_every_admin_url_has_a_case():
    assert set(MODELS) == {model._meta.label_lower for model in admin.site._registry}
    assert set(MODELS) >= NOT_ADDED_BY_HAND


@pytest.mark.parametrize("label", MODELS)
@pytest.mark.parametrize("view", ["changelist", "add"])
def test_visitors_and_debtors_are_sent_to_the_staff_sign_in(debtor, label, view):
    debtor_client = Client()
    debtor_client.login(username=debtor.user.username, password=PASSWORD)
    for client in (Client(), debtor_client):
        response = client.get(_url(label, view))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("label", MODELS)
def test_each_role_sees_the_lists_its_rights_give(group, label):
    client = staff_client(make_staff(group))
    may = _holds(group, label, "view") or _holds(group, label, "change")
    assert client.get(_url(label, "changelist")).status_code == (200 if may else 403)


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("label", MODELS)
def test_each_role_adds_only_what_its_rights_give(group, label):
    client = staff_client(make_staff(group))
    may = _holds(group, label, "add") and label not in NOT_ADDED_BY_HAND
    assert client.get(_url(label, "add")).status_code == (200 if may else 403)
