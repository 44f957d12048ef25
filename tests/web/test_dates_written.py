"""One way of writing a date and one of writing a date with its time on the debtor's pages,
per language (portal/formats: 2 December 2026, 2026年12月2日; 2 December 2026, 07:15,
2026年12月2日 07:15), in the debtor's own time zone, and never broken across two lines (the
portal filters day and day_and_time write it inside a nowrap span)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from negotiation.models import Callback, ContactRecord
from negotiation.services.callbacks import book_callback, open_slots
from negotiation.templatetags.portal import UNBREAKABLE
from tests.factories import make_account, make_request

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE = {
    "en": re.compile(rf"\b\d{{1,2}} (?:{MONTHS}) \d{{4}}(?:, \d{{2}}:\d{{2}})?"),
    "zh-hans": re.compile(r"\d{4}年\d{1,2}月\d{1,2}日(?: \d{2}:\d{2})?"),
}
NOWRAP = UNBREAKABLE.split("{}")[0]
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# 07:15 UTC on Wednesday 2 December 2026: 15:15 in Shanghai, 07:15 in London.
CONTACTED = dt.datetime(2026, 12, 2, 7, 15, tzinfo=dt.UTC)


def in_language(user, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def shown_text(page: str) -> str:
    """What the reader sees of the page's body: no tags (so no attributes), no SVG (its
    words are plain text, a span cannot be there), no script or style."""
    body = page.split("<body", 1)[1]
    body = re.sub(r"<(svg|script|style)\b.*?</\1>", "", body, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", "", body)


def dates_outside_a_nowrap_span(page: str, language: str) -> list[str]:
    body = re.sub(r"<svg\b.*?</svg>", "", page.split("<body", 1)[1], flags=re.DOTALL)
    return [
        found.group(0)
        for found in DATE[language].finditer(body)
        if not body[: found.start()].endswith(NOWRAP)
    ]


@pytest.fixture
def londoner(debtor):
    debtor.timezone = "Europe/London"
    debtor.phone = "13800138000"
    debtor.save()
    return debtor


@pytest.mark.parametrize(
    ("language", "written"),
    [("en", "2 December 2026, 07:15"), ("zh-hans", "2026年12月2日 07:15")],
)
def test_the_contacts_page_writes_the_time_of_a_contact_in_the_debtors_zone(
    londoner, installment_program, specialist, language, written
):
    request = make_request(make_account(londoner), installment_program)
    ContactRecord.objects.create(
        debtor=londoner,
        account=request.account,
        request=request,
        channel="phone",
        direction="outbound",
        outcome="spoke",
        at=CONTACTED,
        staff=specialist,
        note="",
    )
    page = in_language(londoner.user, language).get(reverse("negotiation:contacts"))
    text = page.content.decode()
    assert f"{NOWRAP}{written}</span>" in text
    assert "2026-12-02" not in shown_text(text)
    assert "15:15" not in shown_text(text)  # not the bank's time in Shanghai


def _booked(debtor) -> Callback:
    slot = open_slots(debtor, now=dt.datetime.now(dt.UTC))[0]
    callback = book_callback(
        debtor,
        actor=debtor.user,
        starts_at=slot.start,
        phone=debtor.phone,
        topic="paying",
        note="",
        now=dt.datetime.now(dt.UTC),
    )
    # The same booking on a known day ahead: Friday 8 January 2027, 15:15 to 15:30 in London.
    start = dt.datetime(2027, 1, 8, 15, 15, tzinfo=dt.UTC)
    Callback.objects.filter(pk=callback.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(minutes=15)
    )
    return callback


@pytest.mark.parametrize(
    ("language", "written"),
    [("en", "8 January 2027, 15:15"), ("zh-hans", "2027年1月8日 15:15")],
)
def test_the_call_back_is_written_as_every_other_moment(londoner, language, written):
    callback = _booked(londoner)
    client = in_language(londoner.user, language)
    for url in (
        reverse("negotiation:callback_detail", args=[callback.reference]),
        reverse("negotiation:contacts"),
    ):
        page = client.get(url).content.decode()
        assert f"{NOWRAP}{written}" in page, url
        assert not ISO_DAY.search(shown_text(page)), url


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_date_on_the_debtors_pages_is_written_one_way_and_kept_on_one_line(
    londoner, installment_program, specialist, language
):
    account = make_account(londoner, days_past_due=200)
    request = make_request(account, installment_program)
    ContactRecord.objects.create(
        debtor=londoner,
        account=account,
        request=request,
        channel="phone",
        direction="outbound",
        outcome="spoke",
        at=CONTACTED,
        staff=specialist,
        note="",
    )
    client = in_language(londoner.user, language)
    # Each page, and whether it writes a date (so the check has work to do).
    pages = {
        reverse("negotiation:dashboard"): False,
        reverse("negotiation:account", args=[account.reference]): True,
        reverse("negotiation:request_detail", args=[request.reference]): True,
        reverse("negotiation:contacts"): True,
        reverse("negotiation:callback_create"): True,
    }
    for url, dated in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert bool(DATE[language].search(page)) or not dated, url
        assert not ISO_DAY.search(shown_text(page)), url
        assert dates_outside_a_nowrap_span(page, language) == [], url


def test_the_check_finds_a_date_that_may_break():
    page = '<body><p>Since <span class="text-nowrap">4 January 2027</span>, 4 February 2027</p>'
    assert dates_outside_a_nowrap_span(page, "en") == ["4 February 2027"]
    assert dates_outside_a_nowrap_span("<body>2027年1月4日", "zh-hans") == ["2027年1月4日"]


# Templates of the debtor's pages: not the PDF documents (agreement, letters), not the texts
# of messages; the staff site is Django's admin.
DEBTOR_TEMPLATES = [
    path
    for path in [
        *(ROOT / "templates" / "negotiation").rglob("*.html"),
        ROOT / "templates" / "base.html",
    ]
    if path.name != "agreement.html"
    and "letters" not in path.parts
    and path.name != "_pdf_style.html"
]
# Django's own date filter is left for what no reader sees as a date: an attribute's ISO
# moment (datetime="{{ x|date:'c' }}") and a weekday's name ("l").
DJANGO_DATE = re.compile(r"\|date(?!:['\"][cl]['\"])")


def test_the_debtors_templates_write_dates_with_the_portals_filters_only():
    found = [
        f"{path.relative_to(ROOT)}: {line.strip()[:80]}"
        for path in DEBTOR_TEMPLATES
        for line in path.read_text(encoding="utf-8").splitlines()
        if DJANGO_DATE.search(line) or re.search(r"\|time:", line)
    ]
    assert found == []
