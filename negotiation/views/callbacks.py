"""Call backs and "Contacts from us": the debtor books a call inside their contact hours,
sees it and may cancel it; and reads the bank's record of its contacts with them and the
agencies it has authorised, so a scam call can be told from a real one."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from negotiation.access import account_for, callback_for, debtor_required
from negotiation.callbackslots import Slot, by_day, parse_key
from negotiation.exceptions import TransitionNotAllowed
from negotiation.forms.callbacks import ON_FILE, CallbackCancelForm, CallbackForm
from negotiation.http import DebtorRequest
from negotiation.models import CreditAccount
from negotiation.phones import readable_phone
from negotiation.ratelimits import limited
from negotiation.selectors.contacts import authorised_agencies, contact_line, debtor_contacts
from negotiation.services.callbacks import (
    CallbackRefused,
    book_callback,
    cancel_callback,
    open_callback,
    open_slots,
)
from negotiation.services.contacts import debtor_zone

CONTACTS_PER_PAGE = 20


def _slot_groups(slots: list[Slot], tz: dt.tzinfo, chosen: str) -> list[dict[str, object]]:
    """The slots by day; each day folds (a <details>, no JavaScript), the one with the
    chosen slot open, else the first."""
    groups = by_day(slots, tz)
    open_day = next(
        (day for day, day_slots in groups if any(slot.key == chosen for slot in day_slots)),
        groups[0][0] if groups else None,
    )
    return [
        {
            "day": day,
            "open": day == open_day,
            "slots": [
                {
                    "key": slot.key,
                    "label": f"{slot.start.astimezone(tz):%H:%M}-{slot.end.astimezone(tz):%H:%M}",
                    "checked": slot.key == chosen,
                }
                for slot in day_slots
            ],
        }
        for day, day_slots in groups
    ]


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
@limited("RATE_REQUEST_FORM", per_person=True)
def callback_create(request: DebtorRequest) -> HttpResponse:
    """ "Ask us to call you": a slot, the number, the topic. A debtor with a call back
    waiting sees it instead."""
    debtor = request.debtor
    waiting = open_callback(debtor)
    if waiting is not None:
        return redirect("negotiation:callback_detail", reference=waiting.reference)
    reference = request.POST.get("account") or request.GET.get("account") or ""
    account: CreditAccount | None = account_for(request.user, reference) if reference else None
    now = timezone.now()
    tz = debtor_zone(debtor)
    slots = open_slots(debtor, now=now)
    form = CallbackForm(
        request.POST or None,
        slots=[slot.key for slot in slots],
        phone_on_file=readable_phone(debtor.phone) if debtor.phone else "",
    )
    if request.method == "POST" and form.is_valid():
        starts_at = parse_key(form.cleaned_data["slot"])
        number = form.cleaned_data["number"]
        phone = debtor.phone if number == ON_FILE else form.cleaned_data["other_phone"]
        if starts_at is None:  # the choices are keys: never, but said in the portal's words
            raise Http404
        try:
            callback = book_callback(
                debtor,
                actor=request.user,
                starts_at=starts_at,
                phone=phone,
                topic=form.cleaned_data["topic"],
                note=form.cleaned_data["note"],
                now=now,
                account=account,
            )
        except CallbackRefused as refused:
            form.add_error(None, str(refused.message))
        else:
            messages.success(request, _("Thank you. Your call back is booked."))
            return redirect("negotiation:callback_detail", reference=callback.reference)
    chosen = str(form["slot"].value() or "")
    return render(
        request,
        "negotiation/callback_form.html",
        {
            "form": form,
            "account": account,
            "groups": _slot_groups(slots, tz, chosen),
            "hours": debtor.contact_window_label,
        },
    )


@never_cache
@require_http_methods(["GET"])
@debtor_required
def callback_detail(request: DebtorRequest, reference: str) -> HttpResponse:
    callback = callback_for(request.user, reference)
    return render(
        request,
        "negotiation/callback_detail.html",
        {
            "callback": callback,
            # Still waiting after its slot: we did not call; the debtor may book again.
            "overdue": callback.is_open and callback.ends_at < timezone.now(),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
def callback_cancel(request: DebtorRequest, reference: str) -> HttpResponse:
    """Cancelling asks first, on its own page (a POST form, no JavaScript)."""
    callback = callback_for(request.user, reference)
    if not callback.is_open:
        return redirect("negotiation:callback_detail", reference=callback.reference)
    form = CallbackCancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            cancel_callback(callback, actor=request.user, now=timezone.now())
        except TransitionNotAllowed:
            messages.info(request, _("This call back can no longer be cancelled."))
        else:
            messages.success(request, _("Your call back is cancelled. We will not call you."))
        return redirect("negotiation:callback_detail", reference=callback.reference)
    return render(
        request,
        "negotiation/callback_cancel.html",
        {"callback": callback, "form": form},
    )


@never_cache
@require_http_methods(["GET"])
@debtor_required
def contacts(request: DebtorRequest) -> HttpResponse:
    """ "Contacts from us": the debtor's own contacts, newest first, a page at a time; the
    call back waiting; the agencies authorised to call on the bank's behalf."""
    debtor = request.debtor
    language = get_language() or "zh-hans"
    page = Paginator(debtor_contacts(debtor), CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "negotiation/contacts.html",
        {
            "page": page,
            "lines": [contact_line(record, language=language) for record in page],
            "agencies": [
                {"name": agency.name_in(language), "agency": agency}
                for agency in authorised_agencies(timezone.localdate())
            ],
            "waiting": open_callback(debtor),
        },
    )
