"""Reads about the changes of a signed plan (services.planchanges writes them): the change
waiting for a signature, the signed versions, and the debtor's requests for other changes."""

from __future__ import annotations

import datetime as dt

from negotiation.models import (
    AmendmentStatus,
    PlanAmendment,
    PlanChangeRequest,
    RepaymentPlan,
)


def pending_change(plan: RepaymentPlan, *, now: dt.datetime) -> PlanAmendment | None:
    """The change waiting for the debtor's signature, unless its time to sign has passed
    (a lapsed one is expired by the next write or the daily job)."""
    pending = PlanAmendment.objects.filter(
        plan=plan, status=AmendmentStatus.AWAITING_SIGNATURE
    ).first()
    if pending is None or pending.expires_at <= now:
        return None
    return pending


def versions_of(plan: RepaymentPlan) -> list[PlanAmendment]:
    """The plan's signed versions after the first, in order (one query)."""
    return list(
        PlanAmendment.objects.filter(plan=plan, status=AmendmentStatus.SIGNED).order_by("version")
    )


def change_requests_of(plan: RepaymentPlan) -> list[PlanChangeRequest]:
    """What the debtor asked about changing the plan, newest first, with the answers."""
    return list(PlanChangeRequest.objects.filter(plan=plan).order_by("-asked_at", "-pk")[:10])
