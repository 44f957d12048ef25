"""The relief dashboard's period: from and to, both optional (the last 90 days), checked in
the portal's words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from negotiation.forms.common import ISO_DATE
from negotiation.selectors.reporting import DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS, default_period


class PeriodForm(forms.Form):
    first_day = forms.DateField(
        label=_("First day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        error_messages={"invalid": _("Please give the first day as a date, such as 2026-09-01.")},
    )
    last_day = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        error_messages={"invalid": _("Please give the last day as a date, such as 2026-11-30.")},
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        """The period, both days filled in: neither given is the last 90 days; one given
        is 90 days from or up to it (never past today)."""
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        span = dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if first is None and last is None:
            first, last = default_period(self.today)
        elif last is None:
            assert first is not None
            last = max(min(first + span, self.today), first)
        elif first is None:
            first = last - span
        assert first is not None
        assert last is not None
        if first > self.today:
            raise forms.ValidationError(_("The first day cannot be after today."), code="future")
        if last > self.today:
            raise forms.ValidationError(_("The last day cannot be after today."), code="future")
        if first > last:
            raise forms.ValidationError(
                _("The first day must be on or before the last day."), code="order"
            )
        if (last - first).days + 1 > MAX_PERIOD_DAYS:
            raise forms.ValidationError(
                _("Please choose a period of at most %(days)s days.") % {"days": MAX_PERIOD_DAYS},
                code="too_long",
            )
        cleaned["first_day"], cleaned["last_day"] = first, last
        return cleaned
