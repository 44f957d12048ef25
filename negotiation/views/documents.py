"""The debtor's own documents, served as attachments; every read is audited."""

from __future__ import annotations

from django.http import FileResponse
from django.views.decorators.http import require_GET

from negotiation.access import (
    debtor_required,
    document_for,
    document_response,
)
from negotiation.http import DebtorRequest, client_ip
from negotiation.services.documents import record_download


@require_GET
@debtor_required
def document_download(request: DebtorRequest, reference: str) -> FileResponse:
    """The debtor's own document, back to them. Audited like every read of it."""
    document = document_for(request.user, reference)
    record_download(document, actor=request.user, ip=client_ip(request))
    return document_response(document)
