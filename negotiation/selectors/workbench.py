"""Reads shaped for the specialist's request page: the whole picture of a debtor, bounded
so a long history costs the same queries as a short one. No writes here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from negotiation import delinquency, money, policy
from negotiation.models import (
    AuditEvent,
    ContactRecord,
    CreditAccount,
    Document,
    Message,
    Payment,
    ReliefRequest,
    RequestStatus,
    User,
)
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
