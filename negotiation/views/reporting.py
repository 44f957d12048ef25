"""The relief dashboard (``admin:relief_dashboard``): the staff site's page of aggregate
figures for supervisors and compliance, each table also a CSV download. Read-only: it shows
counts and sums, never a debtor, so it writes no audit row (docs/DESIGN.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from negotiation.forms.reporting import PeriodForm
from negotiation.roles import VIEW_RELIEF_DASHBOARD
from negotiation.selectors.reporting import ReliefDashboard, Table
from negotiation.selectors.reporting import relief_dashboard as dashboard_figures

# A cell a spreadsheet would read as a formula: text from the data (a currency code) never
# starts one (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return f"'{value}"
    return value


def table_csv(table: Table) -> str:
    """The table as the page shows it: its headings, then a line per row, the numbers
    unformatted (a point for decimals, no grouping) and nothing where there is no figure."""
    lines = [[table.label_heading, *table.columns]]
    lines += [[row.label, *row.values] for row in table.rows]
    out = io.StringIO()
    csv.writer(out).writerows([[_cell(value) for value in line] for line in lines])
    return out.getvalue()


@require_GET
def relief_dashboard(request: HttpRequest, site: AdminSite) -> HttpResponse:
    """The figures for the period asked (from / to; the last 90 days by default), or one
    table of them as CSV (``?format=csv&table=<name>``): an unknown table is a 404, a bad
    period the form's message (on the page, or as the CSV's plain-text answer)."""
    if not request.user.has_perm(VIEW_RELIEF_DASHBOARD):
        raise PermissionDenied
    now = timezone.now()
    form = PeriodForm(request.GET, today=timezone.localdate(now))
    as_csv = request.GET.get("format") == "csv"
    if not form.is_valid():
        if as_csv:
            problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
            return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
        return _page(request, site, form, None, status=400)
    first_day: dt.date = form.cleaned_data["first_day"]
    last_day: dt.date = form.cleaned_data["last_day"]
    figures = dashboard_figures(first_day=first_day, last_day=last_day, now=now)
    if as_csv:
        table = figures.tables.get(request.GET.get("table", ""))
        if table is None:
            raise Http404(_("There is no table of that name."))
        response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
        filename = f"relief-{table.name}-{first_day.isoformat()}-{last_day.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return _page(request, site, form, figures)


def _page(
    request: HttpRequest,
    site: AdminSite,
    form: PeriodForm,
    figures: ReliefDashboard | None,
    *,
    status: int = 200,
) -> HttpResponse:
    """The page: the period's form, then every table (none while the period is refused).
    The CSV links repeat the period shown, so a download has the page's numbers."""
    period = {}
    if figures is not None:
        period = {
            "first_day": figures.first_day.isoformat(),
            "last_day": figures.last_day.isoformat(),
        }
    return render(
        request,
        "admin/relief_dashboard.html",
        {
            **site.each_context(request),
            "title": _("Relief dashboard"),
            "form": form,
            "figures": figures,
            "tables": list(figures.tables.values()) if figures is not None else [],
            "period": period,
        },
        status=status,
    )
