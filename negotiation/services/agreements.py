"""The repayment agreement as a PDF (WeasyPrint), in the debtor's language.

Before signing it is a draft, rendered on request. Once signed, the document is rendered
once (in the language the debtor signed in, with the signature evidence) and stored in the
private storage: every later download, by the debtor or by staff, is that same file, even
after payments have changed the plan's installments. The stored file carries the bank's
seal (negotiation/seal.py), so a change to any byte of it is detectable by anyone holding
the bank's certificate; ``check_agreement_seal`` checks a stored one.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from negotiation import money, seal
from negotiation.models import AuditAction, Installment, RepaymentPlan, User
from negotiation.selectors.channels import how_to_pay
from negotiation.services.audit import record_event
from negotiation.services.plans import unsaved_installments


def agreement_filename(plan: RepaymentPlan) -> str:
    return f"agreement-{plan.reference}.pdf"


def agreed_schedule(plan: RepaymentPlan) -> list[Installment]:
    """The schedule as agreed: recomputed from the plan's terms and agreement date, so the
    document shows what was signed even after an overpayment reduced the last installments."""

    disclosure = money.disclose(plan.terms, start=plan.agreed_on, due=plan.due)
    return unsaved_installments(plan, disclosure.lines)


def agreement_text(plan: RepaymentPlan, *, language: str) -> str:
    """The agreement as the debtor reads it on the plan page and signs it (its SHA-256 is
    the signature's fingerprint): the same context and schedule as the PDF."""
    with translation.override(language):
        return render_to_string("negotiation/agreement.txt", agreement_context(plan, language))


def render_agreement_pdf(plan: RepaymentPlan, *, language: str) -> bytes:
    """The agreement document for ``plan`` in ``language``: a draft when unsigned."""
    import weasyprint  # imported here: loading Pango costs time that most requests never need

    # The PDF also says how to pay (the bank's channels, not terms: the signed text's
    # digest does not depend on them).
    context = {
        **agreement_context(plan, language),
        "channels": how_to_pay(plan.account, language=language),
    }
    with translation.override(language):
        html = render_to_string("negotiation/agreement.html", context)
    return bytes(weasyprint.HTML(string=html).write_pdf())


def agreement_context(plan: RepaymentPlan, language: str) -> dict[str, Any]:
    """The one context of the agreement's text and its PDF: this is legal text, and two
    sources of its figures could drift apart."""
    account = plan.account
    return {
        "plan": plan,
        "account": account,
        "debtor": account.debtor,
        "program": plan.request.program,
        "schedule": agreed_schedule(plan),
        "waived": plan.terms.amount_waived,
        "signed": plan.signed_at is not None,
        "language": language,
    }


def agreement_pdf(plan: RepaymentPlan, *, language: str, actor: User | None) -> bytes:
    """The PDF to hand to the debtor or to staff. Unsigned: a draft in ``language``. Signed:
    the stored document, created on first use in the language of the signature."""
    if plan.signed_at is None:
        return render_agreement_pdf(plan, language=language)
    return signed_agreement_pdf(plan.pk, actor=actor)


def signed_agreement_pdf(plan_id: int, *, actor: User | None) -> bytes:
    """The stored signed agreement, rendered and stored the first time. Locked, so two
    simultaneous first downloads store one document."""
    with transaction.atomic():
        plan = (
            RepaymentPlan.objects.select_for_update(of=("self",))
            .select_related("account__debtor", "request__program")
            .get(pk=plan_id)
        )
        if plan.agreement_pdf:
            with plan.agreement_pdf.open("rb") as stored:
                return bytes(stored.read())
        language = plan.agreement_language or plan.account.debtor.preferred_language
        key = seal.seal_key()
        content = sealed_agreement(plan, language=language, key=key)
        plan.agreement_pdf.save(agreement_filename(plan), ContentFile(content), save=False)
        plan.agreement_seal_certificate = key.fingerprint
        plan.save(update_fields=["agreement_pdf", "agreement_seal_certificate"])
        record_event(
            plan,
            actor=actor,
            action=AuditAction.PLAN_AGREEMENT_STORED,
            after={
                "sha256": hashlib.sha256(content).hexdigest(),
                "language": language,
                "certificate": key.fingerprint,
            },
        )
    return content


def sealed_agreement(plan: RepaymentPlan, *, language: str, key: seal.SealKey) -> bytes:
    """The signed agreement rendered in ``language`` and sealed with the bank's ``key``."""
    content = render_agreement_pdf(plan, language=language)
    with translation.override(language):
        reason = gettext("Repayment agreement %(reference)s, signed by the cardholder") % {
            "reference": plan.reference
        }
    return seal.seal_pdf(content, key=key, reason=reason, location=settings.AGREEMENT_SEAL_LOCATION)


def check_agreement_seal(plan: RepaymentPlan) -> seal.SealCheck:
    """Whether the stored agreement of ``plan`` still carries the seal it was stored with,
    unchanged, by the configured certificate. A seal by another key (stored before a key
    rotation) is reported untrusted here: docs/OPERATIONS.md says how to check it with the
    old certificate."""
    key = seal.seal_key()
    with plan.agreement_pdf.open("rb") as stored:
        content = bytes(stored.read())
    found = seal.check_seal(content, certificate_pem=key.certificate_pem)
    if plan.agreement_seal_certificate and found.fingerprint != plan.agreement_seal_certificate:
        return seal.SealCheck(
            sealed=found.sealed, intact=found.intact, whole_file=found.whole_file, trusted=False
        )
    return found


def read_agreement_pdf(plan: RepaymentPlan, *, actor: User, ip: str | None) -> bytes:
    """The agreement as a member of staff reads it: in the debtor's language (the signed
    one is the stored document), each read an audit row, since it names the debtor."""
    content = agreement_pdf(plan, language=plan.account.debtor.preferred_language, actor=actor)
    record_event(plan, actor=actor, action=AuditAction.PLAN_AGREEMENT_READ, ip=ip)
    return content
