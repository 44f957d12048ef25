"""Celery tasks: thin. Each takes ids, loads fresh rows and calls a service or sends mail.

Safe to run twice: sending the same update twice is the worst case, which the outbox of the
notifications work (DESIGN.md section 8) will dedupe.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from negotiation.models import ReliefRequest


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_request_update(request_id: int, status: str) -> bool:
    """Email the debtor that their request changed, in their language. False if no email."""
    request = ReliefRequest.objects.select_related("account__debtor").get(pk=request_id)
    debtor = request.account.debtor
    if not debtor.email:
        return False
    with translation.override(debtor.preferred_language):
        context = {"request": request, "debtor": debtor, "status": status}
        subject = render_to_string("emails/request_update_subject.txt", context).strip()
        body = render_to_string("emails/request_update_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [debtor.email])
    return True
