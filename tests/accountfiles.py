"""Bank files of debtors and accounts for the import tests: valid resident IDs (GB 11643),
card numbers that pass the Luhn check, one row per account."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from negotiation.imports.accounts import COLUMNS

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
PANS = ("4111111111111111", "5500 0055 5555 5559", "6222-0212-3456-7894")  # Luhn-valid


def resident_id(n: int) -> str:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=n % 15000)
    body = f"110101{birth:%Y%m%d}{n // 15000 % 1000:03d}"  # unique below 15 million
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=False)) % 11]


def account_row(i: int, debtor: int | None = None, **changes: str) -> dict[str, str]:
    d = i if debtor is None else debtor
    row = {
        "debtor_external_id": f"CUST-{d:07d}",
        "full_name": ["王芳", "李娜", "张伟", "刘洋"][d % 4],
        "national_id": resident_id(d),
        "phone": f"139{d:08d}",
        "email": f"debtor{d}@example.com",
        "language": "zh-hans",
        "timezone": "Asia/Shanghai",
        "account_number": f"ACC-{i:08d}",
        "product": "classic_card",
        "card_last4": f"{i % 10000:04d}",
        "currency": "CNY",
        "credit_limit": "50000.00",
        "principal": f"{1000 + i}.50",
        "interest": "120.50",
        "fees": "80.00",
        "penalty": "35.00",
        "minimum_due": "300.00",
        "oldest_unpaid_due_date": "2026-09-01",
        "status": "in_arrears",
    }
    return row | changes


def csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text(csv_text(rows), encoding="utf-8")
    return path
