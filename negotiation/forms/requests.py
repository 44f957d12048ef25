"""The debtor's side of a request: the request itself, answers, documents, declining an offer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from negotiation.forms.common import money_field
from negotiation.forms.terms import TermsForm
from negotiation.models import (
    DocumentKind,
    HardshipReason,
)
from negotiation.policy import Hardship


class ReliefRequestForm(TermsForm):
    """The debtor's request: the terms, their situation, and their confirmation."""

    hardship_reason = forms.ChoiceField(
        label=_("What has made paying difficult?"), choices=HardshipReason.choices
    )
    hardship_statement = forms.CharField(
        label=_("Tell us about your situation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("A few sentences are enough. This helps us find a plan you can keep."),
    )
    monthly_income = money_field(_("Monthly income after tax"))
    monthly_expenses = money_field(
        _("Monthly essential expenses"),
        help_text=_("Rent, food, transport, other loan payments."),
    )
    dependents = forms.IntegerField(
        label=_("People who depend on you"), min_value=0, max_value=20, initial=0
    )
    consent_truthful = forms.BooleanField(
        label=_("The information I have given is true and complete to the best of my knowledge.")
    )
    consent_data_processing = forms.BooleanField(
        label=_(
            "I agree that the bank uses this information about my finances only to assess "
            "this request."
        )
    )

    @property
    def hardship(self) -> Hardship:
        data = self.cleaned_data
        return Hardship(
            reason=data["hardship_reason"],
            statement=data["hardship_statement"],
            monthly_income=data["monthly_income"],
            monthly_expenses=data["monthly_expenses"],
            dependents=data["dependents"],
        )


class DocumentFieldsMixin(forms.Form):
    """A proof with its separate consent (PIPL: sensitive personal information)."""

    document = forms.FileField(label=_("Document (PDF, JPEG or PNG)"), required=False)
    document_kind = forms.ChoiceField(
        label=_("What it shows"), choices=DocumentKind.choices, required=False
    )
    document_consent = forms.BooleanField(
        label=_("I agree that the bank keeps this document and uses it only to assess my request."),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # How long it is kept, said where it is given (PIPL Art. 17, 19: services.retention).
        self.fields["document_consent"].help_text = gettext(
            "We keep your documents for %(days)d days after your request is closed, or after "
            "its plan ends if it is approved, and then delete them."
        ) % {"days": settings.RETENTION_DOCUMENT_DAYS}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("document") and not cleaned.get("document_consent"):
            self.add_error(
                "document_consent", _("Please agree to the use of your documents before uploading.")
            )
        if cleaned.get("document") and not cleaned.get("document_kind"):
            self.add_error("document_kind", _("Please say what the document shows."))
        return cleaned


class UploadForm(DocumentFieldsMixin):
    document = forms.FileField(label=_("Document (PDF, JPEG or PNG)"))


class AnswerForm(DocumentFieldsMixin):
    answer = forms.CharField(
        label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    # The answer first, right under the question; a document, if any, after it.
    field_order = ["answer", "version"]


class DeclineOfferForm(forms.Form):
    comment = forms.CharField(
        label=_("Why do these terms not work for you?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("For example, what you could pay each month. A specialist will look again."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
