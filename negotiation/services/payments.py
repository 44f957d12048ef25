"""Payments: recorded one by one in the admin or imported in bulk; allocated to the plan's
installments; the account's balance and the plan's progress follow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from negotiation import money, policy
from negotiation.exceptions import ServiceError
from negotiation.imports.payments import PaymentRow
from negotiation.imports.table import Problem
from negotiation.models import (
    AccountStatus,
    AuditAction,
    CreditAccount,
    Installment,
    InstallmentStatus,
    NotificationEvent,
    NotificationPage,
    Payment,
    PaymentAllocation,
    PaymentSource,
    PlanStatus,
    RepaymentPlan,
    User,
)
from negotiation.money import format_amount
from negotiation.queueing import ISSUE_PAYOFF_LETTER, delay_after_commit
from negotiation.selectors.ledger import owed_on, owed_under
from negotiation.services.accounts import end_aging_pauses, transition_account
from negotiation.services.audit import record_event
from negotiation.services.notifications import notify_debtor
from negotiation.services.plans import transition_plan
from negotiation.services.promises import keep_promise_if_paid

# The order in which a payment reduces the account's ledger: the costs of being late
# first, principal last (the usual card allocation order).
LEDGER_ORDER = ("penalty", "fees", "interest", "principal")
# Where a payment of the whole balance, outside a plan, settles the account. (Under a plan
# awaiting signature the plan decides: it expires or is signed.)
PAYABLE_IN_FULL = (
    AccountStatus.IN_ARREARS,
    AccountStatus.DISPUTED,
    AccountStatus.CHARGED_OFF,
    AccountStatus.FROZEN,
)

# The sources a payment may name, read once (``PaymentSource.values`` builds a new list on
# every read: a hundred thousand times in an import).
SOURCES = frozenset(PaymentSource.values)


class PaymentRefused(ServiceError):
    """One or more reasons, in words for the person entering or importing the payment."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def payment_problems(
    account: CreditAccount | None,
    *,
    amount: Decimal,
    paid_on: dt.date,
    source: str,
    external_id: str,
    today: dt.date,
    already_in_this_batch: Decimal = money.ZERO,
    check_owed: bool = True,
) -> list[str]:
    """Why this payment cannot be recorded; empty when it can. ``already_in_this_batch`` is
    what earlier rows of the same import pay on the same account; ``check_owed=False``
    leaves out the check against what is owed (``more_than_owed`` then tells)."""
    if account is None:
        return [_("No account with this reference.")]
    problems = entry_problems(
        amount=amount, paid_on=paid_on, source=source, external_id=external_id, today=today
    )
    if check_owed:
        over = more_than_owed(account, amount + already_in_this_batch, today=today)
        if over:
            problems.append(over)
    return problems


def entry_problems(
    *, amount: Decimal, paid_on: dt.date, source: str, external_id: str, today: dt.date
) -> list[str]:
    """The checks of a payment that need nothing but its own values (no account, no
    query): shared by ``payment_problems`` and the set-based import."""
    problems = []
    if amount <= 0 or not _in_fen(amount):
        problems.append(_("The amount must be positive, in yuan and fen."))
    if paid_on > today:
        problems.append(_("The payment date is in the future."))
    if source not in SOURCES:
        problems.append(
            _("Unknown source; use one of: %(sources)s.")
            % {"sources": ", ".join(PaymentSource.values)}
        )
    if not external_id.strip():
        problems.append(_("The external id is missing."))
    return problems


def _in_fen(amount: Decimal) -> bool:
    """Whether ``amount`` has no part smaller than a fen. One too large to round at all (more
    digits than Decimal's precision, which would raise) is not an amount anyone pays."""
    try:
        return amount == money.round_money(amount)
    except InvalidOperation:
        return False


def more_than_owed(account: CreditAccount, amount: Decimal, *, today: dt.date) -> str:
    """Why ``amount`` cannot be recorded on ``account`` because less is owed; "" when not."""
    return more_than(owed_on(account, today=today).headline, amount)


def more_than(owed: Decimal, amount: Decimal) -> str:
    """Why ``amount`` cannot be recorded where ``owed`` is still owed; "" when it can."""
    if amount > owed:
        return _("This is more than the %(owed)s still owed on the account.") % {
            "owed": policy.amount_text(owed)
        }
    return ""


def _current_plan(account: CreditAccount) -> RepaymentPlan | None:
    return RepaymentPlan.objects.filter(account=account, status=PlanStatus.ACTIVE).first()


def record_payment(
    account: CreditAccount,
    *,
    actor: User | None,
    amount: Decimal,
    paid_on: dt.date,
    source: str,
    external_id: str,
    today: dt.date,
    actor_label: str = "import",
) -> Payment:
    """Record a payment on ``account``. Under an active plan it is allocated to the
    installments (``money.allocate``); the principal it repays reduces the account's ledger
    (penalty, fees, interest, then principal); a fully paid plan is COMPLETED and the
    account SETTLED. Raises ``PaymentRefused`` with every reason. ``actor_label`` names who
    recorded it in the audit trail when no person did (an import, a payment provider)."""
    with transaction.atomic():
        locked = CreditAccount.objects.select_for_update().get(pk=account.pk)
        problems = payment_problems(
            locked,
            amount=amount,
            paid_on=paid_on,
            source=source,
            external_id=external_id,
            today=today,
        )
        if Payment.objects.filter(external_id=external_id).exists():
            problems.append(_("A payment with this external id is already recorded."))
        if problems:
            raise PaymentRefused(problems)
        payment = Payment.objects.create(
            account=locked,
            amount=amount,
            paid_on=paid_on,
            source=source,
            external_id=external_id,
            recorded_by=actor,
        )
        plan = _current_plan(locked)
        repaid = _allocate_to_plan(payment, plan) if plan else amount
        payment.principal_repaid = _reduce_ledger(locked, repaid)
        payment.save(update_fields=["principal_repaid"])
        record_event(
            payment,
            actor=actor,
            actor_label=actor_label,
            action=AuditAction.PAYMENT_RECORDED,
            after={
                "account": locked.reference,
                "amount": str(amount),
                "paid_on": paid_on,
            },
        )
        _send_receipt(payment, plan)
        keep_promise_if_paid(locked)
        plan_paid = plan is not None and (
            not plan.installments.exclude(status=InstallmentStatus.PAID).exists()
        )
        close_if_paid(locked, plan, plan_paid=plan_paid, paid_on=paid_on, actor=actor)
    return payment


def close_if_paid(
    account: CreditAccount,
    plan: RepaymentPlan | None,
    *,
    plan_paid: bool,
    paid_on: dt.date,
    actor: User | None,
) -> None:
    """After a payment (the account locked, its ledger saved): an account paid in full
    without a plan is SETTLED; a plan whose installments are all paid (``plan_paid``) is
    COMPLETED and its account SETTLED, and the debtor told. Either way the aging pauses
    end and the payoff letter is queued. Shared by ``record_payment`` and the set-based
    import, which knows ``plan_paid`` from the installments it holds."""
    if plan is None and account.total_balance == 0 and account.status in PAYABLE_IN_FULL:
        # Paid in full without a plan: nothing is owed or overdue any more.
        transition_account(account, AccountStatus.SETTLED, actor=actor, reason="paid in full")
        end_aging_pauses(account, on=paid_on, actor=actor)
        _issue_payoff_letter_after_commit(account)
    if plan is not None and plan_paid:
        transition_plan(plan, PlanStatus.COMPLETED, actor=actor)
        transition_account(account, AccountStatus.SETTLED, actor=actor, reason="plan completed")
        end_aging_pauses(account, on=paid_on, actor=actor)
        _issue_payoff_letter_after_commit(account)
        notify_debtor(
            account.debtor,
            NotificationEvent.PLAN_COMPLETED,
            key=plan.reference,
            request=plan.request,
            context={"reference": plan.reference, "page": NotificationPage.PLAN},
        )


def _issue_payoff_letter_after_commit(account: CreditAccount) -> None:
    # If the letter cannot be made now, the first download makes it
    # (services.letters.payoff_letter_pdf).
    delay_after_commit(ISSUE_PAYOFF_LETTER, account.pk)


def _send_receipt(payment: Payment, plan: RepaymentPlan | None) -> None:
    """Every payment is acknowledged to the debtor (a receipt is never capped)."""
    account = payment.account
    notify_debtor(
        account.debtor,
        NotificationEvent.PAYMENT_RECEIVED,
        key=payment.external_id,
        request=plan.request if plan else None,
        account=account,
        context=receipt_context(
            account,
            plan,
            amount=payment.amount,
            paid_on=payment.paid_on,
            # The plan this payment was allocated to, already in hand: no second read.
            still_to_pay=owed_under(account, plan, today=payment.paid_on).headline,
        ),
    )


def receipt_context(
    account: CreditAccount,
    plan: RepaymentPlan | None,
    *,
    amount: Decimal,
    paid_on: dt.date,
    still_to_pay: Decimal,
) -> dict[str, str]:
    """What a receipt says (templates/notifications/payment_received.txt)."""
    return {
        "reference": plan.reference if plan else account.reference,
        "page": NotificationPage.PLAN if plan else NotificationPage.ACCOUNT,
        "amount": format_amount(amount, account.currency),
        "paid_on": paid_on.isoformat(),
        "still_to_pay": format_amount(still_to_pay, account.currency),
    }


def _allocate_to_plan(payment: Payment, plan: RepaymentPlan) -> Decimal:
    """Settle installments; return how much of the payment repaid principal (as opposed
    to the plan's own costs, which are not on the account's ledger). Within an
    installment the cost is settled before the principal."""
    installments = {i.number: i for i in Installment.objects.select_for_update().filter(plan=plan)}
    parts, principal_repaid = allocate_to_installments(
        payment.amount, installments, paid_on=payment.paid_on
    )
    for installment, part in parts:
        installment.save(update_fields=["paid_amount", "status"])
        PaymentAllocation.objects.create(payment=payment, installment=installment, amount=part)
    return principal_repaid


def allocate_to_installments(
    amount: Decimal, installments: dict[int, Installment], *, paid_on: dt.date
) -> tuple[list[tuple[Installment, Decimal]], Decimal]:
    """``money.allocate`` applied to the plan's ``installments`` (by number) in memory: each
    installment paid and its new status set, not saved; the parts, and how much of the
    amount repaid principal. Shared by ``record_payment`` and the set-based import."""
    open_lines = [
        money.Open(i.number, i.due_date, i.amount - i.paid_amount) for i in installments.values()
    ]
    parts = []
    principal_repaid = money.ZERO
    for number, part in money.allocate(amount, open_lines, paid_on=paid_on).items():
        installment = installments[number]
        principal_before = max(money.ZERO, installment.paid_amount - installment.cost_part)
        installment.paid_amount += part
        principal_repaid += (
            max(money.ZERO, installment.paid_amount - installment.cost_part) - principal_before
        )
        installment.status = (
            InstallmentStatus.PAID
            if installment.paid_amount == installment.amount
            else InstallmentStatus.PARTIALLY_PAID
        )
        parts.append((installment, part))
    return parts, principal_repaid


def _reduce_ledger(account: CreditAccount, amount: Decimal) -> Decimal:
    """Take ``amount`` off the ledger in ``LEDGER_ORDER`` and save it; return the part that
    went to principal (kept on the payment: the law counts the rest as repaid principal too)."""
    to_principal = reduce_ledger_in_memory(account, amount)
    account.save(update_fields=list(LEDGER_ORDER))
    return to_principal


def reduce_ledger_in_memory(account: CreditAccount, amount: Decimal) -> Decimal:
    """``_reduce_ledger`` without the save (the set-based import writes its accounts in one
    statement)."""
    remaining = amount
    to_principal = money.ZERO
    for field in LEDGER_ORDER:
        part = min(remaining, getattr(account, field))
        setattr(account, field, getattr(account, field) - part)
        remaining -= part
        if field == "principal":
            to_principal = part
    return to_principal


class ImportRefused(ServiceError):
    """Nothing was imported: every problem found, each with its line and column."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            _("%(count)d problem(s); nothing was imported.") % {"count": len(problems)}
        )
        self.problems = sorted(problems)


@dataclass(frozen=True)
class PaymentImport:
    imported: int
    already_imported: int
    # Debits the bank took for more than the account still owed (it was paid another way
    # the same day, online or by hand): not recorded, for staff to refund or post by hand.
    held: tuple[Problem, ...] = ()


def import_payments(
    rows: Sequence[PaymentRow],
    *,
    problems: Sequence[Problem] = (),
    today: dt.date,
    progress: Callable[[int, int], None] | None = None,
) -> PaymentImport:
    """All or nothing: every row checked first (``problems`` are those the file's reading
    found); any problem and ``ImportRefused`` lists them all, writing nothing. A row whose
    external id was imported before with the same details is skipped, so running the same
    file twice changes nothing; with other details it is a problem."""
    found = list(problems)
    accounts = CreditAccount.objects.in_bulk(
        list({row.account_reference for row in rows}), field_name="reference"
    )
    new_rows = _not_yet_imported(rows, accounts, found)
    row_problems, held = _payment_problems_of(new_rows, accounts, today)
    found.extend(row_problems)
    if found:
        raise ImportRefused(found)
    held_lines = {problem.line for problem in held}
    new_rows = [row for row in new_rows if row.line not in held_lines]
    with transaction.atomic():
        for done, row in enumerate(new_rows, start=1):
            record_payment(
                accounts[row.account_reference],
                actor=None,
                amount=row.amount,
                paid_on=row.paid_on,
                source=row.source,
                external_id=row.external_id,
                today=today,
            )
            if progress is not None:
                progress(done, len(new_rows))
    return PaymentImport(
        imported=len(new_rows),
        already_imported=len(rows) - len(new_rows) - len(held),
        held=tuple(sorted(held)),
    )


def _not_yet_imported(
    rows: Sequence[PaymentRow], accounts: dict[str, CreditAccount], found: list[Problem]
) -> list[PaymentRow]:
    existing = Payment.objects.in_bulk([r.external_id for r in rows], field_name="external_id")
    new_rows = []
    for row in rows:
        earlier = existing.get(row.external_id)
        account = accounts.get(row.account_reference)
        if earlier is None:
            new_rows.append(row)
        elif (earlier.account_id, earlier.amount, earlier.paid_on) != (
            account.pk if account else None,
            row.amount,
            row.paid_on,
        ):
            found.append(imported_with_other_details(row.line))
    return new_rows


def imported_with_other_details(line: int) -> Problem:
    return Problem(
        line, "external_id", _("this external id was imported before with other details")
    )


def held_debit(line: int, over: str) -> Problem:
    """An automatic debit held (``_payment_problems_of`` says why), with what is owed."""
    reason = _(
        "an automatic debit the bank took for more than is still owed (paid "
        "another way meanwhile): not recorded; refund it or post it by hand"
    )
    return Problem(line, "amount", f"{reason}. {over}")


def _payment_problems_of(
    rows: Sequence[PaymentRow], accounts: dict[str, CreditAccount], today: dt.date
) -> tuple[list[Problem], list[Problem]]:
    """Each row against the same rules as a payment entered by hand, counting what earlier
    rows of the file already pay on the same account; and the automatic debits to hold.

    A debit the bank already took (source ``auto_debit``) for more than the account still
    owes is held, not a problem: the account was paid another way after the morning's
    export (online, the same day), the money has left the debtor's account, and refusing
    the whole file would leave every other debtor's debit unrecorded and their installment
    overdue. It is not recorded (no payment beyond what is owed), and staff refund it or
    post what is owed by hand; a debit within what is owed is allocated like any payment
    (to the next installment, or from the last one backwards)."""
    found: list[Problem] = []
    held: list[Problem] = []
    running: dict[str, Decimal] = {}
    for row in rows:
        account = accounts.get(row.account_reference)
        already = running.get(row.account_reference, money.ZERO)
        debit = row.source == PaymentSource.AUTO_DEBIT
        problems = payment_problems(
            account,
            amount=row.amount,
            paid_on=row.paid_on,
            source=row.source,
            external_id=row.external_id,
            today=today,
            already_in_this_batch=already,
            check_owed=not debit,
        )
        found.extend(Problem(row.line, "", str(problem)) for problem in problems)
        if debit and account is not None and not problems:
            over = more_than_owed(account, row.amount + already, today=today)
            if over:
                held.append(held_debit(row.line, over))
                continue
        running[row.account_reference] = already + row.amount
    return found, held
