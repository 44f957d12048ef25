"""Pages anyone reaches: the debtor's sign-in, their rights, the health check."""

from __future__ import annotations

from django.contrib.auth.views import LoginView
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from negotiation.forms.accounts import DebtorLoginForm


class DebtorLoginView(LoginView):
    form_class = DebtorLoginForm
    redirect_authenticated_user = True


@require_GET
def rights(request: HttpRequest) -> HttpResponse:
    """The debtor's rights, in plain words, open to anyone (no sign-in needed)."""
    return render(request, "negotiation/rights.html")


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 otherwise: for the load balancer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
