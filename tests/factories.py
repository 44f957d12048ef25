"""Plain factories: each makes one valid row with sensible defaults, overridable by keyword."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone

from negotiation.models import (
    AgingPause,
    AuditEvent,
    CodePurpose,
    CollectionNotice,
    CreditAccount,
    Debtor,
    Message,
    OneTimeCode,
    Payment,
    PaymentIntent,
    PlanStatus,
    Product,
    Program,
    ReliefKind,
    ReliefRequest,
    RepaymentPlan,
    User,
)
from negotiation.models.debtors import hash_national_id
from negotiation.policy import Choices, Hardship
from negotiation.services.contacts import record_contact
from negotiation.services.offers import make_counter_offer
from negotiation.services.onboarding import IssuedInvitation, resend_invitation
from negotiation.services.payments import record_payment
from negotiation.services.plans import sign_plan, start_signing
from negotiation.services.requests import approve_request, submit_request
from negotiation.sms import outbox as sms_outbox

_seq = itertools.count(1)
PASSWORD = "a-long-test-password"
# The smallest file the document checks take for a PDF.
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_user(**kwargs: Any) -> User:
    n = next(_seq)
    kwargs.setdefault("username", f"user{n}")
    user = User(**kwargs)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_staff(group_name: str, **kwargs: Any) -> User:
    user = make_user(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def daytime_timezone() -> str:
    """A timezone where it is around noon right now, so a debtor there may be emailed at
    once whatever time the tests run (quiet hours are tested on their own)."""
    utc_hour = dt.datetime.now(dt.UTC).hour
    offset = (12 - utc_hour + 12) % 24 - 12  # UTC-12 .. UTC+11
    # "Etc/GMT-8" is UTC+8: the sign of these names is inverted.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def make_debtor(*, email: str | None = None, **kwargs: Any) -> Debtor:
    n = next(_seq)
    email = email or f"debtor{n}@example.com"
    # Named by the reference, as activation names every debtor's sign-in (never an email).
    user = make_user(username=f"pending-{n}", email=email)
    kwargs.setdefault("full_name", f"Debtor {n}")
    kwargs.setdefault("preferred_language", "en")
    kwargs.setdefault("timezone", daytime_timezone())
    debtor = Debtor.objects.create(
        user=user,
        email=email,
        national_id_hash=hash_national_id(f"ID{n:014d}"),
        national_id_last4=f"{n % 10000:04d}",
        **kwargs,
    )
    user.username = debtor.reference.lower()
    user.save(update_fields=["username"])
    return debtor


def make_account(debtor: Debtor, *, days_past_due: int = 45, **kwargs: Any) -> CreditAccount:
    defaults: dict[str, Any] = {
        "product": Product.GOLD_CARD,
        "card_last4": "4821",
        "credit_limit": Decimal("30000.00"),
        "principal": Decimal("10000.00"),
        "interest": Decimal("600.00"),
        "fees": Decimal("100.00"),
        "penalty": Decimal("300.00"),
        "minimum_due": Decimal("1000.00"),
        "oldest_unpaid_due_date": timezone.localdate() - dt.timedelta(days=days_past_due),
    }
    defaults.update(kwargs)
    return CreditAccount.objects.create(debtor=debtor, **defaults)


def make_payment(account: CreditAccount, amount: str = "500.00", **kwargs: Any) -> Payment:
    kwargs.setdefault("paid_on", timezone.localdate() - dt.timedelta(days=10))
    kwargs.setdefault("source", "bank_transfer")
    kwargs.setdefault("external_id", f"EXT-{next(_seq)}")
    return Payment.objects.create(account=account, amount=Decimal(amount), **kwargs)


def make_waiting_payment(account: CreditAccount, amount: str = "10.00") -> PaymentIntent:
    """An online payment started and not yet confirmed (services.intents.start_payment
    checks it against what is owed; the pages only list it)."""
    now = timezone.now()
    assert account.debtor.user is not None
    return PaymentIntent.objects.create(
        account=account,
        amount=Decimal(amount),
        currency=account.currency,
        provider="sandbox",
        started_by=account.debtor.user,
        started_at=now,
        expires_at=now + dt.timedelta(minutes=30),
    )


def add_account_history(account: CreditAccount, n: int) -> None:
    """The ``n``-th row of an account's history, for pages that list it: a payment, a formal
    notice delivered and an agreed pause, each on its own earlier day (the pause long before
    the arrears began, so the days overdue, and the page shown, stay the same)."""
    today = timezone.localdate()
    make_payment(account, "10.00", paid_on=today - dt.timedelta(days=n + 1))
    sent = timezone.now() - dt.timedelta(days=n + 2)
    CollectionNotice.objects.create(
        account=account, channel="letter", sent_at=sent, delivered_at=sent
    )
    paused = today - dt.timedelta(days=400 + n)
    AgingPause.objects.create(account=account, first_day=paused, last_day=paused)


def add_audit_row(request: ReliefRequest, actor: User, status: str) -> AuditEvent:
    """One more row in a request's audit trail, as a transition to ``status`` writes it."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.get_username(),
        action="request.transition",
        object_type=ReliefRequest._meta.label_lower,
        object_id=request.pk,
        object_reference=request.reference,
        after={"status": status},
    )


def make_installment_program(**kwargs: Any) -> Program:
    defaults: dict[str, Any] = {
        "code": f"installment-{next(_seq)}",
        "kind": ReliefKind.INSTALLMENT,
        "name": "Installment plan",
        "name_zh": "分期还款",
        "months_min": 3,
        "months_max": 60,
        "rate": Decimal("0.006"),
    }
    defaults.update(kwargs)
    return Program.objects.create(**defaults)


def make_deferral_program(**kwargs: Any) -> Program:
    defaults: dict[str, Any] = {
        "code": f"deferral-{next(_seq)}",
        "kind": ReliefKind.DEFERRAL,
        "name": "Deferral",
        "name_zh": "延期还款",
        "months_min": 1,
        "months_max": 12,
        "grace_months_max": 3,
    }
    defaults.update(kwargs)
    return Program.objects.create(**defaults)


HARDSHIP = Hardship(
    reason="job_loss",
    statement="I lost my job in March and found a new one at lower pay.",
    monthly_income=Decimal("8000.00"),
    monthly_expenses=Decimal("5000.00"),
    dependents=1,
)


def at_noon(day: dt.date) -> dt.datetime:
    """A moment on ``day`` in the portal's time zone, for services that take ``now``."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def make_request(
    account: CreditAccount,
    program: Program,
    *,
    months: int = 12,
    grace_months: int = 0,
    today: dt.date | None = None,
):
    return submit_request(
        account,
        actor=account.debtor.user,  # type: ignore[arg-type]
        program=program,
        choices=Choices(months=months, grace_months=grace_months),
        hardship=HARDSHIP,
        now=at_noon(today) if today else timezone.now(),
    )


def make_active_plan(
    account: CreditAccount,
    program: Program,
    approver: User,
    *,
    months: int = 3,
    grace_months: int = 0,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> RepaymentPlan:
    """What a debtor has after saying yes: their request approved by ``approver`` on
    ``today`` and the plan signed (at ``now``), so ACTIVE. The one way the tests build an
    active plan; the ``active_plan`` fixture is this on the debtor's account."""
    today = today or timezone.localdate()
    request = make_request(account, program, months=months, grace_months=grace_months, today=today)
    plan = approve_request(request, actor=approver, today=today).plan
    signed = sign_with_code(plan, now=now)
    assert signed.status == PlanStatus.ACTIVE, signed.status
    return signed


SMS_CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")


def last_sms_code() -> str:
    """The six digits of the latest text message (tests send SMS to memory)."""
    found = SMS_CODE.search(sms_outbox[-1].body)
    assert found is not None, sms_outbox[-1].body
    return found.group()


def give_a_mobile_number(debtor: Debtor) -> None:
    """Signing texts a code to the debtor's phone: factory debtors have none by default (so
    their messages go by email), the ones who sign get one here."""
    if not debtor.phone:
        debtor.phone = f"+86 139 {debtor.pk % 10000:04d} {debtor.pk % 10000:04d}"
        debtor.save(update_fields=["phone"])


def sign_with_code(
    plan: RepaymentPlan,
    *,
    agreement_text: str = "t",
    now: dt.datetime | None = None,
    ip: str | None = None,
    user_agent: str = "",
) -> RepaymentPlan:
    """The debtor signs as on the plan page: the password asked again, then the code from
    the text message typed back."""
    now = now or timezone.now()
    debtor = plan.account.debtor
    give_a_mobile_number(debtor)
    actor = debtor.user
    assert actor is not None
    # A test may sign many plans of one debtor within a second, which the limits on codes
    # (one a minute, five an hour) refuse; those limits have tests of their own.
    OneTimeCode.objects.filter(debtor=debtor, purpose=CodePurpose.SIGNING).delete()
    code = start_signing(
        plan, actor=actor, password=PASSWORD, agreement_text=agreement_text, ip=ip, now=now
    )
    return sign_plan(
        plan,
        actor=actor,
        code_id=code.pk,
        entered=last_sms_code(),
        agreement_text=agreement_text,
        ip=ip,
        user_agent=user_agent,
        now=now,
    )


def counter_offer(
    request: ReliefRequest,
    actor: User,
    months: int = 24,
    expires_on: dt.date | None = None,
) -> ReliefRequest:
    """The specialist proposes ``months`` payments instead, open for two weeks."""
    today = timezone.localdate()
    return make_counter_offer(
        request,
        actor=actor,
        choices=Choices(months=months),
        message="Twelve months is more than your budget allows; 24 fits better.",
        expires_on=expires_on or today + dt.timedelta(days=14),
        today=today,
    )


def pay(
    account: CreditAccount,
    amount: str,
    external_id: str = "PAY-1",
    paid_on: dt.date | None = None,
) -> Payment:
    """Time travel: the payment is recorded on the day it is made."""
    today = timezone.localdate()
    paid_on = paid_on or today
    return record_payment(
        account,
        actor=None,
        amount=Decimal(amount),
        paid_on=paid_on,
        source="bank_transfer",
        external_id=external_id,
        today=max(paid_on, today),
    )


# Onboarding: debtors the bank imported, without a sign-in yet.
NATIONAL_ID = "11010519900307152X"


def make_imported_debtor(
    *,
    national_id: str | None = None,
    card_last4: str = "6688",
    phone: str = "+86 139 1234 5678",
    email: str = "",
    **kwargs: Any,
) -> Debtor:
    """A debtor as an import leaves them: a record and an account, no User, reachable by
    day (their timezone at about noon, so messages go out at once)."""
    n = next(_seq)
    national_id = national_id or f"110105199003{n:05d}X"
    kwargs.setdefault("full_name", "李娜")
    kwargs.setdefault("preferred_language", "zh-hans")
    kwargs.setdefault("timezone", daytime_timezone())
    debtor = Debtor.objects.create(
        national_id_hash=hash_national_id(national_id),
        national_id_last4=national_id[-4:],
        phone=phone,
        email=email,
        external_id=f"BANK-{n}",
        **kwargs,
    )
    make_account(debtor, card_last4=card_last4)
    return debtor


def invite(debtor: Debtor, actor: User, *, now: dt.datetime | None = None) -> IssuedInvitation:
    """Send ``debtor`` an invitation as ``actor`` (bank staff): the issued invitation, with
    its link."""
    return resend_invitation(debtor, actor=actor, now=now or timezone.now())


@dataclass
class Portfolio:
    """What ``add_portfolio`` built: the debtor's open requests and active plans (each on
    its own account), and one account with neither, whose request form is open."""

    requests: list[ReliefRequest]
    plans: list[RepaymentPlan]
    free_account: CreditAccount


def add_portfolio(debtor: Debtor, program: Program, staff: User, rows: int) -> Portfolio:
    """``rows`` of everything a debtor's pages and the staff's list: ``rows`` accounts with an
    active plan (its approved request and a payment each), ``rows`` more with an open request
    (a message from ``staff`` and a call recorded on each), and on the account with neither
    ``rows`` rows of its history (payments, notices, agreed pauses). For the query-count
    tests, which build it at 1 and at 50: a page whose queries follow its rows fails there."""
    free_account = make_account(debtor, card_last4="0000")
    plans, requests = [], []
    for n in range(rows):
        planned = make_account(debtor, card_last4=f"{n + 1:04d}")
        plans.append(make_active_plan(planned, program, staff))
        make_payment(planned)
        asking = make_account(debtor, card_last4=f"{9999 - n:04d}")
        request = make_request(asking, program)
        Message.objects.create(request=request, author=staff, body=f"message {n}")
        record_contact(
            request,
            actor=staff,
            channel="phone",
            direction="inbound",
            outcome="spoke",
            note=f"call {n}",
            at=timezone.now(),
        )
        requests.append(request)
        add_account_history(free_account, n)
    return Portfolio(requests=requests, plans=plans, free_account=free_account)
