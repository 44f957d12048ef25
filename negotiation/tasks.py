"""Celery tasks: thin. Each takes ids and calls a service; safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from negotiation.queueing import SEND_NOTIFICATION, STORE_SIGNED_AGREEMENT
from negotiation.services.notifications import deliver_notification

# A task is retried with backoff when the database is briefly unreachable. A mail or SMS
# failure is not retried here: it is recorded on the outbox row, which the dispatcher
# tries again with its own backoff, so a worker restart loses nothing.
DATABASE_BLIPS = (OperationalError, InterfaceError)


@shared_task(
    name=SEND_NOTIFICATION, autoretry_for=DATABASE_BLIPS, retry_backoff=True, max_retries=5
)
def send_notification(notification_id: int) -> str:
    """Deliver one email or SMS. Safe to run twice: the second run finds it sent."""
    return deliver_notification(notification_id)


@shared_task
def expire_counter_offers() -> int:
    """Close counter-offers past their date (hourly, by beat). Safe to run twice."""
    from django.utils import timezone

    from negotiation.services.offers import expire_counter_offers as expire

    return expire(now=timezone.now())


@shared_task
def follow_plans() -> dict[str, int] | None:
    """The daily follow-up of plans (beat, every morning). Safe to run twice."""
    from dataclasses import asdict

    from django.utils import timezone

    from negotiation.services.plans import follow_plans as follow

    result = follow(today=timezone.localdate())
    return asdict(result) if result else None


@shared_task
def refresh_aging() -> int | None:
    """Nightly: every account's days past due and stage, in one statement (beat)."""
    from django.utils import timezone

    from negotiation.services.accounts import refresh_aging as refresh

    return refresh(today=timezone.localdate())


@shared_task
def escalate_overdue_requests() -> int:
    """Hourly: requests past their answer-due time go to the supervisors (beat)."""
    from django.utils import timezone

    from negotiation.services.requests import escalate_overdue_requests as escalate

    return escalate(now=timezone.now())


@shared_task
def send_due_notifications() -> int:
    """Every five minutes: emails whose contact-hours time has come (beat)."""
    from django.utils import timezone

    from negotiation.services.notifications import send_due_notifications as send

    return send(now=timezone.now())


@shared_task(
    name=STORE_SIGNED_AGREEMENT,
    autoretry_for=(OSError, *DATABASE_BLIPS),
    retry_backoff=True,
    max_retries=5,
)
def store_signed_agreement(plan_id: int) -> int:
    """Render and store the signed agreement PDF once (after the signature commits)."""
    from negotiation.services.agreements import signed_agreement_pdf

    return len(signed_agreement_pdf(plan_id, actor=None))
