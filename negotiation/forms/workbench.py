"""The specialist's decision forms on the request page."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from negotiation.forms.common import DecisionVersionForm
from negotiation.forms.terms import ProgramChoiceField, TermsFields
from negotiation.models import (
    CollectionAgency,
    ContactChannel,
    ContactDirection,
    ContactOutcome,
    ContactParty,
    Program,
    RejectionReason,
    ReliefRequest,
    User,
    WordingTemplate,
)
from negotiation.phones import same_number_forms


class WordingSelect(forms.Select):
    """The list of reusable wordings: each option carries its text in the debtor's language
    (``data-text``), which static/js/wording.js puts in the text box when one is chosen."""

    def __init__(self, texts: dict[str, str], target: str) -> None:
        super().__init__(attrs={"data-wording-for": f"id_{target}"})
        self.texts = texts

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)
        text = self.texts.get(str(option["value"]))
        if text:
            option["attrs"]["data-text"] = text
        return option


class WordingChoice(forms.Form):
    """A decision form whose text the debtor reads (``wording_target``), with the list of
    reusable wordings of its kind. Choosing one fills the text box in the debtor's language
    (with JavaScript); without it, the chosen wording's text is used when the box is left
    empty. What is typed always wins: the wording is only a start."""

    wording_target: ClassVar[str]
    empty_text_message: ClassVar[Any] = _(
        "Write the text for the debtor, or choose a wording from the list."
    )

    def __init__(
        self,
        *args: Any,
        wordings: list[WordingTemplate] | None = None,
        language: str = "en",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.wordings = {str(w.pk): w for w in wordings or []}
        self.language = language
        self.fields[self.wording_target].required = False
        if self.wordings:
            texts = {pk: w.text_in(language) for pk, w in self.wordings.items()}
            field = forms.ChoiceField(
                label=_("Start from a wording"),
                choices=[("", _("— none: I write my own —"))]
                + [(pk, str(w)) for pk, w in self.wordings.items()],
                required=False,
                widget=WordingSelect(texts, self.wording_target),
                help_text=_("In the debtor's language. You can change the text before sending."),
            )
            # Placed just before the text box it fills.
            fields = list(self.fields.items())
            at = [name for name, _f in fields].index(self.wording_target)
            fields.insert(at, ("wording", field))
            self.fields = dict(fields)

    def wording_text(self) -> str:
        """The target's text: as typed, else the chosen wording's in the debtor's language
        (the target's ``clean_<name>`` returns this)."""
        text = (self.cleaned_data.get(self.wording_target) or "").strip()
        chosen = self.wordings.get(self.cleaned_data.get("wording") or "")
        if not text and chosen is not None:
            text = chosen.text_in(self.language)
        if not text:
            raise forms.ValidationError(self.empty_text_message)
        return text


class RejectForm(WordingChoice):
    wording_target = "explanation"
    reason_code = forms.ChoiceField(label=_("Reason"), choices=RejectionReason.choices)
    explanation = forms.CharField(
        label=_("Explanation for the debtor"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("The debtor reads this. Say plainly why, and what would change the answer."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_explanation(self) -> str:
        return self.wording_text()


class RecommendForm(DecisionVersionForm):
    recommendation = forms.CharField(
        label=_("Recommendation for the second approver (if needed)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
    )


class AskInfoForm(WordingChoice, DecisionVersionForm):
    wording_target = "question"
    question = forms.CharField(
        label=_("Question for the debtor"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("The debtor reads this. Say what you need and why."),
    )

    def clean_question(self) -> str:
        return self.wording_text()


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
    agency: forms.ModelChoiceField[CollectionAgency] = forms.ModelChoiceField(
        label=_("Made by an agency on our behalf"),
        queryset=CollectionAgency.objects.none(),
        required=False,
        help_text=_("Empty: made by our own staff."),
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
        agency = self.fields["agency"]
        assert isinstance(agency, forms.ModelChoiceField)
        agency.queryset = CollectionAgency.objects.filter(active=True).order_by("name")
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


class CounterOfferForm(WordingChoice, TermsFields, DecisionVersionForm):
    """New terms under one of the programs the account is eligible for (the request's, or
    another such as the hardship plan with waivers), and a word to the debtor. The terms
    fields and their check are the debtor's own (``TermsFields``, which reports every
    problem at once), worded for the specialist."""

    wording_target = "message"
    term_labels: ClassVar[dict[str, Any]] = {
        "grace_months": _("Payment-free months"),
        "down_payment": _("Down payment"),
        "waived_interest": _("Interest waived"),
        "waived_penalty": _("Late charges waived"),
    }
    # Not given (a page from before programs could change): the request's own.
    program = ProgramChoiceField(
        label=_("Program"), queryset=Program.objects.none(), empty_label=None, required=False
    )
    expires_on = forms.DateField(
        label=_("Open until"),
        error_messages={"invalid": _("Give the date as YYYY-MM-DD, such as 2027-01-15.")},
    )
    message = forms.CharField(
        label=_("Message to the debtor"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Say plainly why these terms, and what the debtor can do."),
    )

    def __init__(
        self,
        *args: Any,
        request: ReliefRequest,
        today: dt.date,
        programs: list[Program] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        # The program first: its bounds are what the terms below are checked against.
        self.order_fields(["program"])
        self.account = request.account
        self.request_program = request.program
        self.today = today
        program_field = self.fields["program"]
        assert isinstance(program_field, ProgramChoiceField)
        offered = programs if programs is not None else [request.program]
        program_field.queryset = Program.objects.filter(pk__in=[p.pk for p in offered])
        program_field.help_text = _("The programs this account is eligible for today.")
        # The help text speaks to the debtor; the specialist does not need it.
        self.fields["grace_months"].help_text = ""

    def program_for_terms(self) -> Program:
        program: Program | None = self.cleaned_data.get("program")
        return program or self.request_program

    def clean_message(self) -> str:
        return self.wording_text()

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


class CallbackCloseForm(forms.Form):
    """The call back made: what came of the call (no answer, a message left, an invalid
    number: missed), a note, and for a supervisor the reason for an exception to the rules."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=ContactOutcome.choices)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )
    override_reason = forms.CharField(
        label=_("Reason for an exception to the contact rules"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=1000,
    )

    def __init__(self, *args: Any, can_override: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not can_override:
            del self.fields["override_reason"]
