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


def test_a_running_import_shows_rows_done_of_rows_in_the_file(bank):
    from django.core.cache import cache

    from negotiation.services.imports import PROGRESS_KEY

    run = ImportRun.objects.create(kind="accounts", file_name="big.csv", rows_total=5000)
    progress = reverse("admin:negotiation_importrun_progress", args=[run.pk])
    cache.set(PROGRESS_KEY.format(run.pk), 2000)
    page = bank.get(progress).content.decode()
    assert "2000 of 5000 rows read" in page
    assert 'value="2000" max="5000"' in page
    assert '<meta http-equiv="refresh" content="2">' in page  # a plain refresh, no script
    cache.set(PROGRESS_KEY.format(run.pk), 5000)
    assert "All 5000 rows read and checked" in bank.get(progress).content.decode()


def test_an_upload_counts_its_rows_before_reading_them(bank, monkeypatch):
    from negotiation.services import imports

    seen = []
    real = imports.import_accounts

    def spy(rows, **kwargs):
        seen.append(ImportRun.objects.get(pk=kwargs["run"].pk).rows_total)
        return real(rows, **kwargs)

    monkeypatch.setattr(imports, "import_accounts", spy)
    upload(bank, csv_text([account_row(1), account_row(2), account_row(3)]))
    assert seen == [3]  # known (and saved for the page) before the first row is read
    assert ImportRun.objects.get().rows_total == 3


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("accounts.xlsx", "not a workbook", "not an XLSX workbook"),
        ("accounts.csv", ",".join(COLUMNS) + '\n"' + "x" * 200_000 + '"\n', "Line 2 cannot"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_in_words(bank, name, content, reason):
    upload(bank, content, name=name)
    run = ImportRun.objects.get()
    assert run.status == "refused"
    assert reason in run.problems[0][2]
    assert CreditAccount.objects.count() == 0


def test_an_imports_invitations_go_out_in_chunks_with_their_counts_on_its_page(
    bank, sms_outbox, monkeypatch
):
    from negotiation.models import AuditAction, AuditEvent, Debtor, Invitation
    from negotiation.services import onboarding

    monkeypatch.setattr(onboarding, "INVITATION_CHUNK", 2)
    seen: list[dict[str, object]] = []
    real = onboarding.invite_debtors

    def spy(ids, **kwargs):
        seen.append(dict(ImportRun.objects.get().invitation_counts))
        return real(ids, **kwargs)

    monkeypatch.setattr(onboarding, "invite_debtors", spy)
    upload(bank, csv_text([account_row(n) for n in range(1, 6)]))
    run = ImportRun.objects.get()
    Debtor.objects.filter(external_id="CUST-0000005").update(phone="")  # changed since
    page = bank.post(reverse("admin:negotiation_importrun_invite", args=[run.pk]), follow=True)
    assert [counts["done"] for counts in seen] == [0, 2, 4]  # saved after each chunk
    text = page.content.decode()
    assert "4 invited. Not invited: 0 already signed up, 0 with a link still open" in text
    assert "1 without a mobile number" in text
    assert Invitation.objects.count() == 4
    finished = AuditEvent.objects.get(action=AuditAction.IMPORT_INVITATIONS_FINISHED)
    assert finished.after["sent"] == 4
    assert finished.after["stopped"] is False
    asked = AuditEvent.objects.get(action=AuditAction.IMPORT_INVITATIONS_REQUESTED)
    assert asked.after == {"debtors": 5}


def test_a_round_still_on_its_way_is_not_asked_for_twice(bank):
    from django.utils import timezone

    upload(bank, csv_text([account_row(1)]))
    run = ImportRun.objects.get()
    ImportRun.objects.filter(pk=run.pk).update(
        invitations_requested_at=timezone.now(), invitation_counts={"debtors": 1, "done": 0}
    )
    page = bank.get(reverse("admin:negotiation_importrun_progress", args=[run.pk])).content
    assert "Inviting the debtors of this import: 0 of 1 done" in page.decode()
    assert "Invite the debtors of this import" not in page.decode()  # no second button
    again = bank.post(reverse("admin:negotiation_importrun_invite", args=[run.pk]), follow=True)
    assert "still being sent" in again.content.decode()
    assert ImportRun.objects.get().invitations_finished_at is None


def test_a_round_that_stops_says_so_and_can_be_asked_for_again(bank, sms_outbox):
    from django.contrib.auth.models import Group

    from negotiation.exceptions import ActionNotPermitted
    from negotiation.models import Invitation
    from negotiation.services.onboarding import invite_import_debtors

    upload(bank, csv_text([account_row(1), account_row(2)]))
    run = ImportRun.objects.get()
    asker = make_staff(BANK_STAFF, username="asker")
    ImportRun.objects.filter(pk=run.pk).update(
        invitations_requested_at=run.started_at, invitations_requested_by=asker
    )
    asker.groups.set([Group.objects.get(name=SPECIALISTS)])  # no longer allowed to invite
    with pytest.raises(ActionNotPermitted):
        invite_import_debtors(run.pk, now=run.started_at)
    page = bank.get(reverse("admin:negotiation_importrun_progress", args=[run.pk]))
    assert "The invitations stopped after 0 of 2 debtors" in page.content.decode()
    assert Invitation.objects.count() == 0


def test_the_import_list_invites_the_debtors_of_the_chosen_imports(bank, sms_outbox):
    from negotiation.models import Invitation

    upload(bank, csv_text([account_row(1), account_row(2)]))
    run = ImportRun.objects.get()
    changelist = reverse("admin:negotiation_importrun_changelist")
    data = {"action": "invite_action", "_selected_action": [run.pk]}
    page = bank.post(changelist, data, follow=True).content.decode()
    assert "are being sent" in page
    assert Invitation.objects.count() == 2


def test_only_a_finished_import_of_debtors_invites(bank, sms_outbox):
    from negotiation.models import Invitation

    upload(bank, csv_text([account_row(1), account_row(2, phone="12")]))  # refused
    run = ImportRun.objects.get()
    page = bank.post(reverse("admin:negotiation_importrun_invite", args=[run.pk]), follow=True)
    assert "brought in no debtors to invite" in page.content.decode()
    assert ImportRun.objects.get().invitations_requested_at is None
    assert Invitation.objects.count() == 0


def test_an_imported_debtor_is_found_by_the_banks_own_id(bank):
    from negotiation.models import Debtor

    upload(bank, csv_text([account_row(1), account_row(2)]))
    found = bank.get(reverse("admin:negotiation_debtor_changelist"), {"q": "CUST-0000002"})
    page = found.content.decode()
    assert Debtor.objects.get(external_id="CUST-0000002").reference in page
    assert Debtor.objects.get(external_id="CUST-0000001").reference not in page
