"""One run at a time for scheduled jobs, across every worker machine."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def advisory_lock(name: str) -> Iterator[bool]:
    """Yield True when this process holds the job's lock, False when another run has it
    (the caller then skips). PostgreSQL session advisory lock; on SQLite, which has one
    writer anyway, always True."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = zlib.crc32(name.encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def wait_for_lock(name: str) -> None:
    """Hold the lock ``name`` until the current transaction ends, waiting for whoever holds
    it now (PostgreSQL transaction advisory lock): for a count that rows alone cannot lock,
    such as the places left in a call-back slot. On SQLite, one writer anyway: nothing."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(name.encode())])
