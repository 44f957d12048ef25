"""Bank staff's account actions, as pages of the account in the staff site: freeze, unfreeze,
close, charge off, correct the balance, record a collection notice. Each is a form (a reason
and the action's fields) that calls one service; the right is checked on the server, and the
buttons on the account's page show only to those who hold it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from negotiation.exceptions import ServiceError
from negotiation.forms.accountactions import (
    BalanceCorrectionForm,
    CollectionNoticeForm,
    StatusActionForm,
)
from negotiation.http import client_ip, staff_user
from negotiation.models import CreditAccount, User
from negotiation.money import format_amount
from negotiation.roles import (
    ADD_COLLECTIONNOTICE,
    CHANGE_ACCOUNT_STATUS,
    CORRECT_ACCOUNT_BALANCE,
    VIEW_CREDITACCOUNT,
)
from negotiation.selectors.accounts import BALANCE_PARTS, STATUS_ACTIONS, status_action_problems
from negotiation.services.accounts import (
    charge_off_account,
    close_account,
    correct_balance,
    freeze_account,
    unfreeze_account,
)
from negotiation.services.notices import record_collection_notice

_STATUS_SERVICES: dict[str, Callable[..., CreditAccount]] = {
    "freeze": freeze_account,
    "unfreeze": unfreeze_account,
    "close": close_account,
    "charge_off": charge_off_account,
}


@dataclass(frozen=True)
class ActionPage:
    """One action's page: its URL name's suffix, the right it takes, its title."""

    name: str
    right: str
    title: StrOrPromise


ACTION_PAGES: dict[str, ActionPage] = {
    **{
        name: ActionPage(name, CHANGE_ACCOUNT_STATUS, action.button)
        for name, action in STATUS_ACTIONS.items()
    },
    "correct_balance": ActionPage(
        "correct_balance", CORRECT_ACCOUNT_BALANCE, _("Correct the balance")
    ),
    "record_notice": ActionPage(
        "record_notice", ADD_COLLECTIONNOTICE, _("Record a collection notice")
    ),
}


def url_name(action: str) -> str:
    return f"negotiation_creditaccount_{action}"


class AccountActions(admin.ModelAdmin[CreditAccount]):
    """The action pages of the account admin, and its buttons on the account's page."""

    def action_urls(self) -> list[Any]:
        return [
            path(
                f"<int:object_id>/{name.replace('_', '-')}/",
                self.admin_site.admin_view(self._view_for(name)),
                name=url_name(name),
            )
            for name in ACTION_PAGES
        ]

    def _view_for(self, name: str) -> Callable[[HttpRequest, int], HttpResponse]:
        def view(request: HttpRequest, object_id: int) -> HttpResponse:
            return self.action_view(request, object_id, name)

        return view

    def action_buttons(self, request: HttpRequest, account: CreditAccount) -> list[Any]:
        """The buttons the user may press on ``account`` as it stands: a status action only
        where it starts from the account's status."""
        user = staff_user(request)
        buttons = []
        for name, page in ACTION_PAGES.items():
            if not user.has_perm(page.right):
                continue
            action = STATUS_ACTIONS.get(name)
            if action is not None and account.status not in action.starts_from:
                continue
            url = reverse(f"admin:{url_name(name)}", args=[account.pk])
            buttons.append({"url": url, "label": page.title, "name": name})
        return buttons

    def action_view(self, request: HttpRequest, object_id: int, name: str) -> HttpResponse:
        """GET: the form. POST: the service; refused, the form again with what was typed
        and why (nothing changed); done, back to the account's page with what was done."""
        page = ACTION_PAGES[name]
        user = staff_user(request)
        if not (user.has_perm(VIEW_CREDITACCOUNT) and user.has_perm(page.right)):
            raise PermissionDenied
        if request.method not in ("GET", "POST"):
            raise Http404
        account = get_object_or_404(CreditAccount.objects.select_related("debtor"), pk=object_id)
        form = self._form(name, request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                done = self._act(name, account, form, user=user, request=request)
            except ServiceError as refused:
                form.add_error(None, str(refused.message))
            else:
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:negotiation_creditaccount_change", args=[account.pk])
                )
        if request.method == "POST":
            self.message_user(
                request, gettext("Nothing was changed: see below why."), messages.ERROR
            )
        problems = status_action_problems(account, name) if name in STATUS_ACTIONS else []
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": page.title,
            "account": account,
            "form": form,
            "problems": problems,
            "total": format_amount(account.total_balance, account.currency),
            "parts": [
                (label, format_amount(getattr(account, part), account.currency))
                for part, label in BALANCE_PARTS.items()
            ],
            "action": name,
        }
        return TemplateResponse(request, "admin/negotiation/creditaccount/action.html", context)

    def _form(self, name: str, data: Any) -> Form:
        if name == "correct_balance":
            return BalanceCorrectionForm(data)
        if name == "record_notice":
            return CollectionNoticeForm(data)
        return StatusActionForm(data)

    def _act(
        self, name: str, account: CreditAccount, form: Form, *, user: User, request: HttpRequest
    ) -> str:
        data = form.cleaned_data
        now = timezone.now()
        if name == "correct_balance":
            assert isinstance(form, BalanceCorrectionForm)
            change = form.change()
            done = correct_balance(
                account,
                actor=user,
                part=data["part"],
                change=change,
                reason=data["reason"],
                now=now,
            )
            part = data["part"]
            return gettext(
                "Balance corrected, %(part)s: %(change)s, now %(after)s. The debtor has been told."
            ) % {
                "part": BALANCE_PARTS[part],
                "change": format_amount(change, account.currency),
                "after": format_amount(getattr(done, part), account.currency),
            }
        if name == "record_notice":
            record_collection_notice(
                account,
                actor=user,
                channel=data["channel"],
                sent_at=data["sent_at"],
                delivered_at=data["delivered_at"],
                text=data["text"],
                evidence=data["evidence"],
                reason=data["reason"],
                now=now,
                ip=client_ip(request),
            )
            return gettext("Collection notice recorded. The debtor sees it on the account page.")
        done_account = _STATUS_SERVICES[name](account, actor=user, reason=data["reason"], now=now)
        return gettext("Account %(ref)s is now %(status)s. The debtor has been told.") % {
            "ref": done_account.reference,
            "status": done_account.get_status_display(),
        }
