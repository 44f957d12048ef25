"""The nightly purge keeps exactly what the limits still read: failures of the last two
days and codes until a day after they expire."""

from __future__ import annotations

import datetime as dt

import pytest

from negotiation.models import CodePurpose, IdentityCheckFailure, OneTimeCode
from negotiation.services.onboarding import purge_identity_records

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 1, 19, 30, tzinfo=dt.UTC)  # 03:30 in Shanghai


def failure(debtor, hours_ago: int) -> IdentityCheckFailure:
    return IdentityCheckFailure.objects.create(
        at=NOW - dt.timedelta(hours=hours_ago),
        purpose=CodePurpose.ACTIVATION,
        debtor=debtor,
        ip="203.0.113.9",
    )


def code(debtor, expired_hours_ago: int) -> OneTimeCode:
    expires = NOW - dt.timedelta(hours=expired_hours_ago)
    return OneTimeCode.objects.create(
        debtor=debtor,
        purpose=CodePurpose.ACTIVATION,
        code_hash="0" * 64,
        salt="s",
        created_at=expires - dt.timedelta(minutes=5),
        expires_at=expires,
    )


def test_only_what_no_limit_reads_is_purged(debtor):
    kept = [failure(debtor, 1), failure(debtor, 47), code(debtor, 1), code(debtor, 23)]
    gone = [failure(debtor, 49), failure(debtor, 24 * 30), code(debtor, 25)]
    assert purge_identity_records(now=NOW) == len(gone)
    assert set(IdentityCheckFailure.objects.values_list("pk", flat=True)) == {
        row.pk for row in kept if isinstance(row, IdentityCheckFailure)
    }
    assert set(OneTimeCode.objects.values_list("pk", flat=True)) == {
        row.pk for row in kept if isinstance(row, OneTimeCode)
    }
    assert purge_identity_records(now=NOW) == 0  # safe to run twice
