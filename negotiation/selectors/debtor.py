"""Reads shaped for the debtor's pages: the dashboard, the account page's options and
suggestions, a request's timeline and conversation, the inbox. No writes here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from django.conf import settings
from django.db.models import Model, Prefetch, QuerySet
from django.utils import timezone

from negotiation import delinquency, ledger, money, policy
from negotiation.charts import BalanceChart, balance_chart
from negotiation.models import (
    OPEN_DISPUTE_STATUSES,
    OPEN_REQUEST_STATUSES,
    AuditEvent,
    CollectionNotice,
    CreditAccount,
    Debtor,
    Dispute,
    Document,
    IntentStatus,
    Message,
    Notification,
    NotificationChannel,
    Offer,
    OfferKind,
    OfferStatus,
    Payment,
    PaymentIntent,
    PlanStatus,
    Program,
    PromiseToPay,
    ReliefRequest,
    RepaymentPlan,
    RequestStatus,
)
from negotiation.selectors.accounts import AccountChange, account_changes
from negotiation.selectors.arrears import (
    arrears_facts_under,
    consequences_for,
    facts_from,
    notices_for,
    plan_kept,
    timeline_for,
)
from negotiation.selectors.channels import HowToPay, how_to_pay
from negotiation.selectors.disputes import disputes_of
from negotiation.selectors.ledger import owed_on, owed_under, signed_plan_of
from negotiation.selectors.payments import online_payment_open, waiting_payments
from negotiation.selectors.terms import account_facts, affordability_thresholds


@dataclass
class AccountSummary:
    account: CreditAccount
    days_past_due: int
    stage: delinquency.Stage
    open_request: ReliefRequest | None
    owed: ledger.Owed
    plans: list[RepaymentPlan] = field(default_factory=list)
    # None while a signed plan is kept, or while a dispute holds the account
    next_step: delinquency.TimelineEntry | None = None
    waiting: list[PaymentIntent] = field(default_factory=list)  # online, not yet confirmed
    open_dispute: Dispute | None = None  # the dispute that holds the account, if any

    @property
    def signed_plan(self) -> RepaymentPlan | None:
        return next((p for p in self.plans if p.status == PlanStatus.ACTIVE), None)


def account_summaries(
    accounts: QuerySet[CreditAccount], today: dt.date, language: str
) -> list[AccountSummary]:
    rules = consequences_for(language, today)
    summaries = []
    for account in accounts:
        open_requests = _prefetched(account, "open_requests", ReliefRequest)
        open_disputes = _prefetched(account, "open_disputes", Dispute)
        plans = list(_prefetched(account, "current_plans", RepaymentPlan))
        facts = facts_from(
            account,
            delivered=_prefetched(account, "delivered_notices", CollectionNotice),
            payments=_prefetched(account, "repayments", Payment),
            plan_kept=any(plan_kept(plan, today=today) for plan in plans),
        )
        timeline = delinquency.timeline(facts, rules, today)
        summaries.append(
            AccountSummary(
                account=account,
                days_past_due=timeline.days_past_due,
                stage=timeline.stage,
                open_request=open_requests[0] if open_requests else None,
                owed=owed_on(account, today=today),
                plans=plans,
                # As on the account page: no next step while a signed plan is kept (until
                # the debtor signs, nothing is agreed and the next step still applies), nor
                # while a dispute holds the account.
                next_step=None if facts.under_agreement(today) or open_disputes else timeline.next,
                # Online payments waiting: the debtor's dashboard prefetches them; the staff's
                # review page does not show them, so reads none.
                waiting=getattr(account, "waiting_intents", []),
                open_dispute=open_disputes[0] if open_disputes else None,
            )
        )
    return summaries


_M = TypeVar("_M", bound=Model)


def _prefetched(account: CreditAccount, to_attr: str, model: type[_M]) -> list[_M]:
    """A list that ``accounts_with_activity`` prefetched onto ``account`` with
    ``Prefetch(to_attr=...)``: an attribute set at run time, which the model's type cannot
    declare, read here as a list of ``model``."""
    rows: list[_M] = getattr(account, to_attr)
    return rows


def accounts_with_activity(debtor: Debtor) -> QuerySet[CreditAccount]:
    return debtor.accounts.prefetch_related(
        Prefetch(
            "relief_requests",
            queryset=ReliefRequest.objects.filter(status__in=OPEN_REQUEST_STATUSES),
            to_attr="open_requests",
        ),
        Prefetch(
            "plans",
            queryset=RepaymentPlan.objects.filter(
                status__in=[PlanStatus.AWAITING_SIGNATURE, PlanStatus.ACTIVE]
            )
            .select_related("request__program")
            .prefetch_related("installments"),
            to_attr="current_plans",
        ),
        Prefetch(
            "notices",
            queryset=CollectionNotice.objects.filter(delivered_at__isnull=False),
            to_attr="delivered_notices",
        ),
        Prefetch(
            "disputes",
            queryset=Dispute.objects.filter(status__in=OPEN_DISPUTE_STATUSES),
            to_attr="open_disputes",
        ),
        Prefetch(
            "payments",
            queryset=Payment.objects.only("account_id", "paid_on", "amount", "principal_repaid"),
            to_attr="repayments",
        ),
        "aging_pauses",
    )


def dashboard_for(debtor: Debtor, *, today: dt.date, language: str) -> list[AccountSummary]:
    """Every account of the debtor with its arrears, open request, current plans and the
    next step if nothing is done. A fixed number of queries whatever the number of
    accounts."""
    waiting = Prefetch(
        "payment_intents",
        queryset=PaymentIntent.objects.filter(status=IntentStatus.PENDING).order_by("started_at"),
        to_attr="waiting_intents",
    )
    return account_summaries(
        accounts_with_activity(debtor).prefetch_related(waiting), today, language
    )


@dataclass
class ProgramOption:
    program: Program
    eligible: bool
    reasons: list[str]


def relief_options_for(account: CreditAccount, *, today: dt.date) -> list[ProgramOption]:
    """The open programs, each with whether it fits the account and, if not, why."""
    facts = account_facts(account, today=today)
    options = []
    for program in Program.objects.filter(active=True):
        reasons = policy.ineligibility_reasons(facts, program.bounds, today=today)
        options.append(ProgramOption(program=program, eligible=not reasons, reasons=reasons))
    return options


@dataclass(frozen=True)
class SuggestedPlan:
    program: Program
    suggestion: policy.Suggestion


def suggested_plans_for(
    account: CreditAccount,
    options: list[ProgramOption],
    *,
    today: dt.date,
    figures: tuple[Decimal, Decimal, int] | None,
) -> list[SuggestedPlan]:
    """The few plans worth considering for the account, fitted to the debtor's figures
    (income, expenses, dependents) when they gave them. The living allowance of each
    dependent is kept back as an essential expense, as on the request itself."""
    programs = {option.program.code: option.program for option in options if option.eligible}
    thresholds = affordability_thresholds()
    income: Decimal | None = None
    expenses: Decimal | None = None
    if figures:
        income, expenses, dependents = figures
        expenses += dependents * thresholds.dependent_allowance
    suggestions = policy.suggest_plans(
        account_facts(account, today=today),
        [(code, program.bounds) for code, program in programs.items()],
        today=today,
        income=income,
        expenses=expenses,
        thresholds=thresholds,
    )
    ceiling = settings.DISCLOSED_ANNUAL_RATE_CEILING
    return [
        SuggestedPlan(programs[s.program_key], s)
        for s in suggestions
        if s.disclosure.annual_rate <= ceiling  # never suggest what could not be agreed
    ]


def budget_affordability(
    figures: tuple[Decimal, Decimal, int], payment: Decimal
) -> policy.Affordability:
    """A regular payment against the debtor's figures (income, expenses, dependents): the
    verdict the suggestions show, the request form shows and the specialist reads
    (``policy.affordability`` with the same thresholds and the same living allowance)."""
    income, expenses, dependents = figures
    return policy.affordability(
        income=income,
        expenses=expenses,
        payment=payment,
        thresholds=affordability_thresholds(),
        dependents=dependents,
    )


def fitting_plan(
    account: CreditAccount, *, today: dt.date, figures: tuple[Decimal, Decimal, int]
) -> SuggestedPlan | None:
    """The first of the account's suggested plans that fits the debtor's budget, or None
    when no plan the bank offers does."""
    options = relief_options_for(account, today=today)
    for plan in suggested_plans_for(account, options, today=today, figures=figures):
        fit = plan.suggestion.affordability
        if fit is not None and fit.verdict is policy.Verdict.FITS:
            return plan
    return None


@dataclass(frozen=True)
class BudgetCheck:
    """The terms the debtor chose against the budget they typed, before they send them: the
    verdict, and when the payment does not fit, a suggested plan that does (None when no
    plan the bank offers fits)."""

    payment: Decimal
    affordability: policy.Affordability
    fitting: SuggestedPlan | None

    @property
    def fits(self) -> bool:
        return self.affordability.verdict is policy.Verdict.FITS

    @property
    def tight(self) -> bool:
        return self.affordability.verdict is policy.Verdict.TIGHT

    @property
    def share_that_fits(self) -> int:
        """The largest share of what is left after essentials that a payment may take and
        still fit, in percent (settings.AFFORDABILITY_FITS_MAX_RATIO): said to the debtor so
        that "too much" has a reason."""
        return int(affordability_thresholds().fits * 100)

    @property
    def share_taken(self) -> int | None:
        """The share of what is left that the payment would take, in whole percent."""
        ratio = self.affordability.ratio
        return None if ratio is None else int((ratio * 100).to_integral_value())


def budget_check(
    account: CreditAccount,
    *,
    payment: Decimal,
    figures: tuple[Decimal, Decimal, int] | None,
    today: dt.date,
) -> BudgetCheck | None:
    """Whether ``payment`` (the regular payment of the terms chosen) fits the debtor's
    ``figures``; None until they gave their income and expenses."""
    if figures is None:
        return None
    fit = budget_affordability(figures, payment)
    fitting = (
        None
        if fit.verdict is policy.Verdict.FITS
        else fitting_plan(account, today=today, figures=figures)
    )
    return BudgetCheck(payment=payment, affordability=fit, fitting=fitting)


@dataclass(frozen=True)
class AccountPage:
    """An account as its debtor sees it: what is owed and since when, where it stands and
    what comes next, the options that fit and the plans suggested for them."""

    account: CreditAccount
    owed: ledger.Owed
    signed_plan: RepaymentPlan | None  # the plan in force, which the page leads with
    promises: list[PromiseToPay]  # newest first; the open one, if any, leads
    disputes: list[Dispute]  # newest first, the last five
    open_dispute: Dispute | None  # the dispute that holds the account: no step is coming
    channels: list[HowToPay]  # how to pay, in the page's language
    pay_online: bool  # the "Pay online" button (selectors.payments.online_payment_open)
    pay_reference: str  # what it pays: the account
    waiting: list[PaymentIntent]  # online payments not yet confirmed
    days_past_due: int
    stage: delinquency.Stage
    payments: QuerySet[Payment]  # the 24 most recent
    options: list[ProgramOption]
    suggestions: list[SuggestedPlan]  # none while a request is open
    open_request: ReliefRequest | None
    plans: QuerySet[RepaymentPlan]
    timeline: delinquency.Timeline
    # The green "your plan is in place" only for a signed plan in force: until the debtor
    # signs, nothing is agreed and the steps on the timeline still apply.
    under_plan: bool
    notices: QuerySet[CollectionNotice]
    changes: list[AccountChange]  # bank staff's account actions, newest first, with why


def account_page(
    account: CreditAccount,
    *,
    today: dt.date,
    language: str,
    figures: tuple[Decimal, Decimal, int] | None,
) -> AccountPage:
    """The account page's data on ``today``, in ``language``, with the suggestions fitted
    to the debtor's ``figures`` (income, expenses, dependents) when they gave them."""
    options = relief_options_for(account, today=today)
    open_request = open_request_for(account)
    signed = signed_plan_of(account)
    # An option named in the timeline (an interest freeze) is said only if it is open.
    open_kinds = frozenset(option.program.kind for option in options if option.eligible)
    facts = replace(arrears_facts_under(account, signed, today=today), options_open=open_kinds)
    timeline = timeline_for(account, today=today, language=language, facts=facts)
    disputes = disputes_of(account)
    return AccountPage(
        account=account,
        owed=owed_under(account, signed, today=today),
        signed_plan=signed,
        promises=list(PromiseToPay.objects.filter(account=account)[:5]),
        disputes=disputes,
        open_dispute=next((d for d in disputes if d.is_open), None),
        channels=how_to_pay(account, language=language),
        pay_online=online_payment_open(account),
        pay_reference=account.reference,
        waiting=waiting_payments(account),
        days_past_due=timeline.days_past_due,
        stage=timeline.stage,
        payments=account.payments.all()[:24],
        options=options,
        suggestions=[]
        if open_request
        else suggested_plans_for(account, options, today=today, figures=figures),
        open_request=open_request,
        plans=account.plans.select_related("request").all(),
        timeline=timeline,
        under_plan=facts.under_agreement(today),
        notices=notices_for(account),
        changes=account_changes(account),
    )


def open_request_for(account: CreditAccount) -> ReliefRequest | None:
    return account.relief_requests.filter(status__in=OPEN_REQUEST_STATUSES).first()


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    status: str
    label: str


def request_timeline(request: ReliefRequest) -> list[TimelineEntry]:
    """Each status the request has had, with when: the debtor's view of its history.
    Staff names are not shown to the debtor; the decision speaks for the bank."""
    entries = []
    for event in request_history(request):
        status = event.after.get("status")
        if status in RequestStatus.values:
            entries.append(
                TimelineEntry(at=event.at, status=status, label=str(RequestStatus(status).label))
            )
    return entries


def debtor_thread(request: ReliefRequest) -> QuerySet[Message]:
    """The conversation on a request as the debtor sees it: never the internal notes."""
    return request.messages.filter(internal=False).select_related("author")


def inbox_for(debtor: Debtor) -> QuerySet[Notification]:
    return Notification.objects.filter(debtor=debtor, channel=NotificationChannel.PORTAL)[:100]


def request_history(request: ReliefRequest) -> QuerySet[AuditEvent]:
    """The request's audit trail, oldest first: what the debtor sees as its history."""
    return AuditEvent.objects.filter(
        object_type=ReliefRequest._meta.label_lower, object_id=request.pk
    ).order_by("at", "id")


def pending_counter_offer(request: ReliefRequest) -> Offer | None:
    return (
        request.offers.filter(kind=OfferKind.COUNTER, status=OfferStatus.PENDING)
        .select_related("program")
        .first()
    )


@dataclass(frozen=True)
class RequestPage:
    """A request as its debtor sees it: the terms asked for, disclosed as on the day it was
    sent; its history and conversation; the documents; the plan once approved; and a
    counter-offer waiting for an answer, with its own disclosure."""

    relief_request: ReliefRequest
    disclosure: money.Disclosure
    timeline: list[TimelineEntry]
    thread: list[Message]
    # While the bank waits for an answer: its newest message, the question, shown right above
    # the answer box (the conversation below may be long).
    question: Message | None
    documents: list[Document]
    plan: RepaymentPlan | None  # only once the request is approved
    counter: Offer | None  # only while the request waits for the debtor's answer to it
    counter_expired: bool
    counter_disclosure: money.Disclosure | None
    counter_chart: BalanceChart | None
    # What the bank waits for the debtor to do, if anything: the page says it first, and
    # says "nothing to do" only when this is None.
    asked_of_debtor: DebtorStep | None = None


class DebtorStep(StrEnum):
    """Something a request waits for its debtor to do."""

    ANSWER = "answer"  # the bank asked a question (NEEDS_INFO)
    PROOF = "proof"  # the option needs proof of the situation and none is on the request
    OFFER = "offer"  # a counter-offer waits for an answer
    SIGN = "sign"  # approved: the plan waits for the signature


# While a specialist decides: the debtor is waited for only if proof is missing.
_UNDER_REVIEW = (
    RequestStatus.SUBMITTED,
    RequestStatus.IN_REVIEW,
    RequestStatus.AWAITING_SECOND_APPROVAL,
)


def asked_of_debtor(
    relief_request: ReliefRequest,
    *,
    documents: list[Document],
    plan: RepaymentPlan | None,
    counter_open: bool,
) -> DebtorStep | None:
    """What ``relief_request`` waits for its debtor to do, or None when nothing: an answer
    to the bank's question, proof the option requires (``hardship_evidence_required``)
    while none is on the request, an answer to a counter-offer still open, the signature
    of the approved plan."""
    status = relief_request.status
    if status == RequestStatus.NEEDS_INFO:
        return DebtorStep.ANSWER
    if status == RequestStatus.COUNTER_OFFERED:
        return DebtorStep.OFFER if counter_open else None
    if status == RequestStatus.APPROVED:
        waiting = plan is not None and plan.status == PlanStatus.AWAITING_SIGNATURE
        return DebtorStep.SIGN if waiting else None
    proof_missing = relief_request.program.hardship_evidence_required and not any(
        document.removed_on is None for document in documents
    )
    if status in _UNDER_REVIEW and proof_missing:
        return DebtorStep.PROOF
    return None


def _question_in(thread: list[Message]) -> Message | None:
    """The bank's newest message in the conversation."""
    return next((message for message in reversed(thread) if not message.from_debtor), None)


def request_page(relief_request: ReliefRequest, *, today: dt.date, now: dt.datetime) -> RequestPage:
    """The request page's data: a counter-offer is disclosed as if agreed ``today``, and
    has expired if its time is before ``now``."""
    plan: RepaymentPlan | None = (
        getattr(relief_request, "plan", None)
        if relief_request.status == RequestStatus.APPROVED
        else None
    )
    counter = pending_counter_offer(relief_request)
    thread = list(debtor_thread(relief_request))
    counter_disclosure = (
        money.disclose(counter.terms, start=today, due=counter.due)
        if counter and relief_request.status == RequestStatus.COUNTER_OFFERED
        else None
    )
    documents = list(relief_request.documents.all())
    counter_expired = bool(counter and counter.expires_at and counter.expires_at < now)
    return RequestPage(
        relief_request=relief_request,
        disclosure=money.disclose(
            relief_request.terms,
            start=timezone.localdate(relief_request.submitted_at),
            due=relief_request.due,
        ),
        timeline=request_timeline(relief_request),
        thread=thread,
        question=_question_in(thread)
        if relief_request.status == RequestStatus.NEEDS_INFO
        else None,
        documents=documents,
        plan=plan,
        counter=counter if counter_disclosure else None,
        counter_expired=counter_expired,
        counter_disclosure=counter_disclosure,
        counter_chart=(
            balance_chart(counter_disclosure, currency=relief_request.account.currency)
            if counter_disclosure
            else None
        ),
        asked_of_debtor=asked_of_debtor(
            relief_request,
            documents=documents,
            plan=plan,
            counter_open=counter_disclosure is not None and not counter_expired,
        ),
    )
