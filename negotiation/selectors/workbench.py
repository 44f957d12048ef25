"""Reads shaped for the specialist's request page: the whole picture of a debtor, bounded
so a long history costs the same queries as a short one. No writes here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import Q, QuerySet, TextChoices
from django.db.models.functions import Upper
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from negotiation import delinquency, money, policy
from negotiation.models import (
    OPEN_DISPUTE_STATUSES,
    OPEN_REQUEST_STATUSES,
    AuditAction,
    AuditEvent,
    Callback,
    CallbackStatus,
    ContactRecord,
    CreditAccount,
    Debtor,
    Dispute,
    Document,
    Message,
    Payment,
    Program,
    ReliefRequest,
    RepaymentPlan,
    RequestStatus,
    User,
    WordingKind,
    WordingTemplate,
)
from negotiation.models.debtors import hash_national_id, phone_digits
from negotiation.models.requests import DECISION_STATUSES, REQUEST_TRANSITIONS
from negotiation.queuesearch import SearchKey, SearchTerm
from negotiation.roles import (
    ADD_CONTACTRECORD,
    DOWNLOAD_DOCUMENT,
    ROLE_PERMISSIONS,
    VIEW_DEBTOR_CONTACT,
    Role,
    is_supervisor,
)
from negotiation.selectors.debtor import (
    AccountSummary,
    account_summaries,
    accounts_with_activity,
    request_history,
)
from negotiation.selectors.terms import (
    account_facts,
    affordability_thresholds,
    approves_alone,
    bounds_as_agreed,
    request_affordability,
)


@dataclass(frozen=True)
class BoundCheck:
    """One rule of the program against the request. ``passed`` is None when the rule is not
    judged any more: a decided request is not checked against the account as it is now
    (once approved, the account is in a plan and no longer "open to relief")."""

    label: str
    passed: bool | None
    detail: str


@dataclass
class ReviewPicture:
    """Everything a specialist needs on one page. A fixed number of queries, each bounded:
    the page costs the same for a debtor with a long history."""

    accounts: list[AccountSummary]
    payments: list[Payment]
    earlier_requests: list[ReliefRequest]
    contacts: list[ContactRecord]
    callbacks: list[Callback]  # the debtor's call back waiting to be made (one at most)
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

    return ReviewPicture(
        accounts=account_summaries(
            accounts_with_activity(debtor), today, translation.get_language() or ""
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
        contacts=list(
            debtor.contacts.select_related("staff", "second_staff", "agency").order_by("-at")[
                :RECENT
            ]
        ),
        callbacks=list(debtor.callbacks.filter(status=CallbackStatus.REQUESTED)[:1]),
        documents=_newest(request.documents.all(), "uploaded_at", RECENT),
        messages=_newest(request.messages.select_related("author"), "created_at", 200),
        history=_newest(request_history(request).select_related("actor"), "at", 200),
        checks=bound_checks(request, today=today),
        affordability=request_affordability(request),
        approves_alone=approves_alone(viewer, request, today=today) if request.is_open else None,
    )


class Decision(StrEnum):
    """The decision buttons of the request page; each is one or more moves of
    ``REQUEST_TRANSITIONS``, named in ``DECISION_MOVES``."""

    CLAIM = "claim"
    APPROVE = "approve"  # alone within the limit, else a recommendation for a second approval
    REJECT = "reject"
    COUNTER = "counter"
    ASK = "ask"
    SECOND_APPROVE = "second_approve"
    SEND_BACK = "send_back"


# Where each button leads, and in which role of the table: the states a button shows in and
# who sees it are read from REQUEST_TRANSITIONS, never listed a second time.
DECISION_MOVES: dict[Decision, tuple[tuple[str, Role], ...]] = {
    Decision.CLAIM: ((RequestStatus.IN_REVIEW, Role.REVIEWER),),
    Decision.APPROVE: (
        (RequestStatus.APPROVED, Role.DECIDER),
        (RequestStatus.AWAITING_SECOND_APPROVAL, Role.DECIDER),
    ),
    Decision.REJECT: ((RequestStatus.REJECTED, Role.DECIDER),),
    Decision.COUNTER: ((RequestStatus.COUNTER_OFFERED, Role.DECIDER),),
    Decision.ASK: ((RequestStatus.NEEDS_INFO, Role.DECIDER),),
    Decision.SECOND_APPROVE: ((RequestStatus.APPROVED, Role.SECOND_APPROVER),),
    Decision.SEND_BACK: ((RequestStatus.IN_REVIEW, Role.SECOND_APPROVER),),
}
DECIDER_DECISIONS = frozenset({Decision.APPROVE, Decision.REJECT, Decision.COUNTER, Decision.ASK})
SECOND_APPROVER_DECISIONS = frozenset({Decision.SECOND_APPROVE, Decision.SEND_BACK})
# The decisions whose service first takes a submitted request into review (as the
# lifecycle says: services.requests.review_started), so they show on a submitted one too.
THROUGH_REVIEW = DECIDER_DECISIONS


def holds_role(actor: User | None, role: Role, request: ReliefRequest) -> bool:
    """Whether ``actor`` may act as ``role`` on ``request``. ``None`` is the system."""
    if role is Role.SYSTEM:
        return actor is None
    if actor is None or not actor.is_active:
        return False
    if role is Role.DEBTOR:
        return request.account.debtor.user_id == actor.pk
    return actor.is_staff and actor.has_perm(ROLE_PERMISSIONS[role])


def may_work_on(actor: User | None, request: ReliefRequest) -> bool:
    """A request with a colleague is theirs to review and decide; a supervisor may still
    act on it (they may also hand it over)."""
    return request.assignee_id in (None, getattr(actor, "pk", None)) or is_supervisor(actor)


def decision_roles(decision: Decision) -> frozenset[Role]:
    return frozenset(role for _to, role in DECISION_MOVES[decision])


def _moves_open(request: ReliefRequest, status: str, user: User) -> set[tuple[str, Role]]:
    """The table's moves out of ``status`` that ``user`` may make on ``request``."""
    return {
        (to, role)
        for (source, to), role in REQUEST_TRANSITIONS.items()
        if source == status
        and holds_role(user, role, request)
        and (role not in (Role.REVIEWER, Role.DECIDER) or may_work_on(user, request))
    }


def decisions_open_to(
    request: ReliefRequest, user: User, *, on_hold: bool | None = None
) -> frozenset[Decision]:
    """The decisions ``user`` may take on ``request`` as it stands: the buttons the request
    page shows, and what the decision views accept. Read from ``REQUEST_TRANSITIONS`` (the
    moves out of the request's status, the roles they take and the user's rights through
    ``roles.ROLE_PERMISSIONS``), with the rules the services add to the table: a request a
    colleague holds is theirs (or a supervisor's), no decision while a dispute holds the
    account (``on_hold``; asked of the database when not given), and the second approval
    never from the first approver. Claiming an open request no one else holds is also an
    assignment, not a move."""
    moves = _moves_open(request, request.status, user)
    if (RequestStatus.IN_REVIEW, Role.REVIEWER) in moves:
        reviewed = _moves_open(request, RequestStatus.IN_REVIEW, user)
        moves |= {(to, role) for to, role in reviewed if role is Role.DECIDER}
    if on_hold is None:
        on_hold = _held_by_dispute(request) is not None
    open_decisions = set()
    for decision, leads_to in DECISION_MOVES.items():
        allowed = [(to, role) for to, role in leads_to if (to, role) in moves]
        if on_hold:
            allowed = [(to, role) for to, role in allowed if to not in DECISION_STATUSES]
        if allowed:
            open_decisions.add(decision)
    if request.first_approved_by_id is not None and request.first_approved_by_id == user.pk:
        open_decisions.discard(Decision.SECOND_APPROVE)
    if (
        request.is_open
        and request.assignee_id != user.pk
        and holds_role(user, Role.REVIEWER, request)
        and may_work_on(user, request)
    ):
        open_decisions.add(Decision.CLAIM)
    return frozenset(open_decisions)


def _held_by_dispute(request: ReliefRequest) -> str | None:
    if hasattr(request, "open_dispute_reference"):  # annotated by the admin's queryset
        held: str | None = request.open_dispute_reference
        return held
    return (
        Dispute.objects.filter(account_id=request.account_id, status__in=OPEN_DISPUTE_STATUSES)
        .values_list("reference", flat=True)
        .first()
    )


def _last_change(request: ReliefRequest) -> AuditEvent | None:
    return (
        AuditEvent.objects.filter(
            object_type=ReliefRequest._meta.label_lower,
            object_id=request.pk,
            action__in=[AuditAction.REQUEST_TRANSITION, AuditAction.REQUEST_ASSIGNED],
        )
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )


def _who(event: AuditEvent | None) -> str:
    if event is None:
        return "—"
    if event.actor is not None and not event.actor.is_staff:
        return _("the debtor")
    if event.actor is None:
        return (
            _("the program's automatic approval")
            if event.actor_label == "policy"
            else _("the system")
        )
    return event.actor_label


def _when(event: AuditEvent | None) -> str:
    return timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M") if event else "—"


def _where_it_stands(request: ReliefRequest, event: AuditEvent | None) -> str:
    """The request's status as a sentence about who put it there and when."""
    facts = {"who": _who(event), "when": _when(event)}
    words = {
        RequestStatus.SUBMITTED: _("This request has not been taken into review yet."),
        RequestStatus.IN_REVIEW: _(
            "This request is in review (the last change by %(who)s at %(when)s)."
        ),
        RequestStatus.NEEDS_INFO: _(
            "This request is waiting for the debtor's answer to a question, asked by %(who)s "
            "at %(when)s."
        ),
        RequestStatus.COUNTER_OFFERED: _(
            "A counter-offer on this request was already sent by %(who)s at %(when)s and is "
            "waiting for the debtor's answer."
        ),
        RequestStatus.AWAITING_SECOND_APPROVAL: _(
            "This request is already waiting for a second approval, recommended by %(who)s "
            "at %(when)s."
        ),
        RequestStatus.APPROVED: _("This request was already approved by %(who)s at %(when)s."),
        RequestStatus.REJECTED: _("This request was already rejected by %(who)s at %(when)s."),
        RequestStatus.WITHDRAWN: _("The debtor withdrew this request at %(when)s."),
        RequestStatus.EXPIRED: _("This request expired at %(when)s."),
    }
    return words[RequestStatus(request.status)] % facts


def why_refused(
    request: ReliefRequest, decision: Decision, user: User, *, expected_version: int | None
) -> str | None:
    """Why ``decision`` cannot be taken on ``request`` as it now stands (read it fresh), in
    words about the request: what happened to it, by whom and when. "You do not have the
    right" only when the right is what is missing. None when nothing stands in the way."""
    nothing = _("Nothing was changed.")
    if not any(holds_role(user, role, request) for role in decision_roles(decision)):
        return _("You do not have the right to take this action.")
    held = _held_by_dispute(request)
    open_decisions = decisions_open_to(request, user, on_hold=held is not None)
    changed = expected_version is not None and expected_version != request.version
    if decision in open_decisions and not changed:
        return None
    event = _last_change(request)
    if changed or not _status_allows(request, decision, user):
        if not changed:
            return f"{_where_it_stands(request, event)} {nothing}"
        stands = (
            _where_it_stands(request, event)
            if request.status != RequestStatus.IN_REVIEW or event is None
            else _("It was last changed by %(who)s at %(when)s.")
            % {"who": _who(event), "when": _when(event)}
        )
        return _(
            "This request changed while you were looking at it. %(stands)s %(nothing)s Read "
            "it again before you decide."
        ) % {"stands": stands, "nothing": nothing}
    if held is not None:
        return _(
            "On hold: dispute %(ref)s is open on this account. No decision on relief is "
            "taken until the dispute is answered. %(nothing)s"
        ) % {"ref": held, "nothing": nothing}
    if decision is Decision.SECOND_APPROVE and request.first_approved_by_id == user.pk:
        return _(
            "You recommended this approval, so the second approval must come from someone "
            "else. %(nothing)s"
        ) % {"nothing": nothing}
    if not may_work_on(user, request):
        return _(
            "This request is with %(colleague)s, so only they or a supervisor can decide it. "
            "Ask a supervisor to hand it to you if you need to. %(nothing)s"
        ) % {"colleague": request.assignee, "nothing": nothing}
    return f"{_where_it_stands(request, event)} {nothing}"


def _status_allows(request: ReliefRequest, decision: Decision, user: User) -> bool:
    """Whether the request's status has a move for ``decision`` open to ``user``'s roles,
    whoever holds the request: the state, not the assignment, is what refuses it."""
    roles = {role for role in decision_roles(decision) if holds_role(user, role, request)}
    targets = {to for to, role in DECISION_MOVES[decision] if role in roles}
    statuses = {request.status}
    if decision in THROUGH_REVIEW and request.status == RequestStatus.SUBMITTED:
        statuses.add(RequestStatus.IN_REVIEW)
    if decision is Decision.CLAIM and request.is_open:
        return True
    return any(
        REQUEST_TRANSITIONS.get((status, to)) in roles for status in statuses for to in targets
    )


@dataclass(frozen=True)
class ReviewPage:
    """The specialist's request page: the terms disclosed, the debtor's whole picture, and
    what ``viewer`` may do there (the buttons shown; every action checks again)."""

    relief_request: ReliefRequest
    account: CreditAccount
    days_past_due: int
    stage: delinquency.Stage
    disclosure: money.Disclosure  # as if agreed today while open, else as on the day sent
    picture: ReviewPicture
    decisions: frozenset[Decision]  # the buttons shown: decisions_open_to(request, viewer)
    decision_open: dict[str, bool]  # the same, by name, for the template
    can_decide: bool
    can_second_approve: bool
    can_see_names: bool
    can_download: bool
    can_record_contact: bool


def review_page(request: ReliefRequest, *, viewer: User, today: dt.date) -> ReviewPage:
    start = today if request.is_open else timezone.localdate(request.submitted_at)
    decisions = decisions_open_to(request, viewer)
    return ReviewPage(
        relief_request=request,
        account=request.account,
        days_past_due=request.account.days_past_due(today),
        stage=request.account.stage(today),
        disclosure=money.disclose(request.terms, start=start, due=request.due),
        picture=review_picture(request, viewer=viewer, today=today),
        decisions=decisions,
        decision_open={decision.value: decision in decisions for decision in Decision},
        can_decide=bool(decisions & DECIDER_DECISIONS),
        can_second_approve=bool(decisions & SECOND_APPROVER_DECISIONS),
        can_see_names=viewer.has_perm(VIEW_DEBTOR_CONTACT),
        can_download=viewer.has_perm(DOWNLOAD_DOCUMENT),
        can_record_contact=viewer.has_perm(ADD_CONTACTRECORD),
    )


def decided_check(request: ReliefRequest) -> BoundCheck:
    decided = request.decided_at or request.closed_at
    when = timezone.localtime(decided).strftime("%Y-%m-%d") if decided else ""
    detail = (
        _("Checked while the request was open. It is now %(status)s (decided on %(day)s).")
        % {"status": request.get_status_display(), "day": when}
        if when
        else _("Checked while the request was open. It is now %(status)s.")
        % {"status": request.get_status_display()}
    )
    return BoundCheck(str(_("Policy check")), None, detail)


def _newest(queryset: QuerySet[Any], field: str, limit: int) -> list[Any]:
    """The ``limit`` most recent rows, in reading order (oldest of them first): on a long
    history the newest are what matters, and they must never be the ones cut."""
    return list(reversed(queryset.order_by(f"-{field}", "-id")[:limit]))


def bound_checks(request: ReliefRequest, *, today: dt.date) -> list[BoundCheck]:
    """Each rule of the program against the request's terms as they stand today, while the
    request is open. Once decided, the checks were made at the decision; checking the
    account as it is now would read as a failure (an approved request's account is in a
    plan, so "not open to relief"), so the page says when it was decided instead."""
    if not request.is_open:
        return [decided_check(request)]
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


# The queue: its views and its search ------------------------------------------------------


class QueueView(TextChoices):
    """What the queue shows: what the signed-in staff member should do next (the default),
    what waits on debtors, what waits on a supervisor, every open request, or all."""

    NEEDS_MY_ACTION = "mine", gettext_lazy("Needs my action")
    WAITING_ON_DEBTOR = "debtor", gettext_lazy("Waiting on the debtor")
    ESCALATED = "escalated", gettext_lazy("Escalated: second approval")
    OPEN = "open", gettext_lazy("All open")
    ALL = "all", gettext_lazy("All")


# The bank owes the next step; the debtor does (a question asked, a counter-offer made).
WAITING_ON_THE_DEBTOR: tuple[str, ...] = (RequestStatus.NEEDS_INFO, RequestStatus.COUNTER_OFFERED)
_TO_WORK_ON = (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW)


def queue_view(
    queryset: QuerySet[ReliefRequest], view: str, *, viewer: User
) -> QuerySet[ReliefRequest]:
    """The requests of one ``view`` of the queue for ``viewer``. "Needs my action": the
    requests with the bank to review or decide, the viewer's own and those nobody has taken;
    for a supervisor also every request awaiting a second approval they may give (not one
    they recommended themselves). The others are everyone's: a specialist narrows them with
    the assignee filter. An unknown view shows nothing, rather than everything."""
    if view == QueueView.NEEDS_MY_ACTION:
        mine = Q(status__in=_TO_WORK_ON) & (Q(assignee=viewer) | Q(assignee__isnull=True))
        if is_supervisor(viewer):
            mine |= Q(status=RequestStatus.AWAITING_SECOND_APPROVAL) & ~Q(first_approved_by=viewer)
        return queryset.filter(mine)
    if view == QueueView.WAITING_ON_DEBTOR:
        return queryset.filter(status__in=WAITING_ON_THE_DEBTOR)
    if view == QueueView.ESCALATED:
        return queryset.filter(status=RequestStatus.AWAITING_SECOND_APPROVAL)
    if view == QueueView.OPEN:
        return queryset.filter(status__in=OPEN_REQUEST_STATUSES)
    if view == QueueView.ALL:
        return queryset
    return queryset.none()


def search_requests(
    queryset: QuerySet[ReliefRequest], term: SearchTerm, *, sees_contacts: bool
) -> QuerySet[ReliefRequest]:
    """The requests ``term`` finds, each key by one indexed lookup (docs/DESIGN.md, "The
    request queue"): card last 4 and references by equality, a resident ID by its keyed
    hash (the number itself is neither kept nor logged), a phone by the indexed expression
    of its digits, a name by the prefix of its capitals. Without the right to see names
    and contact details (``sees_contacts``), a name or a phone finds nothing: confirming
    that a named person has a case would tell what the masked list hides."""
    key, text = term.key, term.text
    if key is SearchKey.CARD_LAST4:
        return queryset.filter(account__card_last4=text)
    if key is SearchKey.REFERENCE:
        return _by_reference(queryset, text)
    if key is SearchKey.NATIONAL_ID:
        found = Q(national_id_hash=hash_national_id(text))
        if sees_contacts and term.phones:
            found |= Q(digits__in=term.phones)
        by_id = Debtor.objects.alias(digits=phone_digits()).filter(found)
        return requests_of_debtors(queryset, by_id)
    if not sees_contacts:
        return queryset.none()
    if key is SearchKey.PHONE:
        by_phone = Debtor.objects.alias(digits=phone_digits()).filter(digits__in=term.phones)
        return requests_of_debtors(queryset, by_phone)
    by_name = Debtor.objects.alias(name=Upper("full_name")).filter(name__startswith=text.upper())
    return requests_of_debtors(queryset, by_name)


def requests_of_debtors(
    queryset: QuerySet[ReliefRequest], debtors: QuerySet[Debtor]
) -> QuerySet[ReliefRequest]:
    """The requests on the accounts of ``debtors``, as nested semi-joins through the foreign
    keys' indexes: filtering on ``account__debtor`` would join the accounts to the requests
    (in the queue's count too), and PostgreSQL then hashes the whole accounts table."""
    accounts = CreditAccount.objects.filter(debtor__in=debtors.values("pk"))
    return queryset.filter(account__in=accounts.values("pk"))


def _by_reference(queryset: QuerySet[ReliefRequest], reference: str) -> QuerySet[ReliefRequest]:
    """A reference names its kind by its prefix: one unique index each."""
    prefix = reference[:2]
    if prefix == "RQ":
        return queryset.filter(reference=reference)
    if prefix == "AC":
        return queryset.filter(
            account__in=CreditAccount.objects.filter(reference=reference).values("pk")
        )
    if prefix == "DB":
        return requests_of_debtors(queryset, Debtor.objects.filter(reference=reference))
    return queryset.filter(
        pk__in=RepaymentPlan.objects.filter(reference=reference).values("request_id")
    )


def wordings_for(kind: WordingKind) -> list[WordingTemplate]:
    """The reusable wordings offered on a decision form of ``kind``: one query."""
    return list(WordingTemplate.objects.filter(kind=kind, active=True))


def counter_offer_programs(request: ReliefRequest, *, today: dt.date) -> list[Program]:
    """The programs a counter-offer on ``request`` may propose: the open ones the account is
    eligible for today (as the debtor's own options are judged), the request's first."""
    facts = account_facts(request.account, today=today)
    eligible = [
        program
        for program in Program.objects.filter(active=True).order_by("pk")
        if policy.is_eligible(facts, program.bounds, today=today)
    ]
    return sorted(eligible, key=lambda program: program.pk != request.program_id)


@dataclass(frozen=True)
class CounterOfferPreview:
    """What the specialist sees before sending: the disclosure the debtor will read and,
    beside it, whether its payment fits the debtor's own figures on the request, against
    the payment they asked for."""

    disclosure: money.Disclosure
    affordability: policy.Affordability
    asked: policy.Affordability
    asked_monthly: Any


def counter_offer_preview(
    request: ReliefRequest, terms: money.Terms, *, program: Program, today: dt.date
) -> CounterOfferPreview:
    disclosure = money.disclose(terms, start=today, due=program.bounds.due)
    return CounterOfferPreview(
        disclosure=disclosure,
        affordability=policy.affordability(
            income=request.monthly_income,
            expenses=request.monthly_expenses,
            payment=disclosure.monthly_amount,
            thresholds=affordability_thresholds(),
            dependents=request.dependents,
        ),
        asked=request_affordability(request),
        asked_monthly=request.monthly_amount,
    )
