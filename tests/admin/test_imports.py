"""Bank staff upload the bank's files in the staff site: the import runs as a task (inline
without a broker), its page shows the outcome and every bad row, downloadable as a CSV."""

from __future__ import annotations

import io
import os
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from negotiation.imports.accounts import COLUMNS
from negotiation.models import CreditAccount, ImportRun, Payment
from negotiation.roles import BANK_STAFF, SPECIALISTS
from tests.accountfiles import PANS, account_row, csv_text
from tests.conftest import staff_client
from tests.factories import make_staff

pytestmark = pytest.mark.django_db(transaction=True)
UPLOAD = reverse("admin:negotiation_importrun_upload")


def upload(client, text, *, kind="accounts", skip=False, name="accounts.csv"):
    data = {"kind": kind, "file": SimpleUploadedFile(name, text.encode(), "text/csv")}
    if skip:
        data["skip_invalid"] = "on"
    return client.post(UPLOAD, data)


@pytest.fixture
def bank(db):
    return staff_client(make_staff(BANK_STAFF))


def test_a_bad_file_imports_nothing_and_its_page_lists_every_bad_row(bank):
    rows = [account_row(1), account_row(2, phone="12"), {**account_row(3), "email": PANS[0]}]
    response = upload(bank, csv_text(rows))
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("admin:negotiation_importrun_progress", args=[run.pk])
    page = bank.get(response["Location"]).content.decode()
    assert "Nothing imported" in page
    assert "not a mobile number" in page
    assert CreditAccount.objects.count() == 0
    report = bank.get(reverse("admin:negotiation_importrun_problems", args=[run.pk]))
    lines = report.content.decode().splitlines()
    assert lines[0] == "line,column,reason"
    assert [line.split(",")[:2] for line in lines[1:]] == [["3", "phone"], ["4", "email"]]
    assert PANS[0] not in report.content.decode() + page


def test_the_fixed_file_imports_and_says_what_it_did(bank):
    upload(bank, csv_text([account_row(1), account_row(2, phone="12")]), skip=True)
    run = ImportRun.objects.get()
    page = bank.get(reverse("admin:negotiation_importrun_progress", args=[run.pk])).content.decode()
    assert run.status == "done"
    assert (run.accounts_created, run.rows_skipped) == (1, 1)
    assert "Imported" in page
    assert "Download the bad rows" in page


def test_payments_are_uploaded_through_the_same_page(bank, account):
    text = "external_id,account_reference,amount,paid_on,source\n"
    text += f"B-1,{account.reference},100.00,2026-11-30,bank_transfer\n"
    upload(bank, text, kind="payments", name="payments.csv")
    assert ImportRun.objects.get().status == "done"
    assert Payment.objects.get().external_id == "B-1"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("accounts.txt", "x", "Choose a CSV or XLSX file."), ("", "", "Choose the file to import.")],
)
def test_a_wrong_upload_is_refused_in_words(bank, name, content, message):
    data: dict[str, object] = {"kind": "accounts"}
    if name:
        data["file"] = SimpleUploadedFile(name, content.encode())
    response = bank.post(UPLOAD, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_a_specialist_cannot_upload(db):
    client = staff_client(make_staff(SPECIALISTS))
    assert upload(client, csv_text([account_row(1)])).status_code == 403
    assert ImportRun.objects.count() == 0


@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (Redis)"
)
def test_an_upload_is_imported_by_a_real_worker_through_the_broker(bank):
    """With a broker the upload returns at once and a worker on Redis does the import; the
    run's page shows it running, then done."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    app.conf.task_always_eager = False
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        upload(bank, csv_text([account_row(1), account_row(2)]))
        run = ImportRun.objects.get()
        deadline = time.monotonic() + 30
        while run.status == "running" and time.monotonic() < deadline:
            time.sleep(0.1)
            run.refresh_from_db()
    assert run.status == "done"
    assert CreditAccount.objects.count() == 2
    page = bank.get(reverse("admin:negotiation_importrun_progress", args=[run.pk]))
    assert "Imported" in page.content.decode()


def test_an_xlsx_upload_is_imported(bank):
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(list(COLUMNS))
    for row in (account_row(1), account_row(2)):
        sheet.append([row[name] for name in COLUMNS])
    content = io.BytesIO()
    workbook.save(content)
    data = {
        "kind": "accounts",
        "file": SimpleUploadedFile("accounts.xlsx", content.getvalue(), "application/vnd.ms-excel"),
    }
    bank.post(UPLOAD, data)
    assert ImportRun.objects.get().status == "done"
    assert CreditAccount.objects.count() == 2


def test_the_debtors_of_an_import_are_invited_from_its_page(bank, sms_outbox):
    upload(bank, csv_text([account_row(1), account_row(2), account_row(3, debtor=2)]))
    run = ImportRun.objects.get()
    assert set(run.debtors.values_list("external_id", flat=True)) == {
        "CUST-0000001",
        "CUST-0000002",
    }
    page = bank.get(reverse("admin:negotiation_importrun_progress", args=[run.pk]))
    assert "Invite the debtors of this import" in page.content.decode()
    invite = reverse("admin:negotiation_importrun_invite", args=[run.pk])
    done = bank.post(invite, follow=True).content.decode()
    assert "2 invited" in done
    again = bank.post(invite, follow=True).content.decode()
    assert "0 invited" in again  # each has a link still open: nobody is invited twice
