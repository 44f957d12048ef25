"""The retention job (PIPL Art. 19: personal information is kept no longer than the shortest
period its purpose needs). Nightly, by beat; by hand with
``manage.py purge_expired_personal_data``.

A request is *over* when it closed by itself (rejected, withdrawn, expired: ``closed_at``) or,
approved, when its plan ended (completed, broken, expired unsigned: the plan's ``ended_at``).
Open requests, and approved ones whose plan awaits its signature or runs, are never touched;
nor is a request whose account is in dispute, while staff look into it.

- ``RETENTION_DOCUMENT_DAYS`` after a request is over, its documents' files are deleted
  from the private storage with the names the debtor gave them. The row stays, as the record
  that a document of that kind, size and fingerprint (sha256) came, when and with what
  consent; the pages say it was removed and when.
- ``RETENTION_REQUEST_DAYS`` after, the debtor's own words and figures are removed from the
  request (``REQUEST_FIELDS_REMOVED``) and the bodies of its messages are emptied.
- ``RETENTION_SUPPORT_NEED_DAYS`` after a debtor last said they need extra support, what they
  said (the drivers, the note, the consent) is emptied as a withdrawal empties it
  (services.support): its purpose is how we treat them now, and circumstances change.

Kept, because their purpose lasts: the decision (status, kind, program, terms and amounts,
dates, the decision's reason code, the hardship category from its closed list), the offers,
the plan, its signed agreement, installments and payments (the bank's records of the contract
and its accounting), and the audit trail, which is append-only. Each object purged leaves one
audit row (``retention.purged``, actor the system) naming the rule and what was emptied,
never the content.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from negotiation.models import (
    AccountStatus,
    AuditAction,
    Document,
    Message,
    ReliefRequest,
    RequestStatus,
)
from negotiation.models.documents import private_storage
from negotiation.models.plans import ENDED_PLAN_STATUSES
from negotiation.models.requests import CLOSED_REQUEST_STATUSES
from negotiation.money import ZERO
from negotiation.services.audit import record_event
from negotiation.services.support import remove_expired_support_needs, support_needs_due

logger = logging.getLogger(__name__)

# Rows locked and purged per transaction: short enough that staff never wait long on a row,
# large enough that a night's backlog takes few round trips.
BATCH = 200

# What the request purge empties, and the value each field is left with: what the debtor
# wrote and the budget they declared, and the staff's free text about their situation. The
# amounts read 0 afterwards: the pages and statistics read ``personal_data_removed_on``.
REQUEST_FIELDS_REMOVED: dict[str, Any] = {
    "hardship_statement": "",
    "monthly_income": ZERO,
    "monthly_expenses": ZERO,
    "dependents": 0,
    "recommendation": "",
    "decision_note": "",
}
DOCUMENT_FIELDS_REMOVED = ("file", "original_name")


@dataclass(frozen=True)
class RetentionRun:
    """What one run purged, or in a dry run would purge."""

    documents: int
    requests: int
    dry_run: bool = False
    support_needs: int = 0  # extra support not said again for RETENTION_SUPPORT_NEED_DAYS


def purge_expired_personal_data(*, now: dt.datetime, dry_run: bool = False) -> RetentionRun:
    """Purge what the retention periods no longer allow to be kept, as of ``now``: first the
    documents of requests over for RETENTION_DOCUMENT_DAYS, then the personal data of
    requests over for RETENTION_REQUEST_DAYS (see the module's docstring for the rules).

    Preconditions: called outside any transaction (each batch commits on its own, and a
    document's file is deleted only once its row says so). Side effects: per batch, the rows
    locked (``skip_locked``: a row a colleague or another run holds waits for the next night),
    emptied, and one ``retention.purged`` audit row each; then the files deleted from the
    private storage. A file that cannot be deleted is logged and tried again by the next
    run. ``dry_run`` only counts, and changes nothing. Safe to run twice or at once: what is
    purged no longer matches. Raises nothing of its own; a database error rolls back the
    batch it happened in.
    """
    document_cutoff = now - dt.timedelta(days=settings.RETENTION_DOCUMENT_DAYS)
    request_cutoff = now - dt.timedelta(days=settings.RETENTION_REQUEST_DAYS)
    if dry_run:
        return RetentionRun(
            documents=_documents_due(document_cutoff).count(),
            requests=_requests_due(request_cutoff).count(),
            dry_run=True,
            support_needs=support_needs_due(now=now).count(),
        )
    today = timezone.localdate(now)
    _delete_files_left()
    documents = _purge_documents(document_cutoff, today=today)
    requests = _purge_requests(request_cutoff, now=now, today=today)
    support_needs = remove_expired_support_needs(now=now, today=today)
    logger.info(
        "retention: %d documents, %d requests and %d support needs purged",
        documents,
        requests,
        support_needs,
    )
    return RetentionRun(documents=documents, requests=requests, support_needs=support_needs)


def _over_before(cutoff: dt.datetime, via: str = "") -> Q:
    """Requests (reached through ``via``, such as "request__") over since before ``cutoff``
    and not held by a dispute on their account."""
    closed = Q(**{f"{via}status__in": CLOSED_REQUEST_STATUSES, f"{via}closed_at__lt": cutoff})
    ended = Q(
        **{
            f"{via}status": RequestStatus.APPROVED,
            f"{via}plan__status__in": ENDED_PLAN_STATUSES,
            f"{via}plan__ended_at__lt": cutoff,
        }
    )
    return (closed | ended) & ~Q(**{f"{via}account__status": AccountStatus.DISPUTED})


def _closure(via: str = "") -> Coalesce:
    """When the request closed: its own moment, or its plan's end (only one of them is set)."""
    return Coalesce(F(f"{via}closed_at"), F(f"{via}plan__ended_at"))


def _documents_due(cutoff: dt.datetime) -> QuerySet[Document]:
    return Document.objects.filter(_over_before(cutoff, "request__"), removed_on__isnull=True)


def _requests_due(cutoff: dt.datetime) -> QuerySet[ReliefRequest]:
    return ReliefRequest.objects.filter(_over_before(cutoff), personal_data_removed_on__isnull=True)


def _purge_documents(cutoff: dt.datetime, *, today: dt.date) -> int:
    purged = 0
    while True:
        with transaction.atomic():
            batch = list(
                _documents_due(cutoff)
                .select_for_update(skip_locked=True, of=("self",))
                .annotate(closure=_closure("request__"), request_reference=F("request__reference"))
                .order_by("pk")[:BATCH]
            )
            Document.objects.filter(pk__in=[d.pk for d in batch]).update(
                removed_on=today, original_name=""
            )
            for document in batch:
                record_event(
                    document,
                    actor=None,
                    action=AuditAction.RETENTION_PURGED,
                    after={
                        "rule": "RETENTION_DOCUMENT_DAYS",
                        "days": settings.RETENTION_DOCUMENT_DAYS,
                        "closed_at": document.closure,
                        "request": document.request_reference,
                        "removed": list(DOCUMENT_FIELDS_REMOVED),
                    },
                )
        # After the commit: a file is never gone while its row still offers it.
        _delete_files([(d.pk, d.file.name) for d in batch if d.file.name])
        purged += len(batch)
        if len(batch) < BATCH:  # nothing more that no one else holds
            return purged


def _delete_files_left() -> None:
    """The files of documents already removed whose deletion failed on an earlier run."""
    left = Document.objects.filter(removed_on__isnull=False).exclude(file="")
    _delete_files(list(left.values_list("pk", "file")[: BATCH * 10]))


def _delete_files(files: list[tuple[int, str]]) -> None:
    storage = private_storage()
    deleted = []
    for pk, name in files:
        try:
            storage.delete(name)  # a file already gone is no error
        except Exception:  # any storage's own error (S3 raises its own): the row says to retry
            logger.exception("retention: the file of document %d is not deleted yet", pk)
            continue
        deleted.append(pk)
    if deleted:
        Document.objects.filter(pk__in=deleted).update(file="")


def _purge_requests(cutoff: dt.datetime, *, now: dt.datetime, today: dt.date) -> int:
    purged = 0
    while True:
        with transaction.atomic():
            batch = list(
                _requests_due(cutoff)
                .select_for_update(skip_locked=True, of=("self",))
                .annotate(closure=_closure())
                .order_by("pk")[:BATCH]
            )
            pks = [r.pk for r in batch]
            messages = dict(
                Message.objects.filter(request__in=pks)
                .order_by()
                .values("request")
                .annotate(count=Count("pk"))
                .values_list("request", "count")
            )
            Message.objects.filter(request__in=pks).update(body="")
            ReliefRequest.objects.filter(pk__in=pks).update(
                **REQUEST_FIELDS_REMOVED,
                personal_data_removed_on=today,
                version=F("version") + 1,  # a page shown before is stale now
                updated_at=now,
            )
            for relief_request in batch:
                record_event(
                    relief_request,
                    actor=None,
                    action=AuditAction.RETENTION_PURGED,
                    after={
                        "rule": "RETENTION_REQUEST_DAYS",
                        "days": settings.RETENTION_REQUEST_DAYS,
                        "closed_at": relief_request.closure,
                        "removed": [*REQUEST_FIELDS_REMOVED, "messages"],
                        "messages": messages.get(relief_request.pk, 0),
                    },
                )
        purged += len(batch)
        if len(batch) < BATCH:
            return purged
