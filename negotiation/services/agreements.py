"""The repayment agreement as a PDF (WeasyPrint), in the debtor's language.

Before signing it is a draft, rendered on request. Once signed, the document is rendered
once (in the language the debtor signed in, with the signature evidence) and stored in the
private storage: every later download, by the debtor or by staff, is that same file, even
after payments have changed the plan's installments. The stored file carries the bank's
seal (negotiation/seal.py), so a change to any byte of it is detectable by anyone holding
the bank's certificate; ``check_agreement_seal`` checks a stored one.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from negotiation import money, seal
from negotiation.models import AuditAction, Installment, PlanAmendment, RepaymentPlan, User
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


def amended_schedule(amendment: PlanAmendment) -> list[Installment]:
    """The schedule of a changed plan's version as agreed: the installments as the change
    set them (``schedule_after``), paid ones with the dates they were paid for."""
    return [
        Installment(
            plan=amendment.plan,
            number=line["number"],
            due_date=dt.date.fromisoformat(line["due_date"]),
            principal_part=Decimal(line["principal_part"]),
            cost_part=Decimal(line["cost_part"]),
            amount=Decimal(line["principal_part"]) + Decimal(line["cost_part"]),
        )
        for line in amendment.schedule_after
    ]


# The figures and the evidence of a version that differ from the first agreement's: the
# agreement's template reads them from ``plan`` for every version.
_VERSION_FIELDS = (
    "total_repayable",
    "total_cost",
    "annual_rate",
    "signed_at",
    "signature_ip",
    "signature_user_agent",
    "agreement_sha256",
    "signature_code_sent_to",
    "signature_code_verified_at",
)


def plan_as_amended(amendment: PlanAmendment) -> RepaymentPlan:
    """The plan as version ``amendment.version`` states it: a copy, never saved, with that
    version's payment day, figures and signature evidence."""
    plan = copy.copy(amendment.plan)
    for field in _VERSION_FIELDS:
        setattr(plan, field, getattr(amendment, field))
    if amendment.new_payment_day is not None:
        plan.payment_day = amendment.new_payment_day
    return plan


def agreement_text(
    plan: RepaymentPlan, *, language: str, amendment: PlanAmendment | None = None
) -> str:
    """The agreement as the debtor reads it on the plan page and signs it (its SHA-256 is
    the signature's fingerprint): the same context and schedule as the PDF. With
    ``amendment``, the text of that version of the changed plan."""
    with translation.override(language):
        return render_to_string(
            "negotiation/agreement.txt", agreement_context(plan, language, amendment)
        )


def render_agreement_pdf(
    plan: RepaymentPlan, *, language: str, amendment: PlanAmendment | None = None
) -> bytes:
    """The agreement document for ``plan`` (or its version ``amendment``) in ``language``:
    a draft when unsigned."""
    import weasyprint  # imported here: loading Pango costs time that most requests never need

    # The PDF also says how to pay (the bank's channels, not terms: the signed text's
    # digest does not depend on them).
    context = {
        **agreement_context(plan, language, amendment),
        "channels": how_to_pay(plan.account, language=language),
    }
    with translation.override(language):
        html = render_to_string("negotiation/agreement.html", context)
    return bytes(weasyprint.HTML(string=html).write_pdf())


def agreement_context(
    plan: RepaymentPlan, language: str, amendment: PlanAmendment | None = None
) -> dict[str, Any]:
    """The one context of the agreement's text and its PDF: this is legal text, and two
    sources of its figures could drift apart. A changed plan's version states the version,
    the change, and the schedule and figures as changed."""
    account = plan.account
    stated = plan if amendment is None else plan_as_amended(amendment)
    return {
        "plan": stated,
        "account": account,
        "debtor": account.debtor,
        "program": plan.request.program,
        "schedule": agreed_schedule(plan) if amendment is None else amended_schedule(amendment),
        "waived": plan.terms.amount_waived,
        "signed": stated.signed_at is not None,
        "language": language,
        "amendment": amendment,
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


def amendment_filename(amendment: PlanAmendment) -> str:
    return f"agreement-{amendment.plan.reference}-v{amendment.version}.pdf"


def amendment_pdf(amendment: PlanAmendment, *, language: str, actor: User | None) -> bytes:
    """A changed plan's version as a PDF: a draft in ``language`` while it waits for the
    signature; once signed, the stored document (made on first use)."""
    if amendment.signed_at is None:
        return render_agreement_pdf(amendment.plan, language=language, amendment=amendment)
    return signed_amendment_pdf(amendment.pk, actor=actor)


def signed_amendment_pdf(amendment_id: int, *, actor: User | None) -> bytes:
    """The stored signed agreement of a changed plan's version, rendered, sealed and stored
    the first time (locked, so two first downloads store one document); its own file, so
    the documents of earlier versions stay as they were signed."""
    with transaction.atomic():
        amendment = (
            PlanAmendment.objects.select_for_update(of=("self",))
            .select_related("plan__account__debtor", "plan__request__program")
            .get(pk=amendment_id)
        )
        if amendment.agreement_pdf:
            with amendment.agreement_pdf.open("rb") as stored:
                return bytes(stored.read())
        plan = amendment.plan
        language = amendment.agreement_language or plan.account.debtor.preferred_language
        key = seal.seal_key()
        content = render_agreement_pdf(plan, language=language, amendment=amendment)
        with translation.override(language):
            reason = gettext(
                "Repayment agreement %(reference)s, version %(version)s, signed by the cardholder"
            ) % {"reference": plan.reference, "version": amendment.version}
        content = seal.seal_pdf(
            content, key=key, reason=reason, location=settings.AGREEMENT_SEAL_LOCATION
        )
        amendment.agreement_pdf.save(
            amendment_filename(amendment), ContentFile(content), save=False
        )
        amendment.agreement_seal_certificate = key.fingerprint
        amendment.save(update_fields=["agreement_pdf", "agreement_seal_certificate"])
        record_event(
            plan,
            actor=actor,
            action=AuditAction.PLAN_AGREEMENT_STORED,
            after={
                "sha256": hashlib.sha256(content).hexdigest(),
                "language": language,
                "certificate": key.fingerprint,
                "version": amendment.version,
            },
        )
    return content


def read_amendment_pdf(amendment: PlanAmendment, *, actor: User, ip: str | None) -> bytes:
    """A changed plan's version as a member of staff reads it, audited like the first."""
    content = amendment_pdf(
        amendment, language=amendment.plan.account.debtor.preferred_language, actor=actor
    )
    record_event(
        amendment.plan,
        actor=actor,
        action=AuditAction.PLAN_AGREEMENT_READ,
        after={"version": amendment.version},
        ip=ip,
    )
    return content


def read_agreement_pdf(plan: RepaymentPlan, *, actor: User, ip: str | None) -> bytes:
    """The agreement as a member of staff reads it: in the debtor's language (the signed
    one is the stored document), each read an audit row, since it names the debtor."""
    content = agreement_pdf(plan, language=plan.account.debtor.preferred_language, actor=actor)
    record_event(plan, actor=actor, action=AuditAction.PLAN_AGREEMENT_READ, ip=ip)
    return content
