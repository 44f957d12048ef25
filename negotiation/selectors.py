"""Reads shaped for pages. No writes here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from negotiation import delinquency, policy
from negotiation.models import (
    OPEN_REQUEST_STATUSES,
    AuditEvent,
    CollectionNotice,
    ConsequenceRule,
    ContactRecord,
    CreditAccount,
    Debtor,
    Document,
    Message,
    Notification,
    NotificationChannel,
    Payment,
    PlanStatus,
    Program,
    ReliefRequest,
    RepaymentPlan,
    RequestStatus,
    User,
)
from negotiation.services.requests import (
    account_facts,
    affordability_thresholds,
    bounds_as_agreed,
)


@dataclass
class AccountSummary:
    account: CreditAccount
    days_past_due: int
    stage: delinquency.Stage
    open_request: ReliefRequest | None
    plans: list[RepaymentPlan] = field(default_factory=list)
    next_step: delinquency.TimelineEntry | None = None  # none while a signed plan is kept


def _summaries(
    accounts: QuerySet[CreditAccount], today: dt.date, language: str
) -> list[AccountSummary]:
    rules = consequences_for(language, today)
    summaries = []
    for account in accounts:
        open_requests = account.open_requests  # type: ignore[attr-defined]
        plans = list(account.current_plans)  # type: ignore[attr-defined]
        facts = _facts(
            account,
            delivered=account.delivered_notices,  # type: ignore[attr-defined]
            payments=account.repayments,  # type: ignore[attr-defined]
            plan_kept=any(plan_kept(plan, today=today) for plan in plans),
        )
        timeline = delinquency.timeline(facts, rules, today)
        summaries.append(
            AccountSummary(
                account=account,
                days_past_due=timeline.days_past_due,
                stage=timeline.stage,
                open_request=open_requests[0] if open_requests else None,
                plans=plans,
                # As on the account page: no next step while a signed plan is kept; until
                # the debtor signs, nothing is agreed and the next step still applies.
                next_step=None if facts.under_agreement(today) else timeline.next,
            )
        )
    return summaries


def _accounts_with_activity(debtor: Debtor) -> QuerySet[CreditAccount]:
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
    return _summaries(_accounts_with_activity(debtor), today, language)


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


def open_request_for(account: CreditAccount) -> ReliefRequest | None:
    return account.relief_requests.filter(status__in=OPEN_REQUEST_STATUSES).first()


def request_history(request: ReliefRequest) -> QuerySet[AuditEvent]:
    """The request's audit trail, oldest first: what the debtor sees as its history."""
    return AuditEvent.objects.filter(
        object_type=ReliefRequest._meta.label_lower, object_id=request.pk
    ).order_by("at", "id")


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


@dataclass(frozen=True)
class BoundCheck:
    label: str
    passed: bool
    detail: str


@dataclass
class ReviewPicture:
    """Everything a specialist needs on one page. A fixed number of queries, each bounded:
    the page costs the same for a debtor with a long history."""

    accounts: list[AccountSummary]
    payments: list[Payment]
    earlier_requests: list[ReliefRequest]
    contacts: list[ContactRecord]
    documents: list[Document]
    messages: list[Message]
    history: list[AuditEvent]
    checks: list[BoundCheck]
    affordability: policy.Affordability
    approves_alone: bool | None


RECENT = 50


def review_picture(request: ReliefRequest, *, viewer: User, today: dt.date) -> ReviewPicture:
    debtor = request.account.debtor
    year_ago = today - dt.timedelta(days=365)
    from negotiation.services.requests import approves_alone, request_affordability

    return ReviewPicture(
        accounts=_summaries(
            _accounts_with_activity(debtor), today, translation.get_language() or ""
        ),
        payments=list(
            Payment.objects.filter(account__debtor=debtor, paid_on__gte=year_ago)
            .select_related("account")
            .order_by("-paid_on")[:RECENT]
        ),
        earlier_requests=list(
            ReliefRequest.objects.filter(account__debtor=debtor)
            .exclude(pk=request.pk)
            .select_related("account")
            .order_by("-submitted_at")[:RECENT]
        ),
        contacts=list(debtor.contacts.select_related("staff").order_by("-at")[:RECENT]),
        documents=_newest(request.documents.all(), "uploaded_at", RECENT),
        messages=_newest(request.messages.select_related("author"), "created_at", 200),
        history=_newest(request_history(request).select_related("actor"), "at", 200),
        checks=bound_checks(request, today=today),
        affordability=request_affordability(request),
        approves_alone=approves_alone(viewer, request, today=today) if request.is_open else None,
    )


def _newest(queryset: QuerySet[Any], field: str, limit: int) -> list[Any]:
    """The ``limit`` most recent rows, in reading order (oldest of them first): on a long
    history the newest are what matters, and they must never be the ones cut."""
    return list(reversed(queryset.order_by(f"-{field}", "-id")[:limit]))


def bound_checks(request: ReliefRequest, *, today: dt.date) -> list[BoundCheck]:
    """Each rule of the program against the request's terms as they stand today."""
    facts = account_facts(request.account, today=today)
    bounds = bounds_as_agreed(request)
    reasons = policy.ineligibility_reasons(facts, bounds, today=today)
    errors = policy.bounds_violations(request.terms, bounds, facts, start=today)
    rows = [BoundCheck(str(_("Eligibility")), not reasons, " ".join(reasons))]
    for name, label in (
        ("months", _("Number of payments")),
        ("grace_months", _("Payment-free months")),
        ("down_payment", _("Down payment")),
        ("waived_interest", _("Interest waived")),
        ("waived_penalty", _("Late charges waived")),
    ):
        rows.append(BoundCheck(str(label), name not in errors, errors.get(name, "")))
    return rows


def consequences_for(
    language: str, today: dt.date, *, jurisdiction: str | None = None
) -> list[delinquency.Consequence]:
    """The consequence rules in force on ``today``: for each rule, the latest version whose
    effective date has come, in ``language`` (the site's default language when there is no
    text in that one), in the order of the list."""
    jurisdiction = jurisdiction or settings.CONSEQUENCE_JURISDICTION
    for candidate in (language, settings.LANGUAGE_CODE):
        in_force = ConsequenceRule.objects.filter(
            jurisdiction=jurisdiction, language=candidate, effective_from__lte=today
        ).order_by("key", "-effective_from")
        latest: dict[str, ConsequenceRule] = {}
        for rule in in_force:
            latest.setdefault(rule.key, rule)
        if latest:
            ordered = sorted(latest.values(), key=lambda rule: (rule.position, rule.key))
            return [rule.as_consequence() for rule in ordered]
    return []


def plan_kept(plan: RepaymentPlan, *, today: dt.date) -> bool:
    """Whether ``plan`` is an agreement being kept on ``today``: signed, in force, and no
    installment missed beyond the grace its program gives to make one up."""
    if plan.status != PlanStatus.ACTIVE:
        return False
    grace_days = plan.request.program.grace_days
    return not policy.missed(plan.installment_states(), today=today, grace_days=grace_days)


def arrears_facts(account: CreditAccount, *, today: dt.date) -> delinquency.ArrearsFacts:
    active = (
        account.plans.filter(status=PlanStatus.ACTIVE)
        .select_related("request__program")
        .prefetch_related("installments")
        .first()
    )
    return _facts(
        account,
        delivered=account.notices.filter(delivered_at__isnull=False),
        payments=account.payments.all(),
        plan_kept=active is not None and plan_kept(active, today=today),
    )


def _facts(
    account: CreditAccount,
    *,
    delivered: Iterable[CollectionNotice],
    payments: Iterable[Payment],
    plan_kept: bool,
) -> delinquency.ArrearsFacts:
    return delinquency.ArrearsFacts(
        oldest_unpaid_due_date=account.oldest_unpaid_due_date,
        principal=account.principal,
        notices=tuple(
            delinquency.Notice(
                sent_on=timezone.localdate(n.sent_at),
                received_on=timezone.localdate(n.delivered_at),
            )
            for n in delivered
            if n.delivered_at is not None
        ),
        pauses=tuple(account.pauses()),
        repayments=tuple(
            delinquency.Repayment(p.paid_on, p.amount, p.principal_repaid) for p in payments
        ),
        agreement_kept=plan_kept,
    )


def timeline_for(
    account: CreditAccount,
    *,
    today: dt.date,
    language: str,
    facts: delinquency.ArrearsFacts | None = None,
) -> delinquency.Timeline:
    """Where the account stands and what comes next, with dates, in ``language``."""
    facts = facts or arrears_facts(account, today=today)
    return delinquency.timeline(facts, consequences_for(language, today), today)


def notices_for(account: CreditAccount) -> QuerySet[CollectionNotice]:
    return account.notices.all()
