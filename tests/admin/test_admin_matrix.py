"""Every page of the staff site, for every persona, generated from the admin's own URLs: a
model registered, or a URL added, without a case fails ``test_every_admin_url_has_a_case``.
Expected answers come from the one permission table (``roles.GROUP_PERMISSIONS``) and the
few design decisions written below, never from the admin classes under test."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone

from negotiation.exceptions import ActionNotPermitted
from negotiation.models import (
    AuditEvent,
    Callback,
    ContactRecord,
    Dispute,
    Document,
    Invitation,
    ReliefRequest,
    RepaymentPlan,
)
from negotiation.roles import (
    BANK_STAFF,
    COMPLIANCE,
    GROUP_PERMISSIONS,
    READ_AUDIT_TRAIL,
    ROLE_PERMISSIONS,
    SPECIALISTS,
    SUPERVISORS,
    Role,
)
from negotiation.services.contacts import record_contact
from negotiation.services.mandates import set_up_mandate
from tests.conftest import sign_in_request, staff_client
from tests.factories import (
    PASSWORD,
    make_staff,
)

pytestmark = pytest.mark.django_db

GROUPS = [SPECIALISTS, SUPERVISORS, BANK_STAFF, COMPLIANCE]

# Design decisions: what no one adds by hand in the staff site, whatever their rights.
NOT_ADDED_BY_HAND = {
    "negotiation.auditevent",  # written by the services only: the trail is append-only
    "negotiation.notification",  # the outbox is written by the services
    "negotiation.importrun",  # a run is the record of an import, written by it
    "negotiation.reliefrequest",  # debtors make requests in the portal
    "negotiation.repaymentplan",  # plans come from approvals
    "negotiation.planchangerequest",  # debtors ask in the portal; specialists answer
    "negotiation.dispute",  # debtors open disputes in the portal
    "negotiation.debtor",  # onboarding keeps the national ID as a keyed hash only
    "negotiation.paymentintent",  # debtors start them; providers' notifications move them
    "negotiation.callback",  # debtors book them in the portal; staff take and make them
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
    "negotiation.callback",
    "negotiation.collectionagency",
    "negotiation.collectionnotice",
    "negotiation.consequencerule",
    "negotiation.repaymentchannel",
    "negotiation.creditaccount",
    "negotiation.debtor",
    "negotiation.dispute",
    "negotiation.importrun",
    "negotiation.notification",
    "negotiation.payment",
    "negotiation.paymentintent",
    "negotiation.program",
    "negotiation.reliefrequest",
    "negotiation.repaymentplan",
    "negotiation.planchangerequest",
    "negotiation.user",
    "negotiation.wordingtemplate",
]
# The admin site's own pages, and the views Django gives every registered model.
SITE_VIEWS = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
    # The staff sign-in's code step, the app's set-up, and the recovery codes
    # (tests/admin/test_second_factor.py).
    "staff_code",
    "staff_enrol",
    "staff_recovery_codes",
}
MODEL_VIEWS = ("changelist", "add", "change", "delete", "history")
# Django's unnamed patterns: an object's bare URL (redirects to its change page), and the
# catch-all that sends unknown staff URLs to the sign-in.
UNNAMED = {"<path:object_id>/", "(?P<url>.*)$"}


@dataclass(frozen=True)
class Button:
    """A page or button the project adds to the staff site: the method it answers, the
    rights it takes (design decisions: who may press it), and what it acts on."""

    method: str
    rights: tuple[str, ...]
    # "request", "document", "plan", "user", "debtor", "run", "dispute", or "" for a page of
    # its own
    on: str


# Every URL the project adds to the staff site: a URL added without a case here fails.
BUTTONS: dict[str, Button] = {
    "negotiation_reliefrequest_approve": Button(
        "POST", (ROLE_PERMISSIONS[Role.DECIDER],), "request"
    ),
    "negotiation_reliefrequest_reject": Button("GET", (ROLE_PERMISSIONS[Role.DECIDER],), "request"),
    "negotiation_reliefrequest_claim": Button(
        "POST", (ROLE_PERMISSIONS[Role.REVIEWER],), "request"
    ),
    "negotiation_reliefrequest_counter": Button(
        "GET", (ROLE_PERMISSIONS[Role.DECIDER],), "request"
    ),
    "negotiation_reliefrequest_ask": Button("POST", (ROLE_PERMISSIONS[Role.DECIDER],), "request"),
    "negotiation_reliefrequest_note": Button("POST", (ROLE_PERMISSIONS[Role.REVIEWER],), "request"),
    # Bank staff hold add_contactrecord but see no request: refused (403), nothing shown.
    "negotiation_reliefrequest_contact": Button(
        "POST", ("negotiation.add_contactrecord", "negotiation.view_reliefrequest"), "request"
    ),
    "negotiation_reliefrequest_send_back": Button(
        "POST", (ROLE_PERMISSIONS[Role.SECOND_APPROVER],), "request"
    ),
    "negotiation_document_download": Button("GET", ("negotiation.download_document",), "document"),
    # The agreement names the debtor: it takes the right to see their contact details too.
    "negotiation_repaymentplan_agreement": Button(
        "GET", ("negotiation.view_repaymentplan", "negotiation.view_debtor_contact"), "plan"
    ),
    # A changed plan's version: the same rights as the first agreement (it names the debtor).
    "negotiation_repaymentplan_amendment_agreement": Button(
        "GET", ("negotiation.view_repaymentplan", "negotiation.view_debtor_contact"), "amendment"
    ),
    # The letters name the debtor: the account's right and the right to see names.
    "negotiation_creditaccount_statement": Button(
        "GET", ("negotiation.view_creditaccount", "negotiation.view_debtor_contact"), "account"
    ),
    "negotiation_creditaccount_payoff_letter": Button(
        "GET", ("negotiation.view_creditaccount", "negotiation.view_debtor_contact"), "account"
    ),
    # Bank staff's account actions: a page with the form (GET), the right checked on the
    # server; the matrix's account is settled, so the page says what is not possible now.
    "negotiation_creditaccount_freeze": Button(
        "GET", ("negotiation.view_creditaccount", "negotiation.change_account_status"), "account"
    ),
    "negotiation_creditaccount_unfreeze": Button(
        "GET", ("negotiation.view_creditaccount", "negotiation.change_account_status"), "account"
    ),
    "negotiation_creditaccount_close": Button(
        "GET", ("negotiation.view_creditaccount", "negotiation.change_account_status"), "account"
    ),
    "negotiation_creditaccount_charge_off": Button(
        "GET", ("negotiation.view_creditaccount", "negotiation.change_account_status"), "account"
    ),
    "negotiation_creditaccount_correct_balance": Button(
        "GET", ("negotiation.view_creditaccount", "negotiation.correct_account_balance"), "account"
    ),
    "negotiation_creditaccount_record_notice": Button(
        "GET", ("negotiation.view_creditaccount", "negotiation.add_collectionnotice"), "account"
    ),
    # Invitations to the portal: bank staff (POST only; the same service as the list's actions).
    "negotiation_debtor_invite": Button("POST", ("negotiation.invite_debtor",), "debtor"),
    "negotiation_debtor_revoke_invitation": Button(
        "POST", ("negotiation.invite_debtor",), "debtor"
    ),
    # Extra support: what the debtor told us, for those who handle the case (each reading
    # audited); others see only the marker.
    "negotiation_debtor_support": Button(
        "GET", ("negotiation.view_debtor", "negotiation.view_support_need"), "debtor"
    ),
    # The staff user's password, set by whoever may change users (Django's UserAdmin).
    "auth_user_password_change": Button("GET", ("negotiation.change_user",), "user"),
    # The bank's files: uploaded by bank staff; a run's page and its bad rows to its readers.
    "negotiation_importrun_upload": Button("GET", ("negotiation.upload_import",), ""),
    "negotiation_importrun_progress": Button("GET", ("negotiation.view_importrun",), "run"),
    "negotiation_importrun_problems": Button("GET", ("negotiation.view_importrun",), "run"),
    "negotiation_importrun_invite": Button(
        "POST", ("negotiation.view_importrun", "negotiation.invite_debtor"), "run"
    ),
    # A dispute's answers: specialists and supervisors (POST only; a refused form shows the
    # dispute's page again with what was typed).
    "negotiation_dispute_uphold": Button(
        "POST", ("negotiation.resolve_dispute", "negotiation.view_dispute"), "dispute"
    ),
    "negotiation_dispute_reject": Button(
        "POST", ("negotiation.resolve_dispute", "negotiation.view_dispute"), "dispute"
    ),
    "negotiation_dispute_extend": Button(
        "POST", ("negotiation.resolve_dispute", "negotiation.view_dispute"), "dispute"
    ),
    # A call back: taken, and the call made (POST only; an empty form shows the page again
    # with why), by whoever reads call backs and records contacts.
    "negotiation_callback_take": Button(
        "POST", ("negotiation.view_callback", "negotiation.add_contactrecord"), "callback"
    ),
    "negotiation_callback_close": Button(
        "POST", ("negotiation.view_callback", "negotiation.add_contactrecord"), "callback"
    ),
    # The warning's "Stay signed in" (204): anyone signed in to the staff site, no right.
    "staff_keep_alive": Button("POST", (), ""),
    # The relief dashboard's figures: supervisors and compliance (a page of its own).
    "relief_dashboard": Button("GET", ("negotiation.view_relief_dashboard",), ""),
}


def _has(group: str, permission: str) -> bool:
    """Whether ``group`` holds ``permission`` ("app.codename") in the permission table."""
    return any(
        (codename if "." in codename else f"negotiation.{codename}") == permission
        for codename in GROUP_PERMISSIONS[group]
    )


def _holds(group: str, label: str, action: str) -> bool:
    app, model = label.split(".")
    return _has(group, f"{app}.{action}_{model}")


def _url(label: str, view: str) -> str:
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_{view}")


def _admin_patterns(patterns=None) -> list[URLPattern]:
    """Every pattern of the staff site, the models' included ones too."""
    found = []
    for pattern in admin.site.get_urls() if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            found += _admin_patterns(pattern.url_patterns)
        else:
            found.append(pattern)
    return found


def _named_admin_urls() -> list[str]:
    return sorted({p.name for p in _admin_patterns() if p.name})


def _model_views() -> set[str]:
    return {f"{label.replace('.', '_')}_{view}" for label in MODELS for view in MODEL_VIEWS}


def test_every_admin_url_has_a_case():
    assert set(MODELS) == {model._meta.label_lower for model in admin.site._registry}
    assert set(MODELS) >= NOT_ADDED_BY_HAND
    without_a_case = set(_named_admin_urls()) - SITE_VIEWS - _model_views() - set(BUTTONS)
    assert without_a_case == set()
    assert set(BUTTONS) <= set(_named_admin_urls())  # no case for a URL that is gone
    assert {str(p.pattern) for p in _admin_patterns() if not p.name} == UNNAMED


def _any_args_url(name: str) -> str:
    """The URL named ``name`` with placeholder arguments: the sign-in comes first, so no
    object needs to exist."""
    pattern = next(p for p in _admin_patterns() if p.name == name)
    placeholders = {"app_label": "negotiation", "reference": "DOC-NONE"}
    kwargs = {key: placeholders.get(key, "1") for key in pattern.pattern.regex.groupindex}
    return reverse(f"admin:{name}", kwargs=kwargs)


@pytest.mark.parametrize("name", [n for n in _named_admin_urls() if n != "login"])
def test_visitors_and_debtors_are_sent_to_the_staff_sign_in(debtor, name):
    debtor_client = Client()
    assert debtor_client.login(
        request=sign_in_request(), username=debtor.user.username, password=PASSWORD
    )
    for client in (Client(), debtor_client):
        response = client.get(_any_args_url(name))
        assert response.status_code == 302
        if name == "logout":  # Django sends it to the index, which sends on to the sign-in
            assert response["Location"] == reverse("admin:index")
        else:
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


def _changes() -> tuple[int, ...]:
    return (
        AuditEvent.objects.count(),
        ReliefRequest.objects.exclude(status="needs_info").count(),
        RepaymentPlan.objects.exclude(status="awaiting_signature").count(),
        Document.objects.count(),
        Invitation.objects.count(),
        Dispute.objects.exclude(status="open").count(),
        Callback.objects.exclude(status="requested").count(),
        ContactRecord.objects.count(),
    )


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("name", sorted(BUTTONS))
def test_each_role_uses_only_the_buttons_its_rights_give(objects, group, name):
    button = BUTTONS[name]
    url = reverse(f"admin:{name}", args=[objects[button.on]] if button.on else [])
    client = staff_client(make_staff(group))
    before = _changes()
    response = client.get(url) if button.method == "GET" else client.post(url, {})
    if all(_has(group, right) for right in button.rights):
        # The page (or nothing to show: 204), or the button's form refused and the request
        # page shown again: never a refusal of the person, a missing page or a server error.
        assert response.status_code in (200, 204, 302), response.status_code
    else:
        assert response.status_code == 403
        assert _changes() == before


def test_compliance_writes_nothing_but_the_legal_content():
    """Compliance reads cases and the audit trail; the one thing it changes is the content
    it answers for (the consequence rules, versioned: a version in force is never edited).
    A new write right given to the group fails here."""
    rights = set(GROUP_PERMISSIONS[COMPLIANCE])
    writes = {right for right in rights if not right.split(".")[-1].startswith("view_")}
    assert writes == {READ_AUDIT_TRAIL, "add_consequencerule", "change_consequencerule"}


def test_bank_staff_record_no_contact_on_a_request_they_cannot_see(objects, bankstaff):
    request = ReliefRequest.objects.get(pk=objects["request"])
    with pytest.raises(ActionNotPermitted):
        record_contact(
            request,
            actor=bankstaff,
            channel="phone",
            direction="inbound",
            outcome="spoke",
            note="Called about the plan.",
            at=timezone.now(),
        )
    assert not ContactRecord.objects.exists()


@pytest.mark.parametrize("group", GROUPS)
def test_the_plans_automatic_repayment_shows_to_who_reads_plans_masked(active_plan, group):
    """The mandate is read-only on the plan's page for whoever reads plans: the account's
    last 4 digits, never the number (the bank's core system has it from the daily export);
    the holder's name only with the right to see names."""
    mandate = set_up_mandate(
        active_plan,
        actor=active_plan.account.debtor.user,
        bank_name="ICBC Shanghai",
        account_number="6222020200112233445",
        holder_name="Alice Debtor",
        agreed_text="The instruction as read.",
        language="en",
        password=PASSWORD,
        ip=None,
        user_agent="",
        now=timezone.now(),
    )
    client = staff_client(make_staff(group))
    response = client.get(reverse("admin:negotiation_repaymentplan_change", args=[active_plan.pk]))
    if not _has(group, "negotiation.view_repaymentplan"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    page = response.content.decode()
    assert _has(group, "negotiation.view_directdebitmandate")
    assert mandate.masked_account in page
    assert "ICBC Shanghai" in page
    assert "The instruction as read." in page
    assert "6222020200112233445" not in page
    assert "020200112233" not in page
    assert ("Alice Debtor" in page) is _has(group, "negotiation.view_debtor_contact")
