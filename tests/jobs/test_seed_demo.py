"""seed_demo: the contract of DESIGN.md section 10."""

from __future__ import annotations

import re
from base64 import b32encode
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from negotiation.exceptions import LinkNotUsable
from negotiation.models import (
    Debtor,
    Invitation,
    Program,
    ReliefRequest,
    RepaymentPlan,
    RequestStatus,
    User,
)
from negotiation.roles import BANK_STAFF, SPECIALISTS, SUPERVISORS
from negotiation.selectors.onboarding import invitation_link
from tests.conftest import sign_in_request
from tests.secondfactor import app_code

pytestmark = pytest.mark.django_db


def seed(**options: object) -> None:
    call_command("seed_demo", stdout=StringIO(), **options)


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Debtor.objects.count(),
        Program.objects.count(),
        ReliefRequest.objects.count(),
    )


def test_it_is_idempotent():
    seed()
    first = counts()
    seed()
    assert counts() == first


@pytest.mark.parametrize(
    ("login", "password", "group"),
    [
        ("specialist", "demo-specialist-pass", SPECIALISTS),
        ("supervisor", "demo-supervisor-pass", SUPERVISORS),
        ("bankstaff", "demo-staff-pass", BANK_STAFF),
    ],
)
def test_the_staff_logins(login, password, group):
    seed()
    user = authenticate(request=sign_in_request(), username=login, password=password)
    assert user is not None
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == [group]


def test_the_demo_debtor_has_two_accounts_about_45_and_120_days_overdue():
    seed()
    user = authenticate(
        request=sign_in_request(), username="demo@example.com", password="demo-debtor-pass"
    )
    assert user is not None
    assert not user.is_staff
    days = sorted(a.days_past_due(timezone.localdate()) for a in user.debtor.accounts.all())
    assert days == [45, 120]


def test_the_programs_of_issue_3():
    seed()
    programs = {p.code: p for p in Program.objects.all()}
    standard = programs["installment-standard"]
    assert (standard.months_min, standard.months_max, standard.rate) == (3, 24, Decimal("0.006"))
    assert standard.cost_method == "flat_fee"
    hardship = programs["installment-hardship"]
    assert (hardship.months_max, hardship.hardship_evidence_required) == (60, True)
    freeze = programs["interest-freeze"]
    assert (freeze.kind, freeze.months_max, freeze.rate, freeze.min_days_past_due) == (
        "interest_freeze",
        60,
        Decimal("0"),
        90,
    )
    assert freeze.hardship_evidence_required
    deferral = programs["deferral-short"]
    assert (deferral.kind, deferral.grace_months_max) == ("deferral", 3)
    assert not any(p.auto_approve for p in programs.values())


def test_synthetic_debtors_cover_every_request_state_and_plans_sum_exactly():
    seed(debtors=60)
    assert Debtor.objects.count() == 62  # the demo debtor, the invited one and 60
    assert set(ReliefRequest.objects.values_list("status", flat=True)) == set(RequestStatus.values)
    plans = RepaymentPlan.objects.prefetch_related("installments")
    assert plans.exists()
    for plan in plans:
        # Summed in Python: SQLite's SUM over decimals is a float sum.
        assert sum(i.amount for i in plan.installments.all()) == plan.total_repayable


def test_an_invited_debtor_with_a_link_printed_to_try_activation():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    match = re.search(r"activation link: (\S+)", printed)
    assert match is not None, printed
    link = match.group(1)
    assert "national ID: 11010519880615234X" in printed
    assert "last 4 digits of the card: 6688" in printed
    invited = Debtor.objects.get(external_id="DEMO-INVITED-1")
    assert invited.full_name == "李娜"
    assert invited.user is None
    assert invitation_link(link.rstrip("/").rsplit("/", 1)[1], now=timezone.now()).debtor == (
        invited
    )
    # Each run sends a new link: the one printed before stops working.
    seed()
    with pytest.raises(LinkNotUsable):
        invitation_link(link.rstrip("/").rsplit("/", 1)[1], now=timezone.now())
    assert Invitation.objects.filter(debtor=invited, revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize("login", ["specialist", "supervisor", "bankstaff"])
def test_the_demo_staff_come_with_their_app_set_up(login):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    device = TOTPDevice.objects.get(user__username=login, confirmed=True)
    assert f"app key: {b32encode(device.bin_key).decode()}" in out.getvalue()
    seed()  # again: the same app, so an authenticator set up once keeps working
    assert TOTPDevice.objects.get(user__username=login).key == device.key


def test_demo_codes_prints_the_code_the_app_shows(settings):
    seed()
    settings.DEBUG = True
    device = TOTPDevice.objects.get(user__username="specialist")
    before = app_code(device)
    out = StringIO()
    call_command("demo_codes", stdout=out)
    after = app_code(device)  # the step may have turned during the command
    assert re.search(rf"specialist: ({before}|{after}) ", out.getvalue())


def test_demo_codes_is_refused_outside_the_demo(settings):
    seed()
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_codes")


def test_a_debtor_who_reads_chinese_has_a_chinese_name():
    seed(debtors=40)
    chinese = re.compile(r"[\u4e00-\u9fff]{2,4}")
    latin = re.compile(r"[A-Z][a-z]+ [A-Z][a-z]+")
    names = list(Debtor.objects.values_list("full_name", "preferred_language"))
    assert {language for _, language in names} == {"en", "zh-hans"}
    for name, language in names:
        if name == "Wang Fang":  # the demo debtor signs in and reads the portal in English
            assert language == "en"
            continue
        assert (chinese if language == "zh-hans" else latin).fullmatch(name), (name, language)


def test_synthetic_plans_are_consistent_with_their_accounts():
    """Every synthetic plan not yet ended stands on an account in a plan, as approval leaves
    it (signed or not), so the daily follow-up can expire or break each without a failure."""
    import datetime as dt

    from negotiation.models import AccountStatus, PlanStatus
    from negotiation.services.following import follow_plans

    seed(debtors=60)
    current = RepaymentPlan.objects.filter(
        status__in=[PlanStatus.AWAITING_SIGNATURE, PlanStatus.ACTIVE]
    ).select_related("account")
    assert {p.status for p in current} == {PlanStatus.AWAITING_SIGNATURE, PlanStatus.ACTIVE}
    assert {p.account.status for p in current} == {AccountStatus.IN_PLAN}
    result = follow_plans(today=timezone.localdate() + dt.timedelta(days=120))
    assert result is not None
    assert result.expired > 0
    assert result.failed == 0
