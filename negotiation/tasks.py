"""Celery tasks: thin. Each takes ids and calls a service; safe to run twice."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from negotiation.queueing import (
    INVITE_IMPORT,
    ISSUE_PAYOFF_LETTER,
    RUN_IMPORT,
    SEND_NOTIFICATION,
    SEND_NOTIFICATIONS,
    STORE_SIGNED_AGREEMENT,
    STORE_SIGNED_AMENDMENT,
)
from negotiation.services import (
    accounts,
    agreements,
    following,
    imports,
    intents,
    letters,
    mandates,
    notifications,
    offers,
    onboarding,
    requests,
    retention,
)

# A task is retried with backoff when the database is briefly unreachable. A mail or SMS
# failure is not retried here: it is recorded on the outbox row, which the dispatcher
# tries again with its own backoff, so a worker restart loses nothing.
DATABASE_BLIPS = (OperationalError, InterfaceError)


@shared_task(
    name=SEND_NOTIFICATION, autoretry_for=DATABASE_BLIPS, retry_backoff=True, max_retries=5
)
def send_notification(notification_id: int) -> str:
    """Deliver one email or SMS. Safe to run twice: the second run finds it sent."""
    return notifications.deliver_notification(notification_id)


@shared_task(
    name=SEND_NOTIFICATIONS, autoretry_for=DATABASE_BLIPS, retry_backoff=True, max_retries=5
)
def send_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Deliver a batch of emails and SMS (the dispatcher's). Safe to run twice: what is
    sent is found sent. One that fails is counted, and the rest of the batch goes on."""
    failures = notifications.deliver_notifications(notification_ids)
    return {"tried": len(notification_ids), "failed": failures.count}


@shared_task
def expire_counter_offers() -> int:
    """Close counter-offers past their date (hourly, by beat). Safe to run twice."""

    return offers.expire_counter_offers(now=timezone.now())


@shared_task
def follow_plans() -> dict[str, int] | None:
    """The daily follow-up of plans (beat, every morning). Safe to run twice."""

    now = timezone.now()
    result = following.follow_plans(today=timezone.localdate(now), now=now)
    return asdict(result) if result else None


@shared_task
def refresh_aging() -> int | None:
    """Nightly: every account's days past due and stage, in one statement (beat)."""

    return accounts.refresh_aging(today=timezone.localdate())


@shared_task
def escalate_overdue_requests() -> int:
    """Hourly: requests past their answer-due time go to the supervisors (beat)."""

    return requests.escalate_overdue_requests(now=timezone.now())


@shared_task
def expire_payment_intents() -> int:
    """Every five minutes: online payments no provider confirmed in time (beat)."""

    return intents.expire_payment_intents(now=timezone.now())


@shared_task
def send_due_notifications() -> int:
    """Every five minutes: emails and SMS whose contact-hours time has come, handed to the
    workers in batches (beat). Returns how many were queued."""

    return notifications.dispatch_due_notifications(now=timezone.now())


@shared_task(
    name=STORE_SIGNED_AGREEMENT,
    autoretry_for=(OSError, *DATABASE_BLIPS),
    retry_backoff=True,
    max_retries=5,
)
def store_signed_agreement(plan_id: int) -> int:
    """Render and store the signed agreement PDF once (after the signature commits)."""
    return len(agreements.signed_agreement_pdf(plan_id, actor=None))


@shared_task(
    name=STORE_SIGNED_AMENDMENT,
    autoretry_for=(OSError, *DATABASE_BLIPS),
    retry_backoff=True,
    max_retries=5,
)
def store_signed_amendment(amendment_id: int) -> int:
    """Render and store a changed plan's signed version once (after its signature commits;
    else at its first download)."""
    return len(agreements.signed_amendment_pdf(amendment_id, actor=None))


@shared_task(
    name=ISSUE_PAYOFF_LETTER,
    autoretry_for=(OSError, *DATABASE_BLIPS),
    retry_backoff=True,
    max_retries=5,
)
def issue_payoff_letter(account_id: int) -> int:
    """Issue and store the payoff letter of an account that has just settled."""
    return len(letters.payoff_letter_pdf(account_id, actor=None, now=timezone.now()))


@shared_task(name=RUN_IMPORT)
def run_import(run_id: int) -> str:
    """Import an uploaded bank file (all or nothing, in one transaction). Not retried: the
    file is deleted after one attempt, and a failed run says so on its page."""
    return str(imports.run_stored_import(run_id, today=timezone.localdate()).status)


@shared_task(name=INVITE_IMPORT)
def invite_import(run_id: int) -> dict[str, int | bool]:
    """Invite the debtors of an import, in chunks. Not retried as a whole: a round that
    stops says so on the import's page, and asking again invites only who is left."""
    return onboarding.invite_import_debtors(run_id, now=timezone.now())


@shared_task
def purge_identity_records() -> int:
    """Daily: identity-check failures and one-time codes no limit reads any more (beat)."""
    return onboarding.purge_identity_records(now=timezone.now())


@shared_task
def purge_expired_personal_data() -> dict[str, int | bool]:
    """Nightly: documents and personal data of requests over for longer than the retention
    periods (beat). Safe to run twice: what is purged no longer matches."""
    return asdict(retention.purge_expired_personal_data(now=timezone.now()))


@shared_task(autoretry_for=DATABASE_BLIPS, retry_backoff=True, max_retries=5)
def export_due_debits() -> dict[str, int | str | bool]:
    """Every morning: the day's due debits to a file for the bank's core system, then the
    account numbers no debit needs any more emptied (beat). Safe to run twice: the same
    debits make the same file, left as it is."""
    now = timezone.now()
    today = timezone.localdate(now)
    result = mandates.export_due_debits(day=today, now=now)
    forgotten = mandates.forget_account_numbers(today=today)
    return {
        "file": result.path.name,
        "lines": result.lines,
        "total": str(result.total),
        "written": result.written,
        "account_numbers_forgotten": forgotten,
    }
