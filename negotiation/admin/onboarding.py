"""Inviting debtors to the portal from the staff site: actions on the debtor list (invite the
selected, send a new link, revoke), the same as buttons on a debtor's page, and where each
debtor stands (signed up, invited, link expired, not invited). Every button calls one
service (services.onboarding) and needs ``invite_debtor`` (bank staff)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from negotiation.exceptions import ServiceError
from negotiation.http import StaffRequest
from negotiation.models import Debtor, Invitation, PortalAccess
from negotiation.models.invitations import open_invitations
from negotiation.roles import INVITE_DEBTOR
from negotiation.services.onboarding import (
    InvitationOutcome,
    invite_debtors,
    resend_invitation,
    revoke_invitation,
)


def portal_access(debtor: Debtor, now: dt.datetime) -> PortalAccess:
    """Read from the annotation ``with_portal_access`` adds (no query per row)."""
    if debtor.user_id is not None:
        return PortalAccess.ACTIVE
    until: dt.datetime | None = getattr(debtor, "open_invitation_until", None)
    if until is None:
        return PortalAccess.NOT_INVITED
    return PortalAccess.INVITED if until > now else PortalAccess.EXPIRED


def with_portal_access(queryset: QuerySet[Debtor]) -> QuerySet[Debtor]:
    unused = Invitation.objects.filter(open_invitations(), debtor=OuterRef("pk"))
    return queryset.annotate(open_invitation_until=Subquery(unused.values("expires_at")[:1]))


class PortalAccessFilter(admin.SimpleListFilter):
    title = _("portal access")
    parameter_name = "portal_access"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(PortalAccess.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Debtor]) -> QuerySet[Debtor]:
        now = timezone.now()
        chosen = self.value()
        unused = Invitation.objects.filter(open_invitations(), debtor=OuterRef("pk"))
        if chosen == PortalAccess.ACTIVE:
            return queryset.filter(user__isnull=False)
        if chosen == PortalAccess.INVITED:
            return queryset.filter(Exists(unused.filter(expires_at__gt=now)), user__isnull=True)
        if chosen == PortalAccess.EXPIRED:
            return queryset.filter(Exists(unused.filter(expires_at__lte=now)), user__isnull=True)
        if chosen == PortalAccess.NOT_INVITED:
            return queryset.filter(~Exists(unused), user__isnull=True)
        return queryset


class DebtorInvitations(admin.ModelAdmin[Debtor]):
    """What the debtor admin adds for invitations (negotiation/admin/accounts.py)."""

    change_form_template = "admin/negotiation/debtor/change_form.html"
    actions = ["invite_action", "resend_action", "revoke_action"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Debtor]:
        return with_portal_access(super().get_queryset(request))

    def has_invite_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(INVITE_DEBTOR)

    @admin.display(description=_("portal access"))
    def portal_access(self, obj: Debtor) -> str:
        return str(portal_access(obj, timezone.now()).label)

    # The list's actions ----------------------------------------------------------------------

    @admin.action(
        description=_("Invite the selected debtors to the portal"), permissions=["invite"]
    )
    def invite_action(self, request: StaffRequest, queryset: QuerySet[Debtor]) -> None:
        outcome = invite_debtors(queryset, actor=request.user, now=timezone.now())
        report_invitations(self, request, outcome)

    @admin.action(
        description=_("Send the selected debtors a new invitation link"), permissions=["invite"]
    )
    def resend_action(self, request: StaffRequest, queryset: QuerySet[Debtor]) -> None:
        sent = self._each(request, queryset, resend_invitation)
        self.message_user(
            request,
            _("%(count)d new link(s) sent; the links before them no longer work.")
            % {"count": sent},
            messages.SUCCESS if sent else messages.WARNING,
        )

    @admin.action(
        description=_("Revoke the selected debtors' invitation links"), permissions=["invite"]
    )
    def revoke_action(self, request: StaffRequest, queryset: QuerySet[Debtor]) -> None:
        now = timezone.now()
        revoked = sum(revoke_invitation(d, actor=request.user, now=now) for d in queryset)
        self.message_user(
            request, _("%(count)d link(s) revoked.") % {"count": revoked}, messages.SUCCESS
        )

    def _each(
        self,
        request: StaffRequest,
        queryset: QuerySet[Debtor],
        service: Callable[..., object],
    ) -> int:
        """Call ``service`` for each debtor; one that refuses (signed up, no mobile) is
        counted out, and the others still go."""
        now = timezone.now()
        done = 0
        for debtor in queryset:
            try:
                service(debtor, actor=request.user, now=now)
            except ServiceError:
                continue
            done += 1
        return done

    # The buttons on a debtor's page ------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        def route(suffix: str, view: Callable[..., HttpResponseBase], name: str) -> Any:
            return path(
                f"<int:object_id>/{suffix}/",
                self.admin_site.admin_view(require_POST(view)),
                name=f"negotiation_debtor_{name}",
            )

        return [
            route("invite", self.invite_view, "invite"),
            route("revoke-invitation", self.revoke_view, "revoke_invitation"),
            *super().get_urls(),
        ]

    def _debtor(self, request: HttpRequest, object_id: int) -> Debtor:
        if not self.has_invite_permission(request):
            raise PermissionDenied
        return get_object_or_404(Debtor, pk=object_id)

    def _back(self, debtor: Debtor) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:negotiation_debtor_change", args=[debtor.pk]))

    def invite_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        """Invite, or send a new link in place of the one before: the same button."""
        debtor = self._debtor(request, object_id)
        try:
            issued = resend_invitation(debtor, actor=request.user, now=timezone.now())
        except ServiceError as error:
            self.message_user(request, str(error.message), messages.ERROR)
        else:
            self.message_user(
                request,
                _("Invitation %(reference)s sent; the link works until %(until)s.")
                % {
                    "reference": issued.invitation.reference,
                    "until": timezone.localtime(issued.invitation.expires_at).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                },
                messages.SUCCESS,
            )
        return self._back(debtor)

    def revoke_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        debtor = self._debtor(request, object_id)
        revoked = revoke_invitation(debtor, actor=request.user, now=timezone.now())
        if revoked:
            self.message_user(request, _("The invitation link is revoked."), messages.SUCCESS)
        else:
            self.message_user(request, _("There was no link to revoke."), messages.WARNING)
        return self._back(debtor)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        debtor = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if debtor is not None:
            state = portal_access(debtor, timezone.now())
            context.update(
                {
                    "can_invite": self.has_invite_permission(request),
                    "portal_access_state": state,
                    "PortalAccess": PortalAccess,
                }
            )
        return super().change_view(request, object_id, form_url, context)


def report_invitations(model_admin: Any, request: HttpRequest, outcome: InvitationOutcome) -> None:
    """The staff's message after inviting several debtors: how many were invited, and why
    the others were not."""
    model_admin.message_user(
        request,
        invitation_summary(
            sent=len(outcome.issued),
            already_active=outcome.already_active,
            already_invited=outcome.already_invited,
            without_mobile=outcome.without_mobile,
        ),
        messages.SUCCESS if outcome.issued else messages.WARNING,
    )


def invitation_summary(
    *, sent: int, already_active: int, already_invited: int, without_mobile: int, **_other: Any
) -> str:
    """One round of invitations in words, from the debtor list or an import's page (which
    passes its saved counts as they are)."""
    return _(
        "%(sent)d invited. Not invited: %(active)d already signed up, %(open)d with a "
        "link still open (send a new link to replace it), %(no_mobile)d without a "
        "mobile number on file."
    ) % {
        "sent": sent,
        "active": already_active,
        "open": already_invited,
        "no_mobile": without_mobile,
    }
