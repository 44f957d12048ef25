"""Two first answers about extra support at once (two tabs, a double tap): the debtor's row
is locked first, so one need is made and the second answer changes it; never a server error
from the one-per-debtor rule."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from negotiation.models import AuditAction, AuditEvent, SupportNeed
from negotiation.services.support import SupportAnswer, dismiss_support_offer, say_support_need
from tests.services.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_two_first_answers_at_once_make_one_need(debtor):
    def say():
        return say_support_need(
            debtor,
            actor=debtor.user,
            answer=SupportAnswer(resilience=True),
            now=timezone.now(),
            ip=None,
        )

    def dismiss():
        return dismiss_support_offer(debtor, actor=debtor.user, now=timezone.now(), ip=None)

    results = run_together(say, say, dismiss)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert SupportNeed.objects.filter(debtor=debtor).count() == 1
    assert SupportNeed.objects.get(debtor=debtor).is_active  # a dismissal never undoes an answer
    assert AuditEvent.objects.filter(action=AuditAction.SUPPORT_NEED_SAID).count() == 2
