"""Debtors' documents: accepted by their content, never by their name; stored privately;
every read by staff audited (PIPL Art. 28-29: sensitive data, separate consent)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from negotiation.exceptions import ActionNotPermitted, DocumentRefused
from negotiation.models import (
    AuditAction,
    Debtor,
    Dispute,
    Document,
    DocumentKind,
    ReliefRequest,
    User,
)
from negotiation.services.audit import record_event

# The first bytes of each accepted type. An .exe renamed to .pdf starts with "MZ" and is
# refused whatever its name or the browser's claimed content type.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def upload_document(
    request: ReliefRequest,
    *,
    actor: User,
    upload: UploadedFile[bytes],
    kind: str,
    consent: bool,
    ip: str | None = None,
) -> Document:
    """Keep ``upload`` as proof on ``request``.

    Preconditions: ``actor`` owns the request, which is open; the debtor gave the separate
    consent. Refused (``DocumentRefused``, with a message for the debtor) when the file is
    empty, too large, or not a PDF, JPEG or PNG by its content, or past the limits.
    """
    if request.account.debtor.user_id != actor.pk or not request.is_open:
        raise ActionNotPermitted
    return _keep(
        Document(request=request, kind=kind),
        debtor_id=request.account.debtor_id,
        actor=actor,
        upload=upload,
        consent=consent,
        ip=ip,
    )


def upload_dispute_document(
    dispute: Dispute,
    *,
    actor: User,
    upload: UploadedFile[bytes],
    consent: bool,
    ip: str | None = None,
) -> Document:
    """Keep ``upload`` as proof on ``dispute`` (a receipt, a statement): the same rules
    as a request's documents, the same limits per debtor, counted together.

    Preconditions: ``actor`` is the dispute's debtor and it is open. Raises as
    ``upload_document``."""
    if dispute.debtor.user_id != actor.pk or not dispute.is_open:
        raise ActionNotPermitted
    return _keep(
        Document(dispute=dispute, kind=DocumentKind.OTHER),
        debtor_id=dispute.debtor_id,
        actor=actor,
        upload=upload,
        consent=consent,
        ip=ip,
    )


def _keep(
    document: Document,
    *,
    debtor_id: int,
    actor: User,
    upload: UploadedFile[bytes],
    consent: bool,
    ip: str | None,
) -> Document:
    """Check ``upload`` by its content and the limits, then store it as ``document``
    (which names its owner, a request or a dispute) and audit it."""
    if not consent:
        raise DocumentRefused(_("Please agree to the use of your documents before uploading."))
    size = upload.size or 0
    if size == 0:
        raise DocumentRefused(_("The file is empty."))
    if size > settings.DOCUMENT_MAX_BYTES:
        raise DocumentRefused(
            _("The file is larger than %(mb)d MB. Please send a smaller scan or photo.")
            % {"mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    if content_type is None:
        raise DocumentRefused(_("Please send a PDF, JPEG or PNG file."))
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        # The debtor's row is the lock, so two uploads at once cannot both slip under the
        # limits, the per-debtor one too (it spans the debtor's requests and disputes: a
        # lock on each request let two uploads to two requests both pass the count).
        # Nothing locks a request and then its debtor, so this cannot deadlock.
        Debtor.objects.select_for_update().filter(pk=debtor_id).first()
        _check_room(document, debtor_id, size)
        document.original_name = (upload.name or "")[:200]
        document.content_type = content_type
        document.size = size
        document.sha256 = digest.hexdigest()
        document.uploaded_by = actor
        document.consent_given_at = timezone.now()
        document.file.save("upload", upload, save=False)
        document.save()
        record_event(
            document,
            actor=actor,
            action=AuditAction.DOCUMENT_UPLOADED,
            after={"sha256": document.sha256},
            ip=ip,
        )
    return document


def _check_room(document: Document, debtor_id: int, size: int) -> None:
    """Refuse a document past DOCUMENTS_PER_REQUEST on its request or dispute, or past
    DOCUMENTS_PER_DEBTOR or DOCUMENT_BYTES_PER_DEBTOR over all the debtor's requests and
    disputes. A document the retention job removed holds no file, so it no longer counts."""
    kept = Document.objects.filter(removed_on__isnull=True)
    if document.request_id is not None:
        on_owner = kept.filter(request=document.request)
        full = _(
            "This request already has %(count)d documents, as many as it can hold. If you "
            "need to send more, please call us on the number on the back of your card."
        )
    else:
        on_owner = kept.filter(dispute=document.dispute)
        full = _(
            "This dispute already has %(count)d documents, as many as it can hold. If you "
            "need to send more, please call us on the number on the back of your card."
        )
    if on_owner.count() >= settings.DOCUMENTS_PER_REQUEST:
        raise DocumentRefused(full % {"count": settings.DOCUMENTS_PER_REQUEST})
    held = kept.filter(Q(request__account__debtor_id=debtor_id) | Q(dispute__debtor_id=debtor_id))
    totals = held.aggregate(count=Count("pk"), size=Sum("size"))
    if (
        totals["count"] >= settings.DOCUMENTS_PER_DEBTOR
        or (totals["size"] or 0) + size > settings.DOCUMENT_BYTES_PER_DEBTOR
    ):
        raise DocumentRefused(
            _(
                "You have sent us as many documents as we can keep for you. If you need to "
                "send more, please call us on the number on the back of your card."
            )
        )


def record_download(document: Document, *, actor: User, ip: str | None) -> None:
    """Every read of a debtor's document leaves an audit row (who, when, from where)."""
    record_event(document, actor=actor, action=AuditAction.DOCUMENT_DOWNLOADED, ip=ip)
