"""A date box (<input type="date">) shows the day it was given only when its value is
YYYY-MM-DD: in the page's own format ("2026/12/11" in Chinese) the browser shows it empty."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.forms.promises import PromiseForm
from negotiation.forms.reporting import PeriodForm

pytestmark = pytest.mark.django_db
ISO = re.compile(
    r'type="date"[^>]*value="(\d{4}-\d{2}-\d{2})"|value="(\d{4}-\d{2}-\d{2})"[^>]*type="date"'
)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_promise_form_s_day_is_filled_in_in_both_languages(debtor_client, account, language):
    debtor_client.cookies["django_language"] = language
    page = debtor_client.get(reverse("negotiation:promise_create", args=[account.reference]))
    found = ISO.search(page.content.decode())
    assert found, "the day box has no ISO value"
    day = dt.date.fromisoformat(found.group(1) or found.group(2))
    assert day == timezone.localdate() + dt.timedelta(days=7)


def test_every_date_box_of_a_form_writes_iso_dates():
    for form_class in (PromiseForm, PeriodForm):
        for name, field in form_class.base_fields.items():
            if field.widget.input_type == "date":
                assert field.widget.format == "%Y-%m-%d", (form_class.__name__, name)
