"""A call back: the slot (radio buttons grouped by day, no JavaScript needed), the number
to call (the one we have, or another), and what it is about. The service checks the slot
again under a lock."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from negotiation.models import CallbackTopic

ON_FILE = "on_file"
OTHER = "other"
NOTE_MAX_CHARS = 500


class CallbackForm(forms.Form):
    slot = forms.ChoiceField(
        label=_("When we should call"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose a time for us to call."),
            "invalid_choice": _(
                "That time is no longer free. Please choose another time from the list."
            ),
        },
    )
    number = forms.ChoiceField(
        label=_("The number to call"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose the number we should call."),
            "invalid_choice": _("Please choose the number we should call."),
        },
    )
    other_phone = forms.CharField(
        label=_("Another number"),
        required=False,
        max_length=32,
        error_messages={"max_length": _("Please enter a phone number we can call.")},
    )
    topic = forms.ChoiceField(
        label=_("What the call is about"),
        choices=CallbackTopic.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose what the call is about."),
            "invalid_choice": _("Please choose what the call is about."),
        },
    )
    note = forms.CharField(
        label=_("Anything we should know before we call (optional)"),
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _("Please keep this to %(limit_value)d characters or fewer.")
        },
    )

    def __init__(self, *args: Any, slots: list[str], phone_on_file: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        slot_field = self.fields["slot"]
        assert isinstance(slot_field, forms.ChoiceField)
        slot_field.choices = [(key, key) for key in slots]
        number_field = self.fields["number"]
        assert isinstance(number_field, forms.ChoiceField)
        choices: list[tuple[str, object]] = [(OTHER, _("Another number"))]
        if phone_on_file:
            choices.insert(0, (ON_FILE, phone_on_file))
            self.initial.setdefault("number", ON_FILE)
        else:
            self.initial.setdefault("number", OTHER)
        number_field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("number") == OTHER and not data.get("other_phone", "").strip():
            self.add_error("other_phone", _("Please enter the number we should call."))
        return data


class CallbackCancelForm(forms.Form):
    """Only the button: cancelling asks for this confirmation on its own page."""
