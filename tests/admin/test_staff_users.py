"""Supervisors create staff sign-ins and put them in the role groups; nobody else does, and
nothing beyond the groups is granted here. A staff user is never a debtor."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from negotiation.models import AuditAction, AuditEvent, User
from negotiation.roles import BANK_STAFF, SPECIALISTS, SUPERVISORS
from tests.conftest import staff_client
from tests.factories import PASSWORD, make_staff

pytestmark = pytest.mark.django_db
ADD = reverse("admin:negotiation_user_add")


def test_a_supervisor_creates_a_staff_member_and_gives_them_a_role(supervisor):
    client = staff_client(supervisor)
    response = client.post(
        ADD,
        {
            "username": "newagent",
            "password1": "a-long-pass-phrase-1",
            "password2": "a-long-pass-phrase-1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agent = User.objects.get(username="newagent")
    assert (agent.is_staff, agent.is_superuser) == (True, False)
    change = reverse("admin:negotiation_user_change", args=[agent.pk])
    page = client.get(change).content.decode()
    assert "is_superuser" not in page
    assert "user_permissions" not in page
    specialists = Group.objects.get(name=SPECIALISTS)
    response = client.post(
        change,
        {
            "username": "newagent",
            "first_name": "Min",
            "last_name": "Zhou",
            "email": "",
            "is_active": "on",
            "groups": [specialists.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(agent.groups.values_list("name", flat=True)) == [SPECIALISTS]
    created = AuditEvent.objects.get(action=AuditAction.STAFF_USER_CREATED)
    changed = AuditEvent.objects.get(action=AuditAction.STAFF_USER_CHANGED)
    assert created.after["groups"] == []
    assert (changed.before["groups"], changed.after["groups"]) == ([], [SPECIALISTS])


def test_debtors_and_administrators_are_not_in_the_supervisors_list(supervisor, debtor):
    admin_user = User.objects.create_superuser("root", password=PASSWORD)
    listed = staff_client(supervisor).get(reverse("admin:negotiation_user_changelist"))
    page = listed.content.decode()
    assert supervisor.username in page
    assert debtor.user.username not in page
    assert "root" not in page
    response = staff_client(supervisor).get(
        reverse("admin:negotiation_user_change", args=[admin_user.pk])
    )
    assert response.status_code in (302, 404)


@pytest.mark.parametrize("group", [SPECIALISTS, BANK_STAFF])
def test_other_roles_cannot_create_staff(group):
    client = staff_client(make_staff(group))
    assert client.get(ADD).status_code == 403
    assert Group.objects.get(name=SUPERVISORS)  # the groups exist; only rights differ
