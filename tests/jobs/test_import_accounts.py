"""manage.py import_accounts: all or nothing, --skip-invalid, idempotent upserts audited
with before and after, card numbers nowhere, XLSX like CSV. On PostgreSQL this runs the
COPY path, on SQLite the ORM path: the same assertions hold for both."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from negotiation import delinquency
from negotiation.imports.accounts import COLUMNS
from negotiation.models import AuditAction, AuditEvent, CreditAccount, Debtor, ImportRun
from negotiation.models.debtors import hash_national_id
from tests.accountfiles import PANS, account_row, resident_id, write_csv

pytestmark = pytest.mark.django_db(transaction=True)


def run(path, *args):
    call_command("import_accounts", str(path), *args)


def test_a_good_file_makes_debtors_and_accounts(tmp_path):
    rows = [account_row(1), account_row(2), account_row(3, debtor=2)]
    run(write_csv(tmp_path / "a.csv", rows))
    assert Debtor.objects.count() == 2
    assert CreditAccount.objects.count() == 3
    debtor = Debtor.objects.get(external_id="CUST-0000002")
    assert debtor.national_id_hash == hash_national_id(resident_id(2))
    assert debtor.national_id_last4 == resident_id(2)[-4:]
    assert debtor.accounts.count() == 2
    account = CreditAccount.objects.get(account_number="ACC-00000001")
    assert str(account.principal) == "1001.50"
    assert account.days_past_due_stored > 0  # the stored stage is refreshed with the import
    assert ImportRun.objects.get().accounts_created == 3


def test_any_bad_row_writes_nothing_and_every_bad_row_is_reported(tmp_path, capsys):
    rows = [account_row(1), account_row(2, phone="12"), account_row(3, currency="XYZ")]
    with pytest.raises(CommandError, match="2 bad row"):
        run(write_csv(tmp_path / "a.csv", rows))
    report = capsys.readouterr().err
    assert "line 3, phone:" in report
    assert "line 4, currency:" in report
    assert Debtor.objects.count() == 0
    assert CreditAccount.objects.count() == 0
    assert ImportRun.objects.get().status == "refused"


def test_skip_invalid_writes_exactly_the_good_rows(tmp_path, capsys):
    rows = [account_row(1), account_row(2, phone="12"), account_row(3)]
    run(write_csv(tmp_path / "a.csv", rows), "--skip-invalid")
    assert sorted(
        str(n) for n in CreditAccount.objects.values_list("account_number", flat=True)
    ) == [
        "ACC-00000001",
        "ACC-00000003",
    ]
    assert "1 bad row(s) skipped" in capsys.readouterr().out


def test_the_same_file_twice_changes_nothing(tmp_path):
    path = write_csv(tmp_path / "a.csv", [account_row(1), account_row(2)])
    run(path)
    audit_rows = AuditEvent.objects.count()
    run(path)
    second = ImportRun.objects.latest("id")
    assert (second.debtors_created, second.debtors_updated) == (0, 0)
    assert (second.accounts_created, second.accounts_updated) == (0, 0)
    assert AuditEvent.objects.count() == audit_rows + 1  # only the run's own row


def test_a_change_updates_the_row_with_its_before_and_after(tmp_path):
    run(write_csv(tmp_path / "a.csv", [account_row(1)]))
    changed = account_row(1, phone="13812345678", principal="900.00")
    run(write_csv(tmp_path / "b.csv", [changed]))
    debtor = Debtor.objects.get()
    assert debtor.phone == "13812345678"
    contact = AuditEvent.objects.get(action=AuditAction.DEBTOR_IMPORT_CHANGED)
    assert contact.before == {"phone": "13900000001"}
    assert contact.after == {"phone": "13812345678"}
    balance = AuditEvent.objects.get(action=AuditAction.ACCOUNT_IMPORT_CHANGED)
    assert balance.before == {"principal": "1001.50"}
    assert balance.after == {"principal": "900.00"}
    for event in AuditEvent.objects.all():
        assert resident_id(1) not in str(event.before) + str(event.after)


def test_an_account_of_another_debtor_at_the_bank_is_refused(tmp_path, capsys):
    run(write_csv(tmp_path / "a.csv", [account_row(1)]))
    with pytest.raises(CommandError):
        run(write_csv(tmp_path / "b.csv", [account_row(1, debtor=5)]))
    assert "line 2, account_number:" in capsys.readouterr().err
    assert CreditAccount.objects.get().debtor.external_id == "CUST-0000001"


def test_card_numbers_are_refused_and_found_nowhere(tmp_path, caplog, capsys):
    rows = [
        {**account_row(i), column: pan}
        for i, (column, pan) in enumerate(
            [("full_name", PANS[0]), ("email", PANS[1]), ("account_number", PANS[2])], start=1
        )
    ]
    caplog.set_level(logging.DEBUG)
    with pytest.raises(CommandError):
        run(write_csv(tmp_path / "a.csv", [*rows, account_row(9)]))
    run(write_csv(tmp_path / "b.csv", [*rows, account_row(9)]), "--skip-invalid")
    output = capsys.readouterr()
    seen = caplog.text + output.out + output.err + _database_dump()
    for pan in PANS:
        for form in (pan, pan.replace(" ", "").replace("-", "")):
            assert form not in seen
    assert "card number" in output.err
    assert CreditAccount.objects.get().account_number == "ACC-00000009"


def _database_dump() -> str:
    if connection.vendor == "postgresql":
        db = settings.DATABASES["default"]
        dump = subprocess.run(
            [
                "pg_dump",
                "-h",
                db["HOST"] or "127.0.0.1",
                "-U",
                db["USER"],
                "--data-only",
                db["NAME"],
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return dump.stdout
    return "\n".join(connection.connection.iterdump())


def test_an_xlsx_file_is_read_like_a_csv(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(list(COLUMNS))
    for row in (account_row(1), account_row(2)):
        sheet.append([row[name] for name in COLUMNS])
    path = tmp_path / "a.xlsx"
    workbook.save(path)
    run(path)
    assert CreditAccount.objects.count() == 2


def test_a_wrong_header_is_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("name,phone\nx,y\n")
    with pytest.raises(CommandError, match="header must be"):
        run(path)


def test_a_debtor_known_before_imports_is_matched_by_the_resident_id(tmp_path):
    known = Debtor.objects.create(
        full_name="李娜",
        national_id_hash=hash_national_id(resident_id(1)),
        national_id_last4=resident_id(1)[-4:],
        phone="13900000001",
    )
    run(write_csv(tmp_path / "a.csv", [account_row(1)]))
    known.refresh_from_db()
    assert known.external_id == "CUST-0000001"
    assert Debtor.objects.count() == 1
    changes = AuditEvent.objects.filter(
        action=AuditAction.DEBTOR_IMPORT_CHANGED, object_id=known.pk
    )
    merged = {key: value for event in changes for key, value in event.after.items()}
    assert merged["external_id"] == "CUST-0000001"
    assert merged["email"] == "debtor1@example.com"  # the bank's file fills in the rest


def test_a_new_account_is_written_with_its_stage_and_a_moved_due_date_refreshes_it(tmp_path):
    today = timezone.localdate()
    run(write_csv(tmp_path / "a.csv", [account_row(1, oldest_unpaid_due_date="2026-09-01")]))
    account = CreditAccount.objects.get()
    days = delinquency.days_past_due(dt.date(2026, 9, 1), today)
    assert account.days_past_due_stored == days
    assert account.stage_stored == delinquency.stage_for(days)
    assert account.aging_refreshed_on == today
    moved = today - dt.timedelta(days=3)
    run(write_csv(tmp_path / "b.csv", [account_row(1, oldest_unpaid_due_date=moved.isoformat())]))
    account.refresh_from_db()
    assert account.days_past_due_stored == 3
    assert account.stage_stored == delinquency.stage_for(3)


def test_an_unchanged_debtor_keeps_the_import_that_brought_them_in(tmp_path):
    run(write_csv(tmp_path / "a.csv", [account_row(1), account_row(2)]))
    first = ImportRun.objects.get()
    run(write_csv(tmp_path / "b.csv", [account_row(1), account_row(2, email="new@example.com")]))
    second = ImportRun.objects.latest("id")
    runs = dict(Debtor.objects.values_list("external_id", "import_run"))
    assert runs == {"CUST-0000001": first.pk, "CUST-0000002": second.pk}
    assert (second.debtors_created, second.debtors_updated) == (0, 1)


def test_the_command_shows_a_bar_to_the_rows_in_the_file(tmp_path, capsys):
    run(write_csv(tmp_path / "a.csv", [account_row(n) for n in range(1, 6)]))
    output = capsys.readouterr()
    assert "5/5" in output.err  # the bar reached the file's row count
    assert "5 row(s) read" in output.out
