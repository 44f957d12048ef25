"""The letters a debtor needs, as PDFs in their language, sealed by the bank
(negotiation/seal.py): a statement of account on demand (what is owed, the plan, every
payment), and the payoff letter (结清证明) once the account is settled, issued when it
settles and stored, so every later download is the same document. Staff reads are audited,
since the letters name the debtor."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrPromise

from negotiation import seal
from negotiation.exceptions import NotSettledYet
from negotiation.models import AccountStatus, AuditAction, CreditAccount, User
from negotiation.models.accounts import PAID_UP_ACCOUNT_STATUSES
from negotiation.selectors.ledger import owed_on
from negotiation.services.audit import record_event

STATEMENT = "statement"
PAYOFF = "payoff"


def statement_filename(account: CreditAccount, today: dt.date) -> str:
    return f"statement-{account.reference}-{today:%Y%m%d}.pdf"


def payoff_filename(account: CreditAccount) -> str:
    return f"payoff-letter-{account.reference}.pdf"


def statement_pdf(account: CreditAccount, *, language: str, now: dt.datetime) -> bytes:
    """The statement of account as of ``now``: the card's balances, the plan's position
    and schedule, every payment received; sealed."""
    today = timezone.localdate(now)
    context = {
        **_letter_context(account, language),
        "owed": owed_on(account, today=today),
        "payments": account.payments.order_by("paid_on", "pk"),
        "plans": account.plans.select_related("request__program").prefetch_related("installments"),
        "as_of": now,
    }
    return _sealed(
        "negotiation/letters/statement.html",
        context,
        language=language,
        reason=gettext_lazy("Statement of account %(reference)s"),
    )


def payoff_letter_pdf(account_id: int, *, actor: User | None, now: dt.datetime) -> bytes:
    """The stored payoff letter of a settled account, issued and stored the first time
    (when the account settles: ``issue_payoff_letter`` after the commit; else at the first
    download). Locked, so two first downloads issue one letter. Raises ``NotSettledYet``."""
    with transaction.atomic():
        account = (
            CreditAccount.objects.select_for_update(of=("self",))
            .select_related("debtor")
            .get(pk=account_id)
        )
        # A closed account keeps the letter it was given when it settled.
        closed_without_one = account.status == AccountStatus.CLOSED and not account.payoff_letter
        if account.status not in PAID_UP_ACCOUNT_STATUSES or closed_without_one:
            raise NotSettledYet
        if account.payoff_letter:
            with account.payoff_letter.open("rb") as stored:
                return bytes(stored.read())
        language = account.debtor.preferred_language
        settled_on = settled_on_of(account, today=timezone.localdate(now))
        key = seal.seal_key()
        content = _sealed(
            "negotiation/letters/payoff.html",
            {
                **_letter_context(account, language),
                "settled_on": settled_on,
                "issued_at": now,
            },
            language=language,
            reason=gettext_lazy("Payoff letter for account %(reference)s"),
            key=key,
        )
        account.payoff_letter.save(payoff_filename(account), ContentFile(content), save=False)
        account.payoff_letter_issued_at = now
        account.save(update_fields=["payoff_letter", "payoff_letter_issued_at"])
        record_event(
            account,
            actor=actor,
            action=AuditAction.PAYOFF_LETTER_ISSUED,
            after={
                "sha256": hashlib.sha256(content).hexdigest(),
                "language": language,
                "settled_on": settled_on,
                "certificate": key.fingerprint,
            },
        )
    return content


def settled_on_of(account: CreditAccount, *, today: dt.date) -> dt.date:
    """The day the account was paid in full: its last payment's, else (settled by a
    correction) ``today``."""
    last = account.payments.order_by("-paid_on").values_list("paid_on", flat=True).first()
    return last or today


def read_letter(
    account: CreditAccount, *, letter: str, actor: User, ip: str | None, now: dt.datetime
) -> bytes:
    """A letter as a member of staff reads it (in the debtor's language); each read is an
    audit row. Raises ``NotSettledYet`` for the payoff letter of an account not settled."""
    if letter == PAYOFF:
        content = payoff_letter_pdf(account.pk, actor=actor, now=now)
    else:
        content = statement_pdf(account, language=account.debtor.preferred_language, now=now)
    record_event(
        account, actor=actor, action=AuditAction.LETTER_READ, after={"letter": letter}, ip=ip
    )
    return content


def _letter_context(account: CreditAccount, language: str) -> dict[str, Any]:
    return {"account": account, "debtor": account.debtor, "language": language}


def _sealed(
    template: str,
    context: dict[str, Any],
    *,
    language: str,
    reason: StrPromise,
    key: seal.SealKey | None = None,
) -> bytes:
    """The letter ``template`` rendered in ``language`` and sealed; ``reason`` (the seal's
    words, with the account's reference) in the letter's language too, whoever asks."""
    import weasyprint  # imported here: loading Pango costs time that most requests never need

    with translation.override(language):
        html = render_to_string(template, context)
        said = str(reason) % {"reference": context["account"].reference}
    content = bytes(weasyprint.HTML(string=html).write_pdf())
    return seal.seal_pdf(
        content,
        key=key or seal.seal_key(),
        reason=said,
        location=settings.AGREEMENT_SEAL_LOCATION,
    )
