"""Bank staff's account actions on the account's page (admin.accounts): a reason every time,
and the action's own fields. The services check again under the account's row lock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from negotiation.forms.common import money_field
from negotiation.models import NoticeChannel
from negotiation.selectors.accounts import BALANCE_PARTS

REASON_MAX_CHARS = 1000


def reason_field(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Reason"),
        help_text=_("The debtor reads it on the account page: plain, respectful words."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX_CHARS}),
        max_length=REASON_MAX_CHARS,
        error_messages={
            "required": _("Please give the reason: the debtor reads it on the account page."),
            "max_length": _("Please keep the reason to %(limit_value)d characters."),
        },
    )


class StatusActionForm(forms.Form):
    """Freeze, unfreeze, close or charge off: the reason only."""

    reason = reason_field()


TAKE_OFF = "take_off"
ADD = "add"


class BalanceCorrectionForm(forms.Form):
    part = forms.ChoiceField(
        label=_("Part of the balance"),
        choices=list(BALANCE_PARTS.items()),
        error_messages={
            "required": _("Please choose which part of the balance to correct."),
            "invalid_choice": _("Please choose which part of the balance to correct."),
        },
    )
    direction = forms.ChoiceField(
        label=_("Correction"),
        choices=[(TAKE_OFF, _("Take off")), (ADD, _("Add"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose whether the amount is taken off or added."),
            "invalid_choice": _("Please choose whether the amount is taken off or added."),
        },
    )
    amount = money_field(
        _("Amount"),
        error_messages={"required": _("Please give the amount of the correction.")},
    )
    reason = reason_field()

    def change(self) -> Decimal:
        """The signed amount: negative when taken off."""
        amount: Decimal = self.cleaned_data["amount"]
        return -amount if self.cleaned_data["direction"] == TAKE_OFF else amount


class CollectionNoticeForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How it was sent"),
        choices=NoticeChannel.choices,
        error_messages={
            "required": _("Please choose how the notice was sent."),
            "invalid_choice": _("Please choose how the notice was sent."),
        },
    )
    sent_at = forms.DateTimeField(
        label=_("Sent at"),
        help_text=_("For example 2026-03-02 10:30."),
        error_messages={
            "required": _("Please give when the notice was sent."),
            "invalid": _("Please give the date and time as 2026-03-02 10:30."),
        },
    )
    delivered_at = forms.DateTimeField(
        label=_("Received at (if known)"),
        required=False,
        error_messages={"invalid": _("Please give the date and time as 2026-03-02 10:30.")},
    )
    text = forms.CharField(
        label=_("What the notice said"),
        help_text=_("As sent: the debtor reads it on the account page."),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        error_messages={
            "required": _("Please give what the notice said: the debtor reads it."),
            "max_length": _("Please keep the text to %(limit_value)d characters."),
        },
    )
    evidence = forms.CharField(
        label=_("Evidence of receipt (if any)"),
        required=False,
        max_length=1000,
        error_messages={"max_length": _("Please keep the evidence to %(limit_value)d characters.")},
    )
    reason = forms.CharField(
        label=_("Why it was sent"),
        help_text=_("For the audit trail."),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX_CHARS}),
        max_length=REASON_MAX_CHARS,
        error_messages={
            "required": _("Please give the reason the notice was sent."),
            "max_length": _("Please keep the reason to %(limit_value)d characters."),
        },
    )
