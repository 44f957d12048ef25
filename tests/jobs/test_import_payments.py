"""import_payments: a bank file of payments, all or nothing (every bad line reported, none
written) and safe to run twice; an id imported before with other details is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from negotiation.models import Payment

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def write_csv(tmp_path, rows, name="payments.csv"):
    path = tmp_path / name
    path.write_text(
        "external_id,account_reference,amount,paid_on,source\n" + "\n".join(rows) + "\n"
    )
    return path


def test_an_import_and_running_it_again(tmp_path, account):
    path = write_csv(
        tmp_path,
        [
            f"BANK-1,{account.reference},100.00,{TODAY},bank_transfer",
            f"BANK-2,{account.reference},250.50,{TODAY},branch",
        ],
    )
    out = StringIO()
    call_command("import_payments", str(path), stdout=out)
    assert "2 payment(s) imported, 0 already imported." in out.getvalue()
    account.refresh_from_db()
    assert account.total_balance == Decimal("10649.50")
    out = StringIO()
    call_command("import_payments", str(path), stdout=out)
    assert "0 payment(s) imported, 2 already imported." in out.getvalue()
    assert Payment.objects.count() == 2


def test_a_bad_file_reports_every_line_and_writes_nothing(tmp_path, account):
    future = TODAY + dt.timedelta(days=3)
    path = write_csv(
        tmp_path,
        [
            f"BANK-1,{account.reference},100.00,{TODAY},bank_transfer",
            f"BANK-2,AC-NOPE-NOPE,100.00,{TODAY},bank_transfer",
            f"BANK-3,{account.reference},ten,{TODAY},bank_transfer",
            f"BANK-4,{account.reference},10.00,{future},bank_transfer",
            f"BANK-1,{account.reference},100.00,{TODAY},bank_transfer",
            f"BANK-5,{account.reference},10999.00,{TODAY},cash",
        ],
    )
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_payments", str(path), stderr=err)
    report = err.getvalue()
    assert "line 3: No account with this reference." in report
    assert "line 4: the amount 'ten' is not a number" in report
    assert "line 5: The payment date is in the future." in report
    assert "line 6: this external id appears twice in the file" in report
    assert "line 7: Unknown source" in report
    assert "line 7: This is more than the" in report  # 100 + 10 + 10,999 > 11,000
    assert "line 2:" not in report
    assert not Payment.objects.exists()


def test_an_id_imported_before_with_other_details_is_refused(tmp_path, account):
    call_command(
        "import_payments",
        str(write_csv(tmp_path, [f"BANK-1,{account.reference},100.00,{TODAY},app"])),
        stdout=StringIO(),
    )
    changed = write_csv(
        tmp_path, [f"BANK-1,{account.reference},120.00,{TODAY},app"], name="changed.csv"
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_payments", str(changed), stderr=err)
    assert "imported before with other details" in err.getvalue()


def test_a_wrong_header_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,amount\n1,2\n")
    with pytest.raises(CommandError, match="header must be"):
        call_command("import_payments", str(path))


def test_the_command_shows_a_bar_to_the_rows_in_the_file(tmp_path, account, capsys):
    rows = [f"BANK-{n},{account.reference},1.00,{TODAY},branch" for n in range(1, 4)]
    call_command("import_payments", str(write_csv(tmp_path, rows)))
    assert "3/3" in capsys.readouterr().err
