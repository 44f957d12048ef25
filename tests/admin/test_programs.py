"""Programs in the admin (supervisors configure, specialists read), and the robustness of
the decision buttons."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from negotiation.models import ApprovalLimit, AuditEvent, Program, RequestStatus
from tests.conftest import staff_client
from tests.factories import make_request

pytestmark = pytest.mark.django_db

ADD_URL = "admin:negotiation_program_add"


def program_form(**overrides):
    data = {
        "kind": "installment",
        "code": "summer-plan",
        "name": "Summer plan",
        "name_zh": "夏季计划",
        "description": "A plan for the summer.",
        "description_zh": "",
        "active": "on",
        "min_days_past_due": "1",
        "min_balance": "0",
        "months_min": "3",
        "months_max": "18",
        "grace_months_max": "0",
        "min_down_payment_pct": "0",
        "max_waiver_pct": "0",
        "min_installment": "100.00",
        "cost_method": "flat_fee",
        "rate": "0.005",
        "first_due_min_days": "15",
        "signature_days": "14",
        "grace_days": "15",
        "misses_before_break": "2",
        "change_fee": "0.00",
    }
    data.update(overrides)
    return data


def test_a_supervisor_adds_a_program_and_it_appears_for_eligible_debtors(
    supervisor, debtor_client, account
):
    response = staff_client(supervisor).post(reverse(ADD_URL), program_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    program = Program.objects.get(code="summer-plan")
    event = AuditEvent.objects.get(action="program.created", object_id=program.pk)
    assert event.actor == supervisor
    assert event.after["months_max"] == 18
    page = debtor_client.get(
        reverse("negotiation:account", args=[account.reference])
    ).content.decode()
    assert "Summer plan" in page
    assert "?program=summer-plan" in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"months_max": "61"}, "months_max"),
        ({"months_min": "20", "months_max": "12"}, "months_min"),
        ({"rate": "0.08"}, "rate"),
        ({"auto_approve": "on"}, "auto_approve_max_amount"),
        ({"kind": "deferral"}, "grace_months_max"),
    ],
)
def test_bad_program_settings_are_refused_with_a_message(supervisor, overrides, field):
    response = staff_client(supervisor).post(reverse(ADD_URL), program_form(**overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Program.objects.filter(code="summer-plan").exists()


def test_specialists_read_programs_but_cannot_change_them(specialist, installment_program):
    client = staff_client(specialist)
    assert client.get(reverse("admin:negotiation_program_changelist")).status_code == 200
    assert client.get(reverse(ADD_URL)).status_code == 403
    assert client.post(reverse(ADD_URL), program_form()).status_code == 403
    change = reverse("admin:negotiation_program_change", args=[installment_program.pk])
    assert client.post(change, program_form(code=installment_program.code)).status_code == 403


def test_products_are_ticked_not_typed(supervisor):
    staff_client(supervisor).post(
        reverse(ADD_URL), program_form(products=["gold_card", "platinum_card"])
    )
    assert Program.objects.get(code="summer-plan").products == ["gold_card", "platinum_card"]


def test_a_program_change_is_audited(supervisor, installment_program):
    change = reverse("admin:negotiation_program_change", args=[installment_program.pk])
    staff_client(supervisor).post(
        change, program_form(code=installment_program.code, months_max="36")
    )
    event = AuditEvent.objects.get(action="program.changed", object_id=installment_program.pk)
    assert event.after["months_max"] == 36


def test_a_non_numeric_id_is_not_a_server_error(specialist):
    response = staff_client(specialist).get("/staff/negotiation/reliefrequest/abc/change/")
    assert response.status_code == 302


def test_an_approval_without_a_version_is_refused(specialist, account, installment_program):
    request = make_request(account, installment_program)
    url = reverse("admin:negotiation_reliefrequest_approve", args=[request.pk])
    response = staff_client(specialist).post(url, {}, follow=True)
    assert "changed while you were looking at it" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_a_failing_mail_server_does_not_turn_an_approval_into_an_error(
    specialist, account, installment_program, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.admin.test_programs.BrokenEmailBackend"
    request = make_request(account, installment_program)
    url = reverse("admin:negotiation_reliefrequest_approve", args=[request.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client(specialist).post(url, {"version": request.version})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert mail.outbox == []


class BrokenEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"first_due_min_days": "46"}, "first_due_min_days"),
        ({"min_down_payment_pct": "100"}, "min_down_payment_pct"),
        ({"min_installment": "0"}, "min_installment"),
        ({"min_balance": "-1"}, "min_balance"),
        (
            {
                "auto_approve": "on",
                "auto_approve_max_amount": "20000",
                "auto_approve_max_months": "12",
                "hardship_evidence_required": "on",
            },
            "auto_approve",
        ),
        (
            {
                "auto_approve": "on",
                "auto_approve_max_amount": "20000",
                "auto_approve_max_months": "2",
            },
            "auto_approve_max_months",
        ),
    ],
)
def test_programs_that_could_never_work_are_refused(supervisor, overrides, field):
    response = staff_client(supervisor).post(reverse(ADD_URL), program_form(**overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


@pytest.mark.parametrize(
    ("overrides", "shown"),
    [
        # 1.5% a month is under the 5% sanity bound but discloses about 32% a year.
        ({"rate": "0.015"}, "above the ceiling of 24.00%"),
        # A declining-balance rate of 30% a year is itself above the ceiling.
        ({"cost_method": "annuity", "rate": "0.30"}, "above the ceiling of 24.00%"),
    ],
)
def test_a_program_whose_debtors_would_pay_more_than_the_ceiling_is_refused(
    supervisor, overrides, shown
):
    response = staff_client(supervisor).post(reverse(ADD_URL), program_form(**overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert shown in " ".join(errors["rate"])
    assert not Program.objects.filter(code="summer-plan").exists()


def test_the_ceiling_is_a_setting(supervisor, settings):
    settings.DISCLOSED_ANNUAL_RATE_CEILING = Decimal("36.00")
    response = staff_client(supervisor).post(reverse(ADD_URL), program_form(rate="0.015"))
    assert response.status_code == 302


def test_every_demo_program_is_within_the_ceiling(db):
    from negotiation.management.commands.seed_demo import PROGRAMS

    for spec in PROGRAMS:
        Program(**spec).full_clean()


def test_a_negative_rate_is_a_form_error_not_a_server_error(supervisor):
    response = staff_client(supervisor).post(reverse(ADD_URL), program_form(rate="-0.001"))
    assert response.status_code == 200
    assert "rate" in response.context["adminform"].form.errors


def test_a_shortest_plan_that_cannot_fit_the_cap_on_some_days_is_refused(supervisor):
    response = staff_client(supervisor).post(
        reverse(ADD_URL), program_form(months_min="60", months_max="60", first_due_min_days="45")
    )
    assert response.status_code == 200
    assert "months_min" in response.context["adminform"].form.errors


def test_the_rate_check_prices_every_first_period_the_due_rule_gives(supervisor):
    """23.5% a year on the declining balance, two payments, first payment on the 15th at
    least 15 days later: agreed on 28 January it discloses 24.68%, above the ceiling (the
    short first period pro rata: its interest and the principal of a whole month)."""
    response = staff_client(supervisor).post(
        reverse(ADD_URL),
        program_form(
            cost_method="annuity",
            rate="0.235",
            months_min="1",
            months_max="12",
            payment_day="15",
            first_due_min_days="15",
        ),
    )
    assert response.status_code == 200
    assert "24.68%" in " ".join(response.context["adminform"].form.errors["rate"])


def test_supervisors_set_approval_limits_and_it_is_audited(supervisor, specialist):
    client = staff_client(supervisor)
    limit = ApprovalLimit.objects.get(user=specialist)
    url = reverse("admin:negotiation_approvallimit_change", args=[limit.pk])
    client.post(url, {"user": specialist.pk, "max_amount": "12000.00", "max_months": "18"})
    limit.refresh_from_db()
    assert (limit.max_amount, limit.max_months) == (Decimal("12000.00"), 18)
    assert AuditEvent.objects.get(action="approval_limit.changed").after["max_months"] == 18
    assert (
        staff_client(specialist)
        .post(url, {"user": specialist.pk, "max_amount": "1", "max_months": "60"})
        .status_code
        == 403
    )
