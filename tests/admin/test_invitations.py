"""Inviting debtors from the staff site: the list's actions (invite the selected, send a new
link, revoke), the buttons on a debtor's page, where each debtor stands, and a link never
shown to staff in the outbox. Who may press what: tests/admin/test_admin_matrix.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AuditEvent, Invitation, Notification
from negotiation.roles import COMPLIANCE, SUPERVISORS
from tests.conftest import staff_client
from tests.factories import invite, make_imported_debtor, make_staff

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:negotiation_debtor_changelist")


def act(client, action: str, debtors):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [d.pk for d in debtors]},
        follow=True,
    )


def test_bank_staff_invite_the_selected_debtors(bankstaff, debtor):
    fresh = [make_imported_debtor() for _ in range(3)]
    no_mobile = make_imported_debtor(phone="")
    client = staff_client(bankstaff)
    response = act(client, "invite_action", [*fresh, no_mobile, debtor])
    html = response.content.decode()
    assert "3 invited. Not invited: 1 already signed up, 0 with a link still open" in html
    assert "1 without a mobile number on file" in html
    assert Invitation.objects.count() == 3
    assert AuditEvent.objects.filter(action="invitation.sent", actor=bankstaff).count() == 3
    again = act(client, "invite_action", fresh).content.decode()
    assert "0 invited" in again
    assert Invitation.objects.count() == 3


def test_a_new_link_and_revoking_from_the_list(bankstaff):
    debtors = [make_imported_debtor() for _ in range(2)]
    for debtor in debtors:
        invite(debtor, bankstaff)
    client = staff_client(bankstaff)
    assert "2 new link(s) sent" in act(client, "resend_action", debtors).content.decode()
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 2
    assert Invitation.objects.count() == 4
    assert "2 link(s) revoked" in act(client, "revoke_action", debtors).content.decode()
    assert not Invitation.objects.filter(revoked_at__isnull=True).exists()


def test_where_each_debtor_stands_in_the_list_and_its_filter(bankstaff, debtor):
    open_ = make_imported_debtor()
    invite(open_, bankstaff)
    expired = make_imported_debtor()
    invite(expired, bankstaff, now=timezone.now() - dt.timedelta(days=4))
    never = make_imported_debtor()
    client = staff_client(bankstaff)
    html = client.get(CHANGELIST).content.decode()
    for label in ("Signed up", "Invited, link open", "Invited, link expired", "Not invited"):
        assert label in html
    for state, expected in (
        ("active", debtor),
        ("invited", open_),
        ("expired", expired),
        ("not_invited", never),
    ):
        page = client.get(CHANGELIST, {"portal_access": state})
        assert list(page.context["cl"].result_list) == [expected], state


def test_the_list_costs_the_same_with_1_and_50_debtors(bankstaff, django_assert_num_queries):
    client = staff_client(bankstaff)
    invite(make_imported_debtor(), bankstaff)
    client.get(CHANGELIST)
    with django_assert_num_queries(9) as one:
        assert client.get(CHANGELIST).status_code == 200
    for _ in range(49):
        invite(make_imported_debtor(), bankstaff)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(CHANGELIST).status_code == 200


def test_the_buttons_on_a_debtors_page(bankstaff):
    debtor = make_imported_debtor()
    client = staff_client(bankstaff)
    page = reverse("admin:negotiation_debtor_change", args=[debtor.pk])
    html = client.get(page).content.decode()
    assert "Invite to the portal" in html
    assert "Not invited" in html
    invite_url = reverse("admin:negotiation_debtor_invite", args=[debtor.pk])
    assert client.get(invite_url).status_code == 405
    response = client.post(invite_url, follow=True)
    assert "the link works until" in response.content.decode()
    html = client.get(page).content.decode()
    assert "Send a new invitation link" in html
    assert "Revoke the invitation link" in html
    revoke_url = reverse("admin:negotiation_debtor_revoke_invitation", args=[debtor.pk])
    assert "The invitation link is revoked" in client.post(revoke_url, follow=True).content.decode()
    assert "There was no link to revoke" in client.post(revoke_url, follow=True).content.decode()


def test_who_may_not_invite_sees_no_button(bankstaff):
    debtor = make_imported_debtor()
    client = staff_client(make_staff(COMPLIANCE))
    html = client.get(reverse("admin:negotiation_debtor_change", args=[debtor.pk])).content
    assert b"Invite to the portal" not in html
    assert b"Not invited" in html
    changelist = client.get(CHANGELIST).content.decode()
    assert "invite_action" not in changelist


def test_the_outbox_never_shows_a_link_waiting_to_be_delivered(bankstaff):
    invite(make_imported_debtor(), bankstaff)
    notification = Notification.objects.filter(status="pending").first()
    assert notification is not None
    assert notification.context["link"].startswith("http")
    client = staff_client(make_staff(SUPERVISORS))
    html = client.get(
        reverse("admin:negotiation_notification_change", args=[notification.pk])
    ).content.decode()
    assert notification.context["link"] not in html
    assert "/activate/" not in html
