"""Reads shaped for the specialist's request page: the whole picture of a debtor, bounded
so a long history costs the same queries as a short one. No writes here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, TextChoices
from django.db.models.functions import Upper
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from negotiation import delinquency, money, policy
from negotiation.models import (
    OPEN_REQUEST_STATUSES,
    AuditEvent,
    ContactRecord,
    CreditAccount,
    Debtor,
    Document,
    Message,
    Payment,
    ReliefRequest,
    RepaymentPlan,
    RequestStatus,
    User,
)
from negotiation.models.debtors import hash_national_id, phone_digits
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
            debtor.contacts.select_related("staff", "second_staff").order_by("-at")[:RECENT]
        ),
        documents=_newest(request.documents.all(), "uploaded_at", RECENT),
        messages=_newest(request.messages.select_related("author"), "created_at", 200),
        history=_newest(request_history(request).select_related("actor"), "at", 200),
        checks=bound_checks(request, today=today),
        affordability=request_affordability(request),
        approves_alone=approves_alone(viewer, request, today=today) if request.is_open else None,
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
    can_decide: bool
    can_second_approve: bool
    can_see_names: bool
    can_download: bool
    can_record_contact: bool


def review_page(request: ReliefRequest, *, viewer: User, today: dt.date) -> ReviewPage:
    start = today if request.is_open else timezone.localdate(request.submitted_at)
    return ReviewPage(
        relief_request=request,
        account=request.account,
        days_past_due=request.account.days_past_due(today),
        stage=request.account.stage(today),
        disclosure=money.disclose(request.terms, start=start, due=request.due),
        picture=review_picture(request, viewer=viewer, today=today),
        can_decide=viewer.has_perm(ROLE_PERMISSIONS[Role.DECIDER]) and request.is_open,
        can_second_approve=is_supervisor(viewer)
        and request.status == RequestStatus.AWAITING_SECOND_APPROVAL,
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
        return queryset.filter(account__debtor__in=by_id.values("pk"))
    if not sees_contacts:
        return queryset.none()
    if key is SearchKey.PHONE:
        by_phone = Debtor.objects.alias(digits=phone_digits()).filter(digits__in=term.phones)
        return queryset.filter(account__debtor__in=by_phone.values("pk"))
    by_name = Debtor.objects.alias(name=Upper("full_name")).filter(name__startswith=text.upper())
    return queryset.filter(account__debtor__in=by_name.values("pk"))


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
        return queryset.filter(
            account__debtor__in=Debtor.objects.filter(reference=reference).values("pk")
        )
    return queryset.filter(
        pk__in=RepaymentPlan.objects.filter(reference=reference).values("request_id")
    )
