"""Automatic repayment (自动还款): the debtor asks the bank to take each installment of an
active plan from a bank account in their own name, on its due date.

Set up on the plan page with the consent text in full, a tick and the password asked again
(services.passwordcheck); the text agreed, its version, the moment, the address and the
browser are kept. The first installment taken is the first far enough ahead for the bank to
prepare it (MANDATE_NOTICE_BUSINESS_DAYS business days); cancelled at any time, a
cancellation later than that lets the next debit go ahead and stops the ones after. A plan
that ends ends its mandate. Each morning ``export_due_debits`` writes the day's debits to a
CSV file for the bank's core system; its results come back through ``import_payments`` with
the debit reference as external id and the source ``auto_debit``. Every change is audited
without the account's number, and the debtor is told of set-up and cancellation."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from negotiation import money
from negotiation.exceptions import ActionNotPermitted, ServiceError, TransitionNotAllowed
from negotiation.locks import advisory_lock
from negotiation.models import (
    MANDATE_TRANSITIONS,
    AuditAction,
    CodePurpose,
    Debtor,
    DirectDebitExport,
    DirectDebitMandate,
    Installment,
    MandateStatus,
    NotificationEvent,
    NotificationPage,
    PaymentSource,
    PlanStatus,
    RepaymentPlan,
    User,
)
from negotiation.punctuation import sentences
from negotiation.selectors.mandates import (
    cancellation_today,
    first_debit,
    last_day_to_stop,
    mandate_taking,
    mandates_of,
)
from negotiation.services.audit import record_event
from negotiation.services.notifications import notify_debtor
from negotiation.services.passwordcheck import check_password_again

# The version of the words of templates/negotiation/mandate_consent.txt: a new wording is a
# new version (a test keeps the two together), and each mandate keeps the version it agreed.
MANDATE_CONSENT_VERSION = "2026-2"  # 2026-2: no space between sentences in Chinese
# The reminder before each debit (services.following sends it, with the debit's details).
REMINDER_DAYS = 3
# A debit account number: digits only, as a debit card or passbook prints it.
ACCOUNT_NUMBER = re.compile(r"[0-9]{12,30}")
# The columns of the daily file for the bank's core system (docs/OPERATIONS.md).
EXPORT_COLUMNS = (
    "debit_reference",
    "account_reference",
    "debit_account_number",
    "account_holder",
    "bank_name",
    "amount",
    "currency",
    "due_date",
    "source",
)


class MandateRefused(ServiceError):
    """Why automatic repayment cannot be set up, in the debtor's words."""


class NothingToDebit(MandateRefused):
    default_message = gettext_lazy(
        "There is no payment left on this plan that we could still take automatically. "
        "Please pay the next one in one of the ways shown on the plan's page."
    )


def consent_text(plan: RepaymentPlan, *, language: str, today: dt.date) -> str:
    """The instruction the debtor reads and agrees to, in ``language``, for a mandate set
    up today (its first debit named). Raises ``NothingToDebit``."""
    first = first_debit(plan.installments.all(), today=today)
    if first is None:
        raise NothingToDebit
    context = {
        "version": MANDATE_CONSENT_VERSION,
        "debtor": plan.account.debtor,
        "plan": plan,
        "account": plan.account,
        "first": first,
        "first_amount": first.amount - first.paid_amount,
        "reminder_days": REMINDER_DAYS,
        "notice_days": settings.MANDATE_NOTICE_BUSINESS_DAYS,
    }
    with translation.override(language):
        return render_to_string("negotiation/mandate_consent.txt", context).strip()


def consent_digest(text: str) -> str:
    """The SHA-256 of a consent text: the form carries the digest of the text it showed,
    so a text that changed before the debtor pressed is shown again instead of agreed."""
    return hashlib.sha256(text.encode()).hexdigest()


def same_person(holder_name: str, debtor: Debtor) -> bool:
    """The name on the account is the debtor's, spaces and letter case aside."""

    def normal(name: str) -> str:
        return "".join(name.split()).casefold()

    return normal(holder_name) == normal(debtor.full_name)


def mandate_problems(
    plan: RepaymentPlan, *, holder_name: str, account_number: str, bank_name: str
) -> list[str]:
    """Why a mandate cannot be set up on ``plan`` now (empty: it can). The form checks the
    shapes first; these are checked again here, where the plan is locked."""
    if plan.status != PlanStatus.ACTIVE:
        return [_("Automatic repayment can be set up once your plan is signed and active.")]
    if plan.mandates.filter(status=MandateStatus.ACTIVE).exists():
        return [_("Automatic repayment is already set up for this plan.")]
    problems = []
    if not bank_name.strip():
        problems.append(_("Please enter the name of your bank."))
    if not ACCOUNT_NUMBER.fullmatch(account_number):
        problems.append(
            _("Please enter the account number with the digits 0-9 only: 12 to 30 digits.")
        )
    if not same_person(holder_name, plan.account.debtor):
        problems.append(
            _(
                "The account must be in your own name, %(name)s. We can only take payments "
                "from an account of yours."
            )
            % {"name": plan.account.debtor.full_name}
        )
    return problems


def set_up_mandate(
    plan: RepaymentPlan,
    *,
    actor: User,
    bank_name: str,
    account_number: str,
    holder_name: str,
    agreed_text: str,
    language: str,
    password: str,
    ip: str | None,
    user_agent: str,
    now: dt.datetime,
) -> DirectDebitMandate:
    """The debtor's consent to automatic repayment of ``plan``: the password asked again,
    then, with the plan locked, the mandate recorded with ``agreed_text`` (what the page
    showed) and its version, the moment, address and browser. Audited (the account's last 4
    digits only); the debtor is told.

    Raises ``ActionNotPermitted`` (not the debtor's plan), ``MandateRefused`` with every
    reason (the plan not active, a mandate already active, the account not in the debtor's
    name, a number that is not one), ``NothingToDebit``, ``WrongPassword`` /
    ``MandatePaused`` (services.passwordcheck)."""
    debtor = plan.account.debtor
    if debtor.user_id != actor.pk:
        raise ActionNotPermitted
    details = {"holder_name": holder_name, "account_number": account_number, "bank_name": bank_name}
    problems = mandate_problems(plan, **details)
    if problems:
        raise MandateRefused(sentences(problems))
    check_password_again(debtor, actor, password, purpose=CodePurpose.MANDATE, ip=ip, now=now)
    today = timezone.localdate(now)
    with transaction.atomic():
        locked = RepaymentPlan.objects.select_for_update().get(pk=plan.pk)
        locked.account = plan.account
        problems = mandate_problems(locked, **details)
        if problems:  # the plan moved on, or another tab set one up, since the first check
            raise MandateRefused(sentences(problems))
        first = first_debit(locked.installments.all(), today=today)
        if first is None:
            raise NothingToDebit
        mandate = DirectDebitMandate.objects.create(
            plan=locked,
            bank_name=bank_name.strip(),
            account_number=account_number,
            account_last4=account_number[-4:],
            holder_name=holder_name.strip(),
            consent_text=agreed_text,
            consent_version=MANDATE_CONSENT_VERSION,
            consent_language=language,
            consented_at=now,
            consent_ip=ip,
            consent_user_agent=user_agent[:400],
            first_debit_on=first.due_date,
        )
        record_event(
            mandate,
            actor=actor,
            action=AuditAction.MANDATE_SET_UP,
            after={
                "plan": locked.reference,
                "bank_name": mandate.bank_name,
                "account_last4": mandate.account_last4,
                "first_debit_on": first.due_date,
                "version": MANDATE_CONSENT_VERSION,
            },
            ip=ip,
        )
        notify_debtor(
            debtor,
            NotificationEvent.MANDATE_SET_UP,
            key=f"{locked.reference}:{mandate.pk}",
            account=plan.account,
            context={
                "reference": locked.reference,
                "page": NotificationPage.PLAN,
                "debit_from": debit_from(mandate),
                "first_debit": first.due_date.isoformat(),
            },
        )
    return mandate


def debit_from(mandate: DirectDebitMandate) -> str:
    """Where the money is taken from, as the debtor reads it: "ICBC ···· 1234"."""
    return f"{mandate.bank_name} {mandate.masked_account}"


def transition_mandate(
    mandate: DirectDebitMandate,
    to: str,
    *,
    actor: User | None,
    changes: dict[str, object] | None = None,
    ip: str | None = None,
) -> DirectDebitMandate:
    """The only code that changes a mandate's status: lock, check the move, audit. The
    moment of the move (``cancelled_at``, ``ended_at``) is the audit row's."""
    locked = DirectDebitMandate.objects.select_for_update().get(pk=mandate.pk)
    if to not in MANDATE_TRANSITIONS[locked.status]:
        raise TransitionNotAllowed
    before = {"status": locked.status}
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.status = to
    event = record_event(
        locked,
        actor=actor,
        action=AuditAction.MANDATE_TRANSITION,
        before=before,
        after={"status": to, "last_debit_on": locked.last_debit_on},
        ip=ip,
    )
    if to == MandateStatus.CANCELLED:
        locked.cancelled_at = event.at
    else:
        locked.ended_at = event.at
    locked.save()
    return locked


def cancel_mandate(
    mandate: DirectDebitMandate,
    *,
    actor: User,
    reason: str,
    ip: str | None,
    now: dt.datetime,
) -> DirectDebitMandate:
    """The debtor cancels automatic repayment, at any time. A cancellation later than
    MANDATE_NOTICE_BUSINESS_DAYS business days before the next debit lets that debit go
    ahead (``last_debit_on``) and stops the ones after it. Audited; the debtor is told,
    with the dates. Raises ``ActionNotPermitted`` (not theirs), ``TransitionNotAllowed``
    (not active)."""
    plan = mandate.plan
    if plan.account.debtor.user_id != actor.pk:
        raise ActionNotPermitted
    today = timezone.localdate(now)
    with transaction.atomic():
        current = DirectDebitMandate.objects.select_for_update().get(pk=mandate.pk)
        if current.status != MandateStatus.ACTIVE:
            raise TransitionNotAllowed
        outcome = cancellation_today(current, plan.installments.all(), today=today)
        still = outcome.still_debited
        cancelled = transition_mandate(
            current,
            MandateStatus.CANCELLED,
            actor=actor,
            changes={
                "last_debit_on": still.due_date if still else None,
                "cancel_reason": reason.strip()[:500],
            },
            ip=ip,
        )
        stops = outcome.stops_from
        notify_debtor(
            plan.account.debtor,
            NotificationEvent.MANDATE_CANCELLED,
            key=f"{plan.reference}:{cancelled.pk}",
            account=plan.account,
            context={
                "reference": plan.reference,
                "page": NotificationPage.PLAN,
                "debit_from": debit_from(cancelled),
                "last_debit": still.due_date.isoformat() if still else "",
                "stops_from": stops.due_date.isoformat() if stops else "",
            },
        )
    return cancelled


def end_mandates(plan: RepaymentPlan, *, actor: User | None) -> int:
    """A plan that ends (completed, broken, expired) ends its active mandate: nothing more
    is debited. Runs inside the plan's transition; one query when there is none."""
    ended = 0
    for mandate in DirectDebitMandate.objects.filter(plan=plan, status=MandateStatus.ACTIVE):
        transition_mandate(mandate, MandateStatus.ENDED, actor=actor)
        ended += 1
    return ended


def follow_new_dates(
    plan: RepaymentPlan, *, moved: dict[dt.date, dt.date], today: dt.date
) -> list[dict[str, object]]:
    """A signed change of ``plan`` (services.planchanges) gave its installments new dates
    (``moved``: each installment's due date before the change, its date after). The plan's
    mandates that may still take a debit follow their installments, so a debit is taken on
    the new date only, and once:

    - the first debit is the new date of the first installment it took, or of the next one
      when that one moved to the end (every installment due from it before stays taken);
    - a cancellation's last debit, too late to stop, follows its installment while stopping
      it is still too late; when the change left the time to stop it, nothing more is taken,
      as the cancellation asked.

    Runs inside the change's transaction; returns what moved, for the change's audit row."""
    followed: list[dict[str, object]] = []
    mandates = DirectDebitMandate.objects.select_for_update().filter(
        plan=plan, status__in=(MandateStatus.ACTIVE, MandateStatus.CANCELLED)
    )
    for mandate in mandates.order_by("pk"):
        first = min(
            (new for old, new in moved.items() if old >= mandate.first_debit_on),
            default=mandate.first_debit_on,
        )
        last = mandate.last_debit_on
        if last is not None and moved.get(last, last) != last:
            new_last = moved[last]
            last = new_last if today > last_day_to_stop(new_last) else None
        if (first, last) == (mandate.first_debit_on, mandate.last_debit_on):
            continue
        mandate.first_debit_on, mandate.last_debit_on = first, last
        mandate.save(update_fields=["first_debit_on", "last_debit_on"])
        followed.append({"mandate": mandate.pk, "first_debit_on": first, "last_debit_on": last})
    return followed


# The daily export ---------------------------------------------------------------------


@dataclass(frozen=True)
class DebitLine:
    debit_reference: str
    account_reference: str
    debit_account_number: str
    account_holder: str
    bank_name: str
    amount: Decimal
    currency: str
    due_date: dt.date

    def row(self) -> list[str]:
        return [
            self.debit_reference,
            self.account_reference,
            self.debit_account_number,
            self.account_holder,
            self.bank_name,
            str(self.amount),
            self.currency,
            self.due_date.isoformat(),
            PaymentSource.AUTO_DEBIT,
        ]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    lines: int
    total: Decimal
    written: bool  # False: the same file was there already, left as it was
    busy: bool = False  # another export of the day held the lock: nothing was done


def debit_reference(installment: Installment, day: dt.date) -> str:
    """Unique per installment and debit date; what the bank's result file carries back as
    the payment's external id, so a result imported twice is one payment."""
    return f"DD-{installment.plan.reference}-{installment.number:02d}-{day:%Y%m%d}"


def due_debits(day: dt.date) -> list[DebitLine]:
    """The debits due on ``day``: each installment of an active plan due that day and not
    paid in full, under the mandate that takes it; the amount still unpaid on it."""
    due = list(
        Installment.objects.filter(plan__status=PlanStatus.ACTIVE, due_date=day)
        .filter(paid_amount__lt=F("amount"))
        .select_related("plan__account")
        .order_by("plan__reference", "number")
    )
    mandates = mandates_of({i.plan_id for i in due})
    lines = []
    for installment in due:
        mandate = mandate_taking(mandates.get(installment.plan_id, []), day)
        if mandate is None or not mandate.account_number:
            continue
        account = installment.plan.account
        lines.append(
            DebitLine(
                debit_reference=debit_reference(installment, day),
                account_reference=account.reference,
                debit_account_number=mandate.account_number,
                account_holder=mandate.holder_name,
                bank_name=mandate.bank_name,
                amount=money.round_money(installment.amount - installment.paid_amount),
                currency=account.currency,
                due_date=day,
            )
        )
    return lines


def export_file_name(day: dt.date) -> str:
    return f"direct-debits-{day:%Y-%m-%d}.csv"


def csv_bytes(lines: list[DebitLine]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(line.row() for line in lines)
    return buffer.getvalue().encode()


def export_due_debits(
    *, day: dt.date, now: dt.datetime, output: Path | None = None
) -> ExportResult:
    """Write the debits due on ``day`` to a CSV file for the bank's core system (``output``,
    or DIRECT_DEBIT_EXPORT_DIR/direct-debits-<day>.csv), readable by its owner only,
    replaced whole (never half written). Idempotent: the same debits make the same bytes,
    and a file already holding them is left as it is. Audited with the counts, the total and
    the file's SHA-256, never a line. One run at a time."""
    path = output or Path(settings.DIRECT_DEBIT_EXPORT_DIR) / export_file_name(day)
    with advisory_lock(f"export_due_debits:{day.isoformat()}") as acquired:
        lines = due_debits(day)
        total = sum((line.amount for line in lines), money.ZERO)
        if not acquired:
            return ExportResult(path, len(lines), total, written=False, busy=True)
        content = csv_bytes(lines)
        digest = hashlib.sha256(content).hexdigest()
        if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
            return ExportResult(path, len(lines), total, written=False)
        _write_privately(path, content)
        with transaction.atomic():
            previous = DirectDebitExport.objects.select_for_update().filter(debit_date=day).first()
            record, _created = DirectDebitExport.objects.update_or_create(
                debit_date=day,
                defaults={
                    "file_name": path.name,
                    "lines": len(lines),
                    "total": total,
                    "sha256": digest,
                    "written_at": now,
                },
            )
            record_event(
                record,
                actor=None,
                action=AuditAction.DIRECT_DEBITS_EXPORTED,
                after={
                    "debit_date": day,
                    "lines": len(lines),
                    "total": total,
                    "file": path.name,
                    "sha256": digest,
                    "replaced": previous.sha256 if previous else None,
                },
            )
    return ExportResult(path, len(lines), total, written=True)


def _write_privately(path: Path, content: bytes) -> None:
    """The file appears whole or not at all (a temporary file in the same folder, renamed),
    and only its owner may read it: it holds account numbers."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".direct-debits-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def forget_account_numbers(*, today: dt.date) -> int:
    """PIPL Art. 19: a mandate that can take no more debits keeps its account number
    MANDATE_ACCOUNT_NUMBER_KEEP_DAYS days (so a day's export can be run again), then only
    its last 4 digits. One audit row per mandate, without the number. Returns how many."""
    keep = dt.timedelta(days=settings.MANDATE_ACCOUNT_NUMBER_KEEP_DAYS)
    over = (
        DirectDebitMandate.objects.exclude(account_number="")
        .exclude(status=MandateStatus.ACTIVE)
        .filter(
            Q(status=MandateStatus.ENDED, ended_at__date__lt=today - keep)
            | Q(
                status=MandateStatus.CANCELLED,
                last_debit_on__isnull=True,
                cancelled_at__date__lt=today - keep,
            )
            | Q(status=MandateStatus.CANCELLED, last_debit_on__lt=today - keep)
        )
    )
    forgotten = 0
    for mandate in over.order_by("pk"):
        with transaction.atomic():
            locked = DirectDebitMandate.objects.select_for_update().get(pk=mandate.pk)
            if not locked.account_number:
                continue
            locked.account_number = ""
            locked.account_number_removed_on = today
            locked.save(update_fields=["account_number", "account_number_removed_on"])
            record_event(
                locked,
                actor=None,
                action=AuditAction.RETENTION_PURGED,
                after={
                    "rule": "MANDATE_ACCOUNT_NUMBER_KEEP_DAYS",
                    "days": settings.MANDATE_ACCOUNT_NUMBER_KEEP_DAYS,
                    "closed_at": locked.cancelled_at or locked.ended_at,
                    "removed": ["account_number"],
                },
            )
        forgotten += 1
    return forgotten
