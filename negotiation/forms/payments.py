"""Paying online: which amount, and through which provider (the service checks the amount
against what is owed)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from negotiation.forms.common import PortalForm, money_field
from negotiation.money import format_amount
from negotiation.payproviders import PaymentProvider
from negotiation.punctuation import labelled
from negotiation.selectors.payments import OTHER, AmountChoice


class PayForm(PortalForm):
    choice = forms.ChoiceField(
        label=_("How much you would like to pay"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose how much you would like to pay."),
            "invalid_choice": _("Please choose one of the amounts below."),
        },
    )
    other_amount = money_field(
        _("Another amount"),
        required=False,
        help_text=_("In yuan and fen, for example 500 or 500.50."),
    )
    provider = forms.ChoiceField(
        label=_("How you would like to pay"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose how you would like to pay."),
            "invalid_choice": _("Please choose one of the ways to pay below."),
        },
    )

    def __init__(
        self,
        *args: Any,
        choices: list[AmountChoice],
        providers: dict[str, PaymentProvider],
        currency: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.amounts = {choice.key: choice.amount for choice in choices}
        choice_field = self.fields["choice"]
        assert isinstance(choice_field, forms.ChoiceField)
        choice_field.choices = [
            (c.key, labelled(c.label, format_amount(c.amount, currency))) for c in choices
        ] + [(OTHER, _("Another amount"))]
        provider_field = self.fields["provider"]
        assert isinstance(provider_field, forms.ChoiceField)
        provider_field.choices = [(name, p.label) for name, p in providers.items()]
        if len(providers) == 1:
            self.initial.setdefault("provider", next(iter(providers)))
        if choices:
            self.initial.setdefault("choice", choices[0].key)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        other = cleaned.get("other_amount")
        if cleaned.get("choice") == OTHER and other is None:
            self.add_error("other_amount", _("Please enter the amount you would like to pay."))
        return cleaned

    def amount(self) -> Decimal:
        """The amount chosen, once the form is valid."""
        choice = self.cleaned_data["choice"]
        chosen: Decimal = (
            self.cleaned_data["other_amount"] if choice == OTHER else self.amounts[choice]
        )
        return chosen
