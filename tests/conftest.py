"""Personas (STYLE.md): the debtor who owns things, another debtor who must see none of
them, and the three staff roles."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from negotiation.models import ApprovalLimit, CreditAccount, Debtor, Program, RepaymentPlan, User
from negotiation.roles import BANK_STAFF, SPECIALISTS, SUPERVISORS
from tests import factories


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Text messages are kept in memory, like Django's mail.outbox."""
    from negotiation import sms

    settings.SMS_BACKEND = "negotiation.sms.LocmemSmsBackend"
    sms.outbox.clear()
    return sms.outbox


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    # Tests exercise tasks in-process whatever CELERY_BROKER_URL says; the broker tests in
    # test_tasks.py switch this off to run a real worker against Redis.
    from portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = True


@pytest.fixture
def cold_caches() -> None:
    """Django caches content types per process: the query-count tests start every count
    cold, so a count does not depend on which test ran before it."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture
def debtor(db) -> Debtor:
    return factories.make_debtor(full_name="Alice Debtor")


@pytest.fixture
def other_debtor(db) -> Debtor:
    return factories.make_debtor(full_name="Charlie Stranger")


@pytest.fixture
def account(debtor: Debtor) -> CreditAccount:
    return factories.make_account(debtor)


@pytest.fixture
def other_account(other_debtor: Debtor) -> CreditAccount:
    return factories.make_account(other_debtor, card_last4="9999")


@pytest.fixture
def installment_program(db) -> Program:
    return factories.make_installment_program()


@pytest.fixture
def deferral_program(db) -> Program:
    return factories.make_deferral_program()


@pytest.fixture
def active_plan(
    account: CreditAccount, installment_program: Program, specialist: User
) -> RepaymentPlan:
    """The debtor's plan approved by the specialist and signed: ACTIVE, three monthly
    payments (11,000 at 0.6% a month: 3,732.67 each)."""
    return factories.make_active_plan(account, installment_program, specialist)


@pytest.fixture
def specialist(db) -> User:
    user = factories.make_staff(SPECIALISTS, username="specialist")
    ApprovalLimit.objects.create(user=user, max_amount=Decimal("50000.00"), max_months=36)
    return user


@pytest.fixture
def supervisor(db) -> User:
    return factories.make_staff(SUPERVISORS, username="supervisor")


@pytest.fixture
def bankstaff(db) -> User:
    return factories.make_staff(BANK_STAFF, username="bankstaff")


@pytest.fixture
def debtor_client(debtor: Debtor) -> Client:
    client = Client()
    client.force_login(debtor.user)  # type: ignore[arg-type]
    return client


@pytest.fixture
def other_client(other_debtor: Debtor) -> Client:
    client = Client()
    client.force_login(other_debtor.user)  # type: ignore[arg-type]
    return client


def staff_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
