"""Importing the bank's file of debtors and accounts: all or nothing (or only the good rows
when asked), idempotent by the bank's keys (debtor id, account number), set-based.

On PostgreSQL the checked rows stream into a temporary staging table with ``COPY`` and are
upserted from it with ``INSERT ... ON CONFLICT`` in a handful of statements; elsewhere
(SQLite in development) the same rules run through the ORM's bulk operations. Either way a
changed contact detail or balance leaves an audit row with the fields before and after
(never the national ID, which is only ever a keyed hash), and the run is an ``ImportRun``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from negotiation.exceptions import ServiceError
from negotiation.imports.accounts import (
    ACCOUNT_COLUMNS,
    COLUMNS,
    AccountRow,
    Vocabulary,
    read_accounts,
    rows_in_file,
    xlsx_rows,
)
from negotiation.imports.table import FileRefused, Problem, count_csv_rows, csv_rows, utf8_lines
from negotiation.models import (
    AccountStatus,
    AuditAction,
    CreditAccount,
    Debtor,
    ImportKind,
    ImportRun,
    ImportStatus,
    Product,
    User,
)
from negotiation.models.debtors import hash_national_id
from negotiation.money import CURRENCY_SYMBOLS
from negotiation.queueing import RUN_IMPORT, delay_after_commit
from negotiation.references import new_references
from negotiation.services.accounts import days_past_due_sql, refresh_aging, stage_sql
from negotiation.services.audit import record_event, record_field_changes
from negotiation.services.payments import ImportRefused as PaymentImportRefused
from negotiation.services.payments_bulk import import_payments_file

BATCH = 2000


class ImportRefused(ServiceError):
    """The file has bad rows and nothing was written; ``run.problems`` lists them all."""

    def __init__(self, run: ImportRun) -> None:
        super().__init__(
            _("%(count)d bad row(s); nothing was imported.") % {"count": run.bad_lines}
        )
        self.run = run


def account_vocabulary() -> Vocabulary:
    return Vocabulary(
        products=frozenset(Product.values),
        statuses=frozenset(AccountStatus.values),
        languages=frozenset(code for code, _name in settings.LANGUAGES),
        currencies=frozenset(CURRENCY_SYMBOLS),
    )


@dataclass
class _Counts:
    debtors_created: int = 0
    debtors_updated: int = 0
    accounts_created: int = 0
    accounts_updated: int = 0


@dataclass
class _Written:
    counts: _Counts
    account_ids: list[int]  # accounts whose stored stage is to be refreshed


def import_accounts(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    file_name: str,
    actor: User | None,
    today: dt.date,
    skip_invalid: bool = False,
    run: ImportRun | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportRun:
    """Import ``rows`` (line, raw text by column, as ``imports.table.csv_rows`` or
    ``imports.accounts.xlsx_rows`` give them). Every row is checked before anything is
    kept; a bad row refuses the whole file (``ImportRefused``, the run saved as REFUSED
    with every problem) unless ``skip_invalid``, which writes exactly the good rows."""
    run = run or ImportRun.objects.create(
        kind=ImportKind.ACCOUNTS, file_name=file_name, skip_invalid=skip_invalid, started_by=actor
    )
    problems: list[Problem] = []
    checked = _checked(rows, today, problems, run, progress)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                written = _import_with_copy(checked, problems, actor, run, today)
            else:
                written = _import_with_orm(checked, problems, actor, run)
            if problems and not skip_invalid:
                raise _Refused
            _finish(run, ImportStatus.DONE, problems, written.counts, actor)
    except _Refused:
        _finish(run, ImportStatus.REFUSED, problems, _Counts(), actor)
        raise ImportRefused(run) from None
    # The queue filters on the stored stage: the accounts whose due date changed get theirs
    # now (a new account is written with it).
    if written.account_ids:
        refresh_aging(today=today, account_ids=written.account_ids)
    return run


class _Refused(Exception):
    """Rolls the import's transaction back when a bad row refuses the file."""


def _checked(
    rows: Iterable[tuple[int, dict[str, str]]],
    today: dt.date,
    problems: list[Problem],
    run: ImportRun,
    progress: Callable[[int], None] | None,
) -> Iterator[AccountRow]:
    done = 0
    for row, row_problems in read_accounts(rows, account_vocabulary(), today=today):
        done += 1
        if row_problems:
            problems.extend(row_problems)
        elif row is not None:
            yield row
        if progress is not None and done % BATCH == 0:
            progress(done)
    run.rows_total = run.rows_done = done
    if progress is not None:
        progress(done)


def _finish(
    run: ImportRun, status: str, problems: list[Problem], counts: _Counts, actor: User | None
) -> None:
    run.status = status
    run.problems = [[p.line, p.column, p.reason] for p in sorted(problems)]
    run.rows_skipped = run.bad_lines if status == ImportStatus.DONE else 0
    for name, value in vars(counts).items():
        setattr(run, name, value)
    run.finished_at = timezone.now()
    run.save()
    record_event(
        run,
        actor=actor,
        action=AuditAction.IMPORT_FINISHED,
        after={
            "kind": run.kind,
            "file": run.file_name,
            "status": run.status,
            "rows": run.rows_total,
            "skipped": run.rows_skipped,
            **vars(counts),
        },
    )


# --- PostgreSQL: COPY into staging, then set-based upserts ----------------------------------

STAGING = """
CREATE TEMPORARY TABLE import_staging (
    line integer, external_id text, debtor_reference text, full_name text, id_hash text,
    id_last4 text, phone text, email text, preferred_language text, timezone text,
    account_number text, account_reference text, product text, card_last4 text,
    currency text, credit_limit numeric(14, 2), principal numeric(14, 2),
    interest numeric(14, 2), fees numeric(14, 2), penalty numeric(14, 2),
    minimum_due numeric(14, 2), oldest_unpaid_due_date date, status text
) ON COMMIT DROP
"""
# The debtor's facts a file may change, as both the debtor table and the staging name them.
DEBTOR_FACTS = ("full_name", "phone", "email", "preferred_language", "timezone")
STAGED = [
    "line",
    "external_id",
    "debtor_reference",
    "full_name",
    "id_hash",
    "id_last4",
    "phone",
    "email",
    "preferred_language",
    "timezone",
    "account_number",
    "account_reference",
    *ACCOUNT_COLUMNS,
]
# One row per debtor of the file (every row of a debtor agrees on the facts: read_accounts
# refuses a debtor described two ways).
STAGED_DEBTORS = (
    "(SELECT DISTINCT ON (external_id) * FROM import_staging ORDER BY external_id, line)"
)


def _staged(row: AccountRow, debtor_reference: str, account_reference: str) -> tuple[Any, ...]:
    return (
        row.line,
        row.debtor_external_id,
        debtor_reference,
        row.full_name,
        hash_national_id(row.national_id),
        row.national_id[-4:],
        row.phone,
        row.email,
        row.language,
        row.timezone,
        row.account_number,
        account_reference,
        *(getattr(row, name) for name in ACCOUNT_COLUMNS),
    )


def _import_with_copy(
    rows: Iterator[AccountRow],
    problems: list[Problem],
    actor: User | None,
    run: ImportRun,
    today: dt.date,
) -> _Written:
    debtor, account = Debtor._meta.db_table, CreditAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(STAGING)
        raw = cursor.cursor  # psycopg 3's own cursor, for COPY
        with raw.copy(f"COPY import_staging ({', '.join(STAGED)}) FROM STDIN") as copy:
            for batch in _batches(rows):
                debtor_references = new_references("DB", len(batch))
                account_references = new_references("AC", len(batch))
                for row, d_ref, a_ref in zip(
                    batch, debtor_references, account_references, strict=True
                ):
                    copy.write_row(_staged(row, d_ref, a_ref))
        problems.extend(_conflicts_with_the_database(cursor, debtor, account))
        if problems:  # only with skip_invalid does anything that follows survive
            cursor.execute(
                "DELETE FROM import_staging WHERE line = ANY(%s)",
                [sorted({p.line for p in problems})],
            )
        counts = _Counts()
        _adopt_debtors_known_by_their_id(cursor, debtor, actor, run)
        # Each change is audited before it is written, from the staging joined to the
        # stored rows: only the rows that differ are read twice, and the audit rows and the
        # writes share one transaction (a failed write takes its audit rows with it).
        counts.debtors_updated = _audit_changes(
            cursor,
            model=Debtor,
            action=AuditAction.DEBTOR_IMPORT_CHANGED,
            staged=STAGED_DEBTORS,
            key="external_id",
            fields=DEBTOR_FACTS,
            actor=actor,
        )
        counts.debtors_created = _upsert_debtors(cursor, debtor, run)
        counts.accounts_updated = _audit_changes(
            cursor,
            model=CreditAccount,
            action=AuditAction.ACCOUNT_IMPORT_CHANGED,
            staged="import_staging",
            key="account_number",
            fields=ACCOUNT_COLUMNS,
            actor=actor,
        )
        moved = _accounts_whose_due_date_moves(cursor, account)
        counts.accounts_created = _upsert_accounts(cursor, account, debtor, today)
    return _Written(counts, moved)


def _batches(rows: Iterator[AccountRow]) -> Iterator[list[AccountRow]]:
    batch: list[AccountRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _conflicts_with_the_database(cursor: Any, debtor: str, account: str) -> list[Problem]:
    """A resident ID the bank already knows under another debtor id; an account number that
    belongs to another debtor."""
    cursor.execute(
        f"""SELECT s.line FROM import_staging s JOIN {debtor} d ON d.national_id_hash = s.id_hash
            WHERE d.external_id IS NOT NULL AND d.external_id <> s.external_id"""  # nosec B608: names from the models' _meta and fixed SQL; values are parameters
    )
    found = [
        Problem(line, "national_id", _("this resident ID belongs to another debtor at the bank"))
        for (line,) in cursor.fetchall()
    ]
    cursor.execute(
        f"""SELECT s.line FROM import_staging s
            JOIN {account} a ON a.account_number = s.account_number
            JOIN {debtor} d ON d.id = a.debtor_id
            WHERE d.external_id IS DISTINCT FROM s.external_id"""  # nosec B608: names from the models' _meta and fixed SQL; values are parameters
    )
    found += [
        Problem(line, "account_number", _("this account belongs to another debtor at the bank"))
        for (line,) in cursor.fetchall()
    ]
    return found


def _adopt_debtors_known_by_their_id(
    cursor: Any, debtor: str, actor: User | None, run: ImportRun
) -> None:
    """A debtor entered before imports (no bank id yet) is matched by the resident ID and
    takes the bank's id, audited like any other changed field."""
    cursor.execute(
        f"""CREATE TEMPORARY TABLE import_adopted ON COMMIT DROP AS
            WITH adopted AS (
                UPDATE {debtor} d SET external_id = s.external_id, import_run_id = %s
                FROM (SELECT DISTINCT external_id, id_hash FROM import_staging) s
                WHERE d.national_id_hash = s.id_hash AND d.external_id IS NULL
                RETURNING d.id, d.reference, d.external_id)
            SELECT * FROM adopted""",  # nosec B608: names from the models' _meta and fixed SQL; values are parameters
        [run.pk],
    )
    record_field_changes(
        cursor,
        action=AuditAction.DEBTOR_IMPORT_CHANGED,
        model=Debtor,
        changed_rows="""SELECT id, reference, jsonb_build_object('external_id', NULL) AS before,
                jsonb_build_object('external_id', external_id) AS after FROM import_adopted""",
        actor=actor,
    )


def _changes_json(alias_old: str, alias_new: str, fields: Iterable[str]) -> str:
    """SQL for a JSON object of the fields whose value differs, as text (audit_value's form)."""
    pairs = ", ".join(
        f"'{name}', CASE WHEN {alias_old}.{name} IS DISTINCT FROM {alias_new}.{name} "
        f"THEN {alias_old}.{name}::text END"
        for name in fields
    )
    return f"jsonb_strip_nulls(jsonb_build_object({pairs}))"


def _differs(alias_old: str, alias_new: str, fields: Iterable[str]) -> str:
    listed = list(fields)
    return (
        f"({', '.join(f'{alias_old}.{name}' for name in listed)}) IS DISTINCT FROM "
        f"({', '.join(f'{alias_new}.{name}' for name in listed)})"
    )


def _audit_changes(
    cursor: Any,
    *,
    model: type[Debtor | CreditAccount],
    action: AuditAction,
    staged: str,
    key: str,
    fields: tuple[str, ...],
    actor: User | None,
) -> int:
    """An audit row for every stored row of ``model`` whose ``fields`` the staged rows
    (``staged``, matched on ``key``) change, with each changed field before and after;
    the number of them. Read before the upsert, from the rows that differ only."""
    return record_field_changes(
        cursor,
        action=action,
        model=model,
        changed_rows=f"""SELECT t.id, t.reference,
                {_changes_json("t", "s", fields)} AS before,
                {_changes_json("s", "t", fields)} AS after
            FROM {staged} s JOIN {model._meta.db_table} t ON t.{key} = s.{key}
            WHERE {_differs("t", "s", fields)}""",  # nosec B608: names from the models' _meta and fixed SQL; values are parameters
        actor=actor,
    )


def _upsert_debtors(cursor: Any, debtor: str, run: ImportRun) -> int:
    """The file's debtors created, or updated where a fact differs, in one statement; each
    one created or changed remembers this import (``import_run``: its page's invite button
    reaches them). An unchanged debtor is not written at all. Returns those created."""
    cursor.execute(
        f"""INSERT INTO {debtor} (reference, external_id, full_name, national_id_hash,
                national_id_last4, phone, email, preferred_language, timezone, created_at,
                preferred_channel, import_run_id)
            SELECT debtor_reference, external_id, full_name, id_hash, id_last4, phone, email,
                preferred_language, timezone, now(), '', %s
            FROM {STAGED_DEBTORS} s
            ON CONFLICT (external_id) DO UPDATE SET
                {", ".join(f"{name} = EXCLUDED.{name}" for name in DEBTOR_FACTS)},
                import_run_id = EXCLUDED.import_run_id
            WHERE {_differs(debtor, "EXCLUDED", DEBTOR_FACTS)}
            RETURNING (xmax = 0)""",  # nosec B608: names from the models' _meta and fixed SQL; values are parameters
        [run.pk],
    )
    return sum(flag for (flag,) in cursor.fetchall())


def _accounts_whose_due_date_moves(cursor: Any, account: str) -> list[int]:
    """The stored accounts the file gives another oldest unpaid due date (their stage is
    refreshed after the upsert)."""
    cursor.execute(
        f"""SELECT a.id FROM import_staging s JOIN {account} a
                ON a.account_number = s.account_number
            WHERE a.oldest_unpaid_due_date IS DISTINCT FROM s.oldest_unpaid_due_date"""  # nosec B608: names from the models' _meta and fixed SQL; values are parameters
    )
    return [id_ for (id_,) in cursor.fetchall()]


def _upsert_accounts(cursor: Any, account: str, debtor: str, today: dt.date) -> int:
    """The file's accounts created, or updated where a figure differs, in one statement; a
    new account is written with its days past due and stage as of ``today``. Returns
    those created."""
    days = days_past_due_sql(due="s.oldest_unpaid_due_date", with_pauses=False)
    listed = ", ".join(ACCOUNT_COLUMNS)
    cursor.execute(
        f"""INSERT INTO {account} (reference, account_number, debtor_id, {listed},
                days_past_due_stored, stage_stored, aging_refreshed_on, created_at)
            SELECT s.account_reference, s.account_number, d.id,
                {", ".join(f"s.{name}" for name in ACCOUNT_COLUMNS)}, {days},
                {stage_sql(days)}, %(today)s, now()
            FROM import_staging s JOIN {debtor} d ON d.external_id = s.external_id
            ON CONFLICT (account_number) DO UPDATE SET
                {", ".join(f"{name} = EXCLUDED.{name}" for name in ACCOUNT_COLUMNS)}
            WHERE {_differs(account, "EXCLUDED", ACCOUNT_COLUMNS)}
            RETURNING (xmax = 0)""",  # nosec B608: names from the models' _meta and fixed SQL; values are parameters
        {"today": today},
    )
    return sum(flag for (flag,) in cursor.fetchall())


# --- Elsewhere: the ORM's bulk operations -------------------------------------------------------


def _import_with_orm(
    rows: Iterator[AccountRow], problems: list[Problem], actor: User | None, run: ImportRun
) -> _Written:
    """The same rules for SQLite (development): debtors and accounts matched in batches,
    created with ``bulk_create``, changed with ``bulk_update``, each change audited."""
    written = _Written(_Counts(), [])
    for batch in _batches(rows):
        _orm_batch(batch, problems, actor, written, run)
    return written


def _orm_batch(
    rows: list[AccountRow],
    problems: list[Problem],
    actor: User | None,
    written: _Written,
    run: ImportRun,
) -> None:
    counts = written.counts
    hashes = {row.line: hash_national_id(row.national_id) for row in rows}
    debtors = Debtor.objects.in_bulk({r.debtor_external_id for r in rows}, field_name="external_id")
    by_hash = Debtor.objects.in_bulk(set(hashes.values()), field_name="national_id_hash")
    accounts = CreditAccount.objects.select_related("debtor").in_bulk(
        {r.account_number for r in rows}, field_name="account_number"
    )
    good: list[AccountRow] = []
    for row in rows:
        known = by_hash.get(hashes[row.line])
        if known is not None and known.external_id not in (None, row.debtor_external_id):
            problems.append(
                Problem(
                    row.line,
                    "national_id",
                    _("this resident ID belongs to another debtor at the bank"),
                )
            )
            continue
        account = accounts.get(row.account_number)
        owner = account.debtor if account is not None else None
        if owner is not None and (
            owner.external_id not in (None, row.debtor_external_id)
            or (owner.external_id is None and owner.national_id_hash != hashes[row.line])
        ):
            problems.append(
                Problem(
                    row.line,
                    "account_number",
                    _("this account belongs to another debtor at the bank"),
                )
            )
            continue
        good.append(row)
    for row in good:
        debtor = debtors.get(row.debtor_external_id) or by_hash.get(hashes[row.line])
        wanted = {
            "full_name": row.full_name,
            "phone": row.phone,
            "email": row.email,
            "preferred_language": row.language,
            "timezone": row.timezone,
        }
        if debtor is None:
            debtor = Debtor.objects.create(
                external_id=row.debtor_external_id,
                national_id_hash=hashes[row.line],
                national_id_last4=row.national_id[-4:],
                import_run=run,
                **wanted,
            )
            counts.debtors_created += 1
        else:
            before = _apply(
                debtor, {"external_id": row.debtor_external_id, **wanted}, also={"import_run": run}
            )
            if before:
                record_event(
                    debtor,
                    actor=actor,
                    action=AuditAction.DEBTOR_IMPORT_CHANGED,
                    before=before,
                    after={name: getattr(debtor, name) for name in before},
                )
                counts.debtors_updated += 1
        debtors[row.debtor_external_id] = debtor
        by_hash[hashes[row.line]] = debtor
        values = {name: getattr(row, name) for name in ACCOUNT_COLUMNS}
        account = accounts.get(row.account_number)
        if account is None:
            created = CreditAccount.objects.create(
                account_number=row.account_number, debtor=debtor, **values
            )
            accounts[row.account_number] = created
            written.account_ids.append(created.pk)
            counts.accounts_created += 1
        else:
            before = _apply(account, values)
            if before:
                record_event(
                    account,
                    actor=actor,
                    action=AuditAction.ACCOUNT_IMPORT_CHANGED,
                    before=before,
                    after={name: getattr(account, name) for name in before},
                )
                written.account_ids.append(account.pk)
                counts.accounts_updated += 1


def _apply(
    obj: Debtor | CreditAccount, wanted: dict[str, Any], *, also: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Set the fields that differ and save them, with ``also`` set too when any did (a
    changed debtor remembers the import, as on PostgreSQL); the values they had before."""
    before = {name: getattr(obj, name) for name in wanted if getattr(obj, name) != wanted[name]}
    if before:
        changes = {name: wanted[name] for name in before} | (also or {})
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.save(update_fields=list(changes))
    return before


# --- Uploads in the staff site: stored, run by a task, followed on a page ----------------------

UPLOAD_FOLDER = "imports"
PROGRESS_KEY = "import-progress-{}"


def start_upload(upload: Any, *, kind: str, skip_invalid: bool, actor: User) -> ImportRun:
    """Keep the uploaded file privately, record the run and queue its import (a Celery task,
    run inline where no broker is configured). The file's name on disk is the run's number,
    never the uploader's file name."""
    suffix = ".xlsx" if str(upload.name).lower().endswith(".xlsx") else ".csv"
    with transaction.atomic():
        run = ImportRun.objects.create(
            kind=kind, file_name=str(upload.name)[:255], skip_invalid=skip_invalid, started_by=actor
        )
        storages["private"].save(f"{UPLOAD_FOLDER}/{run.pk}{suffix}", upload)
        delay_after_commit(RUN_IMPORT, run.pk)
    return run


def run_stored_import(run_id: int, *, today: dt.date) -> ImportRun:
    """The task's work: import the stored file of ``run_id`` and delete it afterwards
    (what was imported is in the database; the problems are on the run)."""
    run = ImportRun.objects.select_related("started_by").get(pk=run_id)
    storage = storages["private"]
    name = next(
        f"{UPLOAD_FOLDER}/{run.pk}{suffix}"
        for suffix in (".csv", ".xlsx")
        if storage.exists(f"{UPLOAD_FOLDER}/{run.pk}{suffix}")
    )

    def progress(done: int) -> None:
        cache.set(PROGRESS_KEY.format(run.pk), done, timeout=3600)

    try:
        if run.kind == ImportKind.PAYMENTS:
            _run_payments(run, storage, name, today, progress)
        else:
            _run_accounts(run, storage, name, today, progress)
    except (FileRefused, UnicodeDecodeError) as error:
        run.status, run.problems = ImportStatus.REFUSED, [[1, "", str(error)]]
        run.finished_at = timezone.now()
        run.save()
    except ImportRefused:
        pass  # the run says why: every bad row is on it
    except Exception:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.FAILED, finished_at=timezone.now()
        )
        raise
    finally:
        storage.delete(name)
    run.refresh_from_db()
    return run


def _run_accounts(
    run: ImportRun, storage: Any, name: str, today: dt.date, progress: Callable[[int], None]
) -> None:
    # Counted first (a quick pass) so the progress page shows rows done of rows in the file.
    run.rows_total = rows_in_file(storage.path(name))
    run.save(update_fields=["rows_total"])
    if name.endswith(".xlsx"):
        rows: Iterable[tuple[int, dict[str, str]]] = xlsx_rows(storage.path(name), COLUMNS)
        import_accounts(
            rows,
            file_name=run.file_name,
            actor=run.started_by,
            today=today,
            skip_invalid=run.skip_invalid,
            run=run,
            progress=progress,
        )
        return
    with (
        storage.open(name, "rb") as raw,
        io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text,
    ):
        import_accounts(
            csv_rows(text, COLUMNS),
            file_name=run.file_name,
            actor=run.started_by,
            today=today,
            skip_invalid=run.skip_invalid,
            run=run,
            progress=progress,
        )


def _run_payments(
    run: ImportRun, storage: Any, name: str, today: dt.date, progress: Callable[[int], None]
) -> None:
    """The payments file through the same import as ``import_payments`` (all or nothing),
    streamed; counted first for the progress bar."""
    with storage.open(name, "rb") as raw:
        total = count_csv_rows(utf8_lines(raw))
    run.rows_total = total
    run.save(update_fields=["rows_total"])
    run.rows_done = total
    try:
        with storage.open(name, "rb") as raw:
            result = import_payments_file(
                utf8_lines(raw),
                today=today,
                progress=lambda done, _total: progress(done),
                total=total,
            )
    except PaymentImportRefused as error:
        _finish(run, ImportStatus.REFUSED, error.problems, _Counts(), run.started_by)
        raise ImportRefused(run) from None
    # Debits held (taken for more than is still owed) are listed with the run's problems.
    _finish(run, ImportStatus.DONE, list(result.held), _Counts(), run.started_by)
    run.rows_skipped = result.already_imported  # already imported: skipped, as the command says
    run.save(update_fields=["rows_skipped"])


def import_progress(run: ImportRun) -> int:
    """Rows read so far: the worker's count while it runs, the run's own once finished."""
    if run.status == ImportStatus.RUNNING:
        return int(cache.get(PROGRESS_KEY.format(run.pk), 0))
    return run.rows_done


def problems_csv(run: ImportRun) -> str:
    """The bad rows as a CSV to fix the file by (line, column, reason; never a value)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "column", "reason"])
    writer.writerows(run.problems)
    return out.getvalue()
