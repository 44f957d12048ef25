"""The debtor's dispute: what is wrong, in their words, with documents if they have them
(the service checks each file by its content and the limits); and the staff's answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from negotiation.forms.common import PortalForm, money_field
from negotiation.models import DisputeKind
from negotiation.models.disputes import EXPLANATION_MAX_CHARS, REASON_MAX_CHARS

# How many files one dispute form takes at once (each is checked and counted against the
# debtor's limits by services.documents).
FILES_AT_ONCE = 5


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; the list may be empty (documents are optional)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        single = super().clean
        return [single(item, initial) for item in files if item]


class DisputeForm(PortalForm):
    kind = forms.ChoiceField(
        label=_("What is wrong?"),
        choices=DisputeKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose what is wrong."),
            "invalid_choice": _("Please choose one of the answers shown."),
        },
    )
    explanation = forms.CharField(
        label=_("Tell us what happened"),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": EXPLANATION_MAX_CHARS}),
        max_length=EXPLANATION_MAX_CHARS,
        error_messages={
            "required": _("Please tell us in your own words what is wrong."),
        },
    )
    documents = MultipleFileField(
        label=_("Documents that show it (optional: PDF, JPEG or PNG)"),
        required=False,
        error_messages={
            "invalid": _("Please choose the file again: it did not arrive."),
            "missing": _("Please choose the file again: it did not arrive."),
            "empty": _("The file is empty."),
        },
    )
    document_consent = forms.BooleanField(
        label=_(
            "I agree that the bank keeps these documents and uses them only to look into "
            "my dispute."
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["explanation"].help_text = gettext(
            "For example: which payment or charge is wrong, when you paid and how, or why the "
            "card is not yours. At most %(max)d characters."
        ) % {"max": EXPLANATION_MAX_CHARS}
        self.fields["documents"].help_text = ngettext(
            "For example a receipt, a bank statement or a letter. Up to %(count)d file, "
            "each at most %(mb)d MB.",
            "For example a receipt, a bank statement or a letter. Up to %(count)d files, "
            "each at most %(mb)d MB.",
            FILES_AT_ONCE,
        ) % {"count": FILES_AT_ONCE, "mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        documents = cleaned.get("documents") or []
        if len(documents) > FILES_AT_ONCE:
            self.add_error(
                "documents",
                gettext("Please send at most %(count)d files with your dispute.")
                % {"count": FILES_AT_ONCE},
            )
        if documents and not cleaned.get("document_consent"):
            self.add_error(
                "document_consent", _("Please agree to the use of your documents before uploading.")
            )
        return cleaned


def _reason_field(label: Any, required_message: Any, help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX_CHARS,
        help_text=help_text,
        error_messages={
            "required": required_message,
            "max_length": _("Please keep it to %(limit_value)d characters."),
        },
    )


class UpholdForm(forms.Form):
    """Upheld, with what each part of the balance loses (0: unchanged)."""

    # The three answers share one page: a prefix each keeps their fields' ids apart, so
    # each label names its own box.
    prefix = "uphold"

    answer = _reason_field(
        _("Answer to the debtor"),
        _("Please write the answer: the debtor reads it."),
        _("What was wrong and what the bank has done about it. The debtor reads this."),
    )
    principal = money_field(_("Take off principal"), required=False)
    interest = money_field(_("Take off interest"), required=False)
    fees = money_field(_("Take off fees"), required=False)
    penalty = money_field(_("Take off late charges"), required=False)

    def reductions(self) -> dict[str, Any]:
        return {
            part: self.cleaned_data[part]
            for part in ("principal", "interest", "fees", "penalty")
            if self.cleaned_data.get(part)
        }


class RejectDisputeForm(forms.Form):
    prefix = "reject"
    answer = _reason_field(
        _("Reason for the debtor"),
        _("Please write the reason: the debtor reads it."),
        _("Why the balance stands, in plain words. The debtor reads this."),
    )


class ExtendDisputeForm(forms.Form):
    prefix = "extend"
    reason = _reason_field(
        _("Why the answer needs more time"),
        _("Please say why the answer needs more time: the debtor reads it."),
        _("For example: the merchant must answer first. The debtor reads this and is told."),
    )
