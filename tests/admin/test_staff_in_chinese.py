"""The whole staff site in the staff member's language: every page a member of every staff
group can open, rendered in Chinese, shows no English word outside names, references and a
short list of codes that read the same in both languages (PDF, SMS, ...)."""

from __future__ import annotations

import re
import zoneinfo
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db.models import CharField, TextField
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from negotiation.admin.accountactions import ACTION_PAGES, url_name
from negotiation.admin.schedules import JOB_LABELS
from negotiation.models import (
    CollectionNotice,
    CreditAccount,
    Debtor,
    Dispute,
    Document,
    Message,
    Program,
    ReliefRequest,
    User,
)
from negotiation.roles import BANK_STAFF, COMPLIANCE, SPECIALISTS, SUPERVISORS
from tests.conftest import staff_client
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

# Written the same in both languages: codes, units and formats, not words to translate.
SAME_IN_BOTH = {
    "PDF",
    "IP",
    "LDAP",
    "CSV",
    "SMS",
    "ID",
    "IRR",
    "URL",
    "TOTP",
    "sha",
    "CNY",
    "USD",
    "HKD",
    "UTC",
    "English",  # the language switch names each language in itself
    "YYYY",
    "MM",
    "DD",
    "HH",
    "Asia",
    "Shanghai",
    "Celery",  # the scheduled jobs' library, named on its pages
    # celery-beat's own Chinese help names the formats, protocols and values to type
    "JSON",
    "AMQP",
    "RabbitMQ",
    "Redis",
    "True",
    "False",
    "None",
}
WORD = re.compile(r"[A-Za-z]{2,}")
# References and the machine's own names, which are no one's words.
REFERENCE = re.compile(
    r"\b[A-Z]{1,5}-[0-9A-Z-]*"  # references, and their prefixes: RQ-7K2P-9QXM, "RQ-"
    r"|\b[0-9a-f]{8,}\b"  # digests, whole or cut short
    r"|[\w.+-]+@[\w.-]+"  # email addresses
    r"|\b\w+(?:\.\w+)+\b"  # dotted names of code: negotiation.tasks.refresh_aging
    r"|\b[a-z]+(?:_[a-z0-9]+)+\b"  # identifiers: refresh_aging
    r"|\b[A-Z][a-z]+/[\w/+-]+"  # time zones: Asia/Shanghai
    r"|\(m/h/dM/MY/d\)"  # cron's field order, which celery-beat writes after a schedule
    r"|\b[A-Z]+(?:_[A-Z]+)+\b"  # settings: CELERY_TASK_QUEUES
    r'|"[^"]*"'  # a quoted example of what to type: "*", ["arg1", "arg2"]
)
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "textarea", "svg"}


class VisibleText(HTMLParser):
    """The text a person reads on the page: element text, and the words in the attributes
    read aloud or shown (title, aria-label, placeholder, alt, a button's value)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self._skipping.append(tag)
        values = dict(attrs)
        for name in ("title", "aria-label", "placeholder", "alt"):
            if values.get(name):
                self.parts.append(str(values[name]))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def english_words(html: str, names: set[str]) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    text = REFERENCE.sub(" ", text)
    return {word for word in WORD.findall(text) if word not in SAME_IN_BOTH}


@pytest.fixture
def world(objects: dict[str, object], account: CreditAccount) -> dict[str, object]:
    """One of everything the staff pages show: the objects the matrix acts on
    (tests/admin/conftest.py), and a collection notice."""
    CollectionNotice.objects.create(account=account, channel="letter", sent_at=timezone.now())
    return objects


def every_staff_page(world: dict[str, object]) -> list[str]:
    """Each model's list, its add form and the change page of its first object, the queue's
    views and a search, the request's own pages (reject, counter-offer), the account's
    action pages and the relief dashboard."""
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{info}_changelist"), reverse(f"{info}_add")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"{info}_change", args=[first.pk]))
    queue = reverse("admin:negotiation_reliefrequest_changelist")
    urls += [f"{queue}?queue={view}" for view in ("debtor", "escalated", "open", "all")]
    urls.append(f"{queue}?q=4821")
    for name in ("reject", "counter"):
        urls.append(reverse(f"admin:negotiation_reliefrequest_{name}", args=[world["request"]]))
    account = CreditAccount.objects.order_by("pk").first()
    assert account is not None
    for action in ACTION_PAGES:
        urls.append(reverse(f"admin:{url_name(action)}", args=[account.pk]))
    urls.append(reverse("admin:relief_dashboard"))
    return urls


def names_in_the_data() -> set[str]:
    """What staff and debtors are called, the programs' codes, and what people wrote
    themselves (a debtor's statement, a question, a note): names and their words, not the
    site's."""
    names = set(Debtor.objects.values_list("full_name", flat=True))
    names |= set(ReliefRequest.objects.values_list("hardship_statement", flat=True))
    names |= set(Message.objects.values_list("body", flat=True))
    names |= set(Dispute.objects.values_list("explanation", flat=True))
    names |= set(Document.objects.values_list("file", flat=True))
    names |= set(User.objects.values_list("username", flat=True))
    names |= set(filter(None, CreditAccount.objects.values_list("account_number", flat=True)))
    names |= set(Program.objects.values_list("code", flat=True))
    # the scheduled jobs' keys (settings.DEFAULT_PERIODIC_TASKS), shown where celery-beat
    # names a job by itself; the pages' own columns describe each job in words
    names |= set(PeriodicTask.objects.values_list("name", flat=True))
    zones = zoneinfo.available_timezones()
    names |= zones | {zone.replace("_", " ") for zone in zones}  # the time zones' own names
    return {name for name in names if name}


def own_records(url: str) -> set[str]:
    """On a model's own pages, the text its records hold (a program's names in both
    languages, a consequence rule's English version): content to edit, shown as written."""
    parts = url.strip("/").split("/")
    if len(parts) < 3 or parts[1] != "negotiation":
        return set()
    model = apps.get_model("negotiation", parts[2])
    fields = [
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, CharField | TextField) and not f.choices
    ]
    return {str(v) for row in model._default_manager.values_list(*fields) for v in row if v}


def test_every_staff_page_reads_in_chinese(world):
    everyone = make_staff(SUPERVISORS)
    for group in (SPECIALISTS, BANK_STAFF, COMPLIANCE):
        everyone.groups.add(*make_staff(group).groups.all())
    client: Client = staff_client(everyone)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    names = names_in_the_data()
    found: dict[str, set[str]] = {}
    read = 0
    for url in every_staff_page(world):
        response = client.get(url)
        if response.status_code != 200:
            continue  # a page this member may not open has nothing to read
        read += 1
        words = english_words(response.content.decode(), names | own_records(url))
        if words:
            found[url] = words
    assert found == {}
    # Not passing by reading nothing: every registered list at least, in Chinese.
    assert read > len(admin.site._registry)
    assert "还款协助" in client.get(reverse("admin:index")).content.decode()


def test_the_scan_finds_english_and_only_english():
    page = (
        '<p>申请 RQ-7K2P-9QXM <span title="Approve">批准</span></p>'
        "<code>negotiation.tasks.refresh_aging</code><script>var x</script>"
    )
    assert english_words(page, set()) == {"Approve"}
    assert english_words("<p>王先生 Wang Lei</p>", {"Wang Lei"}) == set()


def test_every_scheduled_job_is_described_in_words():
    assert {entry["task"] for entry in settings.DEFAULT_PERIODIC_TASKS.values()} <= set(JOB_LABELS)
