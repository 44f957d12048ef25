"""Personas (STYLE.md): the debtor who owns things, another debtor who must see none of
them, and the three staff roles."""

from __future__ import annotations

import logging
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db.models import FileField
from django.db.models.signals import post_save
from django.http import HttpRequest
from django.test import Client, RequestFactory, override_settings
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from negotiation.models import (
    AUDIT_KEYS,
    NOTIFICATION_CONTEXT,
    ApprovalLimit,
    AuditAction,
    AuditEvent,
    CreditAccount,
    Debtor,
    Notification,
    NotificationEvent,
    Program,
    RepaymentPlan,
    User,
)
from negotiation.models.documents import private_storage
from negotiation.roles import BANK_STAFF, SPECIALISTS, SUPERVISORS
from tests import factories
from tests.secondfactor import verified

# No per-example time limit for hypothesis: the suite runs two processes on two shared cores,
# where one example of a money property can take 300 ms when it takes 1 ms alone. The tests
# assert results, never wall-clock times (docs/PERFORMANCE.md measures time).
hypothesis_settings.register_profile("portal", deadline=None)
hypothesis_settings.load_profile("portal")


@pytest.fixture(autouse=True, scope="session")
def _private_folder_of_this_process():
    """Each test process (pytest-xdist runs one per core) keeps its private files in its own
    folder: uploads are named by primary keys, which each process's database counts from 1,
    so in one folder two processes would read and delete each other's files."""
    folder = Path(django_settings.PRIVATE_MEDIA_ROOT) / os.environ.get(
        "PYTEST_XDIST_WORKER", "main"
    )
    storages = cast(dict[str, dict[str, Any]], dict(django_settings.STORAGES))
    private = {**storages["private"], "OPTIONS": {"location": str(folder), "base_url": None}}
    with override_settings(
        PRIVATE_MEDIA_ROOT=folder,
        STORAGES={**storages, "private": private},
        DIRECT_DEBIT_EXPORT_DIR=folder / "direct-debits",
    ):
        # A FileField calls its storage callable once, when the model class is made: its
        # storage is pointed at this process's folder too, and back afterwards.
        fields = [
            field
            for model in apps.get_models()
            for field in model._meta.get_fields()
            if isinstance(field, FileField)
            and getattr(field, "_storage_callable", None) is private_storage
        ]
        before = [field.storage for field in fields]
        for field in fields:
            field.storage = private_storage()
        try:
            yield
        finally:
            for field, storage in zip(fields, before, strict=True):
                field.storage = storage


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits count in the cache: each test starts with none counted."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a page served in Chinese leaves Chinese
    active in the thread (LocaleMiddleware), which must not leak into the next test."""
    with translation.override(django_settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Text messages are kept in memory, like Django's mail.outbox."""
    from negotiation import sms

    settings.SMS_BACKEND = "negotiation.sms.LocmemSmsBackend"
    sms.outbox.clear()
    return sms.outbox


@pytest.fixture(autouse=True)
def _payments_through_the_sandbox(settings):
    """Debtors pay online through the sandbox provider, on purpose (the tests run with
    DEBUG off, where it is refused unless asked for)."""
    settings.PAYMENT_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_SANDBOX_ENABLED = True
    settings.PAYMENT_SANDBOX_SECRET = "test-only-sandbox-secret"


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    # Tests exercise tasks in-process whatever CELERY_BROKER_URL says; the broker tests in
    # test_tasks.py switch this off to run a real worker against Redis.
    from portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = True


def audit_keys_outside_the_table(event: AuditEvent) -> list[str]:
    """The keys of ``event``'s before and after that models.audit.AUDIT_KEYS does not list
    for its action (a model's field names, where the action records changed fields)."""
    keys = AUDIT_KEYS[AuditAction(event.action)]
    fields: set[str] = set()
    if keys.changed_fields:
        fields = {field.name for field in apps.get_model(event.object_type)._meta.fields}
    return [f"before.{key}" for key in event.before if key not in keys.before | fields] + [
        f"after.{key}" for key in event.after if key not in keys.after | fields
    ]


def _audit_row_keeps_the_keys_of_its_action(sender, instance: AuditEvent, **kwargs) -> None:
    unknown = audit_keys_outside_the_table(instance)
    assert unknown == [], f"{instance.action} wrote keys missing from AUDIT_KEYS: {unknown}"


def _notification_carries_the_context_of_its_event(
    sender, instance: Notification, **kwargs
) -> None:
    expected = NOTIFICATION_CONTEXT[NotificationEvent(instance.template)]
    assert set(instance.context) == expected, f"{instance.template}: {sorted(instance.context)}"


@pytest.fixture(autouse=True, scope="session")
def _rows_keep_the_declared_vocabulary():
    """Every audit row any test writes holds only the keys its action declares, and every
    notification exactly the context keys of its event, so the tables in models/audit.py
    and models/notifications.py stay the truth about what the rows contain."""
    post_save.connect(_audit_row_keeps_the_keys_of_its_action, sender=AuditEvent)
    post_save.connect(_notification_carries_the_context_of_its_event, sender=Notification)
    yield
    post_save.disconnect(_audit_row_keeps_the_keys_of_its_action, sender=AuditEvent)
    post_save.disconnect(_notification_carries_the_context_of_its_event, sender=Notification)


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
    """A staff member signed in, their app's code confirmed (the staff site needs both)."""
    return verified(Client(), user)


def sign_in_request() -> HttpRequest:
    """What ``authenticate`` and ``Client.login`` need beside the credentials: django-axes
    counts failures by the request's address, so it refuses to authenticate without one."""
    return RequestFactory().post("/login/")


# The whole suite's log output, through the portal's own filter (settings.LOGGING), kept for
# the scan at the end of the run: a log line with an email, a resident ID, a card or a
# phone number fails the run (pytest_sessionfinish below).
class _SuiteLog(logging.Handler):
    lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _install_suite_log() -> None:
    from negotiation.logredact import RedactPersonalData

    handler = _SuiteLog(level=logging.DEBUG)
    handler.addFilter(RedactPersonalData())
    logging.getLogger().addHandler(handler)


PERSONAL = re.compile(
    r"[\w.+-]+@example\.(?:com|org)"  # the suite's addresses
    r"|(?<![0-9.])[0-9]{17}[0-9Xx](?![0-9A-Za-z])"  # resident IDs (not a decimal fraction)
    r"|(?<![0-9])1[3-9][0-9]{9}(?![0-9])"  # mainland mobiles
    r"|4111 ?1111 ?1111 ?1111|5500 0055 5555 5559|6222-0212-3456-7894"  # the suite's cards
)


def personal_data_in(lines: list[str]) -> list[str]:
    return [line for line in lines if PERSONAL.search(line)]


def pytest_sessionstart(session: pytest.Session) -> None:
    _install_suite_log()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    found = personal_data_in(_SuiteLog.lines)
    print(f"\nLog scan: {len(_SuiteLog.lines)} log lines, {len(found)} with personal data.")
    if found:
        print("\nPersonal data in the log output of the suite:", *found[:20], sep="\n  ")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
