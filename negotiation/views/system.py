"""Pages anyone reaches: the debtor's sign-in, their rights, the health check; and the
debtor's "Stay signed in"."""

from __future__ import annotations

from celery import current_app
from django.conf import settings
from django.contrib.auth.views import LoginView
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from negotiation.access import debtor_required
from negotiation.forms.accounts import DebtorLoginForm
from negotiation.http import DebtorRequest
from negotiation.ratelimits import limited
from negotiation.selectors.outbox import oldest_due_message_age
from negotiation.sessions import keep_alive


@method_decorator(limited("RATE_SIGN_IN"), name="post")
class DebtorLoginView(LoginView):
    form_class = DebtorLoginForm
    redirect_authenticated_user = True


@require_GET
def rights(request: HttpRequest) -> HttpResponse:
    """The debtor's rights, in plain words, open to anyone (no sign-in needed). The days
    are the settings' (their sources beside them in portal/settings.py)."""
    return render(
        request,
        "negotiation/rights.html",
        {
            "dispute_answer_days": settings.DISPUTE_ANSWER_DAYS,
            "dispute_extended_days": settings.DISPUTE_EXTENDED_ANSWER_DAYS,
            "objection_days": settings.CREDIT_REPORT_OBJECTION_DAYS,
        },
    )


@require_POST
@debtor_required
def session_keep_alive(request: DebtorRequest) -> HttpResponse:
    """The warning's "Stay signed in" (static/js/session-timeout.js): a signed-in debtor's
    idle clock starts again; 204. The staff site's is ``admin:staff_keep_alive``."""
    return keep_alive(request)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 otherwise: for the load balancer."""
    if not _database_answers():
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to serve: the database answers and, where a broker is configured, it answers
    within a second; also how long the oldest message due has waited in the outbox (a
    growing age means no worker is sending). 503 when the database or the broker is down."""
    database = _database_answers()
    broker = _broker_answers()
    body = {
        "database": "ok" if database else "unavailable",
        "broker": broker,
        "oldest_due_message_seconds": oldest_due_message_age() if database else None,
    }
    ready = database and broker in ("ok", "not used")
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **body}, status=200 if ready else 503
    )


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return False
    return True


def _broker_answers() -> str:
    if current_app.conf.task_always_eager:
        return "not used"  # no broker: tasks run in the request
    try:
        with current_app.connection_for_read() as broker:
            broker.ensure_connection(max_retries=1, timeout=1)
    except Exception:
        return "unavailable"
    return "ok"
