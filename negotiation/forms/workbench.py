"""The specialist's decision forms on the request page."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from negotiation.forms.common import DecisionVersionForm
from negotiation.forms.terms import TermsFields
from negotiation.models import (
    ContactChannel,
    ContactDirection,
    ContactOutcome,
    ContactParty,
    Program,
    RejectionReason,
    ReliefRequest,
    User,
)
from negotiation.phones import same_number_forms


class RejectForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=RejectionReason.choices)
    explanation = forms.CharField(
        label=_("Explanation for the debtor"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("The debtor reads this. Say plainly why, and what would change the answer."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class RecommendForm(DecisionVersionForm):
    recommendation = forms.CharField(
        label=_("Recommendation for the second approver (if needed)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
    )


class AskInfoForm(DecisionVersionForm):
    question = forms.CharField(
        label=_("Question for the debtor"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("The debtor reads this. Say what you need and why."),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Internal note (staff only)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )


class SendBackForm(DecisionVersionForm):
    note = forms.CharField(
        label=_("Why it goes back (for the specialist)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )


class ContactForm(forms.Form):
    """A contact to record. The contact rules are the service's (services.contacts); a
    supervisor, who may record one that breaks them, has the reason box too."""

    channel = forms.ChoiceField(label=_("Channel"), choices=ContactChannel.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=ContactDirection.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ContactOutcome.choices)
    at = forms.DateTimeField(label=_("When"), help_text=_("YYYY-MM-DD HH:MM"))
    # Not sent (an older page): the debtor, as every contact was before third parties.
    party = forms.ChoiceField(
        label=_("Who was contacted"),
        choices=ContactParty.choices,
        initial=ContactParty.DEBTOR,
        required=False,
    )
    phone = forms.CharField(
        label=_("Number called"),
        required=False,
        max_length=32,
        help_text=_(
            "Calls and text messages. Empty: the debtor's number on file. For a third party, "
            "their number."
        ),
    )
    relay_only = forms.BooleanField(
        label=_("Relayed a call-back request only; the debt was not disclosed"),
        required=False,
        help_text=_("Required for a third party."),
    )
    second_staff: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Second staff member"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Required for a field visit (in person, made by us)."),
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )
    override_reason = forms.CharField(
        label=_("Reason for an exception to the contact rules"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=1000,
        help_text=_(
            "Only for a contact that breaks a rule of when or how often: it is recorded with "
            "your reason, in the audit trail."
        ),
    )

    def __init__(self, *args: Any, can_override: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        second = self.fields["second_staff"]
        assert isinstance(second, forms.ModelChoiceField)
        second.queryset = User.objects.filter(is_staff=True, is_active=True).order_by("username")
        if not can_override:
            del self.fields["override_reason"]

    def clean_at(self) -> dt.datetime:
        """A contact record is of something that happened: not in the future."""
        at: dt.datetime = self.cleaned_data["at"]
        if at > timezone.now() + dt.timedelta(minutes=5):
            raise forms.ValidationError(_("A contact cannot be in the future."))
        return at

    def clean_party(self) -> str:
        return str(self.cleaned_data["party"] or ContactParty.DEBTOR)

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"].strip()
        if phone and not same_number_forms(phone):
            raise forms.ValidationError(_("Please enter a phone number, digits only."))
        return phone


class CounterOfferForm(TermsFields, DecisionVersionForm):
    """New terms under the request's program, and a word to the debtor. The terms fields and
    their check are the debtor's own (``TermsFields``), worded for the specialist."""

    term_labels: ClassVar[dict[str, Any]] = {
        "grace_months": _("Payment-free months"),
        "down_payment": _("Down payment"),
        "waived_interest": _("Interest waived"),
        "waived_penalty": _("Late charges waived"),
    }
    expires_on = forms.DateField(label=_("Open until"))
    message = forms.CharField(
        label=_("Message to the debtor"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Say plainly why these terms, and what the debtor can do."),
    )

    def __init__(self, *args: Any, request: ReliefRequest, today: dt.date, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.account = request.account
        self.program = request.program
        self.today = today
        # The help text speaks to the debtor; the specialist does not need it.
        self.fields["grace_months"].help_text = ""

    def program_for_terms(self) -> Program:
        return self.program

    def clean_expires_on(self) -> dt.date:
        """From today to 60 days ahead: a past date would show the debtor an offer they can
        never accept."""
        day: dt.date = self.cleaned_data["expires_on"]
        if not self.today <= day <= self.today + dt.timedelta(days=60):
            raise forms.ValidationError(_("Choose a date from today to 60 days ahead."))
        return day


class AssignForm(forms.Form):
    assignee: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=None,
    )

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        assignee_field = self.fields["assignee"]
        assert isinstance(assignee_field, forms.ModelChoiceField)
        assignee_field.queryset = candidates
